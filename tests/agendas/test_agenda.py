"""A meeting's own agenda: add, remove, reorder, timeboxes, timers, and the
backlog that carries open items from one occurrence of a series to the next."""

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from agendas import services
from agendas.models import AgendaItem, ItemStatus
from meetings.kinds import Kind
from meetings.models import Status
from meetings.series import Repeat, create_series
from meetings.services import MeetingSpec
from tests.agendas.helpers import FRIDAY, NOW, daily, local, titles, weekly


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def items(meeting):
    return list(meeting.agenda_items.order_by("position", "pk"))


# --- Add, remove, reorder -------------------------------------------------------------


def test_an_added_item_goes_to_the_end_with_its_timebox(org):
    meeting = weekly(org)
    item = services.add_item(meeting, org.lead, "大客户续约风险", 15)
    assert titles(meeting)[-1] == "大客户续约风险"
    assert (item.minutes, item.updated_by) == (15, org.lead)


def test_a_removed_item_leaves_the_agenda(org):
    meeting = weekly(org)
    first, *rest = items(meeting)
    services.remove_item(first, org.lead)
    assert titles(meeting) == [i.title for i in rest]


def test_reorder_puts_the_agenda_in_the_given_order(org):
    meeting = weekly(org)
    ids = [i.pk for i in items(meeting)]
    wanted = [ids[3], ids[0], ids[4], ids[2], ids[1]]
    services.reorder(meeting, org.lead, wanted)
    assert [i.pk for i in items(meeting)] == wanted


@pytest.mark.parametrize(
    "wrong",
    [
        pytest.param(lambda ids, other: ids[:-1], id="an item missing"),
        pytest.param(lambda ids, other: [*ids, ids[0]], id="an item twice"),
        pytest.param(lambda ids, other: [*ids[:-1], other], id="another meeting's item"),
    ],
)
def test_reorder_refuses_a_wrong_list_of_items_and_keeps_the_order(org, wrong):
    meeting = weekly(org)
    other = daily(org).agenda_items.first().pk
    ids = [i.pk for i in items(meeting)]
    with pytest.raises(ValueError):
        services.reorder(meeting, org.lead, wrong(list(reversed(ids)), other))
    assert [i.pk for i in items(meeting)] == ids


def test_move_down_swaps_an_item_with_the_next_one(org):
    meeting = weekly(org)
    first, second, *rest = items(meeting)
    services.move(first, org.lead, +1)
    assert [i.pk for i in items(meeting)] == [second.pk, first.pk, *(i.pk for i in rest)]


def test_move_up_swaps_an_item_with_the_previous_one(org):
    meeting = weekly(org)
    *rest, before_last, last = items(meeting)
    services.move(last, org.lead, -1)
    assert [i.pk for i in items(meeting)] == [*(i.pk for i in rest), last.pk, before_last.pk]


def test_moving_the_first_item_up_changes_nothing(org):
    meeting = weekly(org)
    ids = [i.pk for i in items(meeting)]
    services.move(items(meeting)[0], org.lead, -1)
    assert [i.pk for i in items(meeting)] == ids


def test_the_up_and_down_buttons_reorder_through_the_room(org, client):
    meeting = weekly(org)
    first, second, *_ = items(meeting)
    client.force_login(org.lead)
    response = client.post(
        reverse("agendas:move-item", args=[meeting.pk, second.pk]), {"direction": "up"}
    )
    assert response.status_code == 302
    assert [i.pk for i in items(meeting)][:2] == [second.pk, first.pk]


def test_the_drag_and_drop_order_is_saved_through_the_room(org, client):
    meeting = weekly(org)
    ids = [i.pk for i in items(meeting)]
    client.force_login(org.lead)
    response = client.post(
        reverse("agendas:reorder", args=[meeting.pk]),
        {"item": [str(pk) for pk in reversed(ids)]},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert [i.pk for i in items(meeting)] == list(reversed(ids))


def test_a_rep_cannot_change_the_agenda(org):
    meeting = weekly(org)
    with pytest.raises(PermissionDenied):
        services.add_item(meeting, org.rep, "我想加的议题")
    assert "我想加的议题" not in titles(meeting)


# --- Timeboxes and timers -------------------------------------------------------------


def test_an_agenda_that_fits_the_meeting_has_no_overrun(org):
    meeting = daily(org)  # 30 minutes, and the daily template plans 30
    assert services.timebox_overrun(meeting) == 0


def test_items_beyond_the_meetings_length_are_an_overrun(org):
    meeting = daily(org)
    services.add_item(meeting, org.lead, "临时议题", 12)
    assert services.timebox_overrun(meeting) == 12


def test_a_shorter_timebox_brings_the_agenda_back_within_the_meeting(org):
    meeting = daily(org)
    added = services.add_item(meeting, org.lead, "临时议题", 12)
    first = items(meeting)[0]  # 15 minutes
    services.update_item(first, org.lead, version=first.version, minutes=3)
    assert services.timebox_overrun(meeting) == 0
    assert added.minutes == 12


def test_starting_a_timer_starts_the_meeting_and_stopping_adds_the_time_spent(org):
    meeting = daily(org)
    item = items(meeting)[0]
    with time_machine.travel(local(2026, 11, 24, 9, 1), tick=False):
        services.toggle_timer(item, org.lead)
    meeting.refresh_from_db()
    assert meeting.status == Status.IN_PROGRESS
    with time_machine.travel(local(2026, 11, 24, 9, 3, 30), tick=False):
        services.toggle_timer(item, org.lead)
    assert (item.started_at, item.elapsed_seconds) == (None, 150)


# --- Backlog and moving to the next meeting -------------------------------------------


@pytest.fixture
def series(org):
    """上海一组's weekly meeting, every Friday at 15:00."""
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
    second = services.next_meeting(first)
    third = services.next_meeting(second)
    return first, second, third


def test_items_left_open_show_in_the_backlog_of_later_occurrences(org, series):
    first, second, third = series
    open_item = items(first)[0]
    for item in items(first)[1:]:
        services.update_item(item, org.lead, version=item.version, status=ItemStatus.DONE)
    assert list(AgendaItem.objects.backlog_for(second)) == [open_item]
    assert open_item in AgendaItem.objects.backlog_for(third)


def test_a_meeting_outside_a_series_has_no_backlog(org):
    weekly(org)
    assert not AgendaItem.objects.backlog_for(weekly(org, starts_at=local(2026, 12, 4, 15)))


def test_an_earlier_meetings_item_closed_from_the_later_room_leaves_the_backlog(
    org, series, client
):
    first, second, _third = series
    open_item = items(first)[0]
    services.conclude(first, org.lead)  # the earlier meeting's minutes are locked
    client.force_login(org.lead)

    response = client.post(reverse("agendas:close-backlog", args=[second.pk, open_item.pk]))

    assert response.status_code == 302
    open_item.refresh_from_db()
    assert open_item.status == ItemStatus.DONE
    assert open_item not in AgendaItem.objects.backlog_for(second)
    assert open_item.title not in [
        i.title for i in client.get(reverse("agendas:room", args=[second.pk])).context["backlog"]
    ]


def test_moving_an_item_to_the_next_meeting_marks_it_moved_and_adds_it_there(org, series):
    first, second, _third = series
    item = items(first)[1]
    services.update_item(item, org.lead, version=item.version, notes="客户甲的报价还没定")

    moved = services.move_to_next_meeting(item, org.lead)

    item.refresh_from_db()
    assert item.status == ItemStatus.MOVED
    assert (moved.meeting, moved.moved_from, moved.notes) == (second, item, "客户甲的报价还没定")
    assert items(second)[-1] == moved
    assert item not in AgendaItem.objects.backlog_for(second)


def test_an_item_is_moved_to_the_next_meeting_once(org, series):
    first, second, _third = series
    item = items(first)[1]
    services.move_to_next_meeting(item, org.lead)
    before = len(items(second))
    with pytest.raises(ValueError):
        services.move_to_next_meeting(item, org.lead)
    assert len(items(second)) == before


def test_a_meeting_without_a_next_occurrence_cannot_hand_items_on(org):
    meeting = weekly(org)
    item = items(meeting)[0]
    with pytest.raises(ValueError):
        services.move_to_next_meeting(item, org.lead)
    item.refresh_from_db()
    assert item.status == ItemStatus.OPEN


def test_an_item_moved_to_the_next_meeting_no_longer_counts_against_this_ones_length(org, series):
    first, _second, _third = series
    item = services.add_item(first, org.lead, "大客户专题", 60)
    assert services.timebox_overrun(first) == 60
    services.move_to_next_meeting(item, org.lead)
    assert services.timebox_overrun(first) == 0
