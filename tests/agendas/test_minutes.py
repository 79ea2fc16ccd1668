"""Minutes per agenda item with optimistic locking, so that two people typing
lose nothing; decisions and attendance recorded in the room."""

import re

import pytest
import time_machine
from django.urls import reverse

from agendas import services
from agendas.models import AgendaItem, Decision
from meetings.models import Invitation
from tests.agendas.helpers import NOW, local, weekly


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def meeting(org):
    return weekly(org)


@pytest.fixture
def item(meeting):
    return meeting.agenda_items.order_by("position").first()


def read(item):
    """The item as one user's browser loaded it."""
    return AgendaItem.objects.get(pk=item.pk)


HTMX = {"HX-Request": "true"}


# --- Minutes ---------------------------------------------------------------------------


def test_saving_minutes_stores_them_and_moves_the_version_on(org, item):
    version = item.version
    saved = services.update_item(item, org.lead, version=version, notes="客户甲:预算已批")
    assert saved.notes == "客户甲:预算已批"
    assert (saved.version, saved.updated_by) == (version + 1, org.lead)


def test_the_first_of_two_saves_from_the_same_version_wins(org, item):
    lead_copy, director_copy = read(item), read(item)
    services.update_item(lead_copy, org.lead, version=lead_copy.version, notes="组长的记录")
    with pytest.raises(services.EditConflict):
        services.update_item(
            director_copy, org.director, version=director_copy.version, notes="总监的记录"
        )
    assert read(item).notes == "组长的记录"


def test_the_conflict_carries_what_is_stored_so_the_second_writer_can_merge(org, item):
    lead_copy, director_copy = read(item), read(item)
    services.update_item(lead_copy, org.lead, version=lead_copy.version, notes="组长的记录")
    with pytest.raises(services.EditConflict) as conflict:
        services.update_item(
            director_copy, org.director, version=director_copy.version, notes="总监的记录"
        )
    current = conflict.value.current
    assert (current.notes, current.updated_by) == ("组长的记录", org.lead)

    merged = services.update_item(
        director_copy, org.director, version=current.version, notes="组长的记录\n总监的记录"
    )
    assert read(item).notes == merged.notes == "组长的记录\n总监的记录"


def test_only_the_items_text_timebox_and_status_are_editable(org, item):
    with pytest.raises(ValueError):
        services.update_item(item, org.lead, version=item.version, meeting_id=0)


def test_minutes_saved_through_the_room_answer_with_the_new_version(org, meeting, item, client):
    client.force_login(org.lead)
    response = client.post(
        reverse("agendas:update-item", args=[meeting.pk, item.pk]),
        {"notes": "客户乙:下周二陪访", "version": item.version},
        headers=HTMX,
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="conflict"' not in html
    # Every form of the item (minutes, timebox, done) learns the new version,
    # so the next click is not taken for someone else's edit.
    for suffix in ("", "-minutes", "-status"):
        assert re.search(
            rf'value="{item.version + 1}" id="version-{item.pk}{suffix}" hx-swap-oob', html
        )
    assert read(item).notes == "客户乙:下周二陪访"


def test_a_conflict_in_the_room_shows_the_other_persons_minutes(org, meeting, item, client):
    version = item.version
    services.update_item(read(item), org.director, version=version, notes="总监先写的记录")
    client.force_login(org.lead)

    response = client.post(
        reverse("agendas:update-item", args=[meeting.pk, item.pk]),
        {"notes": "组长后写的记录", "version": version},
        headers=HTMX,
    )

    assert response.status_code == 200
    html = response.content.decode()
    conflict = html[html.index('data-testid="conflict"') :]
    assert "总监先写的记录" in conflict
    assert str(org.director) in conflict
    assert f'value="{version + 1}" id="version-{item.pk}"' in html
    assert read(item).notes == "总监先写的记录"


def test_a_conflict_without_javascript_keeps_the_typed_minutes_in_the_box(
    org, meeting, item, client
):
    version = item.version
    services.update_item(read(item), org.director, version=version, notes="总监先写的记录")
    client.force_login(org.lead)

    response = client.post(
        reverse("agendas:update-item", args=[meeting.pk, item.pk]),
        {"notes": "组长后写的记录", "version": version},
    )

    assert response.status_code == 200
    html = response.content.decode()
    box = re.search(rf'<textarea[^>]*id="notes-{item.pk}"[^>]*>(.*?)</textarea>', html, re.S)
    assert box.group(1) == "组长后写的记录"
    assert "总监先写的记录" in html[html.index('data-testid="conflict"') :]
    assert read(item).notes == "总监先写的记录"


def test_a_stale_page_cannot_save_without_a_version(org, meeting, item, client):
    client.force_login(org.lead)
    client.post(reverse("agendas:update-item", args=[meeting.pk, item.pk]), {"notes": "x"})
    assert read(item).notes == ""


# --- Decisions -------------------------------------------------------------------------


DUE = local(2026, 11, 30, 18)


def test_a_decision_records_who_does_what_by_when(org, meeting, item):
    decision = services.add_decision(
        meeting, org.lead, text="周五前给客户甲报价", owner=org.rep, due_at=DUE, agenda_item=item
    )
    assert (decision.owner, decision.due_at, decision.created_by) == (org.rep, DUE, org.lead)
    assert list(meeting.decisions.all()) == [decision]


def test_a_decision_may_go_to_the_chairs_superior(org, meeting):
    decision = services.add_decision(
        meeting, org.lead, text="申请区域折扣审批", owner=org.director, due_at=DUE
    )
    assert decision.owner == org.director


def test_a_decision_cannot_go_to_someone_the_chair_cannot_assign_to(org, meeting):
    with pytest.raises(ValueError):
        services.add_decision(meeting, org.lead, text="跨区支援", owner=org.rep_south, due_at=DUE)
    assert not Decision.objects.exists()


def test_a_decision_cannot_hang_on_another_meetings_agenda_item(org, meeting):
    other = weekly(org, starts_at=local(2026, 12, 4, 15)).agenda_items.first()
    with pytest.raises(ValueError):
        services.add_decision(
            meeting, org.lead, text="错挂的决议", owner=org.rep, due_at=DUE, agenda_item=other
        )
    assert not Decision.objects.exists()


def test_a_decision_recorded_in_the_room_shows_in_the_decisions(org, meeting, item, client):
    client.force_login(org.lead)
    response = client.post(
        reverse("agendas:decision", args=[meeting.pk]),
        {
            "text": "周五前给客户甲报价",
            "owner": org.rep.pk,
            "due_at": "2026-11-30T18:00",
            "agenda_item": item.pk,
        },
        headers=HTMX,
    )
    assert response.status_code == 200
    decision = Decision.objects.get()
    assert (decision.owner, decision.agenda_item, decision.due_at) == (org.rep, item, DUE)
    decisions = response.content.decode().split('data-testid="decisions"')[1]
    assert "周五前给客户甲报价" in decisions


def test_the_room_refuses_a_decision_owner_outside_the_chairs_reach(org, meeting, client):
    client.force_login(org.lead)
    client.post(
        reverse("agendas:decision", args=[meeting.pk]),
        {"text": "跨区支援", "owner": org.rep_south.pk, "due_at": "2026-11-30T18:00"},
    )
    assert not Decision.objects.exists()


# --- Attendance ------------------------------------------------------------------------


def test_checking_in_marks_the_invitee_present(org, meeting):
    with time_machine.travel(local(2026, 11, 27, 15, 2), tick=False):
        services.check_in(meeting, org.lead, org.rep)
    invitation = Invitation.objects.get(meeting=meeting, person=org.rep)
    assert invitation.attended is True
    assert invitation.checked_in_at == local(2026, 11, 27, 15, 2)


def test_the_room_checks_people_in_and_out(org, meeting, client):
    client.force_login(org.lead)
    url = reverse("agendas:check-in", args=[meeting.pk])
    client.post(url, {"person": org.rep.pk, "present": "1"})
    assert Invitation.objects.get(meeting=meeting, person=org.rep).attended is True
    client.post(url, {"person": org.rep.pk, "present": "0"})
    assert Invitation.objects.get(meeting=meeting, person=org.rep).attended is False


def test_only_invitees_are_checked_in(org, meeting, client):
    client.force_login(org.lead)
    response = client.post(
        reverse("agendas:check-in", args=[meeting.pk]), {"person": org.outsider.pk}
    )
    assert response.status_code == 404
    assert not Invitation.objects.filter(person=org.outsider).exists()
