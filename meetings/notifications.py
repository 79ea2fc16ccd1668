"""Invitation emails with the meeting attached as iCalendar (METHOD:REQUEST
or CANCEL), and the signed accept/decline links they carry."""

from __future__ import annotations

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from . import ical
from .models import Invitation, Meeting, Rsvp, Status

RSVP_SALT = "meetings.rsvp"
RSVP_MAX_AGE = 60 * 60 * 24 * 60  # links work for 60 days


def rsvp_token(invitation: Invitation, answer: str) -> str:
    return signing.dumps({"i": invitation.pk, "a": answer}, salt=RSVP_SALT, compress=True)


def read_rsvp_token(token: str) -> tuple[int, str]:
    """(invitation id, answer); raises ``signing.BadSignature`` (expired too)."""
    data = signing.loads(token, salt=RSVP_SALT, max_age=RSVP_MAX_AGE)
    if data.get("a") not in (Rsvp.ACCEPTED, Rsvp.TENTATIVE, Rsvp.DECLINED):
        raise signing.BadSignature("unknown answer")
    return int(data["i"]), data["a"]


def rsvp_links(invitation: Invitation) -> dict[str, str]:
    return {
        answer: ical.absolute(reverse("meetings:rsvp", args=[rsvp_token(invitation, answer)]))
        for answer in (Rsvp.ACCEPTED, Rsvp.TENTATIVE, Rsvp.DECLINED)
    }


def invitation_email(
    meeting: Meeting, invitation: Invitation, *, cancelled: bool, uninvited: bool = False
) -> EmailMultiAlternatives:
    cancelled = cancelled or uninvited
    method = "CANCEL" if cancelled else "REQUEST"
    with translation.override(settings.LANGUAGE_CODE):
        context = {
            "meeting": meeting,
            "invitation": invitation,
            "cancelled": cancelled,
            "links": {} if cancelled else rsvp_links(invitation),
            "url": ical.absolute(meeting.get_absolute_url()),
        }
        subject = render_to_string("meetings/email/invitation_subject.txt", context).strip()
        body = render_to_string("meetings/email/invitation.txt", context)
        ics = (
            ical.uninvitation_calendar(meeting, invitation.person)
            if uninvited
            else ical.meeting_calendar(meeting, method=method)
        )
    message = EmailMultiAlternatives(subject, body, to=[invitation.person.email])
    # Calendar clients act on the text/calendar part; the attachment is for
    # those that only offer "open the attached file".
    message.attach_alternative(ics.decode(), f"text/calendar; method={method}; charset=utf-8")
    message.attach("invite.ics", ics, f"application/ics; method={method}")
    return message


def send_invitations(meeting_id: int) -> int:
    """Email every invitee who has not yet heard of the meeting's current
    version (SEQUENCE). Safe to run twice: each invitation records the
    sequence it was sent, with a conditional update, right after sending."""
    # Every email lists every attendee: fetch them once, not once per email.
    meeting = (
        Meeting.objects.select_related("chair", "unit")
        .prefetch_related("invitations__person")
        .get(pk=meeting_id)
    )
    if meeting.status in (Status.DRAFT, Status.PROPOSED):
        return 0
    cancelled = meeting.status == Status.CANCELLED
    pending = meeting.invitations.filter(notified_sequence__lt=meeting.sequence).select_related(
        "person"
    )
    sent = 0
    for invitation in pending:
        before = invitation.notified_sequence
        claimed = Invitation.objects.filter(pk=invitation.pk, notified_sequence=before).update(
            notified_sequence=meeting.sequence
        )
        if not claimed:  # another worker took it
            continue
        # Nobody needs a cancellation of an invitation they never received.
        if not invitation.person.email or (cancelled and before < 0):
            continue
        try:
            invitation_email(meeting, invitation, cancelled=cancelled).send()
        except Exception:
            # Hand the claim back so that the retry sends it.
            Invitation.objects.filter(pk=invitation.pk).update(notified_sequence=before)
            raise
        sent += 1
    return sent


def send_uninvitations(meeting_id: int, person_ids: list[int]) -> int:
    """Tell people taken off a meeting that it is cancelled for them."""
    from org.models import Person

    meeting = (
        Meeting.objects.select_related("chair", "unit")
        .prefetch_related("invitations__person")
        .get(pk=meeting_id)
    )
    sent = 0
    for person in Person.objects.filter(pk__in=person_ids).exclude(email=""):
        ghost = Invitation(meeting=meeting, person=person)
        invitation_email(meeting, ghost, cancelled=True, uninvited=True).send()
        sent += 1
    return sent
