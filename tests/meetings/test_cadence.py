"""Cadence health: the meetings each kind's cadence expects of a unit against
those it concluded, counting only periods that have ended."""

import datetime as dt

import pytest

from meetings.cadence import cadence_health, cadence_health_for_units
from meetings.kinds import Kind
from meetings.models import KindPolicy, Status
from tests.meetings.factories import MeetingFactory, local


def concluded(kind, unit, *starts):
    for starts_at in starts:
        MeetingFactory(kind=kind, unit=unit, starts_at=starts_at, status=Status.CONCLUDED)


def row(unit, kind, start, end, today):
    rows = {r.kind: r for r in cadence_health(unit, start, end, today=today)}
    return rows[kind]


NOVEMBER = (dt.date(2026, 11, 2), dt.date(2026, 11, 30))  # four weeks, Monday to Monday


def test_a_team_that_skipped_one_weekly_meeting_shows_the_missed_week(org):
    concluded(
        Kind.WEEKLY,
        org.team_a,
        local(2026, 11, 6, 15),
        local(2026, 11, 13, 15),
        local(2026, 11, 27, 15),
    )
    weekly = row(org.team_a, Kind.WEEKLY, *NOVEMBER, today=dt.date(2026, 12, 1))
    assert (weekly.expected, weekly.held, weekly.missing) == (4, 3, 1)
    assert weekly.missed == [dt.date(2026, 11, 16)]
    assert weekly.rate == 0.75


def test_a_weekly_meeting_scheduled_or_cancelled_is_not_held(org):
    MeetingFactory(kind=Kind.WEEKLY, unit=org.team_a, starts_at=local(2026, 11, 6, 15))
    MeetingFactory(
        kind=Kind.WEEKLY,
        unit=org.team_a,
        starts_at=local(2026, 11, 13, 15),
        status=Status.CANCELLED,
    )
    weekly = row(org.team_a, Kind.WEEKLY, *NOVEMBER, today=dt.date(2026, 12, 1))
    assert (weekly.expected, weekly.held) == (4, 0)


def test_two_weekly_meetings_in_one_week_do_not_make_up_for_a_missed_one(org):
    concluded(Kind.WEEKLY, org.team_a, local(2026, 11, 2), local(2026, 11, 6, 15))
    weekly = row(org.team_a, Kind.WEEKLY, *NOVEMBER, today=dt.date(2026, 12, 1))
    assert (weekly.expected, weekly.held, weekly.concluded) == (4, 1, 2)


def test_another_teams_meetings_do_not_count(org):
    concluded(Kind.WEEKLY, org.team_b, local(2026, 11, 6, 15))
    weekly = row(org.team_a, Kind.WEEKLY, *NOVEMBER, today=dt.date(2026, 12, 1))
    assert weekly.held == 0


def test_only_weeks_that_have_ended_are_expected(org):
    weekly = row(org.team_a, Kind.WEEKLY, *NOVEMBER, today=dt.date(2026, 11, 25))
    assert weekly.expected == 3  # the week of the 23rd is not over
    assert weekly.missed == [dt.date(2026, 11, 2), dt.date(2026, 11, 9), dt.date(2026, 11, 16)]


def test_a_week_cut_by_the_start_of_the_span_is_not_expected(org):
    weekly = row(
        org.team_a, Kind.WEEKLY, dt.date(2026, 11, 4), dt.date(2026, 11, 30), dt.date(2026, 12, 1)
    )
    assert weekly.missed == [dt.date(2026, 11, 9), dt.date(2026, 11, 16), dt.date(2026, 11, 23)]


def test_daily_meetings_are_expected_on_working_days_only(org):
    # 28 September to 12 October 2026: National Day from the 1st to the 7th,
    # Saturday the 10th a make-up working day.
    concluded(
        Kind.DAILY,
        org.team_a,
        local(2026, 9, 28, 8, 30),
        local(2026, 9, 29, 8, 30),
        local(2026, 10, 10, 8, 30),
    )
    daily = row(
        org.team_a, Kind.DAILY, dt.date(2026, 9, 28), dt.date(2026, 10, 13), dt.date(2026, 10, 20)
    )
    assert (daily.expected, daily.held) == (7, 3)
    assert daily.missed == [
        dt.date(2026, 9, 30),
        dt.date(2026, 10, 8),
        dt.date(2026, 10, 9),
        dt.date(2026, 10, 12),
    ]


def test_monthly_meetings_are_counted_per_month_that_has_ended(org):
    concluded(Kind.MONTHLY, org.company, local(2026, 1, 5), local(2026, 2, 2), local(2026, 4, 1))
    monthly = row(
        org.company, Kind.MONTHLY, dt.date(2026, 1, 1), dt.date(2027, 1, 1), dt.date(2026, 5, 20)
    )
    assert (monthly.expected, monthly.held) == (4, 3)
    assert monthly.missed == [dt.date(2026, 3, 1)]


def test_quarterly_meetings_are_counted_per_quarter_that_has_ended(org):
    concluded(Kind.QUARTERLY, org.east, local(2026, 1, 6), local(2026, 7, 7))
    quarterly = row(
        org.east, Kind.QUARTERLY, dt.date(2026, 1, 1), dt.date(2027, 1, 1), dt.date(2026, 11, 15)
    )
    assert (quarterly.expected, quarterly.held) == (3, 2)
    assert quarterly.missed == [dt.date(2026, 4, 1)]


def test_each_unit_is_held_to_the_kinds_that_concern_it(org):
    kinds = {
        unit: {r.kind for r in cadence_health(unit, *NOVEMBER, today=dt.date(2026, 12, 1))}
        for unit in (org.company, org.east, org.team_a)
    }
    assert kinds[org.company] == {Kind.MONTHLY, Kind.QUARTERLY, Kind.STRATEGY}
    assert kinds[org.east] == {Kind.MONTHLY, Kind.QUARTERLY, Kind.PLAN}
    assert kinds[org.team_a] == {Kind.DAILY, Kind.WEEKLY, Kind.MONTHLY}


def test_strategy_meetings_held_too_often_are_flagged(org):
    concluded(Kind.STRATEGY, org.company, local(2026, 1, 12), local(2026, 3, 2))
    strategy = row(
        org.company, Kind.STRATEGY, dt.date(2026, 1, 1), dt.date(2027, 1, 1), dt.date(2026, 12, 1)
    )
    assert strategy.too_often
    assert (strategy.expected, strategy.held) == (1, 1)  # one half-year has ended


def test_strategy_meetings_half_a_year_apart_are_not_flagged(org):
    concluded(Kind.STRATEGY, org.company, local(2026, 1, 12), local(2026, 7, 6))
    strategy = row(
        org.company, Kind.STRATEGY, dt.date(2026, 1, 1), dt.date(2027, 1, 1), dt.date(2027, 1, 1)
    )
    assert not strategy.too_often
    assert (strategy.expected, strategy.held) == (2, 2)


def test_the_organisations_interval_decides_what_is_too_often(org):
    KindPolicy.objects.create(kind=Kind.STRATEGY, min_interval_days=30)
    concluded(Kind.STRATEGY, org.company, local(2026, 1, 12), local(2026, 3, 2))
    strategy = row(
        org.company, Kind.STRATEGY, dt.date(2026, 1, 1), dt.date(2027, 1, 1), dt.date(2026, 12, 1)
    )
    assert not strategy.too_often


@pytest.mark.parametrize("count", [1, 6])
def test_cadence_for_any_number_of_units_takes_three_queries(
    org, django_assert_max_num_queries, count
):
    units = [org.company, org.east, org.south, org.team_a, org.team_b, org.team_south][:count]
    for unit in units:
        concluded(Kind.MONTHLY, unit, local(2026, 11, 2))
    # 1. the kind policies, 2. the working calendar, 3. the concluded meetings
    with django_assert_max_num_queries(3):
        result = cadence_health_for_units(
            units, dt.date(2026, 1, 1), dt.date(2027, 1, 1), today=dt.date(2026, 12, 1)
        )
    assert set(result) == {unit.pk for unit in units}
