"""The dashboards' figures for the small week of ``conftest``, as the
executive, the director of 华东 and the rep see them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from dashboards import queries
from meetings.cadence import cadence_health_for_units
from meetings.models import Invitation
from org.models import Unit
from targets import pacing
from tests.meetings.factories import local

from .conftest import LAST_MONDAY, NOW, THIS_MONDAY, TODAY, promise, sweep


def expected_to_date(quarter, target) -> Decimal:
    return pacing.expected_to_date(Decimal(target), pacing.elapsed_fraction(quarter, TODAY))


def test_headline_counts_the_company(org, scenario):
    headline = queries.headline(org.exec, org.company, NOW)
    assert headline.running == 2  # D and E
    assert headline.at_risk == 1  # D: its warning is due
    assert headline.breached_open == 3  # A, B and G; F is done
    assert headline.escalations_by_level == {1: 3, 2: 1}  # A climbed to the director
    assert headline.open_issues == 1
    assert headline.oldest_issue_age == dt.timedelta(days=5)
    assert headline.units_behind_plan == 2  # 上海一组 (twice: once), 广州组; 华东's is past
    assert (headline.reviews_proposed, headline.reviews_held) == (1, 1)


def test_headline_of_a_region_counts_its_tree_only(org, scenario):
    headline = queries.headline(org.director, org.east, NOW)
    assert (headline.running, headline.at_risk, headline.breached_open) == (2, 1, 2)
    assert headline.escalations_by_level == {1: 2, 2: 1}
    assert headline.units_behind_plan == 1
    assert (headline.reviews_proposed, headline.reviews_held) == (1, 0)


def test_the_breach_list_is_oldest_first_with_its_level(org, scenario):
    rows = [
        (c.action_item_id, c.level, c.action_item.owner.username)
        for c in queries.breaches(org.exec, org.company)
    ]
    assert rows == [
        (scenario.a.pk, 2, "rep"),
        (scenario.g.pk, 1, "rep_south"),
        (scenario.b.pk, 1, "outsider"),
    ]


def test_the_heat_map_counts_a_breach_under_the_child_it_happened_in(org, scenario, quarter):
    company = {cell.unit.name: cell for cell in queries.heat_map(org.exec, org.company, TODAY)}
    assert {name: cell.breaches for name, cell in company.items()} == {"华东": 2, "华南": 1}
    east = {cell.unit.pk: cell for cell in queries.heat_map(org.exec, org.east, TODAY)}
    assert east[org.team_a.pk].breaches == 1
    assert east[org.team_b.pk].breaches == 1
    # 上海一组 is 900 short of 1000 paced to date; 华南 has no targets at all.
    gap = 1 - Decimal(100) / expected_to_date(quarter, 1000)
    assert east[org.team_a.pk].worst_gap == gap.quantize(Decimal("0.0001"))
    assert east[org.team_a.pk].worst_metric == "revenue"
    assert company["华东"].worst_gap == east[org.team_a.pk].worst_gap
    assert company["华南"].worst_gap is None
    assert east[org.team_b.pk].worst_gap is None


def test_the_heat_map_shows_only_units_the_user_may_see(org, scenario):
    assert queries.heat_map(org.rep, org.team_a, TODAY) == []
    assert [c.unit.name for c in queries.heat_map(org.director, org.east, TODAY)] == [
        "上海一组",
        "上海二组",
    ]


def test_trends_put_breaches_and_on_time_rates_in_their_week(org, scenario):
    weeks = queries.trends(org.exec, org.company, TODAY)
    assert len(weeks) == queries.WEEKS
    assert weeks[-1].starts == THIS_MONDAY and weeks[-2].starts == LAST_MONDAY
    this, last = weeks[-1], weeks[-2]
    assert (last.breaches, last.finished, last.met) == (1, 1, 0)  # A
    assert (this.breaches, this.finished, this.met) == (3, 4, 1)  # B, F, G; C met
    assert this.on_time_rate == 1 / 4
    assert last.on_time_rate == 0
    assert all(w.breaches == 0 and w.on_time_rate is None for w in weeks[:-2])
    # Last Friday's weekly meeting expected rep's brief, handed in; tonight's is still to come.
    assert (last.briefs_expected, last.briefs_submitted, last.brief_rate) == (1, 1, 1)
    assert (this.briefs_expected, this.brief_rate) == (0, None)


def test_a_breach_late_on_sunday_counts_in_that_week(org, scenario):
    """Weeks are local: 23:30 on Sunday in Shanghai is still last week (in UTC too), and
    00:30 on Monday is this week although it is Sunday in UTC."""
    promise(org.rep, "周日深夜", local(2026, 11, 22, 20), local(2026, 11, 22, 23, 30))
    promise(org.rep, "周一凌晨", local(2026, 11, 22, 20), local(2026, 11, 23, 0, 30))
    sweep(local(2026, 11, 23, 1))
    weeks = queries.trends(org.exec, org.team_a, TODAY)
    assert (weeks[-2].breaches, weeks[-1].breaches) == (2, 1)  # A and Sunday's; Monday's


def test_the_loss_chain_shows_the_counts_behind_each_rate(org, scenario, quarter):
    steps = {step.key: step for step in queries.loss_chain(org.exec, org.company, TODAY)}
    assert list(steps) == ["strategy", "plan", "cadence", "briefs", "actions", "actuals"]
    assert (steps["strategy"].done, steps["strategy"].total) == (2, 3)
    assert (steps["plan"].done, steps["plan"].total) == (1, 6)  # 上海一组 of the six units
    teams = list(Unit.objects.filter(kind="team"))
    cadence = cadence_health_for_units(
        teams, quarter.starts_on, TODAY + dt.timedelta(days=1), today=TODAY
    )
    assert steps["cadence"].done == 1  # last Friday's weekly meeting, concluded
    assert steps["cadence"].total == sum(r.expected for rows in cadence.values() for r in rows)
    assert (steps["briefs"].done, steps["briefs"].total) == (1, 1)  # tonight's is not due yet
    assert (steps["actions"].done, steps["actions"].total) == (1, 5)  # C of A, B, C, F, G
    assert steps["actions"].rate == 0.2
    # Revenue is behind pace, signed (10 of 10) ahead of it.
    assert (steps["actuals"].done, steps["actuals"].total) == (1, 2)


def test_the_loss_chain_of_a_team(org, scenario):
    steps = {step.key: step for step in queries.loss_chain(org.lead, org.team_a, TODAY)}
    assert (steps["strategy"].done, steps["plan"].done, steps["plan"].total) == (2, 1, 1)
    assert (steps["actions"].done, steps["actions"].total) == (0, 1)  # A


def test_the_managers_week(org, scenario):
    week = queries.manager_week(org.lead, org.team_a, TODAY)
    assert week.starts == THIS_MONDAY
    meetings = {row.meeting.pk: row.briefs for row in week.meetings}
    # The cancelled meeting is left out; the proposed review is in.
    assert scenario.tonight.pk in meetings and scenario.friday.pk in meetings
    assert (meetings[scenario.tonight.pk].expected, meetings[scenario.tonight.pk].missing) == (1, 1)
    assert [item.pk for item in week.items] == [
        scenario.a.pk,
        scenario.issue.pk,
        scenario.d.pk,
        scenario.e.pk,
    ]
    assert [(n.rep, n.worst_metric) for n in week.behind] == [(org.rep, "revenue")]
    [(team, rows)] = week.cadence
    assert team == org.team_a
    assert {row.kind: row.held for row in rows}["weekly"] == 1
    load = {row.person.username: row.hours for row in week.load}
    # Tonight's half hour and Friday's hour and a half; the proposed review
    # and the cancelled meeting do not count.
    assert load == {"lead": 2.0, "rep": 2.0}


def test_meeting_load_leaves_out_declined_and_missed_meetings(org, scenario):
    Invitation.objects.filter(meeting=scenario.tonight, person=org.rep).update(attended=False)
    start, end = queries._day_start(THIS_MONDAY), queries._day_start(THIS_MONDAY + dt.timedelta(7))
    load = queries.meeting_load([org.rep, org.lead, org.outsider], start, end)
    assert dict(load) == {org.rep.pk: 1.5, org.lead.pk: 2.0}


def test_the_reps_day(org, scenario, quarter):
    day = queries.rep_day(org.rep, TODAY)
    assert [m.pk for m in day.meetings] == [scenario.tonight.pk]
    [brief] = day.briefs_to_fill
    assert (brief.meeting, brief.customer.name, brief.status) == (
        scenario.tonight,
        "星辰科技",
        "missing",
    )
    assert [item.pk for item in day.items] == [scenario.a.pk, scenario.issue.pk, scenario.d.pk]
    revenue = day.figures["revenue"]
    assert (revenue.target, revenue.actual) == (600, 100)
    assert revenue.expected == expected_to_date(quarter, 600)


def test_only_reps_have_targets_on_their_day(org, scenario):
    assert queries.rep_day(org.lead, TODAY).figures is None
