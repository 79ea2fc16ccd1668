"""Writes on meetings besides scheduling: who may manage a meeting, whom a
kind invites, answers, attendance, approval, and changes of invitees."""

import pytest
import time_machine
from django.core.exceptions import PermissionDenied

from meetings import services
from meetings.kinds import Kind
from meetings.models import Invitation, Meeting, Part, Rsvp, Status
from org.choices import Role, UnitKind
from tests.factories import PersonFactory, UnitFactory
from tests.meetings.factories import MeetingFactory, local, spec

NOW = local(2026, 11, 23, 9)
FRIDAY = local(2026, 11, 27, 15)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def usernames(people):
    return {person.username for person in people}


def invited(meeting):
    return set(meeting.invitations.values_list("person__username", flat=True))


# --- Who may manage -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "may"),
    [
        ("lead", True),  # chairs it
        ("director", True),  # manages the region above the team
        ("exec", True),
        ("ops", True),
        ("rep", False),
        ("lead_b", False),  # the sibling team's lead
        ("director_south", False),
    ],
)
def test_who_may_manage_a_teams_meeting(org, persona, may):
    meeting = MeetingFactory(unit=org.team_a, invitees=[org.rep])
    assert services.can_manage(getattr(org, persona), meeting) is may


def test_whoever_created_a_meeting_may_manage_it(org):
    meeting = MeetingFactory(unit=org.team_a, chair=org.lead, created_by=org.outsider)
    assert services.can_manage(org.outsider, meeting)


def test_a_rep_may_not_change_a_meeting_they_are_invited_to(org):
    meeting = MeetingFactory(unit=org.team_a, invitees=[org.rep])
    with pytest.raises(PermissionDenied):
        services.update_meeting(meeting, org.rep, {"location": "会议室B"})


# --- Whom each kind invites --------------------------------------------------------------


def test_a_weekly_meeting_invites_the_whole_team(org):
    assert usernames(services.default_invitees(Kind.WEEKLY, org.team_a, org.lead)) == {
        "lead",
        "rep",
    }


def test_a_quarterly_meeting_invites_managers_only(org):
    people = services.default_invitees(Kind.QUARTERLY, org.company, org.exec)
    assert usernames(people) == {"exec", "director", "director_south", "lead", "lead_b"}


def test_a_customer_issue_meeting_invites_the_lead_and_their_superior(org):
    people = services.default_invitees(Kind.CUSTOMER_ISSUE, org.team_a, org.lead)
    assert [p.username for p in people] == ["lead", "director"]


def test_a_customer_special_meeting_starts_with_the_caller_alone(org):
    assert usernames(services.default_invitees(Kind.CUSTOMER_SPECIAL, org.team_a, org.rep)) == {
        "rep"
    }


# --- Customer issue: the superior brings in others ------------------------------------------


@pytest.fixture
def customer_issue(org):
    meeting, _ = services.schedule_meeting(
        spec(
            Kind.CUSTOMER_ISSUE,
            org.team_a,
            local(2026, 11, 24, 14),
            customer_name="远航科技",
            invitees=services.default_invitees(Kind.CUSTOMER_ISSUE, org.team_a, org.lead),
        ),
        org.lead,
    )
    return meeting


def test_the_lead_invites_their_superior_as_superior(org, customer_issue):
    superior = customer_issue.invitations.get(person=org.director)
    assert superior.part == Part.SUPERIOR


def test_the_superior_may_bring_others_into_a_customer_issue_meeting(org, customer_issue):
    services.update_meeting(
        customer_issue, org.director, changes={}, invitees=[org.director, org.rep, org.exec]
    )
    assert invited(customer_issue) == {"lead", "director", "rep", "exec"}


def test_a_superior_from_elsewhere_may_bring_others_in_but_not_change_the_meeting(
    org, customer_issue
):
    # Invited as superior although the meeting's unit is outside their tree.
    Invitation.objects.create(meeting=customer_issue, person=org.director_south, part=Part.SUPERIOR)
    current = [org.director, org.director_south]
    services.update_meeting(
        customer_issue, org.director_south, changes={}, invitees=[*current, org.rep_south]
    )
    assert "rep_south" in invited(customer_issue)
    with pytest.raises(PermissionDenied):
        services.update_meeting(customer_issue, org.director_south, {"location": "会议室B"})


def test_a_participant_may_not_bring_others_in(org, customer_issue):
    services.update_meeting(customer_issue, org.lead, changes={}, invitees=[org.director, org.rep])
    with pytest.raises(PermissionDenied):
        services.update_meeting(
            customer_issue, org.rep, changes={}, invitees=[org.director, org.rep, org.outsider]
        )


# --- Changing a meeting ------------------------------------------------------------------------


def test_a_warning_accepted_when_scheduling_is_not_asked_again(org):
    meeting, _ = services.schedule_meeting(
        spec(Kind.WEEKLY, org.team_a, local(2026, 11, 25, 15), invitees=[org.rep]),
        org.lead,
        accept_warnings=True,
    )
    meeting, _ = services.update_meeting(meeting, org.lead, {"location": "会议室B"})
    assert meeting.location == "会议室B"


def test_a_new_warning_from_a_change_must_be_accepted(org):
    meeting, _ = services.schedule_meeting(
        spec(Kind.WEEKLY, org.team_a, FRIDAY, invitees=[org.rep]), org.lead
    )
    wednesday = local(2026, 11, 25, 15)
    change = {"starts_at": wednesday, "ends_at": local(2026, 11, 25, 16)}
    with pytest.raises(services.SchedulingError):
        services.update_meeting(meeting, org.lead, change)
    meeting.refresh_from_db()
    assert meeting.starts_at == FRIDAY
    meeting, _ = services.update_meeting(meeting, org.lead, change, accept_warnings=True)
    assert meeting.starts_at == wednesday
    assert meeting.accepted_warnings == ["weekly_slot"]


def test_an_organisation_wide_role_may_reschedule_a_teams_meeting(org):
    meeting = MeetingFactory(unit=org.team_a, starts_at=FRIDAY, invitees=[org.rep])
    monday = local(2026, 11, 30, 9)
    meeting, _ = services.update_meeting(
        meeting, org.ops, {"starts_at": monday, "ends_at": local(2026, 11, 30, 10)}
    )
    assert meeting.starts_at == monday


def test_a_cancelled_meeting_cannot_be_changed(org):
    meeting = MeetingFactory(unit=org.team_a, status=Status.CANCELLED)
    with pytest.raises(PermissionDenied):
        services.update_meeting(meeting, org.lead, {"location": "会议室B"})


def test_a_meeting_cancelled_since_it_was_loaded_cannot_be_changed(org):
    meeting = MeetingFactory(unit=org.team_a)
    services.cancel_meeting(Meeting.objects.get(pk=meeting.pk), org.director)
    with pytest.raises(PermissionDenied):
        services.update_meeting(meeting, org.lead, {"location": "会议室B"})
    meeting.refresh_from_db()
    assert (meeting.status, meeting.location) == (Status.CANCELLED, "")


# --- Answers, attendance, approval ---------------------------------------------------------------


def test_an_invitee_answers(org):
    meeting = MeetingFactory(unit=org.team_a, invitees=[org.rep])
    invitation = services.set_rsvp(meeting.invitations.get(person=org.rep), Rsvp.DECLINED)
    assert invitation.rsvp == Rsvp.DECLINED
    assert invitation.answered_at == NOW


def test_no_answer_is_not_an_answer(org):
    meeting = MeetingFactory(unit=org.team_a, invitees=[org.rep])
    with pytest.raises(ValueError):
        services.set_rsvp(meeting.invitations.get(person=org.rep), Rsvp.PENDING)


def test_the_chair_records_who_was_there(org):
    meeting = MeetingFactory(unit=org.team_a, invitees=[org.rep])
    services.record_attendance(meeting, org.lead, {org.lead.pk: True, org.rep.pk: False})
    lead, rep = (meeting.invitations.get(person=p) for p in (org.lead, org.rep))
    assert (lead.attended, lead.checked_in_at) == (True, NOW)
    assert (rep.attended, rep.checked_in_at) == (False, None)


def test_attendance_of_someone_not_invited_is_refused_and_nothing_is_written(org):
    meeting = MeetingFactory(unit=org.team_a, invitees=[org.rep])
    with pytest.raises(ValueError):
        services.record_attendance(meeting, org.lead, {org.rep.pk: True, org.outsider.pk: True})
    assert set(meeting.invitations.values_list("attended", flat=True)) == {None}


def test_a_rep_may_not_record_attendance(org):
    meeting = MeetingFactory(unit=org.team_a, invitees=[org.rep])
    with pytest.raises(PermissionDenied):
        services.record_attendance(meeting, org.rep, {org.rep.pk: True})


@pytest.fixture
def resource_coordination(org):
    presales = UnitFactory(name="售前部", kind=UnitKind.DEPARTMENT, parent=org.company)
    owner = PersonFactory(username="owner", role=Role.RESOURCE_OWNER, unit=presales)
    return MeetingFactory(
        kind=Kind.RESOURCE_COORDINATION,
        unit=org.east,
        decision_maker=org.exec,
        invitees=[owner, org.exec],
    )


def test_the_decision_maker_approves_the_plan(org, resource_coordination):
    meeting = services.record_approval(resource_coordination, org.exec, "同意,48小时内落实")
    assert meeting.approved_at == NOW
    assert meeting.approval_note == "同意,48小时内落实"


@pytest.mark.parametrize("persona", ["director", "ops"])
def test_only_the_decision_maker_approves(org, resource_coordination, persona):
    with pytest.raises(PermissionDenied):
        services.record_approval(resource_coordination, getattr(org, persona))
    resource_coordination.refresh_from_db()
    assert resource_coordination.approved_at is None


def test_only_resource_coordination_meetings_are_approved(org):
    meeting = MeetingFactory(unit=org.team_a, decision_maker=org.exec)
    with pytest.raises(ValueError):
        services.record_approval(meeting, org.exec)
