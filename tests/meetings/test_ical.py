"""iCalendar output, read back as a calendar client reads it: one UID for
life, a SEQUENCE that grows with each change, and a feed of the meetings a
person is in."""

import datetime as dt

import icalendar
import pytest
import time_machine

from meetings import ical, services
from meetings.kinds import Kind
from meetings.models import Rsvp, Status
from tests.meetings.factories import MeetingFactory, local, spec

NOW = local(2026, 11, 23, 9)
FRIDAY = local(2026, 11, 27, 15)
MONDAY = local(2026, 11, 30, 9)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def weekly(org):
    meeting, _ = services.schedule_meeting(
        spec(Kind.WEEKLY, org.team_a, FRIDAY, invitees=[org.rep], location="会议室A"), org.lead
    )
    return meeting


def parse(data: bytes) -> icalendar.Calendar:
    return icalendar.Calendar.from_ical(data)


def event_of(meeting, method="REQUEST") -> icalendar.Event:
    calendar = parse(ical.meeting_calendar(meeting, method=method))
    assert str(calendar["method"]) == method
    [event] = calendar.walk("VEVENT")
    return event


def attendees(event) -> dict[str, str]:
    """Address -> PARTSTAT."""
    return {str(a): str(a.params["PARTSTAT"]) for a in event.get("attendee")}


def test_the_event_starts_and_ends_at_the_meetings_instants(weekly):
    event = event_of(weekly)
    assert event.decoded("dtstart") == FRIDAY
    assert event.decoded("dtend") == FRIDAY + dt.timedelta(hours=1)
    assert str(event["location"]) == "会议室A"
    assert str(event["status"]) == "CONFIRMED"


def test_the_uid_stays_and_the_sequence_grows_when_the_meeting_moves(org, weekly):
    before = event_of(weekly)
    weekly, _ = services.update_meeting(
        weekly, org.lead, {"starts_at": MONDAY, "ends_at": MONDAY + dt.timedelta(hours=1)}
    )
    after = event_of(weekly)
    assert str(after["uid"]) == str(before["uid"])
    assert (before.decoded("sequence"), after.decoded("sequence")) == (0, 1)
    assert after.decoded("dtstart") == MONDAY


def test_a_change_calendars_do_not_show_leaves_the_sequence(org, weekly):
    weekly, _ = services.update_meeting(weekly, org.lead, {"description": "带上本周客户清单"})
    assert event_of(weekly).decoded("sequence") == 0


def test_a_cancelled_meeting_is_marked_cancelled_with_a_higher_sequence(org, weekly):
    uid = str(event_of(weekly)["uid"])
    weekly = services.cancel_meeting(weekly, org.lead, "客户临时来访")
    event = event_of(weekly, method="CANCEL")
    assert str(event["uid"]) == uid
    assert str(event["status"]) == "CANCELLED"
    assert event.decoded("sequence") == 1


def test_a_reminder_goes_off_fifteen_minutes_before(weekly):
    [alarm] = event_of(weekly).walk("VALARM")
    assert alarm.decoded("trigger") == -dt.timedelta(minutes=15)


def test_a_cancelled_meeting_sets_off_no_reminder(org, weekly):
    weekly = services.cancel_meeting(weekly, org.lead)
    assert event_of(weekly, method="CANCEL").walk("VALARM") == []


def test_attendees_show_their_answers(org, weekly):
    assert attendees(event_of(weekly)) == {
        f"mailto:{org.lead.email}": "ACCEPTED",  # the chair
        f"mailto:{org.rep.email}": "NEEDS-ACTION",
    }
    services.set_rsvp(weekly.invitations.get(person=org.rep), Rsvp.TENTATIVE)
    assert attendees(event_of(weekly))[f"mailto:{org.rep.email}"] == "TENTATIVE"
    services.set_rsvp(weekly.invitations.get(person=org.rep), Rsvp.DECLINED)
    assert attendees(event_of(weekly))[f"mailto:{org.rep.email}"] == "DECLINED"


def test_the_chair_is_the_organizer(org, weekly):
    assert str(event_of(weekly)["organizer"]) == f"mailto:{org.lead.email}"


# --- The subscription feed -----------------------------------------------------------------


def feed_titles(person) -> dict[str, str]:
    """Summary -> STATUS of each event in the person's feed."""
    calendar = parse(ical.feed_for(person))
    assert str(calendar["method"]) == "PUBLISH"
    return {str(e["summary"]): str(e["status"]) for e in calendar.walk("VEVENT")}


def test_the_feed_holds_the_meetings_the_person_is_in(org):
    MeetingFactory(unit=org.team_a, title="周会", invitees=[org.rep])
    MeetingFactory(unit=org.team_b, title="跨组客户专项会", invitees=[org.rep])
    MeetingFactory(unit=org.team_a, title="组长碰头会")  # the rep is not invited
    MeetingFactory(unit=org.team_b, title="二组周会", invitees=[org.outsider])
    assert feed_titles(org.rep) == {"周会": "CONFIRMED", "跨组客户专项会": "CONFIRMED"}


def test_the_feed_keeps_cancelled_meetings_marked_cancelled(org):
    MeetingFactory(unit=org.team_a, title="周会", invitees=[org.rep], status=Status.CANCELLED)
    assert feed_titles(org.rep) == {"周会": "CANCELLED"}


def test_the_feed_leaves_out_drafts(org):
    MeetingFactory(unit=org.team_a, title="周会草稿", invitees=[org.rep], status=Status.DRAFT)
    assert feed_titles(org.rep) == {}


def test_the_feed_holds_the_meetings_a_person_chairs(org):
    MeetingFactory(unit=org.team_a, title="周会", invitees=[org.rep])
    assert feed_titles(org.lead) == {"周会": "CONFIRMED"}


def test_the_feed_takes_the_same_queries_however_many_meetings(org, django_assert_num_queries):
    for day in range(23, 28):
        MeetingFactory(unit=org.team_a, starts_at=local(2026, 11, day, 15), invitees=[org.rep])
    # 1. the meetings with their chairs, 2. their invitations, 3. the invitees,
    # 4. the person's open action items (the actions app's feed source)
    with django_assert_num_queries(4):
        ical.feed_for(org.rep)
