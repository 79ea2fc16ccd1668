"""Targets and results for the targets tests, written straight to the
database (the services have tests of their own), at dates of 2026's fourth
quarter."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import time_machine

from org.choices import Role
from targets.models import Actual, Period, Target
from tests.factories import PersonFactory

SHANGHAI = ZoneInfo("Asia/Shanghai")
# Q4 2026 has 62 working days: October loses 1-2 and 5-7 to National Day and
# gains Saturday the 10th.
WORKING_DAYS = 62
EARLY_Q4 = dt.date(2026, 10, 22)  # 12 working days gone: less than a fifth
FIFTH_Q4 = dt.date(2026, 10, 23)  # 13 gone: just past a fifth
MID_Q4 = dt.date(2026, 11, 18)  # 31 gone: half of the quarter


def at(day: dt.date, hour: int = 9):
    """Frozen time on ``day`` in Shanghai (a context manager)."""
    return time_machine.travel(
        dt.datetime(day.year, day.month, day.day, hour, tzinfo=SHANGHAI), tick=False
    )


def target(period: Period, unit, metric: str, value, *, rep=None, by=None) -> Target:
    return Target.objects.create(
        period=period,
        unit=unit,
        rep=rep,
        metric=metric,
        value=Decimal(value),
        set_by=by or unit.manager or rep,
    )


def actual(unit, metric: str, value, *, rep=None, day: dt.date = MID_Q4, **fields) -> Actual:
    return Actual.objects.create(
        date=day, unit=unit, rep=rep, metric=metric, value=Decimal(value), **fields
    )


def rep(unit, username: str):
    return PersonFactory(username=username, role=Role.REP, unit=unit)
