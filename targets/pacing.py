"""Expected-to-date and gap, in Decimal arithmetic.

A target is paced over its period's working days (org.workdays): after
``elapsed`` of them, the expected share is the active pacing curve at
``elapsed / total`` — linear by default. The gap is 1 - actual / expected;
with nothing expected yet (a zero target, or day one of a back-loaded
curve) there is no gap.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from org.workdays import WorkingCalendar, days_between

from .models import PacingCurve, Period

LINEAR = (Decimal(0), Decimal(1))
FOUR_PLACES = Decimal("0.0001")


def active_curve() -> tuple[Decimal, ...]:
    curve = PacingCurve.objects.filter(is_active=True).first()
    if curve is None or len(curve.points) < 2:
        return LINEAR
    return tuple(Decimal(str(point)) for point in curve.points)


def elapsed_fraction(
    period: Period, today: dt.date, calendar: WorkingCalendar | None = None
) -> Decimal:
    """Working days of the period up to and including ``today``, over all its working days."""
    end = period.ends_on + dt.timedelta(days=1)
    calendar = calendar or WorkingCalendar.for_span(period.starts_on, period.ends_on)
    total = sum(1 for _ in calendar.working_days(days_between(period.starts_on, end)))
    if total == 0:
        return Decimal(1)
    cutoff = min(max(today + dt.timedelta(days=1), period.starts_on), end)
    done = sum(1 for _ in calendar.working_days(days_between(period.starts_on, cutoff)))
    return Decimal(done) / Decimal(total)


def share(curve: tuple[Decimal, ...], fraction: Decimal) -> Decimal:
    """The curve (piecewise linear over evenly spaced points) at ``fraction``."""
    if fraction <= 0:
        return curve[0]
    if fraction >= 1:
        return curve[-1]
    steps = len(curve) - 1
    position = fraction * steps
    index = int(position)
    weight = position - index
    return curve[index] + (curve[index + 1] - curve[index]) * weight


def expected_to_date(
    target: Decimal, fraction: Decimal, curve: tuple[Decimal, ...] = LINEAR
) -> Decimal:
    return (Decimal(target) * share(curve, fraction)).quantize(FOUR_PLACES, rounding=ROUND_HALF_UP)


def gap(actual: Decimal, expected: Decimal) -> Decimal | None:
    """1 - actual / expected; None when nothing is expected yet."""
    if expected <= 0:
        return None
    return (Decimal(1) - Decimal(actual) / Decimal(expected)).quantize(
        FOUR_PLACES, rounding=ROUND_HALF_UP
    )
