"""Concluding a meeting: the minutes lock, who and when are recorded, and
the attendees get the summary by email, once."""

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from agendas import services, summary
from agendas.models import AgendaItem, Conclusion
from meetings.models import Invitation, Rsvp, Status
from tests.agendas.helpers import NOW, local, weekly
from tests.factories import PersonFactory

END = local(2026, 11, 27, 16, 25)
DUE = local(2026, 11, 30, 18)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def meeting(org):
    """The weekly meeting, with a second rep invited (陈静)."""
    colleague = PersonFactory(username="rep2", full_name="陈静", unit=org.team_a)
    return weekly(org, invitees=[org.rep, colleague])


def first_item(meeting):
    return meeting.agenda_items.order_by("position").first()


def summaries(mailoutbox, meeting):
    return [m for m in mailoutbox if meeting.title in m.subject]


def conclude_at_the_end(meeting, user, **kwargs):
    with time_machine.travel(END, tick=False):
        return services.conclude(meeting, user, **kwargs)


# --- Who, when, and the lock -----------------------------------------------------------


def test_concluding_records_who_and_when(org, meeting):
    conclusion = conclude_at_the_end(meeting, org.lead)
    meeting.refresh_from_db()
    assert meeting.status == Status.CONCLUDED
    assert meeting.concluded_at == END
    assert (conclusion.concluded_by, conclusion.concluded_at) == (org.lead, END)
    assert (conclusion.missing_outputs, conclusion.override_reason) == ([], "")


def test_concluding_stops_a_running_timer(org, meeting):
    item = first_item(meeting)
    services.toggle_timer(item, org.lead)
    conclude_at_the_end(meeting, org.lead)
    item.refresh_from_db()
    assert item.started_at is None


@pytest.mark.parametrize(
    "write",
    [
        pytest.param(
            lambda m, org: services.update_item(
                first_item(m), org.lead, version=first_item(m).version, notes="会后补充"
            ),
            id="minutes",
        ),
        pytest.param(lambda m, org: services.add_item(m, org.lead, "会后加的议题"), id="add"),
        pytest.param(lambda m, org: services.remove_item(first_item(m), org.lead), id="remove"),
        pytest.param(
            lambda m, org: services.add_decision(
                m, org.lead, text="会后加的决议", owner=org.rep, due_at=DUE
            ),
            id="decision",
        ),
        pytest.param(lambda m, org: services.check_in(m, org.lead, org.rep), id="check-in"),
    ],
)
def test_concluded_minutes_are_locked(org, meeting, write):
    conclude_at_the_end(meeting, org.lead)
    record = (
        list(meeting.agenda_items.order_by("pk").values_list("pk", "title", "notes", "version")),
        list(meeting.invitations.order_by("pk").values_list("pk", "attended")),
    )
    with pytest.raises(services.MinutesLocked):
        write(meeting, org)
    assert not meeting.decisions.exists()
    assert record == (
        list(meeting.agenda_items.order_by("pk").values_list("pk", "title", "notes", "version")),
        list(meeting.invitations.order_by("pk").values_list("pk", "attended")),
    )


def test_a_page_loaded_before_concluding_cannot_write_after_it(org, meeting):
    stale = AgendaItem.objects.select_related("meeting").get(pk=first_item(meeting).pk)
    conclude_at_the_end(meeting, org.director)  # someone else concludes meanwhile
    assert stale.meeting.status == Status.SCHEDULED  # what the stale copy believes
    with pytest.raises(services.MinutesLocked):
        services.update_item(stale, org.lead, version=stale.version, notes="迟到的记录")
    assert first_item(meeting).notes == ""


def test_the_room_refuses_to_edit_concluded_minutes(org, meeting, client):
    item = first_item(meeting)
    conclude_at_the_end(meeting, org.lead)
    client.force_login(org.lead)
    response = client.post(
        reverse("agendas:update-item", args=[meeting.pk, item.pk]),
        {"notes": "会后补充", "version": item.version},
    )
    assert response.status_code == 302
    assert first_item(meeting).notes == ""
    room = client.get(reverse("agendas:room", args=[meeting.pk]))
    assert room.context["can_edit"] is False
    assert "<textarea" not in room.content.decode()


def test_a_meeting_is_concluded_once(org, meeting):
    first = conclude_at_the_end(meeting, org.lead)
    with pytest.raises(services.MinutesLocked):
        services.conclude(meeting, org.director)
    assert list(Conclusion.objects.all()) == [first]


def test_a_rep_cannot_conclude(org, meeting):
    with pytest.raises(PermissionDenied):
        services.conclude(meeting, org.rep)
    meeting.refresh_from_db()
    assert meeting.status == Status.SCHEDULED


def test_a_rep_concluding_through_the_room_is_forbidden(org, meeting, client):
    client.force_login(org.rep)
    response = client.post(reverse("agendas:conclude", args=[meeting.pk]))
    assert response.status_code == 403
    meeting.refresh_from_db()
    assert meeting.status == Status.SCHEDULED
    assert not Conclusion.objects.exists()


def test_the_conclude_button_concludes_and_sends_the_room_to_its_locked_view(
    org, meeting, client, django_capture_on_commit_callbacks
):
    client.force_login(org.lead)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("agendas:conclude", args=[meeting.pk]), headers={"HX-Request": "true"}
        )
    assert response.status_code == 200
    assert response["HX-Redirect"] == reverse("agendas:room", args=[meeting.pk])
    assert Conclusion.objects.get(meeting=meeting).concluded_by == org.lead


# --- The summary email -----------------------------------------------------------------


def test_the_summary_goes_to_those_checked_in(
    org, meeting, mailoutbox, django_capture_on_commit_callbacks
):
    services.check_in(meeting, org.lead, org.lead)
    services.check_in(meeting, org.lead, org.rep)
    services.update_item(
        first_item(meeting), org.lead, version=first_item(meeting).version, notes="客户甲:预算已批"
    )
    services.add_decision(meeting, org.lead, text="周五前给客户甲报价", owner=org.rep, due_at=DUE)

    with time_machine.travel(END, tick=False), django_capture_on_commit_callbacks(execute=True):
        services.conclude(meeting, org.lead)

    [email] = summaries(mailoutbox, meeting)
    assert sorted(email.to) == sorted([org.lead.email, org.rep.email])  # not 陈静
    assert "客户甲:预算已批" in email.body
    assert "周五前给客户甲报价" in email.body
    assert Conclusion.objects.get(meeting=meeting).summary_sent_at == END


def test_without_check_ins_the_summary_goes_to_everyone_who_did_not_decline(
    org, meeting, mailoutbox, django_capture_on_commit_callbacks
):
    Invitation.objects.filter(meeting=meeting, person__username="rep2").update(rsvp=Rsvp.DECLINED)
    with django_capture_on_commit_callbacks(execute=True):
        conclude_at_the_end(meeting, org.lead)
    [email] = summaries(mailoutbox, meeting)
    assert sorted(email.to) == sorted([org.lead.email, org.rep.email])


def test_the_summary_is_sent_once(org, meeting, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        conclude_at_the_end(meeting, org.lead)
    assert summary.send_summary(meeting.pk) == 0  # a retried task
    assert len(summaries(mailoutbox, meeting)) == 1


def test_a_failed_send_can_be_retried(org, meeting, mailoutbox, monkeypatch):
    conclude_at_the_end(meeting, org.lead)  # on-commit callbacks not run: nothing sent yet

    def broken(self, fail_silently=False):
        raise ConnectionError("smtp down")

    monkeypatch.setattr("django.core.mail.EmailMultiAlternatives.send", broken)
    with pytest.raises(ConnectionError):
        summary.send_summary(meeting.pk)
    monkeypatch.undo()

    assert summary.send_summary(meeting.pk) == 3
    assert len(summaries(mailoutbox, meeting)) == 1
