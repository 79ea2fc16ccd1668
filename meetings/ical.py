"""iCalendar output (RFC 5545, through the ``icalendar`` library): one
meeting as a download or an email invitation, and a person's subscription
feed. Every meeting keeps one UID for life and a SEQUENCE that grows with
each change, which is how Outlook, Google and Apple calendars match updates
and cancellations to the event they already hold."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable

import icalendar
from django.conf import settings
from django.utils import timezone

from .models import Meeting, Rsvp, Status

PRODID = "-//SalesMeet//SalesMeet 1.0//ZH"
PARTSTAT = {
    Rsvp.PENDING: "NEEDS-ACTION",
    Rsvp.ACCEPTED: "ACCEPTED",
    Rsvp.TENTATIVE: "TENTATIVE",
    Rsvp.DECLINED: "DECLINED",
}
STATUS = {
    Status.PROPOSED: "TENTATIVE",
    Status.DRAFT: "TENTATIVE",
    Status.SCHEDULED: "CONFIRMED",
    Status.IN_PROGRESS: "CONFIRMED",
    Status.CONCLUDED: "CONFIRMED",
    Status.CANCELLED: "CANCELLED",
}

# Other apps add events to personal feeds (the actions app: action-item
# deadlines) by registering a function person -> iterable of VEVENTs.
FeedSource = Callable[[object], Iterable[icalendar.Event]]
FEED_SOURCES: list[FeedSource] = []


def register_feed_source(source: FeedSource) -> FeedSource:
    FEED_SOURCES.append(source)
    return source


def absolute(path: str) -> str:
    return f"{settings.SALESMEET_BASE_URL}{path}"


def meeting_uid(meeting: Meeting) -> str:
    return f"meeting-{meeting.uid}@salesmeet"


def _address(person) -> str:
    return f"mailto:{person.email or person.username + '@invalid'}"


def meeting_event(meeting: Meeting, *, alarm: bool = True) -> icalendar.Event:
    event = icalendar.Event()
    event.add("uid", meeting_uid(meeting))
    event.add("dtstamp", timezone.now())
    event.add("dtstart", meeting.starts_at)
    event.add("dtend", meeting.ends_at)
    event.add("sequence", meeting.sequence)
    event.add("summary", f"{meeting.title}")
    event.add("status", STATUS[meeting.status])
    event.add("categories", [meeting.kind_label])
    event.add("url", absolute(meeting.get_absolute_url()))
    description = [meeting.kind_label]
    if meeting.customer_name:
        description.append(meeting.customer_name)
    if meeting.online_url:
        description.append(meeting.online_url)
    if meeting.description:
        description.append(meeting.description)
    description.append(absolute(meeting.get_absolute_url()))
    event.add("description", "\n".join(description))
    if meeting.location or meeting.online_url:
        event.add("location", meeting.location or meeting.online_url)
    organizer = icalendar.vCalAddress(_address(meeting.chair))
    organizer.params["cn"] = icalendar.vText(str(meeting.chair))
    event.add("organizer", organizer)
    for invitation in meeting.invitations.all():
        attendee = icalendar.vCalAddress(_address(invitation.person))
        attendee.params["cn"] = icalendar.vText(str(invitation.person))
        attendee.params["partstat"] = icalendar.vText(PARTSTAT[invitation.rsvp])
        attendee.params["role"] = icalendar.vText("REQ-PARTICIPANT")
        event.add("attendee", attendee, encode=0)
    if alarm and meeting.status != Status.CANCELLED:
        reminder = icalendar.Alarm()
        reminder.add("action", "DISPLAY")
        reminder.add("description", meeting.title)
        reminder.add("trigger", -dt.timedelta(minutes=settings.SALESMEET_REMINDER_MINUTES))
        event.add_component(reminder)
    return event


def calendar(
    events: Iterable[icalendar.Event], *, method: str | None = None, name: str = ""
) -> bytes:
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    if method:
        cal.add("method", method)
    if name:
        cal.add("x-wr-calname", name)
    for event in events:
        cal.add_component(event)
    return cal.to_ical()


def meeting_calendar(meeting: Meeting, *, method: str | None = None) -> bytes:
    return calendar([meeting_event(meeting)], method=method)


def uninvitation_calendar(meeting: Meeting, person) -> bytes:
    """METHOD:CANCEL for one person taken off a meeting that goes on. RFC 5546
    (3.2.5) has it name the people removed and carry no STATUS: clients read
    a STATUS there as the state of the whole meeting."""
    event = meeting_event(meeting, alarm=False)
    event.pop("status")
    event.pop("attendee", None)
    attendee = icalendar.vCalAddress(_address(person))
    attendee.params["cn"] = icalendar.vText(str(person))
    event.add("attendee", attendee, encode=0)
    return calendar([event], method="CANCEL")


def feed_for(person, *, past_days: int = 60, future_days: int = 400) -> bytes:
    """A person's subscription feed: the meetings they chair or are invited
    to (cancelled ones stay, marked CANCELLED, so nobody turns up), plus
    whatever other apps register."""
    now = timezone.now()
    meetings = (
        Meeting.objects.attended_by(person)
        .exclude(status__in=[Status.DRAFT, Status.PROPOSED])
        .filter(
            starts_at__gte=now - dt.timedelta(days=past_days),
            starts_at__lt=now + dt.timedelta(days=future_days),
        )
        .select_related("chair")
        .prefetch_related("invitations__person")
    )
    events = [meeting_event(meeting) for meeting in meetings]
    for source in FEED_SOURCES:
        events.extend(source(person))
    return calendar(events, method="PUBLISH", name=f"SalesMeet · {person}")
