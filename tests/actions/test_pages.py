"""The action item pages: my items with their clocks, the item page where
work is marked done and clocks are paused, escalations and the bell."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from actions import services
from actions.defaults import install_default_policies
from actions.models import ActionItem, ClockState, Notification, SlaPolicy

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 11, 23, 9, 0, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def item(org):
    install_default_policies(SlaPolicy)
    return services.create_action_item(
        title="给客户甲发报价",
        owner=org.rep,
        created_by=org.lead,
        due_at=NOW + dt.timedelta(hours=4),
    )


def test_my_items_lists_mine_with_a_running_clock(org, client, item):
    services.create_action_item(
        title="别人的事",
        owner=org.outsider,
        created_by=org.lead_b,
        due_at=NOW + dt.timedelta(hours=1),
    )
    client.force_login(org.rep)
    response = client.get(reverse("actions:mine"))
    assert [i.title for i in response.context["items"]] == ["给客户甲发报价"]
    assert 'class="badge text-bg-primary countdown"' in response.content.decode()


def test_item_outside_the_tree_is_not_found(org, client, item):
    client.force_login(org.outsider)
    assert client.get(item.get_absolute_url()).status_code == 404
    client.force_login(org.director)
    assert client.get(item.get_absolute_url()).status_code == 200


def test_owner_marks_done_with_evidence(org, client, item):
    client.force_login(org.rep)
    client.post(
        reverse("actions:complete", args=[item.pk]), {"evidence": "报价已发送,客户已确认收到"}
    )
    item.refresh_from_db()
    assert item.state == "done"
    assert item.clocks.get().state == ClockState.MET


def test_done_needs_evidence(org, client, item):
    client.force_login(org.rep)
    response = client.post(
        reverse("actions:complete", args=[item.pk]), {"evidence": " "}, follow=True
    )
    assert ActionItem.objects.get(pk=item.pk).state == "open"
    assert list(response.context["messages"])


def test_manager_pauses_and_the_rep_may_not(org, client, item):
    clock = item.clocks.get()
    client.force_login(org.rep)
    assert (
        client.post(
            reverse("actions:pause", args=[item.pk, clock.pk]), {"reason": "等客户"}
        ).status_code
        == 403
    )
    client.force_login(org.lead)
    client.post(reverse("actions:pause", args=[item.pk, clock.pk]), {"reason": "等客户回复"})
    clock.refresh_from_db()
    assert clock.state == ClockState.PAUSED
    assert clock.events.last().reason == "等客户回复"


def test_manager_moves_the_deadline(org, client, item):
    clock = item.clocks.get()
    client.force_login(org.lead)
    client.post(
        reverse("actions:move", args=[item.pk, clock.pk]),
        {"deadline": "2026-11-24T18:00", "reason": "客户出差"},
    )
    clock.refresh_from_db()
    assert clock.deadline == dt.datetime(2026, 11, 24, 18, tzinfo=SHANGHAI)


def test_escalation_reaches_the_lead_and_rings_the_bell(org, client, item):
    services.sweep(NOW + dt.timedelta(hours=5))
    client.force_login(org.lead)
    home = client.get("/")
    assert home.context["unread_notifications"] == 1
    escalations = client.get(reverse("actions:escalations")).context["escalations"]
    assert [e.clock.action_item_id for e in escalations] == [item.pk]
    note = Notification.objects.get(recipient=org.lead)
    response = client.post(reverse("actions:mark-read"), {"id": note.pk})
    assert response.url == item.get_absolute_url()
    assert client.get("/").context["unread_notifications"] == 0


@pytest.mark.parametrize("count", [2, 25])
def test_my_items_query_count_is_constant(org, client, count, django_assert_max_num_queries):
    install_default_policies(SlaPolicy)
    for n in range(count):
        services.create_action_item(
            title=f"事项{n}",
            owner=org.rep,
            created_by=org.lead,
            due_at=NOW + dt.timedelta(hours=n + 1),
        )
    client.force_login(org.rep)
    # session, user, user's unit (menu), count, page of items, their clocks
    # with policies, the bell.
    with django_assert_max_num_queries(7):
        assert client.get(reverse("actions:mine")).status_code == 200


def test_open_items_appear_in_the_owners_calendar_feed(org, client, item):
    import icalendar

    from meetings import services as meeting_services

    path = f"/meetings/feed/{meeting_services.feed_token(org.rep)}.ics"
    calendar = icalendar.Calendar.from_ical(client.get(path).content)
    summaries = [str(e.get("summary")) for e in calendar.walk("VEVENT")]
    assert "⏰ 给客户甲发报价" in summaries
    services.complete(item, org.rep, evidence="done")
    calendar = icalendar.Calendar.from_ical(client.get(path).content)
    assert "⏰ 给客户甲发报价" not in [str(e.get("summary")) for e in calendar.walk("VEVENT")]
