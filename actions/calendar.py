"""Action-item deadlines in each person's calendar subscription feed."""

import datetime as dt

import icalendar

from meetings.ical import absolute, register_feed_source

from .models import ActionItem, ActionState


@register_feed_source
def open_action_items(person):
    """An all-day-free, zero-length event at each open item's deadline, so
    calendar apps show (and remind of) what is due."""
    items = ActionItem.objects.filter(owner=person, state=ActionState.OPEN).only(
        "pk", "title", "due_at", "updated_at"
    )
    for item in items:
        event = icalendar.Event()
        event.add("uid", f"action-{item.pk}@salesmeet")
        event.add("dtstamp", item.updated_at)
        event.add("dtstart", item.due_at)
        event.add("dtend", item.due_at + dt.timedelta(minutes=15))
        event.add("summary", f"⏰ {item.title}")
        event.add("url", absolute(item.get_absolute_url()))
        event.add("transp", "TRANSPARENT")
        alarm = icalendar.Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", item.title)
        alarm.add("trigger", -dt.timedelta(hours=1))
        event.add_component(alarm)
        yield event
