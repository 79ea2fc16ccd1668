"""Which briefs a meeting expects, and how complete they are: a daily
meeting expects the customers in each invited rep's visit plan for its day,
a weekly meeting each invited rep's active customers."""

import datetime as dt

import pytest
import time_machine

from customers import services
from meetings import services as meeting_services
from tests.customers.factories import (
    FRIDAY,
    NOW,
    TUESDAY,
    CustomerFactory,
    VisitPlanFactory,
    daily,
    stage,
    submit,
    weekly,
)
from tests.factories import PersonFactory
from tests.meetings.factories import local

TUESDAY_DATE = dt.date(2026, 11, 24)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def team(org):
    """上海一组's book: ``rep`` has four customers (one signed, one lost),
    陈静 one; Tuesday's visits are planned, and a colleague who is not
    invited has planned one too."""
    colleague = PersonFactory(username="rep2", full_name="陈静", unit=org.team_a)
    absent = PersonFactory(username="rep3", full_name="王磊", unit=org.team_a)
    customers = {
        "港务": CustomerFactory(owner=org.rep, name="宁波港务", stage=stage("lead")),
        "银行": CustomerFactory(owner=org.rep, name="浦发银行", stage=stage("proposal")),
        "电力": CustomerFactory(owner=org.rep, name="华东电力", stage=stage("signed")),
        "地铁": CustomerFactory(owner=org.rep, name="上海地铁", stage=stage("lost")),
        "医院": CustomerFactory(owner=colleague, name="瑞金医院", stage=stage("negotiation")),
        "学校": CustomerFactory(owner=absent, name="复旦大学", stage=stage("qualified")),
    }
    for name in ("港务", "电力", "医院", "学校"):
        VisitPlanFactory(customer=customers[name], day=TUESDAY_DATE)
    VisitPlanFactory(customer=customers["银行"], day=TUESDAY_DATE + dt.timedelta(days=1))
    return colleague, customers


def pairs(expected):
    return sorted((item.rep.username, item.customer.name) for item in expected)


def test_a_daily_meeting_expects_the_invited_reps_visits_of_its_day(org, team):
    colleague, _customers = team
    meeting = daily(org, invitees=[org.rep, colleague])

    assert pairs(services.expected_briefs(meeting)) == [
        ("rep", "华东电力"),  # planned, so expected, even though signed
        ("rep", "宁波港务"),
        ("rep2", "瑞金医院"),
    ]


def test_the_visit_plans_day_is_the_meetings_local_day(org, team):
    """A 07:30 meeting in Shanghai is 23:30 the day before in UTC."""
    meeting = daily(org, local(2026, 11, 24, 7, 30), invitees=[org.rep])
    assert pairs(services.expected_briefs(meeting)) == [("rep", "华东电力"), ("rep", "宁波港务")]


def test_a_weekly_meeting_expects_the_invited_reps_active_customers(org, team):
    colleague, _customers = team
    meeting = weekly(org, invitees=[org.rep, colleague])

    assert pairs(services.expected_briefs(meeting)) == [
        ("rep", "宁波港务"),
        ("rep", "浦发银行"),
        ("rep2", "瑞金医院"),
    ]


def test_managers_and_reps_not_invited_are_not_expected_to_brief(org, team):
    meeting = daily(org, invitees=[org.rep, org.director])
    assert {item.rep for item in services.expected_briefs(meeting)} == {org.rep}


def test_no_visit_planned_no_brief_expected(org, team):
    meeting = daily(org, local(2026, 11, 26, 9), invitees=[org.rep])
    assert services.expected_briefs(meeting) == []


def test_each_expected_brief_has_its_status(org, team):
    _colleague, customers = team
    meeting = daily(org, invitees=[org.rep])
    services.save_brief(meeting, customers["港务"], org.rep, {"needs": "扩容"})
    with time_machine.travel(local(2026, 11, 24, 9, 5), tick=False):
        submit(meeting, customers["电力"], needs="续约")

    statuses = {item.customer.name: item.status for item in services.expected_briefs(meeting)}
    assert statuses == {"宁波港务": "draft", "华东电力": "late"}


def test_completion_counts_expected_submitted_and_late_per_meeting_and_rep(org, team):
    colleague, customers = team
    meeting = daily(org, invitees=[org.rep, colleague])
    submit(meeting, customers["港务"], needs="扩容")
    with time_machine.travel(local(2026, 11, 24, 9, 5), tick=False):
        submit(meeting, customers["电力"], needs="续约")
    services.save_brief(meeting, customers["医院"], colleague, {"needs": "草稿"})

    done = services.completion(services.expected_briefs(meeting))

    assert (done.expected, done.submitted, done.late, done.missing) == (3, 2, 1, 1)
    assert done.rate == pytest.approx(2 / 3)
    mine, theirs = done.by_rep[org.rep.pk], done.by_rep[colleague.pk]
    assert (mine.expected, mine.submitted, mine.late) == (2, 2, 1)
    assert (theirs.expected, theirs.submitted, theirs.late) == (1, 0, 0)


def test_nothing_expected_has_no_rate(org):
    done = services.completion([])
    assert (done.expected, done.missing, done.rate) == (0, 0, None)


def test_completion_for_units_adds_up_each_units_daily_and_weekly_meetings(org, team):
    colleague, customers = team
    tuesday = daily(org, invitees=[org.rep, colleague])
    submit(tuesday, customers["港务"])
    with time_machine.travel(local(2026, 11, 24, 9, 5), tick=False):
        submit(tuesday, customers["电力"])
    friday = weekly(org, invitees=[org.rep, colleague])
    submit(friday, customers["医院"], colleague)
    cancelled = daily(org, local(2026, 11, 25, 9), invitees=[org.rep])
    meeting_services.cancel_meeting(cancelled, org.lead)
    CustomerFactory(owner=org.outsider, name="外组客户")
    weekly(org, invitees=[org.outsider], unit=org.team_b)
    weekly(org, local(2026, 12, 4, 15), invitees=[org.rep])  # next week: outside the span

    result = services.completion_for_units(
        [org.team_a.pk, org.team_b.pk, org.team_south.pk],
        local(2026, 11, 23, 0),
        local(2026, 11, 30, 0),
    )

    team_a, team_b, south = (result[pk] for pk in (org.team_a.pk, org.team_b.pk, org.team_south.pk))
    # Tuesday: 港务, 电力 (late), 医院; Friday: 港务, 银行, 医院 (submitted).
    assert (team_a.expected, team_a.submitted, team_a.late) == (6, 3, 1)
    assert (team_b.expected, team_b.submitted, team_b.late) == (1, 0, 0)
    assert (south.expected, south.rate) == (0, None)


def test_a_reps_upcoming_meetings_list_only_their_own_briefs(org, team):
    colleague, _customers = team
    friday = weekly(org, invitees=[org.rep, colleague])
    tuesday = daily(org, invitees=[org.rep, colleague])
    daily(org, local(2026, 11, 25, 9), invitees=[colleague])  # not invited
    weekly(org, local(2026, 12, 4, 15), invitees=[org.rep])  # beyond the week
    concluded = daily(org, local(2026, 11, 23, 18), invitees=[org.rep])
    meeting_services.mark_concluded(concluded, org.lead)

    upcoming = services.upcoming_for_rep(org.rep)

    assert [meeting for meeting, _expected in upcoming] == [tuesday, friday]
    assert [pairs(expected) for _meeting, expected in upcoming] == [
        [("rep", "华东电力"), ("rep", "宁波港务")],
        [("rep", "宁波港务"), ("rep", "浦发银行")],
    ]
    assert services.upcoming_for_rep(org.rep, days=1) == [(tuesday, upcoming[0][1])]


@pytest.mark.parametrize("meetings", [1, 6])
def test_expected_briefs_cost_the_same_queries_for_any_number_of_meetings(
    org, team, django_assert_max_num_queries, meetings
):
    colleague, _customers = team
    batch = [
        daily(org, TUESDAY + dt.timedelta(days=n), invitees=[org.rep]) for n in range(meetings)
    ]
    batch.append(weekly(org, FRIDAY, invitees=[org.rep, colleague]))
    # The invited reps (1), the visit plans (1), the active customers (1), the briefs (1).
    with django_assert_max_num_queries(4):
        expected = services.expected_for_meetings(batch)
    assert len(expected) == meetings + 1
