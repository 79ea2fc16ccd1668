"""Cadence health: for a unit and a span of dates, the meetings each kind's
cadence expects versus those held (concluded), so that a team that skipped
its weekly meeting, or a company meeting on strategy every month, shows up.

A cadence period (a working day, a week, a month, a quarter, a half-year)
is *expected* when it lies wholly inside the span and has ended by today,
and *held* when at least one meeting of the kind was concluded in it.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections import defaultdict
from dataclasses import dataclass, field

from django.utils import timezone

from org.models import Unit
from org.workdays import WorkingCalendar, days_between

from .kinds import Cadence, KindRule, all_rules
from .models import Meeting, Status


@dataclass
class CadenceRow:
    rule: KindRule
    expected: int
    held: int
    missed: list[dt.date] = field(default_factory=list)  # first day of each missed period
    concluded: int = 0
    too_often: bool = False

    @property
    def missing(self) -> int:
        return self.expected - self.held

    @property
    def kind(self) -> str:
        return self.rule.kind

    @property
    def rate(self) -> float | None:
        return None if self.expected == 0 else self.held / self.expected


def _periods(cadence: str, start: dt.date, end: dt.date, calendar: WorkingCalendar):
    """(first day, day after last) of each period lying wholly in [start, end)."""
    if cadence == Cadence.WORKING_DAYS:
        for day in calendar.working_days(days_between(start, end)):
            yield day, day + dt.timedelta(days=1)
        return
    if cadence == Cadence.WEEKLY:
        first = start + dt.timedelta(days=(7 - start.weekday()) % 7)  # next Monday
        while first + dt.timedelta(days=7) <= end:
            yield first, first + dt.timedelta(days=7)
            first += dt.timedelta(days=7)
        return
    months = {Cadence.MONTHLY: 1, Cadence.QUARTERLY: 3, Cadence.HALF_YEARLY: 6}[cadence]
    month = ((start.month - 1) // months) * months + 1
    first = dt.date(start.year, month, 1)
    while True:
        total = first.month - 1 + months
        after = dt.date(first.year + total // 12, total % 12 + 1, 1)
        if after > end:
            return
        if first >= start:
            yield first, after
        first = after


def cadence_health_for_units(
    units: list[Unit], start: dt.date, end: dt.date, *, today: dt.date | None = None
) -> dict[int, list[CadenceRow]]:
    """Cadence rows per unit id. Three queries whatever the number of units:
    the kind policies, the concluded meetings, and the working calendar."""
    today = today or timezone.localdate()
    cutoff = min(end, today)
    rules = [rule for rule in all_rules() if rule.cadence != Cadence.EVENT]
    calendar = WorkingCalendar.for_span(start, cutoff)
    tz = timezone.get_current_timezone()
    held: dict[tuple[int, str], list[dt.date]] = defaultdict(list)
    meetings = Meeting.objects.filter(
        unit__in=units,
        kind__in=[rule.kind for rule in rules],
        status=Status.CONCLUDED,
        starts_at__gte=dt.datetime.combine(start, dt.time.min, tz),
        starts_at__lt=dt.datetime.combine(cutoff, dt.time.min, tz),
    ).values_list("unit_id", "kind", "starts_at")
    for unit_id, kind, starts_at in meetings:
        held[(unit_id, kind)].append(timezone.localtime(starts_at, tz).date())

    result: dict[int, list[CadenceRow]] = {}
    for unit in units:
        rows = []
        for rule in rules:
            if unit.kind not in rule.cadence_units:
                continue
            dates = sorted(held[(unit.pk, rule.kind)])
            row = CadenceRow(rule=rule, expected=0, held=0, concluded=len(dates))
            for first, after in _periods(rule.cadence, start, cutoff, calendar):
                row.expected += 1
                if any(first <= day < after for day in dates):
                    row.held += 1
                else:
                    row.missed.append(first)
            if rule.min_interval_days:
                gaps = [(b - a).days for a, b in itertools.pairwise(dates)]
                row.too_often = any(gap < rule.min_interval_days for gap in gaps)
            rows.append(row)
        result[unit.pk] = rows
    return result


def cadence_health(unit: Unit, start: dt.date, end: dt.date, *, today=None) -> list[CadenceRow]:
    return cadence_health_for_units([unit], start, end, today=today)[unit.pk]
