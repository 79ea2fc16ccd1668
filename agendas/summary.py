"""The summary of a concluded meeting, emailed to its attendees once."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import timezone, translation

from meetings.ical import absolute
from meetings.models import Meeting, Rsvp

from .models import Conclusion


def attendees(meeting: Meeting):
    """Those checked in; if nobody was, everyone who did not decline."""
    invitations = meeting.invitations.select_related("person")
    present = [i.person for i in invitations if i.attended]
    if present:
        return present
    return [i.person for i in invitations if i.rsvp != Rsvp.DECLINED]


def summary_context(meeting: Meeting) -> dict:
    return {
        "meeting": meeting,
        "items": meeting.agenda_items.order_by("position", "pk"),
        "decisions": meeting.decisions.select_related("owner", "agenda_item").order_by(
            "created_at"
        ),
        "conclusion": getattr(meeting, "conclusion", None),
        "url": absolute(meeting.get_absolute_url()),
    }


def send_summary(meeting_id: int) -> int:
    """Send once: the conclusion's ``summary_sent_at`` is claimed with a
    conditional update before sending, and handed back if sending fails."""
    conclusion = Conclusion.objects.select_related("meeting__chair", "meeting__unit").get(
        meeting_id=meeting_id
    )
    claimed = Conclusion.objects.filter(pk=conclusion.pk, summary_sent_at__isnull=True).update(
        summary_sent_at=timezone.now()
    )
    if not claimed:
        return 0
    meeting = conclusion.meeting
    recipients = sorted({p.email for p in attendees(meeting) if p.email})
    if not recipients:
        return 0
    try:
        with translation.override(settings.LANGUAGE_CODE):
            context = summary_context(meeting)
            subject = render_to_string("agendas/email/summary_subject.txt", context).strip()
            body = render_to_string("agendas/email/summary.txt", context)
        EmailMultiAlternatives(subject, body, to=recipients).send()
    except Exception:
        Conclusion.objects.filter(pk=conclusion.pk).update(summary_sent_at=None)
        raise
    return len(recipients)
