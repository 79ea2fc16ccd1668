"""The meeting room and the pages around it, as each persona sees them: who
may open and who may write, the warnings it shows, the printable minutes,
and a query count that does not grow with the agenda."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from agendas import services
from agendas.models import AgendaItem
from meetings.kinds import Kind
from meetings.series import Repeat, create_series
from meetings.services import MeetingSpec
from tests.agendas.helpers import FRIDAY, NOW, daily, local, schedule, weekly

HTMX = {"HX-Request": "true"}


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def meeting(org):
    return weekly(org)


def room(meeting):
    return reverse("agendas:room", args=[meeting.pk])


def section(html, testid):
    """The page from the element with ``data-testid=testid`` on."""
    marker = f'data-testid="{testid}"'
    assert marker in html, f"no {marker}"
    return html[html.index(marker) :]


# --- Who may open the room -------------------------------------------------------------


def test_the_chair_opens_the_room_with_the_agenda_to_edit(org, meeting, client):
    client.force_login(org.lead)
    response = client.get(room(meeting))
    assert response.status_code == 200
    assert response.context["can_edit"] is True
    html = response.content.decode()
    for item in meeting.agenda_items.all():
        assert item.title in section(html, "agenda")
    assert html.count("<textarea") >= meeting.agenda_items.count()


def test_an_invited_rep_reads_the_room_without_edit_controls(org, meeting, client):
    services.update_item(meeting.agenda_items.first(), org.lead, version=1, notes="客户甲:预算已批")
    client.force_login(org.rep)
    response = client.get(room(meeting))
    assert response.status_code == 200
    assert response.context["can_edit"] is False
    html = response.content.decode()
    assert "客户甲:预算已批" in html
    assert "<textarea" not in html
    assert 'data-testid="conclude"' not in html


@pytest.mark.parametrize("page", ["agendas:room", "agendas:minutes"])
def test_a_meeting_outside_the_users_tree_is_not_found(org, meeting, client, page):
    client.force_login(org.outsider)
    assert client.get(reverse(page, args=[meeting.pk])).status_code == 404


def test_an_outsider_cannot_post_to_the_room(org, meeting, client):
    client.force_login(org.outsider)
    response = client.post(
        reverse("agendas:add-item", args=[meeting.pk]), {"title": "外人的议题", "minutes": 5}
    )
    assert response.status_code == 404
    assert not AgendaItem.objects.filter(title="外人的议题").exists()


def test_the_room_asks_anonymous_visitors_to_log_in(meeting, client):
    response = client.get(room(meeting))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def snapshot(meeting):
    """Everything a POST from the room could change."""
    meeting.refresh_from_db()
    return (
        meeting.status,
        list(
            meeting.agenda_items.order_by("pk").values_list(
                "pk", "title", "position", "minutes", "notes", "status", "version", "started_at"
            )
        ),
        list(meeting.decisions.values_list("pk", flat=True)),
        list(meeting.invitations.order_by("pk").values_list("attended", flat=True)),
    )


def every_item_reversed(org, meeting, item):
    """A valid new order, so that only the permission stands in the way."""
    return {"item": list(reversed(meeting.agenda_items.values_list("pk", flat=True)))}


# (url name, whether it names an item, the form a chair would post)
EDITS = {
    "add item": (
        "agendas:add-item",
        False,
        lambda org, m, i: {"title": "销售的议题", "minutes": 5},
    ),
    "minutes": ("agendas:update-item", True, lambda org, m, i: {"notes": "改", "version": 1}),
    "done": ("agendas:update-item", True, lambda org, m, i: {"status": "done", "version": 1}),
    "move": ("agendas:move-item", True, lambda org, m, i: {"direction": "down"}),
    "remove": ("agendas:remove-item", True, lambda org, m, i: {}),
    "timer": ("agendas:timer", True, lambda org, m, i: {}),
    "reorder": ("agendas:reorder", False, every_item_reversed),
    "decision": (
        "agendas:decision",
        False,
        lambda org, m, i: {"text": "自定决议", "owner": org.rep.pk, "due_at": "2026-11-30T18:00"},
    ),
    "check-in": ("agendas:check-in", False, lambda org, m, i: {"person": org.rep.pk}),
    "conclude": ("agendas:conclude", False, lambda org, m, i: {"override_reason": "销售想结束"}),
}


@pytest.mark.parametrize(("name", "per_item", "data"), EDITS.values(), ids=EDITS.keys())
def test_an_invited_rep_may_not_edit_through_the_room(org, meeting, client, name, per_item, data):
    item = meeting.agenda_items.order_by("position").first()
    before = snapshot(meeting)
    client.force_login(org.rep)
    args = [meeting.pk, item.pk] if per_item else [meeting.pk]
    response = client.post(reverse(name, args=args), data(org, meeting, item), headers=HTMX)
    assert response.status_code == 403
    assert snapshot(meeting) == before


# --- What the room shows ---------------------------------------------------------------


def test_the_room_warns_when_the_timeboxes_exceed_the_meeting(org, client):
    meeting = daily(org)
    client.force_login(org.lead)
    assert 'data-testid="overrun"' not in client.get(room(meeting)).content.decode()

    response = client.post(
        reverse("agendas:add-item", args=[meeting.pk]),
        {"title": "临时议题", "minutes": 12},
        headers=HTMX,
    )

    assert response.context["overrun"] == 12
    assert "12" in section(response.content.decode(), "overrun").split("</div>")[0]


@pytest.mark.parametrize(
    ("kind", "shown"), [(Kind.DAILY, True), (Kind.WEEKLY, True), (Kind.MONTHLY, False)]
)
def test_daily_and_weekly_rooms_have_a_panel_for_customer_briefs(org, client, kind, shown):
    meeting = schedule(kind, org.team_a, org.lead, local(2026, 12, 2, 9), invitees=[org.rep])
    client.force_login(org.lead)
    assert ('data-testid="briefs"' in client.get(room(meeting)).content.decode()) is shown


def test_a_later_occurrence_shows_the_earlier_ones_open_items(org, client):
    first = weekly_series(org)
    carried = services.add_item(first, org.lead, "客户甲的合同条款", 10)
    second = services.next_meeting(first)
    client.force_login(org.lead)
    assert "客户甲的合同条款" in section(client.get(room(second)).content.decode(), "backlog")

    services.update_item(carried, org.lead, version=carried.version, status="done")

    assert "客户甲的合同条款" not in client.get(room(second)).content.decode()


# --- The printable minutes -------------------------------------------------------------


def test_the_printable_minutes_carry_the_chinese_text_and_the_decisions(org, meeting, client):
    item = meeting.agenda_items.order_by("position").first()
    services.update_item(item, org.lead, version=item.version, notes="客户甲:预算已批,下周签约")
    services.check_in(meeting, org.lead, org.rep)
    services.add_decision(
        meeting,
        org.lead,
        text="周五前给客户甲发正式报价",
        owner=org.rep,
        due_at=local(2026, 11, 30, 18),
    )
    with time_machine.travel(local(2026, 11, 27, 16, 30), tick=False):
        services.conclude(meeting, org.lead)
    client.force_login(org.rep)

    response = client.get(reverse("agendas:minutes", args=[meeting.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/html; charset=utf-8"
    html = response.content.decode("utf-8")
    assert '<meta charset="utf-8">' in html
    assert item.title in html
    assert "客户甲:预算已批,下周签约" in html
    assert "周五前给客户甲发正式报价" in html
    assert str(org.rep) in html
    assert "2026-11-30 18:00" in html  # the due time, in Shanghai time
    assert "2026-11-27 16:30" in html  # concluded at


# --- Query counts ----------------------------------------------------------------------


def weekly_series(org):
    """上海一组's weekly meeting every Friday at 15:00; returns the first occurrence."""
    _series, first = create_series(
        MeetingSpec(
            kind=Kind.WEEKLY,
            unit=org.team_a,
            title="上海一组周会",
            starts_at=FRIDAY,
            ends_at=FRIDAY + dt.timedelta(minutes=90),
            invitees=[org.rep],
        ),
        org.lead,
        Repeat.WEEKLY,
        accept_warnings=True,
    )
    return first


@pytest.fixture
def busy_meeting(org):
    """The second occurrence of a weekly series, with a backlog from the first,
    three agenda items with minutes, a decision on each, and check-ins."""
    meeting = services.next_meeting(weekly_series(org))
    for item in meeting.agenda_items.order_by("position")[3:]:
        services.remove_item(item, org.lead)
    for person in (org.lead, org.rep):
        services.check_in(meeting, org.lead, person)
    for index, item in enumerate(meeting.agenda_items.all()):
        services.update_item(item, org.lead, version=item.version, notes=f"记录 {index}")
        services.add_decision(
            meeting,
            org.lead,
            text=f"决议 {index}",
            owner=org.rep,
            due_at=local(2026, 12, 7, 18),
            agenda_item=item,
        )
    return meeting


# Opening the room of a weekly occurrence costs, whatever the agenda's length:
#   the session, the user, the user's unit (3); the meeting with unit and chair (1);
#   the items with who last saved them (1); the escalation chain for the decision
#   owners (1); the timebox total (1); the next occurrence (1); the conclusion (1);
#   the backlog with its meetings (1); the decisions with owner and item (1);
#   the owners' <select> (1); the invitations with their people (1); the
#   bell's unread count (1).
ROOM_QUERIES = 14


@pytest.mark.parametrize("agenda_length", [3, 30])
def test_the_room_costs_the_same_queries_for_3_or_30_items(
    org, busy_meeting, client, django_assert_max_num_queries, agenda_length
):
    for index in range(agenda_length - busy_meeting.agenda_items.count()):
        item = services.add_item(busy_meeting, org.lead, f"议题 {index}", 1)
        services.update_item(item, org.lead, version=item.version, notes=f"记录 {index}")
    assert busy_meeting.agenda_items.count() == agenda_length
    client.force_login(org.lead)
    with django_assert_max_num_queries(ROOM_QUERIES):
        response = client.get(room(busy_meeting))
    assert len(response.context["items"]) == agenda_length
    assert len(response.context["backlog"]) == 5


def test_a_rep_sees_the_decisions_and_who_was_there(org, busy_meeting, client):
    client.force_login(org.rep)
    html = client.get(room(busy_meeting)).content.decode()
    decisions = section(html, "decisions").split("</ul>")[0]
    assert [f"决议 {n}" in decisions for n in range(3)] == [True, True, True]
    attendance = section(html, "attendance").split("</ul>")[0]
    assert str(org.rep) in attendance
