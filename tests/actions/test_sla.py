"""Deadline arithmetic: calendar hours, the end of the day in Shanghai, and
working hours across weekends, China's public holidays and make-up working
days (2026: National Day 1-7 October, Saturday 10 October worked; Mid-Autumn
25-27 September, Sunday 20 September worked)."""

import datetime as dt

import pytest
from django.utils import timezone

from actions import sla
from actions.models import Basis, SlaPolicy
from org.models import CalendarDay
from tests.actions.helpers import UTC, local

pytestmark = pytest.mark.django_db


def working(hours, start=dt.time(9), end=dt.time(18), warn_at=()):
    return SlaPolicy(
        key="working",
        basis=Basis.WORKING,
        hours=hours,
        working_day_start=start,
        working_day_end=end,
        warn_at=list(warn_at),
    )


def calendar(hours, warn_at=()):
    return SlaPolicy(key="calendar", basis=Basis.CALENDAR, hours=hours, warn_at=list(warn_at))


END_OF_DAY = SlaPolicy(key="eod", basis=Basis.END_OF_DAY, hours=0)


# --- The end of the day (不过夜) ------------------------------------------------------------


def test_a_meeting_at_23_in_shanghai_ends_at_shanghai_midnight():
    starts = dt.datetime(2026, 11, 23, 15, 0, tzinfo=UTC)  # 23:00 in Shanghai
    deadline = sla.deadline_for(END_OF_DAY, starts)
    assert deadline == local(2026, 11, 24, 0, 0)
    assert deadline == dt.datetime(2026, 11, 23, 16, 0, tzinfo=UTC)  # one hour, not nine
    assert deadline != dt.datetime(2026, 11, 24, 0, 0, tzinfo=UTC)


def test_just_after_midnight_in_shanghai_is_still_the_previous_day_in_utc():
    starts = local(2026, 11, 24, 0, 30)  # 16:30 UTC on the 23rd
    assert sla.end_of_day(starts) == local(2026, 11, 25, 0, 0)


def test_the_end_of_the_day_ignores_an_active_time_zone():
    with timezone.override("UTC"):
        assert sla.end_of_day(local(2026, 11, 23, 23)) == local(2026, 11, 24, 0, 0)
        assert sla.add_working_time(local(2026, 11, 23, 17, 30), 3600, working(1)) == local(
            2026, 11, 24, 9, 30
        )


# --- Calendar hours and due dates ---------------------------------------------------------


def test_calendar_hours_run_through_nights_weekends_and_holidays():
    assert sla.deadline_for(calendar(24), local(2026, 10, 1, 9)) == local(2026, 10, 2, 9)
    assert sla.deadline_for(calendar(48), local(2026, 11, 27, 17)) == local(2026, 11, 29, 17)
    assert sla.deadline_for(calendar("1.5"), local(2026, 11, 27, 17)) == local(2026, 11, 27, 18, 30)


def test_a_due_date_policy_is_the_items_due_time():
    due = local(2026, 11, 30, 18)
    policy = SlaPolicy(key="decision", basis=Basis.DUE_DATE, hours=0)
    assert sla.deadline_for(policy, local(2026, 11, 23, 9), due_at=due) == due
    with pytest.raises(ValueError):
        sla.deadline_for(policy, local(2026, 11, 23, 9))


# --- Working hours ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "hours", "deadline"),
    [
        pytest.param(local(2026, 11, 23, 10), 4, local(2026, 11, 23, 14), id="same-day"),
        pytest.param(local(2026, 11, 23, 7), 1, local(2026, 11, 23, 10), id="before-opening"),
        pytest.param(local(2026, 11, 23, 20), 1, local(2026, 11, 24, 10), id="after-closing"),
        pytest.param(local(2026, 11, 23, 9), 9, local(2026, 11, 23, 18), id="whole-day"),
        pytest.param(local(2026, 11, 27, 16), 8, local(2026, 11, 30, 15), id="over-a-weekend"),
        pytest.param(local(2026, 11, 28, 11), 2, local(2026, 11, 30, 11), id="from-a-saturday"),
    ],
)
def test_working_hours_on_ordinary_weeks(start, hours, deadline):
    assert sla.deadline_for(working(hours), start) == deadline


def test_working_hours_skip_the_national_day_holiday_and_use_the_make_up_saturday():
    # Wed 30 Sep 15:00: 3 h that day, 1-7 Oct off, 9 h on Thu 8, 9 h on Fri 9,
    # and the last 3 h on Saturday 10 October, a make-up working day (调休).
    start = local(2026, 9, 30, 15)
    assert sla.deadline_for(working(24), start) == local(2026, 10, 10, 12)
    assert sla.deadline_for(working(12), start) == local(2026, 10, 8, 18)
    assert sla.deadline_for(working(3), start) == local(2026, 9, 30, 18)


def test_a_clock_started_in_the_holiday_waits_for_the_first_working_day():
    assert sla.deadline_for(working(2), local(2026, 10, 3, 10)) == local(2026, 10, 8, 11)


def test_the_make_up_sunday_before_national_day_is_worked():
    # Fri 18 Sep 17:00: 1 h that day, Saturday off, Sunday 20 September worked.
    assert sla.deadline_for(working(2), local(2026, 9, 18, 17)) == local(2026, 9, 20, 10)


def test_the_mid_autumn_festival_weekend_is_not_worked():
    # Fri 25 - Sun 27 September 2026 are the Mid-Autumn holiday.
    assert sla.deadline_for(working(2), local(2026, 9, 24, 17)) == local(2026, 9, 28, 10)


def test_the_policys_own_working_day():
    early = working(2, start=dt.time(8, 30), end=dt.time(17, 30))
    assert sla.deadline_for(early, local(2026, 11, 27, 17)) == local(2026, 11, 30, 10)


def test_the_organisations_calendar_days_win_over_the_built_in_calendar():
    CalendarDay.objects.create(date=dt.date(2026, 10, 9), is_working_day=False, name="公司假日")
    CalendarDay.objects.create(date=dt.date(2026, 10, 11), is_working_day=True, name="公司补班")
    # 3 h on 30 Sep, 9 h on 8 Oct, 9 on Sat 10 Oct, the last 3 on Sun 11 Oct.
    assert sla.deadline_for(working(24), local(2026, 9, 30, 15)) == local(2026, 10, 11, 12)


def test_working_seconds_between_counts_only_working_time():
    policy = working(24)
    start, end = local(2026, 9, 30, 15), local(2026, 10, 10, 12)
    assert sla.working_seconds_between(start, end, policy) == 24 * 3600
    assert sla.working_seconds_between(end, start, policy) == 0
    assert sla.working_seconds_between(local(2026, 10, 2), local(2026, 10, 6), policy) == 0


# --- Pausing, in each currency --------------------------------------------------------------


def test_time_left_is_working_time_for_a_working_hours_policy():
    policy = working(8)
    deadline = local(2026, 11, 30, 15)  # Monday
    left = sla.remaining(policy, local(2026, 11, 27, 17), deadline)  # paused Friday 17:00
    assert left == 7 * 3600  # 1 h on Friday, 6 h on Monday
    assert sla.resume_deadline(policy, local(2026, 12, 1, 9), left) == local(2026, 12, 1, 16)


def test_time_left_is_calendar_time_otherwise():
    policy = calendar(24)
    left = sla.remaining(policy, local(2026, 11, 27, 17), local(2026, 11, 28, 9))
    assert left == 16 * 3600
    assert sla.resume_deadline(policy, local(2026, 11, 30, 9), left) == local(2026, 12, 1, 1)
    assert sla.remaining(policy, local(2026, 11, 29), local(2026, 11, 28)) == 0


# --- Warnings ---------------------------------------------------------------------------------


def test_the_warning_comes_at_75_percent_of_the_window():
    start = local(2026, 11, 23, 9)
    policy = calendar(24, warn_at=[0.75])
    deadline = sla.deadline_for(policy, start)
    assert sla.first_warning(policy, start, deadline) == local(2026, 11, 24, 3)
    assert sla.first_warning(policy, start, deadline, sent=1) is None


def test_several_thresholds_come_in_order_and_nonsense_is_ignored():
    start, deadline = local(2026, 11, 23, 8), local(2026, 11, 23, 18)
    policy = calendar(10, warn_at=[0.9, 0.5, 0, 1, 1.5, 0.75])
    assert [sla.first_warning(policy, start, deadline, sent=n) for n in range(4)] == [
        local(2026, 11, 23, 13),
        local(2026, 11, 23, 15, 30),
        local(2026, 11, 23, 17),
        None,
    ]


def test_a_working_hours_warning_falls_in_working_time():
    # Friday 16:00 + 8 working hours = Monday 15:00; 75% is 6 working hours
    # (Monday 13:00), not 75% of the calendar span (Sunday night).
    policy = working(8, warn_at=[0.75])
    start = local(2026, 11, 27, 16)
    deadline = sla.deadline_for(policy, start)
    assert sla.first_warning(policy, start, deadline) == local(2026, 11, 30, 13)
