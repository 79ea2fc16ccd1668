"""Recurring meetings: which dates a series holds (China's working calendar
included), materialising them idempotently, and editing or cancelling one
occurrence, the following ones, or the whole series."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from meetings import series as series_service
from meetings import services
from meetings.kinds import Kind
from meetings.models import HolidayPolicy, Meeting, Series, Status
from meetings.series import Repeat
from tests.meetings.factories import local, spec


@pytest.fixture
def frozen_at():
    """``frozen_at(moment)``: travel there for the rest of the test."""
    travellers = []

    def travel(moment):
        traveller = time_machine.travel(moment, tick=False)
        traveller.start()
        travellers.append(traveller)

    yield travel
    for traveller in reversed(travellers):
        traveller.stop()


def local_starts(queryset):
    return [timezone.localtime(m.starts_at) for m in queryset.order_by("starts_at")]


def dates(queryset):
    return [moment.date() for moment in local_starts(queryset)]


def create(org, kind, unit, caller, first, repeat, **options):
    return series_service.create_series(
        spec(kind, unit, first, invitees=[org.rep] if unit == org.team_a else []),
        caller,
        repeat,
        **options,
    )


# --- Which dates --------------------------------------------------------------------------


def test_a_working_day_series_skips_national_day_and_keeps_the_make_up_saturday(org, frozen_at):
    frozen_at(local(2026, 9, 25))
    series, _ = create(
        org,
        Kind.DAILY,
        org.team_a,
        org.lead,
        local(2026, 9, 28, 8, 30),
        Repeat.WORKING_DAYS,
        until=dt.date(2026, 10, 12),
    )
    assert dates(series.occurrences) == [
        dt.date(2026, 9, 28),
        dt.date(2026, 9, 29),
        dt.date(2026, 9, 30),
        # 1 to 7 October: National Day holiday.
        dt.date(2026, 10, 8),
        dt.date(2026, 10, 9),
        dt.date(2026, 10, 10),  # Saturday, a make-up working day (调休)
        dt.date(2026, 10, 12),
    ]
    assert {m.time() for m in local_starts(series.occurrences)} == {dt.time(8, 30)}


def test_a_weekly_series_meets_every_week_and_skips_holidays(org, frozen_at):
    frozen_at(local(2026, 9, 14))
    series, _ = create(
        org,
        Kind.WEEKLY,
        org.team_a,
        org.lead,
        local(2026, 9, 18, 15),
        Repeat.WEEKLY,
        until=dt.date(2026, 10, 23),
    )
    assert dates(series.occurrences) == [
        dt.date(2026, 9, 18),
        # Friday 25 September is Mid-autumn, Friday 2 October National Day.
        dt.date(2026, 10, 9),
        dt.date(2026, 10, 16),
        dt.date(2026, 10, 23),
    ]
    assert {m.strftime("%a %H:%M") for m in local_starts(series.occurrences)} == {"Fri 15:00"}


def test_a_monthly_series_keeps_to_the_first_week_across_the_new_year(org, frozen_at):
    frozen_at(local(2026, 12, 1))
    series, _ = create(
        org,
        Kind.MONTHLY,
        org.company,
        org.exec,
        local(2026, 12, 7),  # the first Monday
        Repeat.MONTHLY,
        until=dt.date(2027, 2, 28),
    )
    assert dates(series.occurrences) == [
        dt.date(2026, 12, 7),
        dt.date(2027, 1, 4),
        dt.date(2027, 2, 1),
    ]


def test_a_monthly_occurrence_on_a_holiday_moves_to_the_next_working_day(org, frozen_at):
    frozen_at(local(2026, 9, 1))
    series, _ = create(
        org,
        Kind.MONTHLY,
        org.company,
        org.exec,
        local(2026, 9, 3, 10),  # the first Thursday
        Repeat.MONTHLY,
        until=dt.date(2026, 11, 30),
    )
    assert series.holiday_policy == HolidayPolicy.NEXT_WORKING_DAY
    assert dates(series.occurrences) == [
        dt.date(2026, 9, 3),
        dt.date(2026, 10, 8),  # the first Thursday, 1 October, is National Day
        dt.date(2026, 11, 5),
    ]


def test_a_monthly_series_may_skip_holidays_instead(org, frozen_at):
    frozen_at(local(2026, 9, 1))
    series, _ = create(
        org,
        Kind.MONTHLY,
        org.company,
        org.exec,
        local(2026, 9, 3, 10),
        Repeat.MONTHLY,
        until=dt.date(2026, 11, 30),
        holiday_policy=HolidayPolicy.SKIP,
    )
    assert dates(series.occurrences) == [dt.date(2026, 9, 3), dt.date(2026, 11, 5)]


def test_a_quarterly_series_falls_in_january_april_july_and_october_only(org, frozen_at):
    frozen_at(local(2026, 1, 1))
    series, _ = create(
        org, Kind.QUARTERLY, org.east, org.director, local(2026, 1, 5), Repeat.QUARTERLY
    )
    year = series_service.occurrences(series, local(2026, 1, 1), local(2027, 1, 1))
    assert [timezone.localtime(moment).date() for moment in year] == [
        dt.date(2026, 1, 5),
        dt.date(2026, 4, 7),  # Monday 6 April is Qingming: the next working day
        dt.date(2026, 7, 6),
        dt.date(2026, 10, 8),  # Monday 5 October is National Day
    ]


# --- Materialising ------------------------------------------------------------------------


def test_occurrences_are_materialised_for_the_horizon_ahead(org, frozen_at, settings):
    settings.SALESMEET_SERIES_HORIZON_DAYS = 20
    frozen_at(local(2026, 11, 23))
    series, _ = create(org, Kind.WEEKLY, org.team_a, org.lead, local(2026, 11, 27, 15), "weekly")
    # 27 November to 13 December: three Fridays.
    assert dates(series.occurrences) == [
        dt.date(2026, 11, 27),
        dt.date(2026, 12, 4),
        dt.date(2026, 12, 11),
    ]


def test_materialising_twice_creates_nothing_more(org, frozen_at):
    frozen_at(local(2026, 11, 23))
    series, _ = create(org, Kind.WEEKLY, org.team_a, org.lead, local(2026, 11, 27, 15), "weekly")
    count = series.occurrences.count()
    series.materialised_until = None  # as if the first run had died before recording it
    assert series_service.materialise(series, series_service.horizon()) == 0
    assert series_service.materialise(series, series_service.horizon()) == 0
    assert series.occurrences.count() == count


def test_the_daily_beat_extends_the_horizon(org, frozen_at):
    frozen_at(local(2026, 11, 23))
    series, _ = create(org, Kind.WEEKLY, org.team_a, org.lead, local(2026, 11, 27, 15), "weekly")
    count = series.occurrences.count()
    frozen_at(local(2026, 12, 7))
    assert series_service.extend_all() == 2
    assert series_service.extend_all() == 0
    assert series.occurrences.count() == count + 2


def test_a_series_ends_on_its_until_date(org, frozen_at):
    frozen_at(local(2026, 11, 23))
    series, _ = create(
        org,
        Kind.WEEKLY,
        org.team_a,
        org.lead,
        local(2026, 11, 27, 15),
        Repeat.WEEKLY,
        until=dt.date(2026, 12, 11),
    )
    assert dates(series.occurrences)[-1] == dt.date(2026, 12, 11)
    frozen_at(local(2027, 1, 4))
    series_service.extend_all()
    assert dates(series.occurrences)[-1] == dt.date(2026, 12, 11)


def test_occurrences_carry_the_series_invitees(org, frozen_at):
    frozen_at(local(2026, 11, 23))
    series, _ = create(org, Kind.WEEKLY, org.team_a, org.lead, local(2026, 11, 27, 15), "weekly")
    for occurrence in series.occurrences.all():
        assert set(occurrence.invitations.values_list("person__username", flat=True)) == {
            "lead",
            "rep",
        }


# --- Editing and cancelling ------------------------------------------------------------------


@pytest.fixture
def fridays(org, frozen_at):
    """A weekly series on Fridays at 15:00, four of them materialised."""
    frozen_at(local(2026, 11, 23))
    series, _ = create(
        org,
        Kind.WEEKLY,
        org.team_a,
        org.lead,
        local(2026, 11, 27, 15),
        Repeat.WEEKLY,
        until=dt.date(2026, 12, 18),
    )
    return series


def test_editing_one_occurrence_leaves_the_others_alone(org, fridays):
    second = fridays.occurrences.order_by("starts_at")[1]
    services.update_meeting(second, org.lead, {"location": "会议室B"})
    second.refresh_from_db()
    assert (second.location, second.is_exception) == ("会议室B", True)
    for occurrence in Meeting.objects.exclude(pk=second.pk):
        assert (occurrence.location, occurrence.is_exception) == ("", False)


def test_editing_the_following_occurrences_starts_a_new_series(org, fridays):
    first, second, third, fourth = fridays.occurrences.order_by("starts_at")
    monday = local(2026, 12, 7, 9)
    new = series_service.edit_following(
        third, org.lead, {"starts_at": monday, "ends_at": monday + dt.timedelta(hours=1)}
    )

    fridays.refresh_from_db()
    assert fridays.until == dt.date(2026, 12, 10)
    assert local_starts(Meeting.objects.filter(pk__in=[first.pk, second.pk])) == [
        local(2026, 11, 27, 15),
        local(2026, 12, 4, 15),
    ]
    assert set(
        Meeting.objects.filter(pk__in=[first.pk, second.pk]).values_list("series", flat=True)
    ) == {fridays.pk}
    # The old Friday of the last week is cancelled, not deleted.
    fourth.refresh_from_db()
    assert fourth.status == Status.CANCELLED

    assert local_starts(new.occurrences) == [local(2026, 12, 7, 9), local(2026, 12, 14, 9)]
    assert new.occurrences.filter(pk=third.pk).exists()
    assert new.until == dt.date(2026, 12, 18)


def test_editing_the_following_occurrences_keeps_their_invitees(org, fridays):
    third = fridays.occurrences.order_by("starts_at")[2]
    new = series_service.edit_following(third, org.lead, {"location": "会议室B"})
    assert set(new.occurrences.values_list("location", flat=True)) == {"会议室B"}
    for occurrence in new.occurrences.all():
        assert set(occurrence.invitations.values_list("person__username", flat=True)) == {
            "lead",
            "rep",
        }


def test_editing_the_following_occurrences_keeps_one_edited_on_its_own(org, fridays):
    third, fourth = fridays.occurrences.order_by("starts_at")[2:]
    services.update_meeting(fourth, org.lead, {"location": "客户现场"})
    monday = local(2026, 12, 7, 9)
    new = series_service.edit_following(
        third, org.lead, {"starts_at": monday, "ends_at": monday + dt.timedelta(hours=1)}
    )
    fourth.refresh_from_db()
    assert (fourth.status, fourth.location) == (Status.SCHEDULED, "客户现场")
    assert timezone.localtime(fourth.starts_at) == local(2026, 12, 18, 15)
    # It stands for its week: the new series does not add a Monday meeting beside it.
    assert local_starts(new.occurrences.exclude(pk=fourth.pk)) == [monday]


def test_editing_the_following_occurrences_does_not_bring_back_a_cancelled_week(org, fridays):
    third, fourth = fridays.occurrences.order_by("starts_at")[2:]
    services.cancel_meeting(fourth, org.lead)
    new = series_service.edit_following(third, org.lead, {"location": "会议室B"})
    assert list(new.occurrences.order_by("starts_at").values_list("status", flat=True)) == [
        Status.SCHEDULED,
        Status.CANCELLED,
    ]


def test_cancelling_a_series_cancels_its_upcoming_occurrences(org, fridays, frozen_at):
    first = fridays.occurrences.order_by("starts_at").first()
    Meeting.objects.filter(pk=first.pk).update(status=Status.CONCLUDED)
    frozen_at(local(2026, 11, 30))
    assert series_service.cancel_series(fridays, org.lead) == 3
    statuses = list(fridays.occurrences.order_by("starts_at").values_list("status", flat=True))
    assert statuses == [Status.CONCLUDED, Status.CANCELLED, Status.CANCELLED, Status.CANCELLED]


def test_a_cancelled_series_materialises_nothing_more(org, fridays, frozen_at):
    series_service.cancel_series(fridays, org.lead)
    Series.objects.filter(pk=fridays.pk).update(until=None)
    frozen_at(local(2027, 1, 4))
    assert series_service.extend_all() == 0
    assert fridays.occurrences.exclude(status=Status.CANCELLED).count() == 0
