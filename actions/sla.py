"""Deadline arithmetic: how much time a policy gives, in calendar hours, in
the working hours of the working calendar, or until the end of the day.

All computation happens in the organisation's time zone (TIME_ZONE, not
whatever zone is active), so "the end of the meeting's day" is Shanghai's
midnight whatever the server's clock, and working hours skip weekends,
public holidays and count China's make-up working days (org.workdays).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from org.workdays import WorkingCalendar

from .models import Basis, SlaPolicy


def window_seconds(policy: SlaPolicy) -> int:
    return int(Decimal(policy.hours) * 3600)


def _calendar_for(start: dt.datetime, days: int = 60) -> WorkingCalendar:
    day = timezone.localtime(start, timezone.get_default_timezone()).date()
    return WorkingCalendar.for_span(day - dt.timedelta(days=1), day + dt.timedelta(days=days))


def add_working_time(
    start: dt.datetime, seconds: int, policy: SlaPolicy, calendar: WorkingCalendar | None = None
) -> dt.datetime:
    """The moment ``seconds`` of working time after ``start``."""
    tz = timezone.get_default_timezone()
    calendar = calendar or _calendar_for(start, days=max(60, seconds // 3600))
    moment = timezone.localtime(start, tz)
    remaining = seconds
    for _ in range(3660):  # ten years of days: a policy never runs that long
        day = moment.date()
        if calendar.is_working_day(day):
            opens = dt.datetime.combine(day, policy.working_day_start, tz)
            closes = dt.datetime.combine(day, policy.working_day_end, tz)
            begin = max(moment, opens)
            if begin < closes:
                available = int((closes - begin).total_seconds())
                if remaining <= available:
                    return begin + dt.timedelta(seconds=remaining)
                remaining -= available
        moment = dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min, tz)
    raise ValueError("working-hours deadline beyond ten years")


def working_seconds_between(start: dt.datetime, end: dt.datetime, policy: SlaPolicy) -> int:
    """Working time between two moments (0 if end is not after start)."""
    if end <= start:
        return 0
    tz = timezone.get_default_timezone()
    calendar = _calendar_for(start, days=(end - start).days + 2)
    total = 0
    day = timezone.localtime(start, tz).date()
    last = timezone.localtime(end, tz).date()
    while day <= last:
        if calendar.is_working_day(day):
            opens = max(dt.datetime.combine(day, policy.working_day_start, tz), start)
            closes = min(dt.datetime.combine(day, policy.working_day_end, tz), end)
            if closes > opens:
                total += int((closes - opens).total_seconds())
        day += dt.timedelta(days=1)
    return total


def end_of_day(moment: dt.datetime) -> dt.datetime:
    """Midnight at the end of ``moment``'s day, in the organisation's zone."""
    tz = timezone.get_default_timezone()
    day = timezone.localtime(moment, tz).date()
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min, tz)


def deadline_for(
    policy: SlaPolicy, start: dt.datetime, *, due_at: dt.datetime | None = None
) -> dt.datetime:
    if policy.basis == Basis.END_OF_DAY:
        return end_of_day(start)
    if policy.basis == Basis.DUE_DATE:
        if due_at is None:
            raise ValueError("a due-date policy needs the item's due time")
        return due_at
    if policy.basis == Basis.WORKING:
        return add_working_time(start, window_seconds(policy), policy)
    return start + dt.timedelta(seconds=window_seconds(policy))


def remaining(policy: SlaPolicy, now: dt.datetime, deadline: dt.datetime) -> int:
    """Time left, in the policy's own currency (working seconds for a
    working-hours policy), for pausing."""
    if policy.basis == Basis.WORKING:
        return working_seconds_between(now, deadline, policy)
    return max(0, int((deadline - now).total_seconds()))


def resume_deadline(policy: SlaPolicy, now: dt.datetime, seconds_left: int) -> dt.datetime:
    if policy.basis == Basis.WORKING:
        return add_working_time(now, seconds_left, policy)
    return now + dt.timedelta(seconds=seconds_left)


def first_warning(
    policy: SlaPolicy, started_at: dt.datetime, deadline: dt.datetime, sent: int = 0
) -> dt.datetime | None:
    """When to warn next: the ``sent``-th threshold (fractions of the window,
    ascending; of its working time for a working-hours policy), or None
    when no threshold is left."""
    thresholds = sorted(float(f) for f in (policy.warn_at or []) if 0 < float(f) < 1)
    if sent >= len(thresholds):
        return None
    if policy.basis == Basis.WORKING:  # a fraction of the working time, not of the nights
        span_seconds = working_seconds_between(started_at, deadline, policy)
        return add_working_time(started_at, int(span_seconds * thresholds[sent]), policy)
    span = deadline - started_at
    return started_at + span * thresholds[sent]
