"""The figures of a unit's tree: a unit's target is its own when set, else
the sum of its teams' and reps'; its actual is everything recorded below
it to date; expected-to-date follows the target."""

import datetime as dt
from decimal import Decimal

import pytest

from targets import figures
from targets.models import Metric
from tests.factories import UnitFactory

from .helpers import MID_Q4, actual, rep, target

REVENUE = Metric.REVENUE


@pytest.fixture
def plan(org, q4):
    b2 = rep(org.team_b, "b2")
    target(q4, org.team_a, REVENUE, 1000)  # the team's own target...
    target(q4, org.team_a, REVENUE, 400, rep=org.rep)  # ...wins over its reps' sum
    target(q4, org.team_b, REVENUE, 300, rep=org.outsider, by=org.lead_b)
    target(q4, org.team_b, REVENUE, 200, rep=b2, by=org.lead_b)
    actual(org.team_a, REVENUE, 100, rep=org.rep)
    actual(org.team_a, REVENUE, 50)  # the team's as a whole
    actual(org.team_a, REVENUE, 5, rep=org.lead)  # not a rep: counted for the team
    actual(org.team_b, REVENUE, 80, rep=org.outsider)
    actual(org.team_south, REVENUE, 30, rep=org.rep_south)
    actual(org.team_a, REVENUE, 1000, rep=org.rep, day=MID_Q4 + dt.timedelta(days=1))
    actual(org.team_a, REVENUE, 1000, rep=org.rep, day=dt.date(2026, 9, 30))
    return b2


def revenue(report, unit, person=None):
    figure = report.rows[(unit.pk, person.pk if person else None)].figures[REVENUE]
    return figure.target, figure.expected, figure.actual


def test_targets_and_actuals_roll_up_the_tree(org, q4, plan):
    report = figures.build(org.company, q4, MID_Q4)

    assert report.elapsed == Decimal("0.5")
    assert revenue(report, org.team_a) == (1000, 500, 155)
    assert revenue(report, org.team_a, org.rep) == (400, 200, 100)
    assert revenue(report, org.team_b) == (500, 250, 80)  # the sum of its reps' targets
    assert revenue(report, org.team_b, plan) == (200, 100, 0)
    assert revenue(report, org.east) == (1500, 750, 235)
    assert revenue(report, org.south) == (0, 0, 30)
    assert revenue(report, org.company) == (1500, 750, 265)
    assert report.rows[(org.south.pk, None)].figures[REVENUE].gap is None
    assert report.root.figures[Metric.SIGNED].target == 0


def test_a_unit_target_of_its_own_replaces_the_sum_below_it(org, q4, plan):
    target(q4, org.east, REVENUE, 2000)

    report = figures.build(org.company, q4, MID_Q4)

    assert revenue(report, org.east) == (2000, 1000, 235)
    assert revenue(report, org.company) == (2000, 1000, 265)
    assert report.rows[(org.east.pk, None)].figures[REVENUE].gap == Decimal("0.7650")


def test_the_tree_below_the_unit_asked_for(org, q4, plan):
    report = figures.build(org.east, q4, MID_Q4)

    assert report.root.unit == org.east
    assert [child.unit for child in report.root.children] == [org.team_a, org.team_b]
    team_b = report.root.children[1]
    assert {child.rep for child in team_b.children} == {org.outsider, plan}
    assert (org.south.pk, None) not in report.rows
    assert revenue(report, org.east) == (1500, 750, 235)


def test_building_the_figures_takes_the_same_queries_whatever_the_tree(
    org, q4, plan, django_assert_num_queries
):
    # The curve, the calendar, the units, the reps, the targets, the actuals.
    with django_assert_num_queries(6):
        figures.build(org.company, q4, MID_Q4)
    for n in range(3):
        team = UnitFactory(name=f"新组{n}", parent=org.south)
        target(q4, team, REVENUE, 100, rep=rep(team, f"new{n}"), by=org.director_south)
    with django_assert_num_queries(6):
        report = figures.build(org.company, q4, MID_Q4)
    assert revenue(report, org.south) == (300, 150, 30)
