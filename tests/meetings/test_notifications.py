"""Invitation emails, sent after the scheduling transaction commits: a
calendar request each invitee's client can act on, updates and cancellations
as the meeting changes, and signed accept/decline links."""

import datetime as dt
import re

import icalendar
import pytest
import time_machine
from django.core import signing
from django.urls import reverse

from meetings import notifications, services
from meetings.kinds import Kind
from meetings.models import Rsvp
from tests.factories import PersonFactory
from tests.meetings.factories import local, spec

NOW = local(2026, 11, 23, 9)
FRIDAY = local(2026, 11, 27, 15)
MONDAY = local(2026, 11, 30, 9)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks):
    """Run what services enqueue after commit (tasks run eagerly in tests)."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def schedule(org, on_commit):
    def schedule(**options):
        with on_commit():
            meeting, _ = services.schedule_meeting(
                spec(Kind.WEEKLY, org.team_a, FRIDAY, invitees=[org.rep]), org.lead, **options
            )
        return meeting

    return schedule


def calendar_part(message) -> tuple[str, icalendar.Calendar]:
    """The text/calendar alternative: its content type, and the calendar."""
    [(content, mimetype)] = [
        (c, m) for c, m in message.alternatives if m.startswith("text/calendar")
    ]
    return mimetype, icalendar.Calendar.from_ical(content)


def method_and_sequence(message) -> tuple[str, int]:
    _mimetype, calendar = calendar_part(message)
    [event] = calendar.walk("VEVENT")
    return str(calendar["method"]), event.decoded("sequence")


def recipients(mailbox) -> set[str]:
    return {address for message in mailbox for address in message.to}


def test_scheduling_emails_every_invitee_a_calendar_request(org, schedule, mailoutbox):
    meeting = schedule()
    assert recipients(mailoutbox) == {org.lead.email, org.rep.email}
    for message in mailoutbox:
        mimetype, calendar = calendar_part(message)
        assert mimetype.startswith("text/calendar; method=REQUEST")
        assert str(calendar["method"]) == "REQUEST"
        assert str(calendar.walk("VEVENT")[0]["uid"]) == f"meeting-{meeting.uid}@salesmeet"
        [(name, content, attachment_type)] = message.attachments
        assert name == "invite.ics"
        assert b"METHOD:REQUEST" in content
        assert attachment_type.startswith("application/ics")


def test_the_invitation_links_answer_for_that_invitee(org, schedule, mailoutbox):
    meeting = schedule()
    [message] = [m for m in mailoutbox if m.to == [org.rep.email]]
    prefix = reverse("meetings:rsvp", args=["TOKEN"]).removesuffix("TOKEN/")
    tokens = re.findall(re.escape(prefix) + r"([^/\s]+)/", message.body)
    invitation = meeting.invitations.get(person=org.rep)
    assert sorted(notifications.read_rsvp_token(t) for t in tokens) == sorted(
        [
            (invitation.pk, Rsvp.ACCEPTED),
            (invitation.pk, Rsvp.TENTATIVE),
            (invitation.pk, Rsvp.DECLINED),
        ]
    )


def test_a_draft_emails_nobody_until_it_is_published(org, schedule, on_commit, mailoutbox):
    meeting = schedule(draft=True)
    assert mailoutbox == []
    with on_commit():
        services.publish_meeting(meeting, org.lead)
    assert recipients(mailoutbox) == {org.lead.email, org.rep.email}


def test_publishing_twice_emails_once(org, schedule, on_commit, mailoutbox):
    meeting = schedule(draft=True)
    with on_commit():
        services.publish_meeting(meeting, org.lead)
        services.publish_meeting(meeting, org.lead)
    assert len(mailoutbox) == 2


def test_rescheduling_sends_an_update(org, schedule, on_commit, mailoutbox):
    meeting = schedule()
    mailoutbox.clear()
    with on_commit():
        services.update_meeting(
            meeting, org.lead, {"starts_at": MONDAY, "ends_at": MONDAY + dt.timedelta(hours=1)}
        )
    assert recipients(mailoutbox) == {org.lead.email, org.rep.email}
    assert {method_and_sequence(m) for m in mailoutbox} == {("REQUEST", 1)}


def test_a_change_calendars_do_not_show_sends_nothing(org, schedule, on_commit, mailoutbox):
    meeting = schedule()
    mailoutbox.clear()
    with on_commit():
        services.update_meeting(meeting, org.lead, {"description": "带上本周客户清单"})
    assert mailoutbox == []


def test_cancelling_sends_a_cancellation(org, schedule, on_commit, mailoutbox):
    meeting = schedule()
    mailoutbox.clear()
    with on_commit():
        services.cancel_meeting(meeting, org.lead, "客户临时来访")
    assert recipients(mailoutbox) == {org.lead.email, org.rep.email}
    for message in mailoutbox:
        assert method_and_sequence(message) == ("CANCEL", 1)
        assert "rsvp" not in message.body


def test_cancelling_a_draft_emails_nobody(org, schedule, on_commit, mailoutbox):
    meeting = schedule(draft=True)
    with on_commit():
        services.cancel_meeting(meeting, org.lead)
    assert mailoutbox == []


def test_sending_again_sends_nothing_new(schedule, mailoutbox):
    meeting = schedule()
    sent = len(mailoutbox)
    assert notifications.send_invitations(meeting.pk) == 0
    assert len(mailoutbox) == sent


def test_invitations_cost_one_query_per_invitee(org, django_assert_num_queries, mailoutbox):
    people = [PersonFactory(unit=org.team_a) for _ in range(10)]
    meeting, _ = services.schedule_meeting(
        spec(Kind.WEEKLY, org.team_a, FRIDAY, invitees=people), org.lead
    )
    # 1. the meeting, 2. its invitations, 3. their people (every email lists
    # every attendee), 4. the invitations not yet told, 5. the kind's policy,
    # 6-16. the claim on each of the 11 invitations
    with django_assert_num_queries(16):
        notifications.send_invitations(meeting.pk)
    assert len(mailoutbox) == 11


def test_a_new_invitee_alone_is_invited(org, schedule, on_commit, mailoutbox):
    meeting = schedule()
    mailoutbox.clear()
    with on_commit():
        services.update_meeting(meeting, org.lead, {}, invitees=[org.rep, org.director])
    assert recipients(mailoutbox) == {org.director.email}
    assert method_and_sequence(mailoutbox[0]) == ("REQUEST", 0)


def test_a_removed_invitee_gets_a_cancellation(org, schedule, on_commit, mailoutbox):
    meeting = schedule()
    mailoutbox.clear()
    with on_commit():
        services.update_meeting(meeting, org.lead, {}, invitees=[])
    assert recipients(mailoutbox) == {org.rep.email}
    assert not meeting.invitations.filter(person=org.rep).exists()
    _mimetype, calendar = calendar_part(mailoutbox[0])
    [event] = calendar.walk("VEVENT")
    assert str(calendar["method"]) == "CANCEL"
    assert str(event["uid"]) == f"meeting-{meeting.uid}@salesmeet"
    # RFC 5546: the cancellation names whom it removes, and says nothing of
    # the meeting's status, which goes on for the others.
    assert str(event["attendee"]) == f"mailto:{org.rep.email}"
    assert "status" not in event


# --- Signed answer links -----------------------------------------------------------------------


@pytest.fixture
def invitation(org, schedule):
    return schedule().invitations.get(person=org.rep)


def test_an_answer_token_reads_back(invitation):
    token = notifications.rsvp_token(invitation, Rsvp.DECLINED)
    assert notifications.read_rsvp_token(token) == (invitation.pk, Rsvp.DECLINED)


def test_a_tampered_answer_token_is_refused(invitation):
    token = notifications.rsvp_token(invitation, Rsvp.ACCEPTED)
    tampered = token[:-1] + ("A" if token[-1] != "A" else "B")
    with pytest.raises(signing.BadSignature):
        notifications.read_rsvp_token(tampered)


def test_an_answer_token_expires_after_sixty_days(invitation):
    token = notifications.rsvp_token(invitation, Rsvp.ACCEPTED)
    with (
        time_machine.travel(NOW + dt.timedelta(days=61), tick=False),
        pytest.raises(signing.BadSignature),
    ):
        notifications.read_rsvp_token(token)


def test_a_signed_token_with_an_unknown_answer_is_refused(invitation):
    token = notifications.rsvp_token(invitation, Rsvp.PENDING)
    with pytest.raises(signing.BadSignature):
        notifications.read_rsvp_token(token)
