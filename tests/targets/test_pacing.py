"""Expected-to-date is the target paced over the period's working days
(China's calendar, 调休 included), linear or along the organisation's
curve; the gap is 1 - actual / expected, with no gap while nothing is
expected."""

import datetime as dt
from decimal import Decimal

import pytest

from org.models import CalendarDay
from targets import pacing
from targets.models import PacingCurve

from .helpers import EARLY_Q4, MID_Q4, WORKING_DAYS


@pytest.mark.parametrize(
    ("day", "done"),
    [
        (dt.date(2026, 9, 30), 0),  # before the quarter
        (dt.date(2026, 10, 1), 0),  # National Day
        (dt.date(2026, 10, 7), 0),  # still the holiday week, a Wednesday
        (dt.date(2026, 10, 8), 1),  # the first working day
        (dt.date(2026, 10, 9), 2),
        (dt.date(2026, 10, 10), 3),  # the Saturday made up for the holiday counts
        (dt.date(2026, 10, 11), 3),  # an ordinary Sunday does not
        (EARLY_Q4, 12),
        (MID_Q4, 31),
        (dt.date(2026, 12, 31), WORKING_DAYS),
        (dt.date(2027, 1, 5), WORKING_DAYS),  # after the quarter
    ],
)
def test_the_elapsed_part_counts_working_days_only(q4, day, done):
    assert pacing.elapsed_fraction(q4, day) == Decimal(done) / Decimal(WORKING_DAYS)


def test_days_the_organisation_describes_win_over_the_built_in_calendar(q4):
    CalendarDay.objects.create(date=dt.date(2026, 10, 9), is_working_day=False, name="团建")
    CalendarDay.objects.create(date=dt.date(2026, 10, 11), is_working_day=True, name="补班")

    assert pacing.elapsed_fraction(q4, dt.date(2026, 10, 11)) == Decimal(3) / Decimal(62)
    assert pacing.elapsed_fraction(q4, dt.date(2026, 10, 9)) == Decimal(1) / Decimal(62)


def test_the_target_is_paced_linearly_by_default(q4):
    fraction = pacing.elapsed_fraction(q4, MID_Q4)

    assert pacing.active_curve() == pacing.LINEAR
    assert pacing.expected_to_date(Decimal(1000), fraction) == Decimal("500.0000")
    assert pacing.expected_to_date(Decimal(1000), Decimal(3) / 62) == Decimal("48.3871")


def test_a_back_loaded_curve_expects_less_early_on(q4):
    PacingCurve.objects.create(name="后置季度", points=[0, 0.2, 0.5, 1], is_active=True)
    PacingCurve.objects.create(name="unused", points=[0, 1, 1, 1], is_active=False)
    curve = pacing.active_curve()

    assert curve == (Decimal(0), Decimal("0.2"), Decimal("0.5"), Decimal(1))
    # Half-way through sits half-way between the points at 1/3 and 2/3.
    assert pacing.share(curve, Decimal("0.5")) == Decimal("0.35")
    assert pacing.share(curve, Decimal("0.25")) == Decimal("0.15")
    assert pacing.share(curve, Decimal(0)) == 0
    assert pacing.share(curve, Decimal(1)) == 1
    fraction = pacing.elapsed_fraction(q4, MID_Q4)
    assert pacing.expected_to_date(Decimal(1000), fraction, curve) == Decimal("350.0000")


def test_a_curve_of_fewer_than_two_points_falls_back_to_linear(db):
    PacingCurve.objects.create(name="broken", points=[1], is_active=True)

    assert pacing.active_curve() == pacing.LINEAR


def test_gap_is_the_part_of_the_expected_not_reached():
    assert pacing.gap(Decimal(425), Decimal(500)) == Decimal("0.1500")
    assert pacing.gap(Decimal(600), Decimal(500)) == Decimal("-0.2000")
    assert pacing.gap(Decimal(0), Decimal(500)) == Decimal(1)


def test_nothing_expected_means_no_gap_and_no_division_by_zero():
    assert pacing.expected_to_date(Decimal(0), Decimal("0.5")) == 0
    assert pacing.gap(Decimal(0), Decimal(0)) is None
    assert pacing.gap(Decimal(10), Decimal(0)) is None
