"""Meetings for the agendas tests, made as users make them: through
``meetings.services`` (so the agenda template is copied by the signal), with
the rules' warnings accepted, at local times in Shanghai."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from meetings import services
from meetings.kinds import Kind

SHANGHAI = ZoneInfo("Asia/Shanghai")


def local(year: int, month: int, day: int, hour: int = 9, minute: int = 0, second: int = 0):
    """An instant in the organisation's time zone."""
    return dt.datetime(year, month, day, hour, minute, second, tzinfo=SHANGHAI)


NOW = local(2026, 11, 23, 9)  # a Monday
FRIDAY = local(2026, 11, 27, 15)
TUESDAY = local(2026, 11, 24, 9)


def schedule(kind, unit, caller, starts_at, *, minutes=60, invitees=(), **fields):
    """Schedule a meeting as ``caller`` would, accepting any warning."""
    fields.setdefault("title", f"{unit.name} · {Kind(kind).label}")
    if kind in (Kind.CUSTOMER_SPECIAL, Kind.CUSTOMER_ISSUE):
        fields.setdefault("customer_name", "宁波港务集团")
    meeting, _verdict = services.schedule_meeting(
        services.MeetingSpec(
            kind=kind,
            unit=unit,
            starts_at=starts_at,
            ends_at=starts_at + dt.timedelta(minutes=minutes),
            invitees=list(invitees),
            **fields,
        ),
        caller,
        accept_warnings=True,
    )
    return meeting


def weekly(org, starts_at=FRIDAY, **fields):
    """上海一组's weekly meeting, chaired by ``lead``, with ``rep`` invited;
    90 minutes, as long as the weekly template."""
    fields.setdefault("invitees", [org.rep])
    return schedule(Kind.WEEKLY, org.team_a, org.lead, starts_at, minutes=90, **fields)


def daily(org, starts_at=TUESDAY, **fields):
    """上海一组's 30-minute morning meeting (the daily template is 30 minutes)."""
    fields.setdefault("invitees", [org.rep])
    return schedule(Kind.DAILY, org.team_a, org.lead, starts_at, minutes=30, **fields)


def titles(meeting) -> list[str]:
    return list(meeting.agenda_items.order_by("position", "pk").values_list("title", flat=True))
