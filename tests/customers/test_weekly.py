"""The weekly meeting: what changed since the previous one (stages and
figures as they stood at its start, new blockers), the lead confirming each
customer's stage, and next week's visit plan, which feeds the daily
meetings' expected briefs."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import PermissionDenied

from customers import services
from customers.models import Customer, VisitPlan
from meetings.kinds import Kind
from meetings.models import Status
from tests.customers.factories import (
    NOW,
    CustomerFactory,
    daily,
    stage,
    submit,
    weekly,
)
from tests.factories import PersonFactory
from tests.meetings.factories import MeetingFactory, local

LAST_FRIDAY = local(2026, 11, 20, 15)
MONDAY = dt.date(2026, 11, 30)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def at(moment, customer, **fields):
    """Change the customer at ``moment``, as an edit in the CRM would."""
    with time_machine.travel(moment, tick=False):
        for name, value in fields.items():
            setattr(customer, name, value)
        customer.save()


# --- Confirming the stage -------------------------------------------------------------------


def test_the_lead_confirms_a_stage_and_the_customers_history_says_who(org):
    with time_machine.travel(local(2026, 11, 10, 10), tick=False):
        customer = CustomerFactory(owner=org.rep, stage=stage("proposal"))

    services.confirm_stage(customer, org.lead, stage("negotiation"))

    customer = Customer.objects.get(pk=customer.pk)
    assert customer.stage == stage("negotiation")
    latest = customer.history.latest()
    assert (latest.history_user, latest.stage, latest.history_type) == (
        org.lead,
        stage("negotiation"),
        "~",
    )
    assert latest.diff_against(latest.prev_record).changed_fields == ["stage"]


def test_confirming_the_stage_it_has_records_nothing(org):
    customer = CustomerFactory(owner=org.rep, stage=stage("proposal"))
    services.confirm_stage(customer, org.lead, stage("proposal"))
    assert customer.history.count() == 1


@pytest.mark.parametrize("who", ["rep", "lead_b", "outsider"])
def test_only_a_manager_over_the_customer_confirms_its_stage(org, who):
    customer = CustomerFactory(owner=org.rep, stage=stage("proposal"))
    with pytest.raises(PermissionDenied):
        services.confirm_stage(customer, getattr(org, who), stage("signed"))
    assert Customer.objects.get(pk=customer.pk).stage == stage("proposal")


def test_the_director_over_the_team_may_confirm(org):
    customer = CustomerFactory(owner=org.rep, stage=stage("proposal"))
    services.confirm_stage(customer, org.director, stage("signed"))
    assert Customer.objects.get(pk=customer.pk).stage == stage("signed")


# --- What changed since the last weekly meeting ---------------------------------------------


@pytest.fixture
def book(org):
    """``rep``'s customers and how they moved around last Friday's weekly meeting."""
    with time_machine.travel(local(2026, 11, 10, 10), tick=False):
        moved = CustomerFactory(owner=org.rep, name="宁波港务", stage=stage("lead"))
        still = CustomerFactory(owner=org.rep, name="浦发银行", stage=stage("proposal"))
    at(local(2026, 11, 18, 10), moved, stage=stage("qualified"))
    at(LAST_FRIDAY, moved, expected_value=Decimal("150000"))  # as the meeting starts
    at(local(2026, 11, 22, 10), moved, stage=stage("proposal"), expected_value=Decimal("300000"))
    with time_machine.travel(local(2026, 11, 23, 9), tick=False):
        new = CustomerFactory(owner=org.rep, name="瑞金医院", stage=stage("lead"))
    return moved, still, new


@pytest.fixture
def last_friday(org):
    return MeetingFactory(
        kind=Kind.WEEKLY, unit=org.team_a, starts_at=LAST_FRIDAY, invitees=[org.rep]
    )


def test_changes_show_the_stage_and_value_as_they_stood_when_the_last_weekly_started(
    org, book, last_friday
):
    meeting = weekly(org)

    changes = {c.customer.name: c for c in services.changes_since_last_weekly(meeting, list(book))}

    assert (changes["宁波港务"].stage_then, changes["宁波港务"].stage_now) == (
        stage("qualified"),
        stage("proposal"),
    )
    assert (changes["宁波港务"].value_then, changes["宁波港务"].value_now) == (150000, 300000)
    assert changes["宁波港务"].stage_moved
    assert (changes["浦发银行"].stage_then, changes["浦发银行"].stage_moved) == (
        stage("proposal"),
        False,
    )
    # Not a customer yet at the last weekly meeting: nothing to compare with.
    assert (changes["瑞金医院"].stage_then, changes["瑞金医院"].value_then) == (None, None)
    assert not changes["瑞金医院"].stage_moved


def test_blockers_are_new_when_last_weeks_brief_did_not_have_them(org, book, last_friday):
    moved, still, new = book
    submit(last_friday, moved, blockers="预算未批")
    submit(last_friday, still, blockers="法务审核")
    meeting = weekly(org)
    submit(meeting, moved, blockers="预算未批")  # the same blocker again
    submit(meeting, still, blockers="竞品降价")
    submit(meeting, new, blockers="决策人变动")

    changes = {c.customer.name: c for c in services.changes_since_last_weekly(meeting, list(book))}

    assert {name: change.new_blockers for name, change in changes.items()} == {
        "宁波港务": "",
        "浦发银行": "竞品降价",
        "瑞金医院": "决策人变动",
    }


def test_without_an_earlier_weekly_meeting_there_is_nothing_then(org, book):
    # Another team's weekly meeting and a cancelled one are not this team's last.
    MeetingFactory(kind=Kind.WEEKLY, unit=org.team_b, starts_at=LAST_FRIDAY)
    MeetingFactory(
        kind=Kind.WEEKLY, unit=org.team_a, starts_at=LAST_FRIDAY, status=Status.CANCELLED
    )
    MeetingFactory(kind=Kind.DAILY, unit=org.team_a, starts_at=LAST_FRIDAY)
    meeting = weekly(org)

    changes = services.changes_since_last_weekly(meeting, list(book))

    assert [c.stage_then for c in changes] == [None, None, None]
    assert [c.stage_now.key for c in changes] == ["proposal", "proposal", "lead"]


def test_a_confirmed_stage_shows_as_now(org, book, last_friday):
    moved, _still, _new = book
    meeting = weekly(org)
    services.confirm_stage(moved, org.lead, stage("negotiation"))

    change = services.changes_since_last_weekly(meeting, [Customer.objects.get(pk=moved.pk)])[0]

    assert (change.stage_then.key, change.stage_now.key) == ("qualified", "negotiation")


# --- Next week's visit plan -----------------------------------------------------------------


@pytest.fixture
def customer(org):
    return CustomerFactory(owner=org.rep, name="宁波港务")


def test_a_rep_plans_and_unplans_their_own_visit(org, customer):
    assert services.set_visit(org.rep, customer, MONDAY, True, org.rep) is True
    assert services.set_visit(org.rep, customer, MONDAY, True, org.rep) is False  # already
    plan = VisitPlan.objects.get()
    assert (plan.rep, plan.customer, plan.day, plan.planned_by) == (
        org.rep,
        customer,
        MONDAY,
        org.rep,
    )

    assert services.set_visit(org.rep, customer, MONDAY, False, org.rep) is True
    assert services.set_visit(org.rep, customer, MONDAY, False, org.rep) is False
    assert not VisitPlan.objects.exists()


@pytest.mark.parametrize("manager", ["lead", "director", "exec"])
def test_a_manager_plans_for_the_reps_they_manage(org, customer, manager):
    meeting = weekly(org)
    services.set_visit(org.rep, customer, MONDAY, True, getattr(org, manager), meeting)
    plan = VisitPlan.objects.get()
    assert (plan.planned_by, plan.planned_in) == (getattr(org, manager), meeting)


@pytest.mark.parametrize("who", ["outsider", "lead_b", "director_south"])
def test_nobody_else_plans_a_reps_visits(org, customer, who):
    with pytest.raises(PermissionDenied):
        services.set_visit(org.rep, customer, MONDAY, True, getattr(org, who))
    assert not VisitPlan.objects.exists()


def test_a_rep_does_not_plan_a_colleagues_visits(org, customer):
    colleague = PersonFactory(username="rep2", unit=org.team_a)
    with pytest.raises(PermissionDenied):
        services.set_visit(colleague, customer, MONDAY, True, org.rep)


def test_a_visit_to_another_teams_customer_is_refused(org):
    theirs = CustomerFactory(owner=org.outsider)
    with pytest.raises(PermissionDenied):
        services.set_visit(org.rep, theirs, MONDAY, True, org.lead)


def test_the_plan_tells_the_daily_meeting_which_briefs_to_expect(org, customer):
    monday = daily(org, local(2026, 11, 30, 9))
    assert services.expected_briefs(monday) == []

    services.set_visit(org.rep, customer, MONDAY, True, org.lead, weekly(org))
    assert [e.customer for e in services.expected_briefs(monday)] == [customer]

    services.set_visit(org.rep, customer, MONDAY, False, org.lead)
    assert services.expected_briefs(monday) == []
