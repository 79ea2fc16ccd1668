"""The dashboards' API twins: the same figures as the pages, as JSON."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from .conftest import LAST_MONDAY, NOW, THIS_MONDAY, TODAY

EXECUTIVE = "/api/dashboards/executive/"
BREACHES = "/api/dashboards/breaches/"
MANAGER = "/api/dashboards/manager/"
REP = "/api/dashboards/rep/"


def test_the_executive_figures(org, scenario, api_as):
    data = api_as(org.exec).get(EXECUTIVE).json()
    assert data["unit"] == {"id": org.company.pk, "name": "星海测试", "kind": "company"}
    assert [u["id"] for u in data["lineage"]] == [org.company.pk]
    assert data["headline"] == {
        "running": 2,
        "at_risk": 1,
        "breached_open": 3,
        "escalations_by_level": [{"level": 1, "count": 3}, {"level": 2, "count": 1}],
        "open_issues": 1,
        "oldest_issue_age_hours": 120.0,
        "units_behind_plan": 2,
        "reviews_proposed": 1,
        "reviews_held": 1,
    }
    east, south = data["heat_map"]
    assert (east["unit"], east["unit_name"], east["unit_kind"]) == (org.east.pk, "华东", "region")
    assert (east["breaches"], east["worst_metric"]) == (2, "revenue")
    assert Decimal(east["worst_gap"]) > Decimal("0.15")
    assert (south["breaches"], south["worst_gap"], south["worst_metric"]) == (1, None, None)
    this, last = data["trends"][-1], data["trends"][-2]
    assert (this["starts"], last["starts"]) == (str(THIS_MONDAY), str(LAST_MONDAY))
    assert (this["breaches"], this["finished"], this["met"], this["on_time_rate"]) == (
        3,
        4,
        1,
        0.25,
    )
    assert (last["briefs_expected"], last["briefs_submitted"], last["brief_rate"]) == (1, 1, 1.0)
    actions = next(step for step in data["loss_chain"] if step["key"] == "actions")
    assert (actions["done"], actions["total"], actions["rate"]) == (1, 5, 0.2)
    assert actions["label"]


def test_the_breach_list(org, scenario, api_as):
    data = api_as(org.exec).get(BREACHES, {"page_size": 2}).json()
    assert data["count"] == 3 and data["next"]
    first = data["results"][0]
    clock = scenario.a.clocks.get()
    assert first == {
        "clock": clock.pk,
        "action_item": scenario.a.pk,
        "title": "甲:回复客户投诉",
        "owner": org.rep.pk,
        "owner_name": str(org.rep),
        "unit": org.team_a.pk,
        "unit_name": "上海一组",
        "policy": "decision",
        "policy_name": "会议决议:按约定时间完成",
        "deadline": "2026-11-16T17:00:00+08:00",
        "breached_at": "2026-11-16T17:00:00+08:00",
        "level": 2,
        "age_hours": round((NOW - clock.breached_at).total_seconds() / 3600, 1),
    }
    second_page = api_as(org.exec).get(data["next"]).json()
    assert [row["action_item"] for row in second_page["results"]] == [scenario.b.pk]


def test_the_managers_week(org, scenario, api_as):
    data = api_as(org.lead).get(MANAGER).json()
    assert data["unit"]["id"] == org.team_a.pk and data["week_starts"] == str(THIS_MONDAY)
    tonight = next(m for m in data["meetings"] if m["meeting"]["id"] == scenario.tonight.pk)
    assert (tonight["briefs_expected"], tonight["briefs_missing"]) == (1, 1)
    assert tonight["meeting"]["kind"] == "daily"
    assert [item["id"] for item in data["action_items"]] == [
        scenario.a.pk,
        scenario.issue.pk,
        scenario.d.pk,
        scenario.e.pk,
    ]
    assert data["action_items"][0]["clocks"][0]["state"] == "breached"
    [rep] = data["reps_needing_help"]
    assert (rep["rep"], rep["unit"], rep["worst_metric"]) == (org.rep.pk, org.team_a.pk, "revenue")
    [team] = data["cadence"]
    assert team["unit"] == org.team_a.pk
    assert {row["kind"]: row["held"] for row in team["rows"]}["weekly"] == 1
    load = {row["person"]: row["hours"] for row in data["meeting_load"]}
    assert load == {org.lead.pk: 2.0, org.rep.pk: 2.0}


def test_the_reps_day(org, scenario, api_as):
    data = api_as(org.rep).get(REP).json()
    assert data["date"] == str(TODAY)
    assert [m["id"] for m in data["meetings"]] == [scenario.tonight.pk]
    assert data["briefs_to_fill"] == [
        {
            "meeting": scenario.tonight.pk,
            "meeting_title": scenario.tonight.title,
            "meeting_starts_at": "2026-11-25T18:00:00+08:00",
            "customer": scenario.customer.pk,
            "customer_name": "星辰科技",
            "status": "missing",
            "deadline": "2026-11-25T18:00:00+08:00",
        }
    ]
    assert [item["id"] for item in data["action_items"]] == [
        scenario.a.pk,
        scenario.issue.pk,
        scenario.d.pk,
    ]
    [revenue] = data["targets"]
    assert (revenue["metric"], revenue["target"], revenue["actual"]) == (
        "revenue",
        "600.00",
        "100.00",
    )
    assert api_as(org.lead).get(REP).json()["targets"] == []


@pytest.mark.parametrize(
    ("persona", "unit"),
    [("outsider", "team_a"), ("rep", "company"), ("director", "south"), ("director_south", "east")],
)
@pytest.mark.parametrize("url", [EXECUTIVE, BREACHES, MANAGER])
def test_a_unit_outside_the_callers_tree_is_not_found(org, api_as, persona, unit, url):
    response = api_as(getattr(org, persona)).get(url, {"unit": getattr(org, unit).pk})
    assert response.status_code == 404


def test_a_unit_must_be_a_number(org, api_as):
    assert api_as(org.exec).get(EXECUTIVE, {"unit": "华东"}).status_code == 400


@pytest.mark.parametrize("unit", [0, 99999999999999999999])
def test_a_unit_that_does_not_exist_is_not_found(org, api_as, unit):
    assert api_as(org.exec).get(EXECUTIVE, {"unit": unit}).status_code == 404


@pytest.mark.parametrize("url", [EXECUTIVE, BREACHES, MANAGER, REP])
def test_anonymous_callers_are_refused(db, api_client, url):
    assert api_client.get(url).status_code == 401


def test_a_reps_breach_list_holds_their_team_only(org, scenario, api_as):
    data = api_as(org.rep).get(BREACHES).json()
    assert [row["action_item"] for row in data["results"]] == [scenario.a.pk]


# --- The twins match the pages -----------------------------------------------------------------


def page(client, person, name, unit=None):
    client.force_login(person)
    return client.get(reverse(name), {"unit": unit.pk} if unit else {}).context


@pytest.mark.parametrize(
    ("persona", "unit"), [("exec", "company"), ("exec", "east"), ("director", None), ("rep", None)]
)
def test_the_executive_api_matches_the_page(org, scenario, client, api_as, persona, unit):
    person = getattr(org, persona)
    unit = getattr(org, unit) if unit else None
    context = page(client, person, "dashboards:executive", unit)
    data = api_as(person).get(EXECUTIVE, {"unit": unit.pk} if unit else {}).json()
    headline = context["headline"]
    assert data["unit"]["id"] == context["unit"].pk
    assert [u["id"] for u in data["lineage"]] == [u.pk for u in context["lineage"]]
    for name in (
        "running",
        "at_risk",
        "breached_open",
        "open_issues",
        "units_behind_plan",
        "reviews_proposed",
        "reviews_held",
    ):
        assert data["headline"][name] == getattr(headline, name), name
    assert {
        row["level"]: row["count"] for row in data["headline"]["escalations_by_level"]
    } == headline.escalations_by_level
    assert [
        (c["unit"], c["breaches"], None if c["worst_gap"] is None else Decimal(c["worst_gap"]))
        for c in data["heat_map"]
    ] == [(c.unit.pk, c.breaches, c.worst_gap) for c in context["heat"]]
    assert [
        (w["starts"], w["breaches"], w["on_time_rate"], w["brief_rate"]) for w in data["trends"]
    ] == [(str(w.starts), w.breaches, w.on_time_rate, w.brief_rate) for w in context["weeks"]]
    assert [(s["key"], s["done"], s["total"], s["rate"]) for s in data["loss_chain"]] == [
        (s.key, s.done, s.total, s.rate) for s in context["loss"]
    ]
    breaches = api_as(person).get(BREACHES, {"unit": context["unit"].pk}).json()
    assert [row["clock"] for row in breaches["results"]] == [
        c.pk for c in context["breach_page"].paginator.object_list
    ]


@pytest.mark.parametrize("persona", ["exec", "director", "lead", "rep"])
def test_the_manager_and_rep_apis_match_the_pages(org, scenario, client, api_as, persona):
    person = getattr(org, persona)
    context = page(client, person, "dashboards:manager")
    data = api_as(person).get(MANAGER).json()
    assert [m["meeting"]["id"] for m in data["meetings"]] == [m.pk for m, _ in context["meetings"]]
    assert [(m["briefs_expected"], m["briefs_submitted"]) for m in data["meetings"]] == [
        (done.expected, done.submitted) for _, done in context["meetings"]
    ]
    assert [i["id"] for i in data["action_items"]] == [i.pk for i in context["items"]]
    assert [r["rep"] for r in data["reps_needing_help"]] == [r.rep.pk for r in context["behind"]]
    assert [(p["person"], p["hours"]) for p in data["meeting_load"]] == [
        (p.pk, hours) for p, hours in context["load"]
    ]
    assert [
        (t["unit"], [(r["kind"], r["expected"], r["held"]) for r in t["rows"]])
        for t in data["cadence"]
    ] == [
        (team.pk, [(r.kind, r.expected, r.held) for r in rows]) for team, rows in context["cadence"]
    ]

    context = page(client, person, "dashboards:rep")
    data = api_as(person).get(REP).json()
    assert [m["id"] for m in data["meetings"]] == [m.pk for m in context["meetings"]]
    assert [(b["meeting"], b["customer"]) for b in data["briefs_to_fill"]] == [
        (e.meeting.pk, e.customer.pk) for e in context["briefs"]
    ]
    assert [i["id"] for i in data["action_items"]] == [i.pk for i in context["items"]]
    figures = context["figures"] or {}
    assert {t["metric"]: Decimal(t["actual"]) for t in data["targets"]} == {
        metric: figure.actual for metric, figure in figures.items() if figure.target
    }
