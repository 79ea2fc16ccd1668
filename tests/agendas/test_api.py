"""The agendas API speaks the room's rules: scoped by the meeting's
visibility, optimistic locking as 409, locked minutes as 403, missing
outputs as 400 with what is missing."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from agendas.models import AgendaItem, AgendaTemplate, QuarterlySubmission
from meetings import services
from meetings.kinds import Kind

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 11, 23, 9, 0, tzinfo=SHANGHAI)
FRIDAY = dt.datetime(2026, 11, 27, 15, 0, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def schedule(org, kind=Kind.WEEKLY, unit=None, chair=None, start=FRIDAY, invitees=None):
    meeting, _ = services.schedule_meeting(
        services.MeetingSpec(
            kind=kind,
            unit=unit or org.team_a,
            title=f"{kind} meeting",
            starts_at=start,
            ends_at=start + dt.timedelta(hours=1),
            invitees=[org.rep] if invitees is None else invitees,
            customer_name="客户甲" if kind in (Kind.CUSTOMER_SPECIAL, Kind.CUSTOMER_ISSUE) else "",
        ),
        chair or org.lead,
        accept_warnings=True,
    )
    return meeting


def test_items_are_listed_only_for_visible_meetings(org, api_as):
    meeting = schedule(org)
    ids = {row["meeting"] for row in api_as(org.rep).get("/api/agenda-items/").json()["results"]}
    assert ids == {meeting.pk}
    assert api_as(org.outsider).get("/api/agenda-items/").json()["count"] == 0
    item = meeting.agenda_items.first()
    assert api_as(org.outsider).get(f"/api/agenda-items/{item.pk}/").status_code == 404


def test_lead_adds_an_item_and_a_rep_may_not(org, api_as):
    meeting = schedule(org)
    body = {"meeting": meeting.pk, "title": "大客户专题", "minutes": 15}
    assert api_as(org.rep).post("/api/agenda-items/", body, format="json").status_code == 403
    response = api_as(org.lead).post("/api/agenda-items/", body, format="json")
    assert response.status_code == 201
    assert response.json()["position"] == meeting.agenda_items.count() - 1


def test_stale_version_answers_409_with_the_stored_item(org, api_as):
    item = schedule(org).agenda_items.first()
    client = api_as(org.lead)
    first = client.patch(
        f"/api/agenda-items/{item.pk}/", {"notes": "甲", "version": item.version}, format="json"
    )
    assert first.status_code == 200
    second = client.patch(
        f"/api/agenda-items/{item.pk}/", {"notes": "乙", "version": item.version}, format="json"
    )
    assert second.status_code == 409
    assert second.json()["notes"] == "甲"
    item.refresh_from_db()
    assert item.notes == "甲"


def test_update_without_version_is_refused(org, api_as):
    item = schedule(org).agenda_items.first()
    response = api_as(org.lead).patch(
        f"/api/agenda-items/{item.pk}/", {"notes": "x"}, format="json"
    )
    assert response.status_code == 400


def test_reorder(org, api_as):
    meeting = schedule(org)
    ids = list(meeting.agenda_items.values_list("pk", flat=True))
    response = api_as(org.lead).post(
        "/api/agenda-items/reorder/", {"meeting": meeting.pk, "items": ids[::-1]}, format="json"
    )
    assert response.status_code == 204
    assert list(meeting.agenda_items.order_by("position").values_list("pk", flat=True)) == ids[::-1]
    bad = api_as(org.lead).post(
        "/api/agenda-items/reorder/", {"meeting": meeting.pk, "items": ids[:1]}, format="json"
    )
    assert bad.status_code == 400


def test_conclude_reports_missing_outputs_then_accepts_an_override(org, api_as, mailoutbox):
    meeting = schedule(org, kind=Kind.CUSTOMER_SPECIAL)
    client = api_as(org.lead)
    refused = client.post("/api/conclusions/", {"meeting": meeting.pk}, format="json")
    assert refused.status_code == 400
    assert refused.json()["missing_outputs"]
    done = client.post(
        "/api/conclusions/",
        {"meeting": meeting.pk, "override_reason": "客户临时取消"},
        format="json",
    )
    assert done.status_code == 201
    assert done.json()["override_reason"] == "客户临时取消"
    # Locked from now on.
    item = meeting.agenda_items.first()
    locked = client.patch(
        f"/api/agenda-items/{item.pk}/", {"notes": "late", "version": item.version}, format="json"
    )
    assert locked.status_code == 403
    assert (
        client.post("/api/conclusions/", {"meeting": meeting.pk}, format="json").status_code == 403
    )


def test_decision_owner_must_be_assignable(org, api_as):
    meeting = schedule(org)
    client = api_as(org.lead)
    due = (FRIDAY + dt.timedelta(days=1)).isoformat()
    ok = client.post(
        "/api/decisions/",
        {"meeting": meeting.pk, "text": "发报价", "owner": org.rep.pk, "due_at": due},
        format="json",
    )
    assert ok.status_code == 201
    stranger = client.post(
        "/api/decisions/",
        {"meeting": meeting.pk, "text": "发报价", "owner": org.rep_south.pk, "due_at": due},
        format="json",
    )
    assert stranger.status_code == 400


def test_templates_are_read_by_all_and_edited_by_sales_ops(org, api_as):
    template = AgendaTemplate.objects.get(kind=Kind.WEEKLY)
    body = {
        "name": "新周会",
        "items": [{"position": 0, "title": "只看客户", "minutes": 30, "guidance": ""}],
    }
    assert api_as(org.lead).get(f"/api/agenda-templates/{template.pk}/").status_code == 200
    assert (
        api_as(org.lead)
        .put(f"/api/agenda-templates/{template.pk}/", body, format="json")
        .status_code
        == 403
    )
    existing = schedule(org)
    before = list(existing.agenda_items.values_list("title", flat=True))
    response = api_as(org.ops).put(f"/api/agenda-templates/{template.pk}/", body, format="json")
    assert response.status_code == 200
    assert [i["title"] for i in response.json()["items"]] == ["只看客户"]
    assert list(existing.agenda_items.values_list("title", flat=True)) == before
    later = schedule(org, start=FRIDAY + dt.timedelta(days=7))
    assert list(later.agenda_items.values_list("title", flat=True)) == ["只看客户"]


def test_rep_submits_to_the_quarterly_meeting_above_them(org, api_as):
    quarterly = schedule(
        org,
        kind=Kind.QUARTERLY,
        unit=org.east,
        chair=org.director,
        start=dt.datetime(2027, 1, 5, 10, tzinfo=SHANGHAI),
        invitees=[org.lead],
    )
    client = api_as(org.rep)
    body = {"meeting": quarterly.pk, "theme": "needs", "text": "客户普遍要求分期付款"}
    with time_machine.travel(dt.datetime(2026, 12, 20, 9, tzinfo=SHANGHAI), tick=False):
        response = client.post("/api/quarterly-submissions/", body, format="json")
    assert response.status_code == 201
    assert QuarterlySubmission.objects.get().unit == org.team_a
    # The rep cannot see the managers' meeting, but sees what they submitted.
    assert client.get(f"/api/meetings/{quarterly.pk}/").status_code == 404
    assert client.get("/api/quarterly-submissions/").json()["count"] == 1
    with time_machine.travel(dt.datetime(2026, 12, 1, 9, tzinfo=SHANGHAI), tick=False):
        early = client.post("/api/quarterly-submissions/", body, format="json")
    assert early.status_code == 403


@pytest.mark.parametrize("extra", [0, 25])
def test_item_list_query_count_is_constant(org, api_as, extra, django_assert_max_num_queries):
    meeting = schedule(org)
    AgendaItem.objects.bulk_create(
        AgendaItem(meeting=meeting, position=10 + n, title=f"议题{n}") for n in range(extra)
    )
    client = api_as(org.lead)
    # The lead's unit (scope), count, page of items.
    with django_assert_max_num_queries(3):
        assert client.get("/api/agenda-items/?page_size=100").status_code == 200
