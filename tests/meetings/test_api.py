"""The meetings API as a CRM or BI integration uses it: the kind registry,
scheduling under the rules (refusals, warnings to accept), lists scoped to
the caller's tree, and the actions on one meeting."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from rest_framework.authtoken.models import Token

from meetings import services
from meetings.kinds import Kind
from meetings.models import Invitation, KindPolicy, Meeting, Rsvp, Status
from tests.factories import PersonFactory

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 11, 23, 9, 0, tzinfo=SHANGHAI)  # a Monday
FRIDAY = dt.datetime(2026, 11, 27, 15, 0, tzinfo=SHANGHAI)  # in the weekly slot
WEDNESDAY = dt.datetime(2026, 11, 25, 15, 0, tzinfo=SHANGHAI)  # outside it
HOUR = dt.timedelta(hours=1)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def schedule(caller, kind, unit, starts_at, invitees=(), **fields):
    """A meeting made through the service, warnings accepted: the set-up a
    test needs, not the write under test."""
    meeting, _verdict = services.schedule_meeting(
        services.MeetingSpec(
            kind=kind,
            unit=unit,
            title=fields.pop("title", f"{unit} {kind}"),
            starts_at=starts_at,
            ends_at=starts_at + HOUR,
            invitees=list(invitees),
            **fields,
        ),
        caller,
        accept_warnings=True,
    )
    return meeting


def weekly_body(org, starts_at=FRIDAY, **overrides):
    body = {
        "kind": "weekly",
        "unit": org.team_a.pk,
        "title": "上海一组周会",
        "starts_at": starts_at.isoformat(),
        "ends_at": (starts_at + HOUR).isoformat(),
        "invitees": [org.rep.pk],
    }
    body.update(overrides)
    return body


def codes(problems):
    return [p["code"] for p in problems]


def titles(response):
    assert response.status_code == 200, response.json()
    return {row["title"] for row in response.json()["results"]}


# --- The kind registry ----------------------------------------------------------------


def test_kinds_list_the_whole_registry_and_what_the_caller_may_call(org, api_as):
    rows = api_as(org.rep).get("/api/meeting-kinds/").json()
    assert len(rows) == 10
    may_call = {row["kind"]: row["may_call"] for row in rows}
    assert may_call["customer_special"] is True
    assert may_call["weekly"] is False
    assert may_call["strategy"] is False

    rows = api_as(org.exec).get("/api/meeting-kinds/").json()
    assert {row["kind"]: row["may_call"] for row in rows}["strategy"] is True


def test_one_kind_tells_its_rules(org, api_as):
    body = api_as(org.lead).get("/api/meeting-kinds/weekly/").json()
    assert body["callers"] == ["team_lead", "middle_manager", "senior_manager", "executive"]
    assert body["default_invitees"] == "unit_members"
    assert body["slots"][0] == {"weekday": 4, "start": "12:00:00", "end": "19:00:00"}
    assert body["duration_minutes"] == 90
    assert body["may_call"] is True

    quarterly = api_as(org.lead).get("/api/meeting-kinds/quarterly/").json()
    assert quarterly["window_days"] == 7
    assert "rep" not in quarterly["attendees"]


def test_kinds_carry_the_organisations_tuning(org, api_as):
    KindPolicy.objects.create(kind=Kind.WEEKLY, duration_minutes=45)
    body = api_as(org.lead).get("/api/meeting-kinds/weekly/").json()
    assert body["duration_minutes"] == 45


def test_unknown_kind_is_not_found(org, api_as):
    assert api_as(org.lead).get("/api/meeting-kinds/picnic/").status_code == 404


# --- Scheduling under the rules ----------------------------------------------------------


def test_a_warning_holds_the_meeting_back_until_accepted(org, api_as):
    client = api_as(org.lead)
    response = client.post("/api/meetings/", weekly_body(org, WEDNESDAY), format="json")
    assert response.status_code == 400
    body = response.json()
    assert codes(body["warnings"]) == ["weekly_slot"]
    assert body["refusals"] == []
    assert "accept_warnings" in body["detail"]
    assert not Meeting.objects.exists()

    response = client.post(
        "/api/meetings/", weekly_body(org, WEDNESDAY, accept_warnings=True), format="json"
    )
    assert response.status_code == 201
    body = response.json()
    assert codes(body["warnings"]) == ["weekly_slot"]
    assert body["accepted_warnings"] == ["weekly_slot"]
    meeting = Meeting.objects.get(pk=body["id"])
    assert meeting.status == Status.SCHEDULED
    assert meeting.starts_at == WEDNESDAY
    assert meeting.chair == org.lead


def test_a_meeting_in_its_slot_goes_straight_through(org, api_as):
    response = api_as(org.lead).post("/api/meetings/", weekly_body(org), format="json")
    assert response.status_code == 201
    body = response.json()
    assert body["warnings"] == []
    assert body["kind_label"]
    assert body["unit_name"] == "上海一组"
    invitations = {row["person"]: row for row in body["invitations"]}
    assert set(invitations) == {org.lead.pk, org.rep.pk}
    assert invitations[org.lead.pk]["part"] == "chair"
    assert invitations[org.rep.pk]["rsvp"] == "pending"


def test_without_invitees_the_kind_invites_its_defaults(org, api_as):
    body = weekly_body(org)
    del body["invitees"]
    response = api_as(org.lead).post("/api/meetings/", body, format="json")
    assert response.status_code == 201
    assert {row["person"] for row in response.json()["invitations"]} == {org.lead.pk, org.rep.pk}


def test_a_role_that_may_not_call_the_kind_is_forbidden(org, api_as):
    body = weekly_body(org, kind="strategy", unit=org.team_a.pk, invitees=[])
    response = api_as(org.rep).post("/api/meetings/", body, format="json")
    assert response.status_code == 403
    assert codes(response.json()["refusals"]) == ["caller_role"]
    assert not Meeting.objects.exists()


def test_an_invitee_who_may_not_attend_is_refused(org, api_as):
    body = weekly_body(
        org,
        dt.datetime(2027, 1, 5, 9, tzinfo=SHANGHAI),  # inside the quarterly window
        kind="quarterly",
        unit=org.east.pk,
        invitees=[org.lead.pk, org.rep.pk],
    )
    response = api_as(org.director).post("/api/meetings/", body, format="json")
    assert response.status_code == 400
    assert codes(response.json()["refusals"]) == ["attendee_role"]
    assert not Meeting.objects.exists()


def test_refusals_cannot_be_accepted(org, api_as):
    body = weekly_body(org, ends_at=(FRIDAY - HOUR).isoformat(), accept_warnings=True)
    response = api_as(org.lead).post("/api/meetings/", body, format="json")
    assert response.status_code == 400
    assert codes(response.json()["refusals"]) == ["ends_before_start"]


def test_a_unit_outside_the_tree_is_an_invalid_choice_like_a_missing_one(org, api_as):
    client = api_as(org.lead)
    outside = client.post("/api/meetings/", weekly_body(org, unit=org.team_b.pk), format="json")
    missing = client.post("/api/meetings/", weekly_body(org, unit=999999), format="json")
    assert outside.status_code == missing.status_code == 400
    assert outside.json()["unit"] == [
        message.replace("999999", str(org.team_b.pk)) for message in missing.json()["unit"]
    ]
    assert not Meeting.objects.exists()


def test_only_people_the_caller_may_invite_can_be_invited(org, api_as):
    client = api_as(org.lead)
    body = weekly_body(org, invitees=[org.rep.pk, org.rep_south.pk])
    response = client.post("/api/meetings/", body, format="json")
    assert response.status_code == 400
    assert list(response.json()["invitees"]) == ["1"]
    assert not Meeting.objects.exists()


def test_a_draft_notifies_nobody_until_published(org, api_as):
    client = api_as(org.lead)
    response = client.post("/api/meetings/", weekly_body(org, draft=True), format="json")
    assert response.status_code == 201
    assert response.json()["status"] == "draft"

    response = client.post(f"/api/meetings/{response.json()['id']}/publish/")
    assert response.status_code == 200
    assert response.json()["status"] == "scheduled"


def test_repeat_creates_a_series(org, api_as):
    body = weekly_body(org, repeat="weekly", until="2026-12-18")
    response = api_as(org.lead).post("/api/meetings/", body, format="json")
    assert response.status_code == 201, response.json()
    series_id = response.json()["series"]
    assert series_id is not None
    starts = Meeting.objects.filter(series_id=series_id).values_list("starts_at", flat=True)
    assert sorted(starts) == [FRIDAY + dt.timedelta(weeks=n) for n in range(4)]

    rows = api_as(org.lead).get(f"/api/meetings/?series={series_id}").json()["results"]
    assert len(rows) == 4


def test_a_series_lists_the_warnings_it_accepted(org, api_as):
    body = weekly_body(org, WEDNESDAY, repeat="weekly", until="2026-12-09")
    client = api_as(org.lead)
    assert codes(client.post("/api/meetings/", body, format="json").json()["warnings"]) == [
        "weekly_slot"
    ]
    body["accept_warnings"] = True
    response = client.post("/api/meetings/", body, format="json")
    assert response.status_code == 201
    assert codes(response.json()["warnings"]) == ["weekly_slot"]


def test_until_needs_repeat(org, api_as):
    response = api_as(org.lead).post(
        "/api/meetings/", weekly_body(org, until="2026-12-18"), format="json"
    )
    assert response.status_code == 400
    assert "until" in response.json()


# --- Lists and filters --------------------------------------------------------------------


def test_list_holds_only_the_callers_tree(org, api_as):
    schedule(org.lead, Kind.WEEKLY, org.team_a, FRIDAY, [org.rep], title="一组周会")
    other = schedule(org.lead_b, Kind.WEEKLY, org.team_b, FRIDAY, [org.outsider], title="二组周会")

    assert titles(api_as(org.rep).get("/api/meetings/")) == {"一组周会"}
    assert titles(api_as(org.director).get("/api/meetings/")) == {"一组周会", "二组周会"}
    # 404, not 403: the API does not tell whether the meeting exists.
    assert api_as(org.rep).get(f"/api/meetings/{other.pk}/").status_code == 404
    assert api_as(org.rep).delete(f"/api/meetings/{other.pk}/").status_code == 404


def test_an_invitee_from_elsewhere_sees_the_meeting_they_are_invited_to(org, api_as):
    meeting = schedule(org.lead, Kind.WEEKLY, org.team_a, FRIDAY, [org.director])
    schedule(org.director, Kind.WEEKLY, org.east, FRIDAY + 2 * HOUR, [org.rep], title="华东")
    # The rep sees their team's meeting and the region's meeting they are invited to.
    assert titles(api_as(org.rep).get("/api/meetings/")) == {meeting.title, "华东"}


@pytest.fixture
def several(org):
    """Three meetings of the east region on different days and of different kinds."""
    return {
        "weekly_a": schedule(org.lead, Kind.WEEKLY, org.team_a, FRIDAY, [org.rep]),
        "daily_b": schedule(
            org.lead_b, Kind.DAILY, org.team_b, NOW + dt.timedelta(days=1), [org.outsider]
        ),
        "cancelled": services.cancel_meeting(
            schedule(
                org.director,
                Kind.WEEKLY,
                org.east,
                FRIDAY + dt.timedelta(weeks=1),
                title="华东周会",
            ),
            org.director,
        ),
    }


def ids(response):
    assert response.status_code == 200, response.json()
    return {row["id"] for row in response.json()["results"]}


def test_filter_by_kind_and_status(org, api_as, several):
    client = api_as(org.director)
    assert ids(client.get("/api/meetings/?kind=daily")) == {several["daily_b"].pk}
    assert ids(client.get("/api/meetings/?kind=daily&kind=weekly")) == {
        m.pk for m in several.values()
    }
    assert ids(client.get("/api/meetings/?status=cancelled")) == {several["cancelled"].pk}
    assert ids(client.get("/api/meetings/?status=scheduled&kind=weekly")) == {
        several["weekly_a"].pk
    }


def test_filter_by_date_range(org, api_as, several):
    client = api_as(org.director)
    assert ids(client.get("/api/meetings/?starts_after=2026-11-25&starts_before=2026-11-27")) == {
        several["weekly_a"].pk
    }
    assert ids(client.get("/api/meetings/?starts_after=2026-11-28")) == {several["cancelled"].pk}
    assert ids(client.get("/api/meetings/?starts_before=2026-11-24")) == {several["daily_b"].pk}


def test_filter_by_invitee_unit_and_subtree(org, api_as, several):
    client = api_as(org.director)
    assert ids(client.get(f"/api/meetings/?invitee={org.rep.pk}")) == {several["weekly_a"].pk}
    assert ids(client.get(f"/api/meetings/?invitee={org.director.pk}")) == {several["cancelled"].pk}
    assert ids(client.get(f"/api/meetings/?unit={org.east.pk}")) == {several["cancelled"].pk}
    assert ids(client.get(f"/api/meetings/?within={org.team_b.pk}")) == {several["daily_b"].pk}


def test_filters_by_unit_or_person_outside_the_tree_are_invalid_not_empty(org, api_as, several):
    client = api_as(org.rep)
    assert client.get(f"/api/meetings/?within={org.team_b.pk}").status_code == 400
    assert client.get(f"/api/meetings/?unit={org.team_b.pk}").status_code == 400
    assert client.get(f"/api/meetings/?invitee={org.outsider.pk}").status_code == 400


@pytest.mark.parametrize("size", [2, 30])
def test_list_query_count_does_not_grow(org, api_as, size, django_assert_max_num_queries):
    for n in range(size):
        schedule(org.lead, Kind.WEEKLY, org.team_a, FRIDAY + n * 2 * HOUR, [org.rep])
    for person in (org.exec, org.rep):
        client = api_as(person)
        client.get("/api/meetings/")  # the caller's scope is worked out once per user
        # count + page of meetings with unit and chair joined + invitations with their people.
        with django_assert_max_num_queries(3):
            response = client.get("/api/meetings/?page_size=100")
        assert response.json()["count"] == size
        assert all(len(row["invitations"]) == 2 for row in response.json()["results"])


# --- Changing and cancelling -----------------------------------------------------------------


@pytest.fixture
def weekly(org):
    return schedule(org.lead, Kind.WEEKLY, org.team_a, FRIDAY, [org.rep], title="上海一组周会")


def test_rescheduling_bumps_the_calendar_sequence(org, api_as, weekly):
    later = FRIDAY + dt.timedelta(weeks=1)
    response = api_as(org.lead).patch(
        f"/api/meetings/{weekly.pk}/",
        {"starts_at": later.isoformat(), "ends_at": (later + HOUR).isoformat()},
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert response.json()["sequence"] == weekly.sequence + 1
    weekly.refresh_from_db()
    assert weekly.starts_at == later
    assert weekly.sequence == 1


def test_changing_notes_leaves_the_sequence_alone(org, api_as, weekly):
    response = api_as(org.lead).patch(
        f"/api/meetings/{weekly.pk}/", {"description": "带上本周数据"}, format="json"
    )
    assert response.status_code == 200
    weekly.refresh_from_db()
    assert (weekly.description, weekly.sequence) == ("带上本周数据", 0)


def test_an_update_asks_about_new_warnings_only(org, api_as, weekly):
    client = api_as(org.lead)
    url = f"/api/meetings/{weekly.pk}/"
    moved = {"starts_at": WEDNESDAY.isoformat(), "ends_at": (WEDNESDAY + HOUR).isoformat()}
    response = client.patch(url, moved, format="json")
    assert response.status_code == 400
    assert codes(response.json()["warnings"]) == ["weekly_slot"]

    response = client.patch(url, {**moved, "accept_warnings": True}, format="json")
    assert response.status_code == 200
    assert codes(response.json()["warnings"]) == ["weekly_slot"]
    # Accepted once, not asked again.
    assert client.patch(url, {"title": "周会"}, format="json").status_code == 200


def test_invitees_can_be_replaced(org, api_as, weekly):
    extra = PersonFactory(username="rep2", unit=org.team_a)
    response = api_as(org.lead).patch(
        f"/api/meetings/{weekly.pk}/", {"invitees": [extra.pk]}, format="json"
    )
    assert response.status_code == 200
    assert {row["person"] for row in response.json()["invitations"]} == {org.lead.pk, extra.pk}


def test_kind_and_unit_cannot_be_changed(org, api_as, weekly):
    response = api_as(org.director).patch(
        f"/api/meetings/{weekly.pk}/", {"kind": "daily", "unit": org.east.pk}, format="json"
    )
    assert response.status_code == 400
    assert set(response.json()) == {"kind", "unit"}


def test_a_rep_may_see_but_not_change_the_teams_meeting(org, api_as, weekly):
    client = api_as(org.rep)
    assert client.get(f"/api/meetings/{weekly.pk}/").status_code == 200
    patch = client.patch(f"/api/meetings/{weekly.pk}/", {"title": "x"}, format="json")
    assert patch.status_code == 403
    assert client.delete(f"/api/meetings/{weekly.pk}/").status_code == 403
    weekly.refresh_from_db()
    assert (weekly.title, weekly.status) == ("上海一组周会", Status.SCHEDULED)


def test_delete_cancels_and_keeps_the_record(org, api_as, weekly):
    client = api_as(org.lead)
    assert client.delete(f"/api/meetings/{weekly.pk}/").status_code == 204
    response = client.get(f"/api/meetings/{weekly.pk}/")
    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    assert response.json()["sequence"] == 1


def test_cancel_records_the_reason(org, api_as, weekly):
    response = api_as(org.lead).post(
        f"/api/meetings/{weekly.pk}/cancel/", {"reason": "客户来访"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    weekly.refresh_from_db()
    assert weekly.cancel_reason == "客户来访"


def test_a_cancelled_meeting_cannot_be_changed(org, api_as, weekly):
    services.cancel_meeting(weekly, org.lead)
    response = api_as(org.lead).patch(f"/api/meetings/{weekly.pk}/", {"title": "x"}, format="json")
    assert response.status_code == 403


# --- Answers, attendance, approval --------------------------------------------------------------


def test_an_invitee_answers_their_own_invitation(org, api_as, weekly):
    response = api_as(org.rep).post(
        f"/api/meetings/{weekly.pk}/rsvp/", {"answer": "declined"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["rsvp"] == "declined"
    assert Invitation.objects.get(meeting=weekly, person=org.rep).rsvp == Rsvp.DECLINED


def test_rsvp_without_an_invitation_is_not_found(org, api_as, weekly):
    # The director sees the team's meeting but is not invited to it.
    response = api_as(org.director).post(
        f"/api/meetings/{weekly.pk}/rsvp/", {"answer": "accepted"}, format="json"
    )
    assert response.status_code == 404


def test_rsvp_pending_is_not_an_answer(org, api_as, weekly):
    response = api_as(org.rep).post(
        f"/api/meetings/{weekly.pk}/rsvp/", {"answer": "pending"}, format="json"
    )
    assert response.status_code == 400


def test_attendance_lists_answers_and_presence(org, api_as, weekly):
    rows = api_as(org.rep).get(f"/api/meetings/{weekly.pk}/attendance/").json()
    assert {row["person"]: (row["rsvp"], row["attended"]) for row in rows} == {
        org.lead.pk: ("accepted", None),
        org.rep.pk: ("pending", None),
    }


def test_the_chair_records_attendance(org, api_as, weekly):
    response = api_as(org.lead).post(
        f"/api/meetings/{weekly.pk}/attendance/",
        {"present": {str(org.lead.pk): True, str(org.rep.pk): False}},
        format="json",
    )
    assert response.status_code == 200
    assert {row["person"]: row["attended"] for row in response.json()} == {
        org.lead.pk: True,
        org.rep.pk: False,
    }


def test_attendance_of_a_stranger_is_refused_and_nothing_is_written(org, api_as, weekly):
    response = api_as(org.lead).post(
        f"/api/meetings/{weekly.pk}/attendance/",
        {"present": {str(org.rep.pk): True, str(org.outsider.pk): True}},
        format="json",
    )
    assert response.status_code == 400
    assert "present" in response.json()
    assert not Invitation.objects.filter(attended__isnull=False).exists()


def test_an_invitee_cannot_record_attendance(org, api_as, weekly):
    response = api_as(org.rep).post(
        f"/api/meetings/{weekly.pk}/attendance/",
        {"present": {str(org.rep.pk): True}},
        format="json",
    )
    assert response.status_code == 403
    assert not Invitation.objects.filter(attended__isnull=False).exists()


@pytest.fixture
def coordination(org):
    return schedule(
        org.lead,
        Kind.RESOURCE_COORDINATION,
        org.team_a,
        FRIDAY - dt.timedelta(days=1),
        [org.rep],
        decision_maker=org.director,
    )


def test_only_the_decision_maker_approves(org, api_as, coordination):
    url = f"/api/meetings/{coordination.pk}/approve/"
    assert api_as(org.lead).post(url, {"note": "同意"}, format="json").status_code == 403
    coordination.refresh_from_db()
    assert coordination.approved_at is None

    response = api_as(org.director).post(url, {"note": "同意"}, format="json")
    assert response.status_code == 200
    assert response.json()["approved_at"] is not None
    coordination.refresh_from_db()
    assert coordination.approval_note == "同意"


def test_other_kinds_are_not_approved(org, api_as, weekly):
    response = api_as(org.lead).post(f"/api/meetings/{weekly.pk}/approve/", {}, format="json")
    assert response.status_code == 400
    assert "kind" in response.json()


# --- Authentication and schema ------------------------------------------------------------------


def test_token_authentication_works_for_meetings(org, api_client, weekly):
    token = Token.objects.create(user=org.rep)
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert api_client.get("/api/meeting-kinds/").status_code == 200
    assert titles(api_client.get("/api/meetings/")) == {"上海一组周会"}
    response = api_client.post(
        f"/api/meetings/{weekly.pk}/rsvp/", {"answer": "accepted"}, format="json"
    )
    assert response.status_code == 200


def test_anonymous_callers_are_refused(org, api_client, weekly):
    for url in ("/api/meeting-kinds/", "/api/meetings/", f"/api/meetings/{weekly.pk}/"):
        assert api_client.get(url).status_code == 401


def test_schema_documents_the_meetings_api_without_warnings(db, tmp_path):
    call_command(
        "spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yml")
    )
    schema = (tmp_path / "schema.yml").read_text()
    assert "/api/meetings/{id}/attendance/" in schema
    assert "accept_warnings" in schema
