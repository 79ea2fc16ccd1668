"""The organisation's working calendar: which dates are working days.

China moves working days around public holidays (调休: a Saturday becomes a
working day to bridge a holiday), so "Monday to Friday" is wrong several
times a year. The order of authority:

1. ``CalendarDay`` rows, edited by sales ops in the admin;
2. the ``chinese_calendar`` package, for the years it covers;
3. Monday to Friday, for years nobody has described yet.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator

import chinese_calendar

from .models import CalendarDay


class WorkingCalendar:
    """Answers ``is_working_day`` for a span of dates with one query."""

    def __init__(self, overrides: dict[dt.date, bool] | None = None) -> None:
        self.overrides = overrides or {}
        self._known: dict[dt.date, bool] = {}  # the package's slow answers, once per day

    @classmethod
    def for_span(cls, start: dt.date, end: dt.date) -> WorkingCalendar:
        rows = CalendarDay.objects.filter(date__gte=start, date__lte=end)
        return cls(dict(rows.values_list("date", "is_working_day")))

    def is_working_day(self, day: dt.date) -> bool:
        if day in self.overrides:
            return self.overrides[day]
        if day not in self._known:
            try:
                self._known[day] = chinese_calendar.is_workday(day)
            except NotImplementedError:  # a year the package has no data for
                self._known[day] = day.weekday() < 5
        return self._known[day]

    def working_days(self, days: Iterable[dt.date]) -> Iterator[dt.date]:
        return (day for day in days if self.is_working_day(day))

    def next_working_day(self, day: dt.date) -> dt.date:
        while not self.is_working_day(day):
            day += dt.timedelta(days=1)
        return day


def days_between(start: dt.date, end: dt.date) -> Iterator[dt.date]:
    """Every date from ``start`` up to, not including, ``end``."""
    for offset in range((end - start).days):
        yield start + dt.timedelta(days=offset)


def is_working_day(day: dt.date) -> bool:
    return WorkingCalendar.for_span(day, day).is_working_day(day)
