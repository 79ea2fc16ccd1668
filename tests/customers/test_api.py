"""The customers API as a CRM integration uses it: customers scoped to the
caller's tree, the atomic and idempotent bulk upsert and CSV import, briefs
with prefill, deadline and lock, the lead's decisions, visit plans feeding
the daily meeting's expected briefs, completion, and versions."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from rest_framework.authtoken.models import Token

from customers import services
from customers.defaults import install_default_stages
from customers.models import Brief, Customer, PipelineStage, VisitPlan
from meetings import services as meeting_services
from meetings.kinds import Kind

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 11, 23, 9, 0, tzinfo=SHANGHAI)  # a Monday
TUESDAY = dt.datetime(2026, 11, 24, 9, 0, tzinfo=SHANGHAI)
WEDNESDAY = dt.datetime(2026, 11, 25, 9, 0, tzinfo=SHANGHAI)
FRIDAY = dt.datetime(2026, 11, 27, 15, 0, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture(autouse=True)
def stages(db):
    # The default pipeline comes from a data migration, which transactional
    # tests flush.
    install_default_stages(PipelineStage)
    return {stage.key: stage for stage in PipelineStage.objects.all()}


def make_customer(name, owner, stage="lead", **fields):
    return Customer.objects.create(
        name=name,
        owner=owner,
        unit=fields.pop("unit", owner.unit),
        stage=PipelineStage.objects.get(key=stage),
        **fields,
    )


def schedule(org, kind, starts_at, unit=None, invitees=None):
    meeting, _verdict = meeting_services.schedule_meeting(
        meeting_services.MeetingSpec(
            kind=kind,
            unit=unit or org.team_a,
            title=f"{kind} {starts_at:%m-%d}",
            starts_at=starts_at,
            ends_at=starts_at + dt.timedelta(minutes=30),
            invitees=[org.rep] if invitees is None else invitees,
        ),
        (unit or org.team_a).manager,
        accept_warnings=True,
    )
    return meeting


@pytest.fixture
def customers(org):
    return {
        "acme": make_customer("上海顶点", org.rep, "qualified", external_id="CRM-1"),
        "beta": make_customer("杭州贝塔", org.outsider, external_id="CRM-2"),
        "gamma": make_customer("广州伽马", org.rep_south, external_id="CRM-3"),
    }


@pytest.fixture
def daily(org):
    return schedule(org, Kind.DAILY, TUESDAY)


def names(response):
    assert response.status_code == 200, response.json()
    return {row["name"] for row in response.json()["results"]}


def brief_body(meeting, customer, **fields):
    return {"meeting": meeting.pk, "customer": customer.pk, **fields}


# --- The pipeline and customers -------------------------------------------------------------


def test_pipeline_stages_come_in_order(org, api_as):
    rows = api_as(org.rep).get("/api/pipeline-stages/").json()
    assert [row["key"] for row in rows] == [
        "lead",
        "qualified",
        "proposal",
        "negotiation",
        "signed",
        "lost",
    ]
    assert [row["key"] for row in rows if row["is_won"] or row["is_lost"]] == ["signed", "lost"]


def test_customer_lists_hold_only_the_callers_tree(org, api_as, customers):
    assert names(api_as(org.rep).get("/api/customers/")) == {"上海顶点"}
    assert names(api_as(org.outsider).get("/api/customers/")) == {"杭州贝塔"}
    assert names(api_as(org.director).get("/api/customers/")) == {"上海顶点", "杭州贝塔"}
    assert names(api_as(org.exec).get("/api/customers/")) == {"上海顶点", "杭州贝塔", "广州伽马"}


def test_customer_outside_the_tree_is_not_found(org, api_as, customers):
    client = api_as(org.outsider)
    acme = customers["acme"]
    assert client.get(f"/api/customers/{acme.pk}/").status_code == 404
    assert client.get(f"/api/customers/{acme.pk}/history/").status_code == 404
    response = client.post(
        f"/api/customers/{acme.pk}/confirm-stage/", {"stage": "signed"}, format="json"
    )
    assert response.status_code == 404
    body = api_as(org.lead).get(f"/api/customers/{acme.pk}/").json()
    assert body["owner_username"] == "rep"
    assert body["unit_name"] == "上海一组"
    assert (body["stage"], body["external_id"]) == ("qualified", "CRM-1")


def test_customer_filters(org, api_as, customers):
    make_customer("上海签约客户", org.rep, "signed")
    client = api_as(org.director)
    assert names(client.get("/api/customers/?stage=signed&stage=qualified")) == {
        "上海顶点",
        "上海签约客户",
    }
    assert names(client.get(f"/api/customers/?owner={org.outsider.pk}")) == {"杭州贝塔"}
    assert names(client.get(f"/api/customers/?within={org.team_b.pk}")) == {"杭州贝塔"}
    assert names(client.get("/api/customers/?search=CRM-2")) == {"杭州贝塔"}
    assert names(client.get("/api/customers/?search=顶点")) == {"上海顶点"}
    # Ids outside the caller's tree are "not a valid choice", not an empty list.
    assert client.get(f"/api/customers/?owner={org.rep_south.pk}").status_code == 400
    assert client.get(f"/api/customers/?within={org.south.pk}").status_code == 400


def test_managers_create_customers_for_people_in_their_tree(org, api_as):
    client = api_as(org.lead)
    body = {"name": "苏州新客户", "owner": org.rep.pk, "stage": "lead", "expected_value": "5000"}
    response = client.post("/api/customers/", body, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["unit"] == org.team_a.pk  # the owner's unit
    assert response.json()["expected_value"] == "5000.00"

    response = client.post("/api/customers/", {**body, "owner": org.outsider.pk}, format="json")
    assert response.status_code == 400
    assert "owner" in response.json()
    response = client.post("/api/customers/", {**body, "unit": org.team_b.pk}, format="json")
    assert response.status_code == 400
    assert "unit" in response.json()
    response = client.post("/api/customers/", {**body, "stage": "won"}, format="json")
    assert response.status_code == 400
    assert "stage" in response.json()


def test_reps_read_customers_but_do_not_change_them(org, api_as, customers):
    client = api_as(org.rep)
    body = {"name": "新客户", "owner": org.rep.pk, "stage": "lead"}
    assert client.post("/api/customers/", body, format="json").status_code == 403
    response = client.patch(
        f"/api/customers/{customers['acme'].pk}/", {"stage": "signed"}, format="json"
    )
    assert response.status_code == 403
    assert client.post("/api/customers/bulk-upsert/", [], format="json").status_code == 403


def test_customer_history_tells_who_changed_what(org, api_as):
    response = api_as(org.lead).post(
        "/api/customers/",
        {"name": "上海顶点", "owner": org.rep.pk, "stage": "lead", "external_id": "CRM-9"},
        format="json",
    )
    pk = response.json()["id"]
    with time_machine.travel(NOW + dt.timedelta(hours=2), tick=False):
        response = api_as(org.ops).patch(
            f"/api/customers/{pk}/",
            {"stage": "proposal", "expected_value": "120000.50"},
            format="json",
        )
    assert response.status_code == 200, response.json()

    rows = api_as(org.rep).get(f"/api/customers/{pk}/history/").json()["results"]
    assert [(row["action"], row["by"]) for row in rows] == [
        ("changed", org.ops.pk),
        ("created", org.lead.pk),
    ]
    assert rows[0]["at"] == "2026-11-23T11:00:00+08:00"
    assert rows[0]["changes"] == [
        {"field": "expected_value", "old": "0.00", "new": "120000.50"},
        {"field": "stage", "old": "lead", "new": "proposal"},
    ]
    created = {change["field"]: change["new"] for change in rows[1]["changes"]}
    assert created["name"] == "上海顶点"
    assert created["owner"] == org.rep.pk
    assert created["stage"] == "lead"


def test_confirm_stage_updates_the_customer_as_the_lead(org, api_as, customers):
    acme = customers["acme"]
    url = f"/api/customers/{acme.pk}/confirm-stage/"
    assert api_as(org.rep).post(url, {"stage": "signed"}, format="json").status_code == 403

    response = api_as(org.lead).post(url, {"stage": "signed"}, format="json")
    assert response.status_code == 200
    assert response.json()["stage"] == "signed"
    acme.refresh_from_db()
    assert acme.stage.key == "signed"
    latest = acme.history.order_by("-history_id").first()
    assert latest.history_user == org.lead


# --- Bulk upsert and CSV import ---------------------------------------------------------------


def rows(*overrides):
    base = [
        {
            "external_id": "CRM-100",
            "name": "上海顶点",
            "owner": "rep",
            "stage": "qualified",
            "expected_value": "1,200,000",
            "last_contact": "2026-11-20",
        },
        {
            "external_id": "CRM-101",
            "name": "苏州贝塔",
            "owner": "lead",
            "stage": "方案报价",
            "expected_value": 80000,
            "unit": "上海一组",
        },
    ]
    return base + list(overrides)


def test_bulk_upsert_with_bad_rows_writes_nothing_and_lists_every_bad_row(org, api_as):
    payload = rows(
        {"external_id": "CRM-102", "name": "越界", "owner": "outsider", "stage": "lead"},
        {
            "external_id": "CRM-103",
            "name": "坏数据",
            "owner": "rep",
            "stage": "won",
            "expected_value": "很多",
        },
        {"external_id": "CRM-104", "name": ["不是", "文本"], "owner": "rep", "stage": "lead"},
        "not a row",
    )
    response = api_as(org.lead).post("/api/customers/bulk-upsert/", payload, format="json")
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert [error["line"] for error in errors] == [3, 4, 5, 6]
    assert "outsider" in errors[0]["message"]
    assert "won" in errors[1]["message"]
    assert "很多" in errors[1]["message"]
    assert "name" in errors[2]["message"]
    assert Customer.objects.count() == 0
    assert Customer.history.count() == 0


def test_bulk_upsert_is_idempotent(org, api_as):
    client = api_as(org.lead)
    response = client.post("/api/customers/bulk-upsert/", rows(), format="json")
    assert response.status_code == 200, response.json()
    assert response.json() == {"created": 2, "updated": 0, "unchanged": 0}
    acme = Customer.objects.get(external_id="CRM-100")
    assert (acme.owner, acme.unit, acme.stage.key) == (org.rep, org.team_a, "qualified")
    assert str(acme.expected_value) == "1200000.00"
    assert acme.last_contact == dt.date(2026, 11, 20)

    response = client.post("/api/customers/bulk-upsert/", rows(), format="json")
    assert response.json() == {"created": 0, "updated": 0, "unchanged": 2}
    assert Customer.history.count() == 2

    changed = rows()
    changed[0]["stage"] = "negotiation"
    response = client.post("/api/customers/bulk-upsert/", changed, format="json")
    assert response.json() == {"created": 0, "updated": 1, "unchanged": 1}
    record = Customer.objects.get(external_id="CRM-100").history.order_by("-history_id")[0]
    assert record.history_user == org.lead


def test_bulk_upsert_refuses_a_body_that_is_not_a_list(org, api_as):
    response = api_as(org.ops).post("/api/customers/bulk-upsert/", rows()[0], format="json")
    assert response.status_code == 400
    assert [error["line"] for error in response.json()["errors"]] == [0]


def test_bulk_upsert_cannot_take_over_a_customer_outside_the_tree(org, api_as, customers):
    payload = [{"external_id": "CRM-2", "name": "杭州贝塔", "owner": "rep", "stage": "lead"}]
    response = api_as(org.lead).post("/api/customers/bulk-upsert/", payload, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["line"] == 1
    assert Customer.objects.get(external_id="CRM-2").owner == org.outsider


CSV = (
    "external_id,name,owner,stage,expected_value,last_contact,unit\n"
    "CRM-200,上海顶点科技,rep,已确认需求,300000,2026-11-01,\n"
    "CRM-201,苏州贝塔制造,lead,proposal,,,上海一组\n"
)


def upload(client, data: bytes):
    return client.post(
        "/api/customers/import/",
        {"file": SimpleUploadedFile("crm.csv", data, content_type="text/csv")},
        format="multipart",
    )


@pytest.mark.parametrize("encoding", ["gbk", "utf-8-sig"], ids=["gbk", "utf-8-bom"])
def test_csv_import_reads_gbk_and_utf8_with_bom(org, api_as, encoding):
    client = api_as(org.lead)
    response = upload(client, CSV.encode(encoding))
    assert response.status_code == 200, response.json()
    assert response.json() == {"created": 2, "updated": 0, "unchanged": 0}
    acme = Customer.objects.get(external_id="CRM-200")
    assert (acme.name, acme.stage.key) == ("上海顶点科技", "qualified")

    assert upload(client, CSV.encode(encoding)).json() == {
        "created": 0,
        "updated": 0,
        "unchanged": 2,
    }


def test_csv_import_with_a_bad_line_writes_nothing(org, api_as):
    bad = CSV + "CRM-202,坏行,nobody,lead,,2026-13-01,\n"
    response = upload(api_as(org.lead), bad.encode("gbk"))
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert [error["line"] for error in errors] == [4]
    assert "nobody" in errors[0]["message"]
    assert "2026-13-01" in errors[0]["message"]
    assert Customer.objects.count() == 0


def test_csv_import_without_required_columns_is_refused(org, api_as):
    response = upload(api_as(org.lead), b"name,owner\nx,rep\n")
    assert response.status_code == 400
    assert response.json()["errors"][0]["line"] == 1


# --- Briefs -------------------------------------------------------------------------------------


def test_prefill_starts_from_the_customer_and_the_reps_last_brief(org, api_as, customers):
    acme = customers["acme"]
    client = api_as(org.rep)
    response = client.post(
        "/api/briefs/submit/",
        brief_body(
            schedule(org, Kind.DAILY, TUESDAY),
            acme,
            needs="需要二期报价",
            blockers="预算未批",
            stage="lead",
        ),
        format="json",
    )
    assert response.status_code == 200, response.json()

    wednesday = schedule(org, Kind.DAILY, WEDNESDAY)
    response = client.get(f"/api/briefs/prefill/?meeting={wednesday.pk}&customer={acme.pk}")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["id"] is None  # not saved
    assert body["stage"] == "qualified"  # the customer's stage, not the old brief's
    assert (body["needs"], body["blockers"]) == ("需要二期报价", "预算未批")
    assert body["rep"] == org.rep.pk
    assert body["deadline"] == "2026-11-25T09:00:00+08:00"
    assert Brief.objects.filter(meeting=wednesday).count() == 0


def test_prefill_outside_the_tree_is_not_found(org, api_as, customers, daily):
    client = api_as(org.rep)
    beta = customers["beta"]
    response = client.get(f"/api/briefs/prefill/?meeting={daily.pk}&customer={beta.pk}")
    assert response.status_code == 404
    other = schedule(org, Kind.DAILY, TUESDAY, unit=org.team_b, invitees=[org.outsider])
    acme = customers["acme"]
    response = client.get(f"/api/briefs/prefill/?meeting={other.pk}&customer={acme.pk}")
    assert response.status_code == 404
    assert client.get("/api/briefs/prefill/").status_code == 400


def test_draft_then_submit_after_the_start_is_late(org, api_as, customers, daily):
    client = api_as(org.rep)
    acme = customers["acme"]
    response = client.put(
        "/api/briefs/draft/",
        brief_body(daily, acme, needs="试点", wants_accompany=True),
        format="json",
    )
    assert response.status_code == 200, response.json()
    draft = response.json()
    assert (draft["submitted_at"], draft["is_late"], draft["version"]) == (None, False, 1)
    assert draft["stage"] == "qualified"  # pre-filled, kept

    with time_machine.travel(TUESDAY + dt.timedelta(minutes=5), tick=False):
        response = client.post(
            "/api/briefs/submit/", brief_body(daily, acme, next_step="周四拜访"), format="json"
        )
    assert response.status_code == 200, response.json()
    brief = response.json()
    assert brief["id"] == draft["id"]
    assert brief["is_late"] is True
    assert brief["submitted_at"] == "2026-11-24T09:05:00+08:00"
    assert (brief["needs"], brief["next_step"], brief["wants_accompany"]) == (
        "试点",
        "周四拜访",
        True,
    )

    rows = client.get("/api/briefs/?submitted=true").json()["results"]
    assert [row["id"] for row in rows] == [brief["id"]]
    assert client.get("/api/briefs/?submitted=false").json()["results"] == []


def test_submitting_before_the_deadline_is_on_time(org, api_as, customers, daily):
    response = api_as(org.rep).post(
        "/api/briefs/submit/", brief_body(daily, customers["acme"], needs="试点"), format="json"
    )
    assert response.json()["is_late"] is False
    assert response.json()["submitted_at"] == "2026-11-23T09:00:00+08:00"


def test_a_rep_not_invited_cannot_brief(org, api_as, customers):
    meeting = schedule(org, Kind.DAILY, TUESDAY, invitees=[])
    response = api_as(org.rep).put(
        "/api/briefs/draft/", brief_body(meeting, customers["acme"]), format="json"
    )
    assert response.status_code == 403


def test_a_brief_on_a_customer_outside_the_tree_is_an_invalid_choice(org, api_as, customers, daily):
    response = api_as(org.rep).put(
        "/api/briefs/draft/", brief_body(daily, customers["beta"]), format="json"
    )
    assert response.status_code == 400
    assert "customer" in response.json()


@pytest.fixture
def submitted(org, customers, daily):
    return services.save_brief(
        daily, customers["acme"], org.rep, {"needs": "试点", "wants_accompany": True}, submit=True
    )


def test_briefs_are_seen_by_their_rep_and_the_reps_managers_only(org, api_as, submitted):
    url = f"/api/briefs/{submitted.pk}/"
    for person in (org.rep, org.lead, org.director, org.exec):
        assert api_as(person).get(url).status_code == 200, person
    for person in (org.outsider, org.lead_b, org.director_south):
        assert api_as(person).get(url).status_code == 404, person
        assert api_as(person).get(f"{url}history/").status_code == 404, person
        assert api_as(person).get("/api/briefs/").json()["results"] == []


def test_the_lead_decides_to_accompany(org, api_as, submitted):
    url = f"/api/briefs/{submitted.pk}/decide/"
    body = {"accompany": "yes", "advice": "带上方案经理"}
    assert api_as(org.rep).post(url, body, format="json").status_code == 403

    response = api_as(org.lead).post(url, body, format="json")
    assert response.status_code == 200, response.json()
    brief = response.json()
    assert (brief["accompany"], brief["advice"]) == ("yes", "带上方案经理")
    assert brief["decided_by"] == org.lead.pk
    assert brief["version"] == 2

    rows = api_as(org.lead).get("/api/briefs/?accompany=yes").json()["results"]
    assert [row["id"] for row in rows] == [submitted.pk]
    assert api_as(org.lead).post(url, {"accompany": "maybe"}, format="json").status_code == 400


def test_briefs_lock_when_the_meeting_concludes(org, api_as, customers, daily, submitted):
    meeting_services.mark_concluded(daily, org.lead)
    client = api_as(org.rep)
    body = brief_body(daily, customers["acme"], needs="改一下")
    assert client.put("/api/briefs/draft/", body, format="json").status_code == 403
    assert client.post("/api/briefs/submit/", body, format="json").status_code == 403
    response = api_as(org.lead).post(
        f"/api/briefs/{submitted.pk}/decide/", {"accompany": "no"}, format="json"
    )
    assert response.status_code == 403
    submitted.refresh_from_db()
    assert (submitted.needs, submitted.accompany) == ("试点", "")


def test_brief_history_tells_who_changed_what(org, api_as, customers, daily):
    client = api_as(org.rep)
    acme = customers["acme"]
    client.put("/api/briefs/draft/", brief_body(daily, acme, needs="试点"), format="json")
    brief = client.post(
        "/api/briefs/submit/", brief_body(daily, acme, needs="试点扩大到全厂"), format="json"
    ).json()
    api_as(org.lead).post(f"/api/briefs/{brief['id']}/decide/", {"accompany": "yes"}, format="json")

    rows = client.get(f"/api/briefs/{brief['id']}/history/").json()["results"]
    assert [(row["action"], row["by"]) for row in rows] == [
        ("changed", org.lead.pk),
        ("changed", org.rep.pk),
        ("created", org.rep.pk),
    ]
    decided = {change["field"]: change["new"] for change in rows[0]["changes"]}
    assert decided["accompany"] == "yes"
    assert decided["decided_by"] == org.lead.pk
    submitted = {change["field"]: (change["old"], change["new"]) for change in rows[1]["changes"]}
    assert submitted["needs"] == ("试点", "试点扩大到全厂")
    assert submitted["submitted_at"] == (None, "2026-11-23T09:00:00+08:00")
    created = {change["field"]: change["new"] for change in rows[2]["changes"]}
    assert (created["needs"], created["stage"]) == ("试点", "qualified")


def test_history_pages_compare_across_the_page_boundary(org, api_as, customers, daily):
    client = api_as(org.rep)
    acme = customers["acme"]
    for needs in ("一", "二", "三"):
        client.put("/api/briefs/draft/", brief_body(daily, acme, needs=needs), format="json")
    brief = Brief.objects.get()
    body = client.get(f"/api/briefs/{brief.pk}/history/?page_size=1&page=2").json()
    assert body["count"] == 3
    [row] = body["results"]
    assert row["changes"] == [{"field": "needs", "old": "一", "new": "二"}]


# --- Visit plans and completion --------------------------------------------------------------


def test_a_visit_plan_makes_the_daily_meeting_expect_the_brief(org, api_as, customers, daily):
    acme = customers["acme"]
    lead = api_as(org.lead)
    plan = {"rep": org.rep.pk, "customer": acme.pk, "day": "2026-11-24"}
    response = lead.post("/api/visit-plans/", plan, format="json")
    assert response.status_code == 201, response.json()
    plan_id = response.json()["id"]
    assert response.json()["planned_by"] == org.lead.pk
    assert lead.post("/api/visit-plans/", plan, format="json").status_code == 200
    assert VisitPlan.objects.count() == 1

    completion = lead.get(f"/api/brief-completion/?meeting={daily.pk}").json()
    assert (completion["expected"], completion["submitted"], completion["missing"]) == (1, 0, 1)
    assert completion["rate"] == 0
    assert completion["reps"] == [
        {
            "rep": org.rep.pk,
            "rep_name": org.rep.display_name,
            "expected": 1,
            "submitted": 0,
            "late": 0,
            "missing": 1,
            "rate": 0.0,
        }
    ]
    assert completion["briefs"] == [
        {"customer": acme.pk, "customer_name": "上海顶点", "rep": org.rep.pk, "status": "missing"}
    ]

    api_as(org.rep).post("/api/briefs/submit/", brief_body(daily, acme), format="json")
    completion = lead.get(f"/api/brief-completion/?meeting={daily.pk}").json()
    assert (completion["expected"], completion["submitted"], completion["rate"]) == (1, 1, 1.0)
    assert completion["briefs"][0]["status"] == "submitted"

    assert lead.delete(f"/api/visit-plans/{plan_id}/").status_code == 204
    completion = lead.get(f"/api/brief-completion/?meeting={daily.pk}").json()
    assert (completion["expected"], completion["rate"]) == (0, None)


def test_visit_plans_follow_the_reps_visibility(org, api_as, customers):
    acme = customers["acme"]
    day = {"day": "2026-11-24"}
    response = api_as(org.rep).post(
        "/api/visit-plans/", {"rep": org.rep.pk, "customer": acme.pk, **day}, format="json"
    )
    assert response.status_code == 201  # reps plan their own visits
    plan_id = response.json()["id"]
    # A rep does not plan for someone else, even someone they can see.
    response = api_as(org.rep).post(
        "/api/visit-plans/", {"rep": org.lead.pk, "customer": acme.pk, **day}, format="json"
    )
    assert response.status_code == 403
    # Outside the caller's tree: not a valid choice, not found, not listed.
    response = api_as(org.outsider).post(
        "/api/visit-plans/", {"rep": org.rep.pk, "customer": acme.pk, **day}, format="json"
    )
    assert response.status_code == 400
    assert api_as(org.outsider).get("/api/visit-plans/").json()["results"] == []
    assert api_as(org.outsider).delete(f"/api/visit-plans/{plan_id}/").status_code == 404
    rows = api_as(org.lead).get("/api/visit-plans/?day_after=2026-11-24&day_before=2026-11-24")
    assert [row["id"] for row in rows.json()["results"]] == [plan_id]
    assert api_as(org.lead).get("/api/visit-plans/?day_after=2026-11-25").json()["count"] == 0


def test_completion_of_a_meeting_outside_the_tree_is_not_found(org, api_as, daily):
    assert api_as(org.outsider).get(f"/api/brief-completion/?meeting={daily.pk}").status_code == 404
    assert api_as(org.outsider).get("/api/brief-completion/").status_code == 400


def test_completion_per_unit_and_the_units_below(org, api_as, customers, daily):
    services.set_visit(org.rep, customers["acme"], TUESDAY.date(), True, org.lead)
    services.save_brief(daily, customers["acme"], org.rep, {}, submit=True)

    def completion(start, end, person=org.director):
        url = f"/api/brief-completion/units/?unit={org.east.pk}&start={start}&end={end}"
        return api_as(person).get(url)

    rows = completion("2026-11-23", "2026-11-29").json()
    assert [(row["unit_name"], row["expected"], row["submitted"]) for row in rows] == [
        ("华东", 0, 0),
        ("上海一组", 1, 1),
        ("上海二组", 0, 0),
    ]
    assert [row["expected"] for row in completion("2026-11-24", "2026-11-24").json()] == [0, 1, 0]
    assert [row["expected"] for row in completion("2026-11-30", "2026-12-06").json()] == [0, 0, 0]
    assert completion("2026-11-24", "2026-11-23").status_code == 400
    assert completion("2026-01-01", "2027-01-01").status_code == 200  # 366 days
    assert completion("2026-01-01", "2027-01-02").status_code == 400
    assert completion("2026-11-23", "2026-11-29", person=org.lead).status_code == 404


# --- Authentication, query counts and the schema ------------------------------------------------


def test_token_authentication_works_for_customers_and_briefs(org, api_client, customers, daily):
    token = Token.objects.create(user=org.rep)
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert names(api_client.get("/api/customers/")) == {"上海顶点"}
    response = api_client.post(
        "/api/briefs/submit/", brief_body(daily, customers["acme"], needs="试点"), format="json"
    )
    assert response.status_code == 200
    assert Brief.objects.get().history.first().history_user == org.rep


def test_anonymous_callers_are_refused(db, api_client):
    for url in ("/api/customers/", "/api/briefs/", "/api/visit-plans/", "/api/pipeline-stages/"):
        assert api_client.get(url).status_code == 401


@pytest.mark.parametrize("size", [2, 30])
def test_list_query_counts_do_not_grow(org, api_as, size, django_assert_max_num_queries):
    weekly = schedule(org, Kind.WEEKLY, FRIDAY)
    for n in range(size):
        customer = make_customer(f"客户{n:02}", org.rep, external_id=f"CRM-{n}")
        services.set_visit(org.rep, customer, TUESDAY.date(), True, org.lead)
        services.save_brief(weekly, customer, org.rep, {"needs": "试点"}, submit=n % 2 == 0)
    for person in (org.exec, org.lead):
        client = api_as(person)
        for url in ("/api/customers/", "/api/briefs/", "/api/visit-plans/"):
            client.get(url)  # the caller's scope is worked out once per user
            # count + one page with its related rows joined
            with django_assert_max_num_queries(2):
                response = client.get(f"{url}?page_size=100")
            assert response.json()["count"] == size, url


def test_schema_documents_the_customers_api_without_warnings(db, tmp_path):
    call_command(
        "spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yml")
    )
    schema = (tmp_path / "schema.yml").read_text()
    for path in (
        "/api/customers/bulk-upsert/",
        "/api/customers/{id}/history/",
        "/api/briefs/prefill/",
        "/api/brief-completion/units/",
    ):
        assert path in schema
