"""The plan screen: a unit's targets broken down to teams and reps, typed
cell by cell, warned when the parts do not add up, confirmed by another manager."""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from targets import services
from targets.models import Plan, Target

NOW = dt.datetime(2026, 11, 23, 9, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def cell(client, org, unit, metric, value, rep=None):
    return client.post(
        reverse("targets:plan"),
        {
            "action": "cell",
            "unit": org.east.pk,
            "kind": "quarter",
            "date": "2026-11-23",
            "cell_unit": unit.pk,
            "cell_rep": rep.pk if rep else "",
            "metric": metric,
            "value": value,
        },
        HTTP_HX_REQUEST="true",
    )


def test_director_breaks_the_region_down_and_sees_a_mismatch(org, client):
    client.force_login(org.director)
    cell(client, org, org.east, "revenue", "1000")
    cell(client, org, org.team_a, "revenue", "600")
    response = cell(client, org, org.team_b, "revenue", "300")
    assert response.status_code == 200
    grid = response.context["grid"]
    assert grid["sums"]["revenue"] == Decimal(900)
    assert grid["mismatch"]["revenue"] is True
    response = cell(client, org, org.team_b, "revenue", "400")
    assert response.context["grid"]["mismatch"]["revenue"] is False
    target = Target.objects.get(unit=org.team_b, metric="revenue", rep__isnull=True)
    assert target.value == 400 and target.set_by == org.director


def test_another_manager_confirms(org, client):
    period = services.period_for("quarter", NOW.date())
    target = services.set_target(org.director, period, org.team_a, "signed", Decimal(10))
    client.force_login(org.exec)
    client.post(
        reverse("targets:plan"),
        {
            "action": "confirm",
            "target": target.pk,
            "unit": org.east.pk,
            "kind": "quarter",
            "date": "2026-11-23",
        },
    )
    target.refresh_from_db()
    assert target.confirmed_by == org.exec


def test_a_rep_cannot_set_targets(org, client):
    client.force_login(org.rep)
    cell(client, org, org.team_a, "revenue", "5")
    assert not Target.objects.exists()


def test_plan_words_are_saved(org, client):
    client.force_login(org.director)
    client.post(
        reverse("targets:plan"),
        {
            "action": "plan",
            "unit": org.east.pk,
            "kind": "quarter",
            "date": "2026-11-23",
            "methods": "老客户转介绍",
            "regions": "浦东",
            "resources": "售前两人",
        },
    )
    plan = Plan.objects.get(unit=org.east)
    assert (plan.methods, plan.regions, plan.resources, plan.set_by) == (
        "老客户转介绍",
        "浦东",
        "售前两人",
        org.director,
    )


def test_page_renders_for_the_director(org, client):
    client.force_login(org.director)
    response = client.get(reverse("targets:plan"), {"unit": org.east.pk})
    assert response.status_code == 200
    assert "上海一组" in response.content.decode()
