"""The actions API as an integration uses it: action items scoped to the
caller's tree, marking done and cancelling, clocks paused and moved by the
owner's managers only, the caller's own notifications, unit webhooks for
managers, and SLA policies whose edits recompute running clocks."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from rest_framework.authtoken.models import Token

from actions import notify, services
from actions.defaults import install_default_policies
from actions.models import (
    ActionItem,
    ActionState,
    ClockState,
    Escalation,
    Notification,
    SlaPolicy,
    Webhook,
)
from tests.factories import PersonFactory

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 11, 23, 9, 0, tzinfo=SHANGHAI)  # a Monday
HOUR = dt.timedelta(hours=1)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def policies(db):
    install_default_policies(SlaPolicy)


@pytest.fixture
def item(org, policies):
    """The rep's promise to the lead, due in four hours."""
    return services.create_action_item(
        title="给客户甲发报价", owner=org.rep, created_by=org.lead, due_at=NOW + 4 * HOUR
    )


@pytest.fixture
def foreign(org, policies):
    """An item of the sibling team, which the rep's side must not see."""
    return services.create_action_item(
        title="别组的事", owner=org.outsider, created_by=org.lead_b, due_at=NOW + 2 * HOUR
    )


def titles(response):
    assert response.status_code == 200, response.json()
    return {row["title"] for row in response.json()["results"]}


def breach(item):
    """Run the sweep after the item's deadline: its clock breaches and
    escalates to the owner's manager."""
    services.sweep(item.due_at + dt.timedelta(seconds=1))


# --- Scoping ----------------------------------------------------------------------------------


def test_items_are_scoped_to_the_callers_tree(org, api_as, item, foreign):
    assert titles(api_as(org.rep).get("/api/action-items/")) == {"给客户甲发报价"}
    assert titles(api_as(org.outsider).get("/api/action-items/")) == {"别组的事"}
    assert titles(api_as(org.director).get("/api/action-items/")) == {"给客户甲发报价", "别组的事"}
    assert titles(api_as(org.ops).get("/api/action-items/")) == {"给客户甲发报价", "别组的事"}
    assert titles(api_as(org.rep_south).get("/api/action-items/")) == set()


def test_item_outside_the_tree_is_not_found(org, api_as, item):
    assert api_as(org.outsider).get(f"/api/action-items/{item.pk}/").status_code == 404
    response = api_as(org.lead).get(f"/api/action-items/{item.pk}/")
    assert response.status_code == 200
    body = response.json()
    assert body["owner"] == org.rep.pk
    assert body["unit"] == org.team_a.pk
    [clock] = body["clocks"]
    assert clock["policy_key"] == "decision"
    assert clock["state"] == "running"


def test_clocks_are_scoped_and_carry_their_history(org, api_as, item, foreign):
    clock = item.clocks.get()
    assert api_as(org.outsider).get(f"/api/clocks/{clock.pk}/").status_code == 404
    listed = api_as(org.outsider).get("/api/clocks/").json()["results"]
    assert [row["action_item"] for row in listed] == [foreign.pk]
    body = api_as(org.rep).get(f"/api/clocks/{clock.pk}/").json()
    assert body["deadline"] == (NOW + 4 * HOUR).isoformat()
    assert [e["event"] for e in body["events"]] == ["started"]
    assert body["events"][0]["actor_name"] == str(org.lead)


def test_filters_on_state_owner_and_subtree(org, api_as, item, foreign):
    services.complete(foreign, org.outsider, evidence="已完成")
    client = api_as(org.director)
    assert titles(client.get("/api/action-items/?state=open")) == {"给客户甲发报价"}
    assert titles(client.get(f"/api/action-items/?owner={org.outsider.pk}")) == {"别组的事"}
    assert titles(client.get(f"/api/action-items/?within={org.team_b.pk}")) == {"别组的事"}
    assert titles(client.get("/api/action-items/?due_before=2026-11-23")) == {
        "给客户甲发报价",
        "别组的事",
    }
    assert titles(client.get("/api/action-items/?due_after=2026-11-24")) == set()
    # A unit or person outside the caller's tree is not a valid choice.
    rep = api_as(org.rep)
    assert rep.get(f"/api/action-items/?within={org.team_b.pk}").status_code == 400
    assert rep.get(f"/api/action-items/?owner={org.outsider.pk}").status_code == 400


def test_escalations_reach_whom_they_name_and_the_tree_above(org, api_as, item, foreign):
    breach(item)  # both items are past due by then
    escalation = Escalation.objects.get(clock__action_item=item)
    assert escalation.to_person == org.lead
    rows = api_as(org.lead).get("/api/escalations/").json()["results"]
    assert [(row["title"], row["level"], row["to_person"]) for row in rows] == [
        ("给客户甲发报价", 1, org.lead.pk)
    ]
    assert rows[0]["deadline"] == (NOW + 4 * HOUR).isoformat()
    assert titles(api_as(org.director).get("/api/escalations/")) == {"给客户甲发报价", "别组的事"}
    assert titles(api_as(org.outsider).get("/api/escalations/")) == {"别组的事"}
    assert api_as(org.outsider).get(f"/api/escalations/{escalation.pk}/").status_code == 404


def test_an_escalation_reaches_a_person_outside_the_owners_unit(org, api_as, policies):
    # rep_south's team has no manager: the breach goes to the region's director.
    southern = services.create_action_item(
        title="华南报价", owner=org.rep_south, created_by=org.director_south, due_at=NOW + HOUR
    )
    breach(southern)
    rows = api_as(org.director_south).get("/api/escalations/").json()["results"]
    assert [row["title"] for row in rows] == ["华南报价"]
    assert api_as(org.director).get("/api/escalations/").json()["count"] == 0


# --- Creating, completing, cancelling -----------------------------------------------------------


def test_rep_creates_an_item_and_its_clock_runs_to_the_due_time(org, api_as, policies):
    due = NOW + 30 * HOUR
    response = api_as(org.rep).post(
        "/api/action-items/",
        {
            "title": "回访客户乙",
            "owner": org.rep.pk,
            "due_at": due.isoformat(),
            "description": "电话",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    item = ActionItem.objects.get(pk=body["id"])
    assert (item.owner, item.created_by, item.unit) == (org.rep, org.rep, org.team_a)
    assert item.clocks.get().deadline == due
    assert body["clocks"][0]["deadline"] == due.isoformat()
    assert body["state"] == "open"


def test_lead_assigns_to_a_rep_of_the_team_but_not_outside_the_tree(org, api_as, policies):
    client = api_as(org.lead)
    body = {"title": "准备方案", "due_at": (NOW + 5 * HOUR).isoformat()}
    assert client.post("/api/action-items/", {**body, "owner": org.rep.pk}).status_code == 201
    refused = client.post("/api/action-items/", {**body, "owner": org.rep_south.pk})
    assert refused.status_code == 400
    assert "owner" in refused.json()
    assert ActionItem.objects.count() == 1


def test_meeting_and_customer_must_be_visible(org, api_as, policies):
    from tests.meetings.factories import MeetingFactory

    meeting = MeetingFactory(unit=org.team_b)
    body = {"title": "跟进", "owner": org.rep.pk, "due_at": (NOW + HOUR).isoformat()}
    response = api_as(org.rep).post("/api/action-items/", {**body, "meeting": meeting.pk})
    assert response.status_code == 400
    assert "meeting" in response.json()
    response = api_as(org.rep).post("/api/action-items/", {**body, "customer": 999999})
    assert response.status_code == 400
    assert "customer" in response.json()


def test_owner_marks_done_with_evidence(org, api_as, item):
    client = api_as(org.rep)
    url = f"/api/action-items/{item.pk}/complete/"
    assert client.post(url, {"evidence": ""}).status_code == 400
    assert client.post(url, {"evidence": "   "}).status_code == 400
    response = client.post(url, {"evidence": "报价已发送"})
    assert response.status_code == 200
    assert response.json()["state"] == "done"
    assert response.json()["evidence"] == "报价已发送"
    assert response.json()["clocks"][0]["state"] == "met"


def test_only_the_owner_or_their_manager_marks_done(org, api_as, item):
    url = f"/api/action-items/{item.pk}/complete/"
    # Sales ops see the item but manage nobody; the sibling team does not see it.
    assert api_as(org.ops).post(url, {"evidence": "x"}).status_code == 403
    assert api_as(org.outsider).post(url, {"evidence": "x"}).status_code == 404
    assert api_as(org.director).post(url, {"evidence": "客户已确认"}).status_code == 200


def test_the_owners_manager_cancels_with_a_reason(org, api_as, item):
    url = f"/api/action-items/{item.pk}/cancel/"
    assert api_as(org.rep).post(url, {"reason": "不做了"}).status_code == 403
    assert api_as(org.lead).post(url, {}).status_code == 400
    response = api_as(org.lead).post(url, {"reason": "客户取消了需求"})
    assert response.status_code == 200
    assert response.json()["state"] == ActionState.CANCELLED
    clock = item.clocks.get()
    assert clock.state == ClockState.CANCELLED
    assert clock.events.last().reason == "客户取消了需求"


# --- Clocks -----------------------------------------------------------------------------------


def test_manager_pauses_and_resumes_and_a_rep_may_not(org, api_as, item):
    clock = item.clocks.get()
    url = f"/api/clocks/{clock.pk}"
    assert api_as(org.rep).post(f"{url}/pause/", {"reason": "等客户"}).status_code == 403
    assert api_as(org.outsider).post(f"{url}/pause/", {"reason": "等客户"}).status_code == 404
    lead = api_as(org.lead)
    assert lead.post(f"{url}/pause/", {"reason": ""}).status_code == 400
    response = lead.post(f"{url}/pause/", {"reason": "等客户回复"})
    assert response.status_code == 200
    assert response.json()["state"] == "paused"
    assert response.json()["events"][-1]["reason"] == "等客户回复"
    assert lead.post(f"{url}/pause/", {"reason": "again"}).status_code == 400
    assert api_as(org.rep).post(f"{url}/resume/").status_code == 403
    with time_machine.travel(NOW + 2 * HOUR, tick=False):
        response = api_as(org.lead).post(f"{url}/resume/", {"reason": "客户已回复"})
    assert response.status_code == 200
    assert response.json()["state"] == "running"
    # Four hours were left when it paused; two hours passed while paused.
    assert response.json()["deadline"] == (NOW + 6 * HOUR).isoformat()


def test_manager_moves_the_deadline(org, api_as, item):
    clock = item.clocks.get()
    url = f"/api/clocks/{clock.pk}/move/"
    later = NOW + 24 * HOUR
    body = {"deadline": later.isoformat(), "reason": "客户要求延后"}
    assert api_as(org.rep).post(url, body).status_code == 403
    response = api_as(org.director).post(url, body)
    assert response.status_code == 200
    assert response.json()["deadline"] == later.isoformat()
    assert ActionItem.objects.get(pk=item.pk).due_at == later
    unreadable = {"deadline": "tomorrow", "reason": "x"}
    assert api_as(org.director).post(url, unreadable).status_code == 400


# --- Notifications -------------------------------------------------------------------------------


def note(person, key):
    return notify.notify(person, kind="warning", title=f"提醒 {key}", key=key)


def test_notifications_are_the_callers_own(org, api_as):
    mine = [note(org.rep, "r1"), note(org.rep, "r2")]
    theirs = note(org.lead, "l1")
    client = api_as(org.rep)
    assert titles(client.get("/api/notifications/")) == {"提醒 r1", "提醒 r2"}
    assert client.get(f"/api/notifications/{mine[0].pk}/").status_code == 200
    assert client.get(f"/api/notifications/{theirs.pk}/").status_code == 404
    # Not even the executive reads someone else's.
    assert api_as(org.exec).get(f"/api/notifications/{theirs.pk}/").status_code == 404


def test_mark_read_touches_only_the_callers_own(org, api_as):
    first, second = note(org.rep, "r1"), note(org.rep, "r2")
    theirs = note(org.lead, "l1")
    client = api_as(org.rep)
    assert client.get("/api/notifications/unread-count/").json() == {"unread": 2}
    response = client.post(
        "/api/notifications/mark-read/", {"ids": [first.pk, theirs.pk]}, format="json"
    )
    assert response.json() == {"marked": 1}
    assert client.get("/api/notifications/unread-count/").json() == {"unread": 1}
    assert titles(client.get("/api/notifications/?unread=true")) == {"提醒 r2"}
    assert Notification.objects.get(pk=theirs.pk).read_at is None
    assert client.post("/api/notifications/mark-read/", {}, format="json").json() == {"marked": 1}
    assert Notification.objects.get(pk=second.pk).read_at == NOW


# --- Webhooks ---------------------------------------------------------------------------------


def hook_body(unit, **fields):
    return {
        "unit": unit.pk,
        "name": "群机器人",
        "url": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=secret",
        "format": "wecom",
        **fields,
    }


def test_a_manager_adds_a_webhook_to_a_unit_of_their_tree(org, api_as):
    response = api_as(org.lead).post("/api/webhooks/", hook_body(org.team_a))
    assert response.status_code == 201, response.json()
    hook = Webhook.objects.get()
    assert (hook.unit, hook.created_by, hook.format) == (org.team_a, org.lead, "wecom")
    refused = api_as(org.lead).post("/api/webhooks/", hook_body(org.east))
    assert refused.status_code == 400
    assert "unit" in refused.json()
    assert api_as(org.ops).post("/api/webhooks/", hook_body(org.south)).status_code == 201


def test_others_may_not_write_webhooks(org, api_as):
    hook = Webhook.objects.create(
        unit=org.team_a, name="一组群", url="https://example.com/hook?token=s", created_by=org.lead
    )
    rep = api_as(org.rep)
    assert rep.post("/api/webhooks/", hook_body(org.team_a)).status_code == 403
    assert rep.patch(f"/api/webhooks/{hook.pk}/", {"name": "x"}).status_code == 403
    assert rep.delete(f"/api/webhooks/{hook.pk}/").status_code == 403
    assert rep.post(f"/api/webhooks/{hook.pk}/test/").status_code == 403
    # A manager of the sibling team does not find it.
    assert api_as(org.lead_b).patch(f"/api/webhooks/{hook.pk}/", {"name": "x"}).status_code == 404
    assert api_as(org.lead_b).delete(f"/api/webhooks/{hook.pk}/").status_code == 404
    director = api_as(org.director)
    assert director.patch(f"/api/webhooks/{hook.pk}/", {"name": "华东群"}).status_code == 200
    assert director.delete(f"/api/webhooks/{hook.pk}/").status_code == 204
    assert not Webhook.objects.exists()


def test_everyone_sees_their_trees_webhooks_without_the_secret(org, api_as):
    Webhook.objects.create(
        unit=org.team_a, name="一组群", url="https://example.com/hook?token=s", created_by=org.lead
    )
    Webhook.objects.create(
        unit=org.team_b, name="二组群", url="https://example.com/b", created_by=org.lead_b
    )
    rows = api_as(org.rep).get("/api/webhooks/").json()["results"]
    assert [(row["name"], row["url"]) for row in rows] == [("一组群", "https://example.com/…")]
    rows = api_as(org.lead).get("/api/webhooks/").json()["results"]
    assert [row["url"] for row in rows] == ["https://example.com/hook?token=s"]
    assert api_as(org.director).get("/api/webhooks/").json()["count"] == 2


def test_webhook_urls_are_http_only(org, api_as):
    body = hook_body(org.team_a, url="ftp://example.com/hook")
    response = api_as(org.lead).post("/api/webhooks/", body)
    assert response.status_code == 400
    assert "url" in response.json()


# --- SLA policies ------------------------------------------------------------------------------


def test_everyone_reads_the_policies_and_only_ops_or_exec_edit(org, api_as, policies):
    keys = [row["key"] for row in api_as(org.rep).get("/api/sla-policies/").json()["results"]]
    assert "customer_issue.feedback" in keys
    policy = SlaPolicy.objects.get(key="customer_issue.feedback")
    url = f"/api/sla-policies/{policy.pk}/"
    assert api_as(org.rep).patch(url, {"hours": "12"}).status_code == 403
    assert api_as(org.director).patch(url, {"hours": "12"}).status_code == 403
    assert api_as(org.exec).patch(url, {"hours": "36"}).status_code == 200
    refused = api_as(org.ops).patch(url, {"warn_at": [1.5]}, format="json")
    assert refused.status_code == 400


def test_a_policy_edit_recomputes_running_clocks(org, api_as, policies):
    running = services.create_action_item(
        title="给客户反馈",
        owner=org.rep,
        created_by=org.lead,
        due_at=NOW,
        policy_key="customer_issue.feedback",
    )
    finished = services.create_action_item(
        title="已反馈",
        owner=org.rep,
        created_by=org.lead,
        due_at=NOW,
        policy_key="customer_issue.feedback",
    )
    services.complete(finished, org.rep, evidence="已电话反馈")
    policy = SlaPolicy.objects.get(key="customer_issue.feedback")
    response = api_as(org.ops).patch(
        f"/api/sla-policies/{policy.pk}/", {"hours": "12"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["version"] == 2
    clock = running.clocks.get()
    assert clock.deadline == NOW + 12 * HOUR
    assert clock.policy_version == 2
    assert clock.events.last().event == "recomputed"
    assert finished.clocks.get().policy_version == 1
    assert ActionItem.objects.get(pk=running.pk).due_at == NOW + 12 * HOUR


# --- Authentication and query counts --------------------------------------------------------


def test_token_authentication(org, api_client, item):
    assert api_client.get("/api/action-items/").status_code == 401
    token = Token.objects.create(user=org.rep)
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert titles(api_client.get("/api/action-items/")) == {"给客户甲发报价"}
    response = api_client.post(f"/api/action-items/{item.pk}/complete/", {"evidence": "已发"})
    assert response.status_code == 200


@pytest.fixture(params=[2, 30])
def many(request, org, policies):
    """``request.param`` items of team A, each with a clock, some breached
    and escalated, and a notification each for the lead."""
    for n in range(request.param):
        owner = PersonFactory(username=f"bulk{n}", unit=org.team_a)
        item = services.create_action_item(
            title=f"事项{n}", owner=owner, created_by=org.lead, due_at=NOW + (n % 3) * HOUR
        )
        note(org.lead, f"bulk-{n}")
        if n % 2:
            breach(item)
    return request.param


@pytest.mark.parametrize(
    ("url", "queries"),
    [
        # count, page of items (owner, unit, customer joined), their clocks (policy joined).
        ("/api/action-items/", 3),
        # count, page of clocks (policy, item and unit joined), their events (actor joined).
        ("/api/clocks/", 3),
        # count, page of escalations (clock, item, owner, recipient joined).
        ("/api/escalations/", 2),
        # count, page of the caller's notifications.
        ("/api/notifications/", 2),
    ],
)
def test_list_query_counts_do_not_grow(
    org, api_as, many, url, queries, django_assert_max_num_queries
):
    client = api_as(org.lead)
    client.get(url)  # the lead's scope is cached on the user from here on
    with django_assert_max_num_queries(queries):
        response = client.get(f"{url}?page_size=100")
    assert response.status_code == 200
    assert response.json()["count"] >= many // 2  # every row of the bulk is listed
