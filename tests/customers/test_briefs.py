"""A rep's brief: pre-filled from the customer record and the rep's last
brief, due at the meeting's start (less the lead time), late after it,
versioned with who changed what, and locked once the meeting concludes.
The daily meeting concludes only when every request to be accompanied is
decided."""

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.utils import translation

from agendas import services as agenda_services
from agendas.services import OutputsMissing
from customers import services
from customers.models import Accompany, Brief
from customers.services import BriefsLocked
from meetings import services as meeting_services
from meetings.kinds import Kind
from meetings.models import Status
from tests.customers.factories import (
    NOW,
    TUESDAY,
    CustomerFactory,
    daily,
    stage,
    submit,
    weekly,
)
from tests.factories import PersonFactory
from tests.meetings.factories import MeetingFactory, local


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def customer(org):
    return CustomerFactory(owner=org.rep, name="宁波港务集团", stage=stage("proposal"))


@pytest.fixture
def meeting(org):
    """Tomorrow's morning meeting of 上海一组, ``rep`` invited."""
    return daily(org)


def last_friday(org, *invitees):
    return MeetingFactory(
        kind=Kind.DAILY,
        unit=org.team_a,
        starts_at=local(2026, 11, 20, 9),
        invitees=list(invitees),
    )


# --- Prefill --------------------------------------------------------------------------------


def test_a_new_brief_starts_from_the_reps_last_submitted_brief_and_the_customer(
    org, customer, meeting
):
    colleague = PersonFactory(username="rep2", unit=org.team_a)
    earlier = last_friday(org, org.rep, colleague)
    with time_machine.travel(local(2026, 11, 20, 8), tick=False):
        submit(
            earlier,
            customer,
            needs="私有化部署",
            blockers="预算未批",
            problems="数据迁移",
            help_wanted="售前支持",
            next_step="约CTO演示",
            stage=stage("qualified"),
            planned_visit_at=local(2026, 11, 21, 14),
            wants_accompany=True,
        )
    # A colleague's brief on the same customer, handed in later, is theirs.
    with time_machine.travel(local(2026, 11, 20, 8, 30), tick=False):
        submit(earlier, customer, colleague, needs="同事的记录", blockers="同事的阻碍")

    brief = services.brief_for(meeting, customer, org.rep)

    assert brief.pk is None
    assert (brief.needs, brief.blockers, brief.problems, brief.help_wanted, brief.next_step) == (
        "私有化部署",
        "预算未批",
        "数据迁移",
        "售前支持",
        "约CTO演示",
    )
    # The stage is the customer's, which the weekly meeting confirms; the
    # visit and the request to be accompanied are asked afresh.
    assert brief.stage == stage("proposal")
    assert (brief.planned_visit_at, brief.wants_accompany) == (None, False)


def test_a_draft_is_not_carried_into_the_next_brief(org, customer, meeting):
    earlier = last_friday(org, org.rep)
    services.save_brief(earlier, customer, org.rep, {"needs": "还没想好"})

    brief = services.brief_for(meeting, customer, org.rep)

    assert brief.needs == ""
    assert brief.stage == stage("proposal")


def test_the_latest_submitted_brief_is_the_one_carried(org, customer, meeting):
    first, second = last_friday(org, org.rep), last_friday(org, org.rep)
    with time_machine.travel(local(2026, 11, 20, 8), tick=False):
        submit(first, customer, needs="旧的需求")
    with time_machine.travel(local(2026, 11, 20, 8, 30), tick=False):
        submit(second, customer, needs="新的需求")

    assert services.brief_for(meeting, customer, org.rep).needs == "新的需求"


def test_an_existing_brief_is_returned_as_saved(org, customer, meeting):
    saved = services.save_brief(meeting, customer, org.rep, {"needs": "已经写了"})
    assert services.brief_for(meeting, customer, org.rep).pk == saved.pk


# --- Deadline and lateness ------------------------------------------------------------------


def test_the_deadline_is_the_meetings_start_less_the_lead_time(settings, meeting):
    settings.SALESMEET_BRIEF_LEAD_MINUTES = 0
    assert services.deadline(meeting) == TUESDAY
    settings.SALESMEET_BRIEF_LEAD_MINUTES = 60
    assert services.deadline(meeting) == local(2026, 11, 24, 8)


@pytest.mark.parametrize(
    ("submitted_at", "late"),
    [
        (local(2026, 11, 23, 18), False),
        (local(2026, 11, 24, 8), False),  # at the deadline is in time
        (local(2026, 11, 24, 8, 1), True),
        (local(2026, 11, 24, 9, 10), True),  # during the meeting
    ],
)
def test_a_brief_after_the_deadline_is_late(settings, org, customer, meeting, submitted_at, late):
    settings.SALESMEET_BRIEF_LEAD_MINUTES = 60
    with time_machine.travel(submitted_at, tick=False):
        brief = submit(meeting, customer, needs="扩容")
    brief.refresh_from_db()
    assert (brief.submitted_at, brief.is_late) == (submitted_at, late)


def test_a_draft_saved_in_time_but_submitted_late_is_late(org, customer, meeting):
    services.save_brief(meeting, customer, org.rep, {"needs": "扩容"})
    with time_machine.travel(local(2026, 11, 24, 9, 5), tick=False):
        brief = submit(meeting, customer)
    assert brief.is_late


def test_the_first_submission_time_is_kept(org, customer, meeting):
    with time_machine.travel(local(2026, 11, 23, 20), tick=False):
        submit(meeting, customer, needs="扩容")
    with time_machine.travel(local(2026, 11, 24, 9, 5), tick=False):
        brief = submit(meeting, customer, needs="扩容,还要培训")

    brief.refresh_from_db()
    assert brief.needs == "扩容,还要培训"
    assert (brief.submitted_at, brief.is_late) == (local(2026, 11, 23, 20), False)


def test_a_draft_saved_after_submitting_keeps_it_submitted(org, customer, meeting):
    submit(meeting, customer, needs="扩容")
    brief = services.save_brief(meeting, customer, org.rep, {"blockers": "法务审核"})
    brief.refresh_from_db()
    assert (brief.needs, brief.blockers, brief.submitted_at) == ("扩容", "法务审核", NOW)


# --- Versions -------------------------------------------------------------------------------


def changed_fields(record) -> set[str]:
    return set(record.diff_against(record.prev_record).changed_fields)


def test_every_save_is_a_version_with_who_and_what_changed(org, customer, meeting):
    with time_machine.travel(local(2026, 11, 23, 18), tick=False):
        services.save_brief(meeting, customer, org.rep, {"needs": "扩容"})
    with time_machine.travel(local(2026, 11, 23, 19), tick=False):
        submit(meeting, customer, blockers="预算未批", wants_accompany=True)
    with time_machine.travel(local(2026, 11, 24, 9, 10), tick=False):
        services.decide(Brief.objects.get(), org.lead, accompany=Accompany.YES, advice="带上售前")

    brief = Brief.objects.get()
    assert brief.version == 3
    records = list(brief.history.order_by("history_date", "history_id"))
    assert [(r.history_user, r.version) for r in records] == [
        (org.rep, 1),
        (org.rep, 2),
        (org.lead, 3),
    ]
    assert records[0].history_type == "+"
    assert records[0].history_date == local(2026, 11, 23, 18)
    assert records[0].needs == "扩容"
    assert changed_fields(records[1]) == {"blockers", "wants_accompany", "submitted_at"}
    assert {"accompany", "advice", "decided_by", "decided_at"} == changed_fields(records[2])


def test_unknown_fields_are_refused(org, customer, meeting):
    with pytest.raises(ValueError, match="not a brief field"):
        services.save_brief(meeting, customer, org.rep, {"accompany": Accompany.YES})
    assert not Brief.objects.exists()


# --- Who may brief, and when ----------------------------------------------------------------


def test_a_rep_not_invited_cannot_brief(org, customer):
    meeting = daily(org, invitees=[])
    with pytest.raises(PermissionDenied):
        services.save_brief(meeting, customer, org.rep, {"needs": "扩容"})


def test_a_rep_cannot_brief_on_another_teams_customer(org, meeting):
    theirs = CustomerFactory(owner=org.outsider)
    with pytest.raises(PermissionDenied):
        services.save_brief(meeting, theirs, org.rep, {"needs": "扩容"})
    assert not Brief.objects.exists()


def test_only_daily_and_weekly_meetings_take_briefs(org, customer):
    monthly = MeetingFactory(kind=Kind.MONTHLY, unit=org.team_a, invitees=[org.rep])
    with pytest.raises(ValueError):
        services.save_brief(monthly, customer, org.rep, {"needs": "扩容"})


@pytest.mark.parametrize("status", [Status.CONCLUDED, Status.CANCELLED])
def test_briefs_are_locked_when_the_meeting_is_over(org, customer, meeting, status):
    brief = submit(meeting, customer, needs="扩容", wants_accompany=True)
    if status == Status.CONCLUDED:
        meeting_services.mark_concluded(meeting, org.lead)
    else:
        meeting_services.cancel_meeting(meeting, org.lead)

    with pytest.raises(BriefsLocked):
        services.save_brief(meeting, customer, org.rep, {"needs": "改了"})
    with pytest.raises(BriefsLocked):
        services.decide(brief, org.lead, accompany=Accompany.YES)
    brief.refresh_from_db()
    assert (brief.needs, brief.accompany, brief.version) == ("扩容", "", 1)


def test_a_stale_meeting_object_does_not_unlock_its_briefs(org, customer, meeting):
    """The status is read from the database, not from a copy loaded before
    the meeting concluded."""
    stale = type(meeting).objects.get(pk=meeting.pk)
    meeting_services.mark_concluded(meeting, org.lead)
    with pytest.raises(BriefsLocked):
        services.save_brief(stale, customer, org.rep, {"needs": "改了"})


# --- The lead's decision and the daily meeting's output -----------------------------------


def test_the_lead_decides_and_a_rep_cannot(org, customer, meeting):
    brief = submit(meeting, customer, needs="扩容", wants_accompany=True)
    with pytest.raises(PermissionDenied):
        services.decide(brief, org.rep, accompany=Accompany.YES)
    with pytest.raises(PermissionDenied):
        services.decide(brief, org.lead_b, accompany=Accompany.YES)

    decided = services.decide(brief, org.lead, accompany=Accompany.NO, advice="电话沟通即可")

    assert (decided.accompany, decided.advice, decided.decided_by) == (
        Accompany.NO,
        "电话沟通即可",
        org.lead,
    )
    assert decided.decided_at == NOW


def test_a_decision_needs_an_answer(org, customer, meeting):
    brief = submit(meeting, customer, wants_accompany=True)
    with pytest.raises(ValueError):
        services.decide(brief, org.lead, accompany="")


def conclude(meeting, user):
    with time_machine.travel(meeting.ends_at, tick=False), translation.override("en"):
        return agenda_services.conclude(meeting, user)


def test_a_daily_meeting_with_an_undecided_request_to_accompany_cannot_conclude(
    org, customer, meeting
):
    brief = submit(meeting, customer, needs="扩容", wants_accompany=True)
    quiet = CustomerFactory(owner=org.rep)
    submit(meeting, quiet, needs="续约")  # no request: nothing to decide

    with pytest.raises(OutputsMissing) as refused:
        conclude(meeting, org.lead)
    assert refused.value.missing == ["1 brief asks to be accompanied and has no decision."]

    services.decide(brief, org.lead, accompany=Accompany.YES)
    conclude(meeting, org.lead)
    meeting.refresh_from_db()
    assert meeting.status == Status.CONCLUDED


def test_a_request_in_a_draft_never_handed_in_does_not_hold_the_meeting(org, customer, meeting):
    """The panel offers decisions on submitted briefs only."""
    services.save_brief(meeting, customer, org.rep, {"wants_accompany": True})
    conclude(meeting, org.lead)
    meeting.refresh_from_db()
    assert meeting.status == Status.CONCLUDED


def test_the_weekly_meeting_does_not_ask_for_accompany_decisions(org, customer):
    meeting = weekly(org)
    submit(meeting, customer, wants_accompany=True)
    conclude(meeting, org.lead)
    meeting.refresh_from_db()
    assert meeting.status == Status.CONCLUDED


def test_planned_visit_times_are_kept_as_instants(org, customer, meeting):
    visit = local(2026, 11, 24, 14, 30)
    brief = submit(meeting, customer, planned_visit_at=visit)
    brief.refresh_from_db()
    assert brief.planned_visit_at == visit
    assert brief.planned_visit_at - TUESDAY == dt.timedelta(hours=5, minutes=30)
