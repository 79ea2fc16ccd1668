"""The methodology's scheduling rules: what is refused outright, what only
warns, and how scheduling treats each (DESIGN.md §3)."""

import pytest
from django.core.exceptions import PermissionDenied

from meetings import services
from meetings.kinds import Kind
from meetings.models import Invitation, KindPolicy, Meeting, Rsvp, Status
from tests.meetings.factories import MeetingFactory, local, spec

WEDNESDAY = local(2026, 11, 25, 15)
FRIDAY_AFTERNOON = local(2026, 11, 27, 15)
MONDAY_MORNING = local(2026, 11, 30, 9)


def refusals(proposal, caller):
    return [p.code for p in services.preview(proposal, caller).refusals]


def warnings(proposal, caller):
    return services.preview(proposal, caller).warning_codes


# --- Refusals -------------------------------------------------------------------


def test_a_rep_cannot_call_a_strategy_meeting(org):
    proposal = spec(Kind.STRATEGY, org.team_a, local(2026, 7, 6))
    assert refusals(proposal, org.rep) == ["caller_role"]


def test_an_executive_can_call_a_strategy_meeting(org):
    proposal = spec(Kind.STRATEGY, org.company, local(2026, 7, 6))
    assert refusals(proposal, org.exec) == []


def test_a_rep_cannot_be_invited_to_a_quarterly_meeting(org):
    proposal = spec(Kind.QUARTERLY, org.east, local(2026, 10, 8), invitees=[org.lead, org.rep])
    verdict = services.preview(proposal, org.director)
    assert [p.code for p in verdict.refusals] == ["attendee_role"]
    assert str(org.rep) in verdict.refusals[0].message


def test_a_meeting_must_end_after_it_starts(org):
    proposal = spec(Kind.WEEKLY, org.team_a, FRIDAY_AFTERNOON, hours=-1)
    assert refusals(proposal, org.lead) == ["ends_before_start"]


@pytest.mark.parametrize("kind", [Kind.CUSTOMER_SPECIAL, Kind.CUSTOMER_ISSUE])
def test_customer_kinds_need_a_customer_name(org, kind):
    proposal = spec(kind, org.team_a, FRIDAY_AFTERNOON, customer_name="  ")
    assert refusals(proposal, org.lead) == ["customer_required"]


@pytest.mark.parametrize("kind", [Kind.CUSTOMER_SPECIAL, Kind.CUSTOMER_ISSUE])
def test_customer_kinds_with_a_customer_name_are_not_refused(org, kind):
    proposal = spec(kind, org.team_a, FRIDAY_AFTERNOON, customer_name="远航科技")
    assert refusals(proposal, org.lead) == []


def test_a_refused_meeting_is_not_also_warned_about(org):
    proposal = spec(Kind.WEEKLY, org.team_a, WEDNESDAY, hours=-1)
    verdict = services.preview(proposal, org.lead)
    assert verdict.refusals
    assert verdict.warnings == []


# --- Weekly: Friday afternoon or Monday morning --------------------------------


def test_a_weekly_meeting_on_a_wednesday_is_warned_about(org):
    proposal = spec(Kind.WEEKLY, org.team_a, WEDNESDAY, invitees=[org.rep])
    assert warnings(proposal, org.lead) == ["weekly_slot"]


@pytest.mark.parametrize("starts_at", [FRIDAY_AFTERNOON, MONDAY_MORNING], ids=["fri", "mon"])
def test_a_weekly_meeting_on_friday_afternoon_or_monday_morning_is_not(org, starts_at):
    proposal = spec(Kind.WEEKLY, org.team_a, starts_at, invitees=[org.rep])
    assert warnings(proposal, org.lead) == []


def test_the_organisations_weekly_slots_replace_the_defaults(org):
    KindPolicy.objects.create(
        kind=Kind.WEEKLY, slots=[{"weekday": 2, "start": "14:00", "end": "18:00"}]
    )
    assert warnings(spec(Kind.WEEKLY, org.team_a, WEDNESDAY), org.lead) == []
    assert warnings(spec(Kind.WEEKLY, org.team_a, FRIDAY_AFTERNOON), org.lead) == ["weekly_slot"]


# --- Monthly: first week, after the company's --------------------------------------


def test_a_monthly_meeting_after_the_first_seven_days_is_warned_about(org):
    proposal = spec(Kind.MONTHLY, org.company, local(2026, 12, 8))
    assert warnings(proposal, org.exec) == ["monthly_window"]


def test_a_monthly_meeting_on_the_seventh_is_not(org):
    proposal = spec(Kind.MONTHLY, org.company, local(2026, 12, 7))
    assert warnings(proposal, org.exec) == []


def test_a_longer_monthly_window_removes_the_warning_on_day_nine(org):
    KindPolicy.objects.create(kind=Kind.MONTHLY, window_days=10)
    assert warnings(spec(Kind.MONTHLY, org.company, local(2026, 12, 9)), org.exec) == []
    assert warnings(spec(Kind.MONTHLY, org.company, local(2026, 12, 11)), org.exec) == [
        "monthly_window"
    ]


def test_a_teams_monthly_meeting_before_the_companys_is_warned_about(org):
    MeetingFactory(kind=Kind.MONTHLY, unit=org.company, starts_at=local(2026, 12, 3))
    proposal = spec(Kind.MONTHLY, org.team_a, local(2026, 12, 2))
    assert warnings(proposal, org.lead) == ["monthly_before_company"]


def test_a_teams_monthly_meeting_without_the_companys_is_warned_about(org):
    proposal = spec(Kind.MONTHLY, org.team_a, local(2026, 12, 4))
    assert warnings(proposal, org.lead) == ["monthly_before_company"]


def test_a_cancelled_company_monthly_meeting_counts_as_not_scheduled(org):
    MeetingFactory(
        kind=Kind.MONTHLY,
        unit=org.company,
        starts_at=local(2026, 12, 1),
        status=Status.CANCELLED,
    )
    proposal = spec(Kind.MONTHLY, org.team_a, local(2026, 12, 4))
    assert warnings(proposal, org.lead) == ["monthly_before_company"]


def test_a_teams_monthly_meeting_after_the_companys_is_not_warned_about(org):
    MeetingFactory(kind=Kind.MONTHLY, unit=org.company, starts_at=local(2026, 12, 1))
    proposal = spec(Kind.MONTHLY, org.team_a, local(2026, 12, 4))
    assert warnings(proposal, org.lead) == []


def test_last_months_company_meeting_does_not_count(org):
    MeetingFactory(kind=Kind.MONTHLY, unit=org.company, starts_at=local(2026, 11, 2))
    proposal = spec(Kind.MONTHLY, org.team_a, local(2026, 12, 4))
    assert warnings(proposal, org.lead) == ["monthly_before_company"]


# --- Quarterly: the first week after quarter end --------------------------------------


@pytest.mark.parametrize(
    ("starts_at", "expected"),
    [
        (local(2026, 10, 5), []),
        (local(2026, 10, 7), []),
        (local(2026, 10, 9), ["quarterly_window"]),
        (local(2026, 11, 2), ["quarterly_window"]),
    ],
    ids=["oct-5", "oct-7", "oct-9", "nov-2"],
)
def test_a_quarterly_meeting_belongs_in_the_first_week_after_quarter_end(org, starts_at, expected):
    proposal = spec(Kind.QUARTERLY, org.east, starts_at, invitees=[org.lead])
    assert warnings(proposal, org.director) == expected


# --- Plan after strategy; strategy not too often ----------------------------------------


def test_a_plan_without_a_concluded_strategy_meeting_this_half_year_is_warned_about(org):
    proposal = spec(Kind.PLAN, org.east, local(2026, 8, 3))
    assert warnings(proposal, org.director) == ["plan_without_strategy"]


def test_a_plan_after_the_companys_strategy_meeting_this_half_year_is_not(org):
    MeetingFactory(
        kind=Kind.STRATEGY,
        unit=org.company,
        starts_at=local(2026, 7, 6),
        status=Status.CONCLUDED,
    )
    proposal = spec(Kind.PLAN, org.east, local(2026, 8, 3))
    assert warnings(proposal, org.director) == []


def test_a_strategy_meeting_of_the_previous_half_year_does_not_count_for_a_plan(org):
    MeetingFactory(
        kind=Kind.STRATEGY,
        unit=org.company,
        starts_at=local(2026, 6, 20),
        status=Status.CONCLUDED,
    )
    proposal = spec(Kind.PLAN, org.east, local(2026, 8, 3))
    assert warnings(proposal, org.director) == ["plan_without_strategy"]


def test_a_strategy_meeting_not_yet_concluded_does_not_count_for_a_plan(org):
    MeetingFactory(kind=Kind.STRATEGY, unit=org.company, starts_at=local(2026, 7, 6))
    proposal = spec(Kind.PLAN, org.east, local(2026, 8, 3))
    assert warnings(proposal, org.director) == ["plan_without_strategy"]


def test_a_strategy_meeting_for_another_region_does_not_count_for_a_plan(org):
    MeetingFactory(
        kind=Kind.STRATEGY, unit=org.south, starts_at=local(2026, 7, 6), status=Status.CONCLUDED
    )
    proposal = spec(Kind.PLAN, org.east, local(2026, 8, 3))
    assert warnings(proposal, org.director) == ["plan_without_strategy"]


def test_two_strategy_meetings_within_eighty_days_are_warned_about(org):
    MeetingFactory(kind=Kind.STRATEGY, unit=org.company, starts_at=local(2026, 1, 12))
    proposal = spec(Kind.STRATEGY, org.company, local(2026, 3, 2))
    assert warnings(proposal, org.exec) == ["strategy_too_often"]


def test_strategy_meetings_half_a_year_apart_are_not(org):
    MeetingFactory(kind=Kind.STRATEGY, unit=org.company, starts_at=local(2026, 1, 12))
    proposal = spec(Kind.STRATEGY, org.company, local(2026, 7, 6))
    assert warnings(proposal, org.exec) == []


# --- Invitees already booked -----------------------------------------------------------


def test_an_invitee_already_booked_is_warned_about(org):
    MeetingFactory(
        unit=org.team_a, title="客户拜访复盘", starts_at=FRIDAY_AFTERNOON, invitees=[org.rep]
    )
    proposal = spec(Kind.WEEKLY, org.team_a, FRIDAY_AFTERNOON, invitees=[org.rep])
    verdict = services.preview(proposal, org.lead)
    # The lead chairs both, so both are booked.
    assert verdict.warning_codes == ["invitee_busy", "invitee_busy"]
    assert any("客户拜访复盘" in w.message and str(org.rep) in w.message for w in verdict.warnings)


def test_an_invitee_who_declined_the_other_meeting_is_free(org):
    MeetingFactory(
        unit=org.team_b,
        starts_at=FRIDAY_AFTERNOON,
        invitees=[org.rep],
        invitees__rsvp=Rsvp.DECLINED,
    )
    proposal = spec(Kind.WEEKLY, org.team_a, FRIDAY_AFTERNOON, invitees=[org.rep])
    assert warnings(proposal, org.lead) == []


def test_an_invitee_of_a_cancelled_meeting_is_free(org):
    MeetingFactory(
        unit=org.team_b, starts_at=FRIDAY_AFTERNOON, invitees=[org.rep], status=Status.CANCELLED
    )
    proposal = spec(Kind.WEEKLY, org.team_a, FRIDAY_AFTERNOON, invitees=[org.rep])
    assert warnings(proposal, org.lead) == []


def test_back_to_back_meetings_do_not_clash(org):
    MeetingFactory(unit=org.team_b, starts_at=FRIDAY_AFTERNOON, invitees=[org.rep])
    proposal = spec(Kind.WEEKLY, org.team_a, local(2026, 11, 27, 16), invitees=[org.rep])
    assert warnings(proposal, org.lead) == []


# --- Scheduling under the rules -----------------------------------------------------------


def test_scheduling_with_unaccepted_warnings_raises_and_writes_nothing(org):
    proposal = spec(Kind.WEEKLY, org.team_a, WEDNESDAY, invitees=[org.rep])
    with pytest.raises(services.SchedulingError) as error:
        services.schedule_meeting(proposal, org.lead)
    assert error.value.needs_confirmation
    assert error.value.verdict.warning_codes == ["weekly_slot"]
    assert not Meeting.objects.exists()
    assert not Invitation.objects.exists()


def test_scheduling_with_accepted_warnings_records_them(org):
    proposal = spec(Kind.WEEKLY, org.team_a, WEDNESDAY, invitees=[org.rep])
    meeting, verdict = services.schedule_meeting(proposal, org.lead, accept_warnings=True)
    assert verdict.warning_codes == ["weekly_slot"]
    meeting.refresh_from_db()
    assert meeting.status == Status.SCHEDULED
    assert meeting.accepted_warnings == ["weekly_slot"]
    assert set(meeting.invitations.values_list("person__username", flat=True)) == {"lead", "rep"}


def test_accepting_warnings_does_not_override_a_refusal(org):
    proposal = spec(Kind.STRATEGY, org.team_a, local(2026, 7, 6))
    with pytest.raises(services.SchedulingError) as error:
        services.schedule_meeting(proposal, org.rep, accept_warnings=True)
    assert not error.value.needs_confirmation
    assert not Meeting.objects.exists()


def test_nobody_schedules_for_a_unit_outside_their_tree(org):
    proposal = spec(Kind.WEEKLY, org.team_b, FRIDAY_AFTERNOON)
    with pytest.raises(PermissionDenied):
        services.schedule_meeting(proposal, org.lead, accept_warnings=True)
    assert not Meeting.objects.exists()
