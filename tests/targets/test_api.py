"""The targets API: periods, plans, targets set and confirmed through the
services, actuals recorded, upserted in bulk and imported, the gap of a
unit's tree and the reviews the rule proposed — each scoped to the caller's
part of the organisation, anything else answering 404."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from openpyxl import Workbook

from targets import rule
from targets.models import Actual, Metric, Period, Plan, Target

from .helpers import MID_Q4, actual, at, rep, target

REVENUE = Metric.REVENUE


@pytest.fixture(autouse=True)
def frozen(api_client):
    api_client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    with at(MID_Q4), translation.override("en"):
        yield


def ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


# --- Periods and plans ------------------------------------------------------------------------


def test_the_current_period_is_created_on_first_use(org, api_as):
    client = api_as(org.rep)

    first = client.get("/api/periods/current/?kind=quarter")
    again = client.get("/api/periods/current/")  # a quarter by default
    month = client.get("/api/periods/current/?kind=month&date=2026-12-31")

    assert first.json() == {
        "id": first.json()["id"],
        "kind": "quarter",
        "name": "2026 Q4",
        "starts_on": "2026-10-01",
        "ends_on": "2026-12-31",
    }
    assert again.json()["id"] == first.json()["id"]
    assert (month.json()["name"], month.json()["starts_on"]) == ("2026-12", "2026-12-01")
    assert client.get("/api/periods/current/?kind=week").status_code == 400
    assert client.get("/api/periods/current/?date=9999-12-31").status_code == 400
    assert ids(client.get("/api/periods/?kind=quarter")) == {first.json()["id"]}
    assert Period.objects.count() == 2


def test_plans_of_other_teams_answer_404(org, api_as, q4):
    mine = Plan.objects.create(unit=org.team_a, period=q4, methods="陌拜", set_by=org.lead)
    theirs = Plan.objects.create(unit=org.team_b, period=q4, set_by=org.lead_b)

    assert ids(api_as(org.lead).get("/api/plans/")) == {mine.pk}
    assert api_as(org.lead).get(f"/api/plans/{theirs.pk}/").status_code == 404
    assert ids(api_as(org.director).get(f"/api/plans/?period={q4.pk}")) == {mine.pk, theirs.pk}


def test_a_manager_saves_the_plan_of_a_unit_in_their_tree(org, api_as, q4):
    body = {"unit": org.team_a.pk, "period": q4.pk, "methods": "陌拜 + 转介绍", "regions": "浦东"}

    created = api_as(org.lead).post("/api/plans/", body, format="json")
    again = api_as(org.director).post("/api/plans/", body | {"resources": "售前"}, format="json")

    assert created.status_code == 201, created.content
    assert (created.json()["set_by"], created.json()["resources"]) == (org.lead.pk, "")
    assert again.json()["id"] == created.json()["id"]
    assert (again.json()["set_by"], again.json()["resources"]) == (org.director.pk, "售前")
    assert Plan.objects.count() == 1
    assert api_as(org.rep).post("/api/plans/", body, format="json").status_code == 403
    elsewhere = api_as(org.lead).post("/api/plans/", body | {"unit": org.team_b.pk}, format="json")
    assert elsewhere.status_code == 400


# --- Targets ---------------------------------------------------------------------------------


@pytest.fixture
def targets(org, q4):
    return {
        "team_a": target(q4, org.team_a, REVENUE, 1000),
        "rep": target(q4, org.team_a, REVENUE, 400, rep=org.rep),
        "team_b": target(q4, org.team_b, REVENUE, 900),
        "south": target(q4, org.team_south, REVENUE, 500, by=org.director_south),
    }


def test_targets_are_scoped_to_the_callers_tree(org, api_as, targets):
    assert ids(api_as(org.lead).get("/api/targets/")) == {
        targets["team_a"].pk,
        targets["rep"].pk,
    }
    assert ids(api_as(org.director).get("/api/targets/?unit_only=true")) == {
        targets["team_a"].pk,
        targets["team_b"].pk,
    }
    assert len(ids(api_as(org.exec).get("/api/targets/"))) == 4
    assert api_as(org.outsider).get(f"/api/targets/{targets['team_a'].pk}/").status_code == 404
    assert api_as(org.lead).get(f"/api/targets/{targets['south'].pk}/").status_code == 404


def test_a_manager_sets_a_target_and_another_confirms_it(org, api_as, q4):
    body = {"period": q4.pk, "unit": org.team_a.pk, "metric": "signed", "value": "12"}

    created = api_as(org.lead).post("/api/targets/", body, format="json")

    assert created.status_code == 201, created.content
    target_id = created.json()["id"]
    assert created.json() | {"id": 0} == {
        "id": 0,
        "period": q4.pk,
        "period_name": "2026 Q4",
        "unit": org.team_a.pk,
        "unit_name": "上海一组",
        "rep": None,
        "rep_name": None,
        "metric": "signed",
        "value": "12.00",
        "set_by": org.lead.pk,
        "set_by_name": str(org.lead),
        "confirmed_by": None,
        "confirmed_by_name": None,
        "confirmed_at": None,
    }
    assert api_as(org.lead).post(f"/api/targets/{target_id}/confirm/").status_code == 403
    confirmed = api_as(org.director).post(f"/api/targets/{target_id}/confirm/")
    assert confirmed.status_code == 200
    assert confirmed.json()["confirmed_by"] == org.director.pk

    # Setting it again replaces the value, and the confirmation with it.
    again = api_as(org.director).post("/api/targets/", body | {"value": "15"}, format="json")
    assert again.json()["id"] == target_id
    assert (again.json()["value"], again.json()["confirmed_by"]) == ("15.00", None)
    patched = api_as(org.lead).patch(f"/api/targets/{target_id}/", {"value": 14}, format="json")
    assert (patched.status_code, patched.json()["value"]) == (200, "14.00")
    assert Target.objects.get().history.count() == 3  # set, replaced, changed


def test_targets_outside_the_callers_reach_are_refused(org, api_as, q4, targets):
    body = {"period": q4.pk, "unit": org.team_a.pk, "metric": "signed", "value": "12"}

    assert api_as(org.rep).post("/api/targets/", body, format="json").status_code == 403
    wrong_unit = api_as(org.lead).post(
        "/api/targets/", body | {"unit": org.team_b.pk}, format="json"
    )
    assert wrong_unit.status_code == 400
    assert "unit" in wrong_unit.json()
    wrong_rep = api_as(org.director).post(
        "/api/targets/", body | {"rep": org.outsider.pk}, format="json"
    )
    assert wrong_rep.status_code == 400  # the rep belongs to another team than the unit
    negative = api_as(org.lead).post("/api/targets/", body | {"value": "-1"}, format="json")
    assert negative.status_code == 400
    south = targets["south"].pk
    assert api_as(org.lead).patch(f"/api/targets/{south}/", {"value": 1}).status_code == 404


@pytest.mark.parametrize("size", [2, 12])
def test_the_target_list_takes_the_same_queries_whatever_its_length(
    org, api_as, q4, size, django_assert_num_queries
):
    for n in range(size):
        person = rep(org.team_a, f"r{n}")
        target(q4, org.team_a, REVENUE, 100, rep=person, by=org.lead)
    Target.objects.update(confirmed_by=org.director)
    client = api_as(org.lead)
    client.get("/api/targets/")  # the caller's scope is worked out once per user
    # count + page of targets with period, unit, rep, set_by and confirmed_by joined.
    with django_assert_num_queries(2):
        response = client.get("/api/targets/?page_size=100")
    assert response.json()["count"] == size


# --- Actuals ---------------------------------------------------------------------------------


def test_results_are_recorded_through_the_service(org, api_as):
    body = {"date": "2026-11-18", "metric": "revenue", "value": "300", "rep": org.rep.pk}

    mine = api_as(org.rep).post("/api/actuals/", body, format="json")
    assert mine.status_code == 201, mine.content
    assert (mine.json()["unit"], mine.json()["source"]) == (org.team_a.pk, "api")
    theirs = api_as(org.rep).post(
        "/api/actuals/", body | {"rep": None, "unit": org.team_a.pk}, format="json"
    )
    assert theirs.status_code == 403
    led = api_as(org.lead).post(
        "/api/actuals/", body | {"external_id": "CRM-1", "unit": org.team_a.pk}, format="json"
    )
    assert led.status_code == 201
    twice = api_as(org.lead).post(
        "/api/actuals/", body | {"external_id": "CRM-1", "unit": org.team_a.pk}, format="json"
    )
    assert twice.status_code == 400
    assert "external_id" in twice.json()
    elsewhere = api_as(org.director).post(
        "/api/actuals/", body | {"unit": org.team_b.pk}, format="json"
    )
    assert elsewhere.status_code == 400  # the rep is not in that team
    assert Actual.objects.count() == 2


def test_results_of_other_teams_answer_404(org, api_as):
    ours = actual(org.team_a, REVENUE, 10, rep=org.rep)
    theirs = actual(org.team_b, REVENUE, 10, rep=org.outsider)

    assert ids(api_as(org.rep).get("/api/actuals/")) == {ours.pk}
    assert api_as(org.rep).get(f"/api/actuals/{theirs.pk}/").status_code == 404
    assert ids(api_as(org.director).get(f"/api/actuals/?within={org.east.pk}")) == {
        ours.pk,
        theirs.pk,
    }
    assert api_as(org.lead).get(f"/api/actuals/?within={org.east.pk}").status_code == 400


ROWS = [
    {
        "external_id": "CRM-1",
        "date": "2026-11-02",
        "metric": "revenue",
        "value": 1200.5,
        "rep": "rep",
    },
    {
        "external_id": "CRM-2",
        "date": "2026-11-03",
        "metric": "签约客户数",
        "value": "2",
        "unit": "上海一组",
    },
]


def test_bulk_upsert_is_all_or_nothing(org, api_as):
    client = api_as(org.lead)
    bad = [
        *ROWS,
        {
            "external_id": "CRM-3",
            "date": "soon",
            "metric": "revenue",
            "value": 1,
            "rep": "outsider",
        },
        7,
    ]

    refused = client.post("/api/actuals/bulk-upsert/", bad, format="json")

    assert refused.status_code == 400
    assert refused.json() == {
        "detail": "Nothing was imported: fix these rows and send them again.",
        "errors": [
            {
                "line": 3,
                "message": "date soon is not a date (YYYY-MM-DD); "
                "no person outsider in your part of the organisation",
            },
            {"line": 4, "message": "A row must be an object."},
        ],
    }
    assert not Actual.objects.exists()
    done = client.post("/api/actuals/bulk-upsert/", ROWS, format="json")
    assert done.json() == {"created": 2, "updated": 0, "unchanged": 0}
    again = client.post("/api/actuals/bulk-upsert/", ROWS, format="json")
    assert again.json() == {"created": 0, "updated": 0, "unchanged": 2}
    assert set(Actual.objects.values_list("source", flat=True)) == {"api"}
    nul = client.post("/api/actuals/bulk-upsert/", [ROWS[0] | {"rep": "rep\x00"}], format="json")
    assert nul.json()["errors"] == [{"line": 1, "message": "rep is not text or a number"}]
    not_a_list = client.post("/api/actuals/bulk-upsert/", {"rows": ROWS}, format="json")
    assert not_a_list.status_code == 400
    assert not_a_list.json()["errors"] == [
        {"line": 0, "message": "The body must be a list of rows."}
    ]


def test_files_are_imported_from_csv_and_excel(org, api_as):
    client = api_as(org.director)
    book = Workbook()
    book.active.append(["external_id", "date", "metric", "value", "rep"])
    book.active.append(["X-1", dt.date(2026, 11, 2), "revenue", 99, "outsider"])
    xlsx = io.BytesIO()
    book.save(xlsx)
    bad_csv = "external_id,date,metric,value,rep\nC-1,2026-11-02,revenue,1,rep_south\n"

    excel = client.post(
        "/api/actuals/import/",
        {"file": SimpleUploadedFile("results.xlsx", xlsx.getvalue())},
        format="multipart",
    )
    refused = client.post(
        "/api/actuals/import/",
        {"file": SimpleUploadedFile("results.csv", bad_csv.encode("gbk"))},
        format="multipart",
    )

    assert (excel.status_code, excel.json()) == (200, {"created": 1, "updated": 0, "unchanged": 0})
    assert refused.status_code == 400
    assert refused.json()["errors"] == [
        {"line": 2, "message": "no person rep_south in your part of the organisation"}
    ]
    assert Actual.objects.get().value == Decimal(99)


# --- Gaps and reviews -------------------------------------------------------------------------


@pytest.fixture
def behind(org, q4):
    """Team A at 300 of the 500 expected half-way through; team B ahead."""
    target(q4, org.team_a, REVENUE, 1000)
    target(q4, org.team_a, REVENUE, 600, rep=org.rep)
    target(q4, org.team_b, REVENUE, 1000)
    actual(org.team_a, REVENUE, 300, rep=org.rep)
    actual(org.team_b, REVENUE, 700, rep=org.outsider)
    return q4


def test_gaps_report_the_figures_of_a_visible_unit(org, api_as, behind):
    response = api_as(org.lead).get(f"/api/gaps/?unit={org.team_a.pk}&period={behind.pk}")

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["date"], body["elapsed"], body["threshold"]) == ("2026-11-18", "0.5000", "0.1500")
    root = body["root"]
    assert (root["unit"], root["unit_name"], root["rep"]) == (org.team_a.pk, "上海一组", None)
    revenue = next(f for f in root["figures"] if f["metric"] == "revenue")
    assert revenue == {
        "metric": "revenue",
        "label": "Revenue",
        "target": "1000.00",
        "expected": "500.0000",
        "actual": "300.00",
        "gap": "0.4000",
        "behind": True,
    }
    signed = next(f for f in root["figures"] if f["metric"] == "signed")
    assert (signed["gap"], signed["behind"]) == (None, False)
    [rep_row] = [child for child in root["children"] if child["rep"] == org.rep.pk]
    assert next(f for f in rep_row["figures"] if f["metric"] == "revenue")["gap"] == "0.0000"


def test_gaps_default_to_the_callers_unit_and_the_current_quarter(org, api_as, behind):
    body = api_as(org.director).get("/api/gaps/").json()

    assert (body["root"]["unit"], body["period"]["id"]) == (org.east.pk, behind.pk)
    assert [child["unit"] for child in body["root"]["children"]] == [org.team_a.pk, org.team_b.pk]
    east = next(f for f in body["root"]["figures"] if f["metric"] == "revenue")
    assert (east["target"], east["actual"], east["behind"]) == ("2000.00", "1000.00", False)


def test_gaps_of_a_unit_outside_the_tree_answer_404(org, api_as, behind):
    assert api_as(org.outsider).get(f"/api/gaps/?unit={org.team_a.pk}").status_code == 404
    assert api_as(org.lead).get(f"/api/gaps/?unit={org.east.pk}").status_code == 404
    assert api_as(org.lead).get("/api/gaps/?period=999999").status_code == 404


def test_reviews_are_seen_in_the_tree_and_by_those_invited(org, api_as, behind):
    rule.check(behind, MID_Q4)
    # Team B at pace, no longer ahead: the region and the company fall behind too.
    Actual.objects.filter(rep=org.outsider).update(value=500)
    rule.check(behind, MID_Q4)
    reviews = {review.unit: review.pk for review in rule.GapReview.objects.all()}
    assert set(reviews) == {org.team_a, org.east, org.company}

    assert ids(api_as(org.lead).get("/api/gap-reviews/")) == set(reviews.values())
    # Not in team A's tree, but invited to the region's and the company's reviews.
    assert ids(api_as(org.lead_b).get("/api/gap-reviews/")) == {
        reviews[org.east],
        reviews[org.company],
    }
    assert api_as(org.lead_b).get(f"/api/gap-reviews/{reviews[org.team_a]}/").status_code == 404
    assert ids(api_as(org.outsider).get("/api/gap-reviews/")) == set()
    assert ids(api_as(org.rep_south).get("/api/gap-reviews/")) == set()
    body = api_as(org.exec).get(f"/api/gap-reviews/{reviews[org.team_a]}/").json()
    assert (body["unit_name"], body["period_name"], body["metrics"]) == (
        "上海一组",
        "2026 Q4",
        ["revenue"],
    )
    meeting = rule.GapReview.objects.get(pk=reviews[org.team_a]).meeting
    assert (body["meeting"], body["meeting_status"]) == (meeting.pk, "proposed")
    assert body["figures"]["revenue"]["gap"] == "0.4000"
