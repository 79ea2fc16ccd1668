"""The dashboard pages and CSV exports for each persona: what they show,
and what they must not."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from tests.customers.factories import submit
from tests.meetings.factories import local

from .conftest import NOW, promise, sweep

PERSONAS = [
    "exec",
    "ops",
    "director",
    "director_south",
    "lead",
    "rep",
    "lead_b",
    "outsider",
    "rep_south",
]
EXECUTIVE = reverse("dashboards:executive")
MANAGER = reverse("dashboards:manager")
REP = reverse("dashboards:rep")
BREACHES_CSV = reverse("dashboards:breaches-csv")
LOSS_CSV = reverse("dashboards:loss-csv")


def get(client, person, url, **kwargs):
    client.force_login(person)
    return client.get(url, **kwargs)


def test_every_page_renders_for_every_persona(org, scenario, client):
    for persona in PERSONAS:
        person = getattr(org, persona)
        page = get(client, person, EXECUTIVE)
        assert page.status_code == 200, persona
        assert page.context["unit"] == person.unit, persona
        assert 'data-testid="dashboard"' in page.text and "<html" in page.text
        fragment = get(client, person, EXECUTIVE, headers={"HX-Request": "true"})
        assert fragment.status_code == 200, persona
        assert "<html" not in fragment.text and 'data-testid="headline"' in fragment.text
        assert "HX-Request" in fragment["Vary"] and "HX-Request" in page["Vary"]
        for url in (MANAGER, REP, BREACHES_CSV, LOSS_CSV):
            assert get(client, person, url).status_code == 200, (persona, url)


def test_anonymous_visitors_are_sent_to_log_in(db, client):
    for url in (EXECUTIVE, MANAGER, REP, BREACHES_CSV):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response.url


def test_the_executive_page_shows_the_company(org, scenario, client):
    page = get(client, org.exec, EXECUTIVE)
    assert page.context["headline"].breached_open == 3
    assert [c.unit.name for c in page.context["heat"]] == ["华东", "华南"]
    assert [c.action_item for c in page.context["breach_page"]] == [
        scenario.a,
        scenario.g,
        scenario.b,
    ]
    assert "甲:回复客户投诉" in page.text and "L2" in page.text
    assert f'href="?unit={org.east.pk}"' in page.text  # drill down


def test_drilling_down_to_a_team_shows_its_lineage(org, scenario, client):
    page = get(client, org.exec, EXECUTIVE, data={"unit": org.team_a.pk})
    assert [u.name for u in page.context["lineage"]] == ["星海测试", "华东", "上海一组"]
    assert [c.action_item for c in page.context["breach_page"]] == [scenario.a]
    # The director sees from their region down.
    page = get(client, org.director, EXECUTIVE, data={"unit": org.team_a.pk})
    assert [u.name for u in page.context["lineage"]] == ["华东", "上海一组"]


def test_a_reps_executive_view_shows_only_their_team(org, scenario, client):
    page = get(client, org.rep, EXECUTIVE)
    assert page.context["unit"] == org.team_a
    headline = page.context["headline"]
    assert (headline.breached_open, headline.running, headline.at_risk) == (1, 2, 1)
    assert [c.action_item for c in page.context["breach_page"]] == [scenario.a]
    assert page.context["heat"] == []
    assert "乙:补交报价单" not in page.text and "己:提交样品申请" not in page.text


@pytest.mark.parametrize(
    ("persona", "unit"),
    [("outsider", "team_a"), ("rep", "company"), ("rep", "team_b"), ("director", "south")],
)
@pytest.mark.parametrize("url", [EXECUTIVE, MANAGER, BREACHES_CSV, LOSS_CSV])
def test_a_unit_outside_ones_tree_is_not_found(org, client, persona, unit, url):
    response = get(client, getattr(org, persona), url, data={"unit": getattr(org, unit).pk})
    assert response.status_code == 404


@pytest.mark.parametrize("unit", ["0", "abc", "99999999999999999999"])
def test_a_unit_that_does_not_exist_is_not_found(org, client, unit):
    assert get(client, org.exec, EXECUTIVE, data={"unit": unit}).status_code == 404


def rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


@pytest.mark.parametrize(
    ("persona", "titles"),
    [
        ("exec", ["甲:回复客户投诉", "己:提交样品申请", "乙:补交报价单"]),
        ("director", ["甲:回复客户投诉", "乙:补交报价单"]),
        ("director_south", ["己:提交样品申请"]),
        ("rep", ["甲:回复客户投诉"]),
        ("outsider", ["乙:补交报价单"]),
    ],
)
def test_the_breach_csv_holds_only_visible_rows_after_a_bom(org, scenario, client, persona, titles):
    response = get(client, getattr(org, persona), BREACHES_CSV)
    assert response["Content-Type"].startswith("text/csv")
    assert response.content.startswith("\ufeff".encode())
    header, *body = rows(response)
    assert header[:3] == ["item", "owner", "unit"]
    assert [row[0] for row in body] == titles


def test_the_breach_csv_rows(org, scenario, client):
    response = get(client, org.exec, BREACHES_CSV, data={"unit": org.team_a.pk})
    [row] = rows(response)[1:]
    assert row[:4] == ["甲:回复客户投诉", str(org.rep), "上海一组", "会议决议:按约定时间完成"]
    assert row[4:7] == ["2026-11-16T17:00:00+08:00", "2026-11-16T17:00:00+08:00", "2"]
    assert float(row[7]) == (NOW - scenario.a.clocks.get().breached_at).total_seconds() / 3600


def test_the_loss_csv(org, scenario, client):
    response = get(client, org.exec, LOSS_CSV)
    assert response.content.startswith("\ufeff".encode())
    body = {row[0]: row for row in rows(response)[1:]}
    assert body["actions"][2:] == ["1", "5", "0.2"]
    assert body["strategy"][2:4] == ["2", "3"]


def test_the_managers_week_page(org, scenario, client):
    page = get(client, org.lead, MANAGER)
    assert page.context["unit"] == org.team_a
    load = page.text[page.text.index('data-testid="meeting-load"') :]
    assert f'<td>{org.rep}</td><td class="text-end">2.0 h</td>' in load
    assert str(org.outsider) not in load  # declined
    assert "简报 0/1" in page.text  # tonight's meeting: rep's brief not in
    assert [row.rep for row in page.context["behind"]] == [org.rep]  # behind on revenue
    meetings = page.text[page.text.index('data-testid="week-meetings"') :]
    assert scenario.friday.get_absolute_url() in meetings


def test_the_reps_day_page(org, scenario, client):
    page = get(client, org.rep, REP)
    assert [m.pk for m in page.context["meetings"]] == [scenario.tonight.pk]
    assert reverse("customers:brief", args=[scenario.tonight.pk, scenario.customer.pk]) in page.text
    assert "星辰科技" in page.text
    assert scenario.d.get_absolute_url() in page.text
    assert "data-deadline" in page.text  # a countdown
    assert page.context["figures"]["revenue"].target == 600


def test_the_breach_csv_keeps_a_title_like_a_formula_as_text(org, client):
    promise(org.rep, '=HYPERLINK("http://evil.example","点我")', NOW, local(2026, 11, 25, 10, 30))
    sweep(local(2026, 11, 25, 11))
    response = get(client, org.exec, BREACHES_CSV)
    [row] = rows(response)[1:]
    assert row[0] == '\'=HYPERLINK("http://evil.example","点我")'


def test_the_reps_day_says_when_no_brief_is_due(org, scenario, client):
    """A meeting to prepare whose briefs are all in leaves the list empty, and says so."""
    submit(scenario.tonight, scenario.customer)
    page = get(client, org.rep, REP)
    assert page.context["briefs"] == []
    assert "没有待交的简报。" in page.text
