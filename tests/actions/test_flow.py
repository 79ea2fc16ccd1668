"""The article's promises, from the meeting room: every default policy, as a
meeting is scheduled, its decisions taken and the meeting concluded.

- customer special: the conclusion the same day (不过夜), then execution and
  feedback within 24 h of the conclusion;
- customer issue: feedback to the customer within 24 h, and the issue open,
  with its age, until resolved;
- resource coordination: the plan implemented within 48 h, then the
  requester's review;
- any other meeting's decisions: due when the decision says.
"""

import pytest

from actions import services
from actions.models import ActionItem, ActionKind, ActionState, ClockState, Escalation
from agendas import services as agendas
from meetings import services as meetings
from meetings.kinds import Kind
from meetings.models import Part
from tests.actions.helpers import HOUR, at, clock_of, events, local, policies
from tests.agendas.helpers import schedule, weekly
from tests.factories import PersonFactory

MONDAY = local(2026, 11, 23, 9)


@pytest.fixture(autouse=True)
def frozen(db):
    policies()
    with at(MONDAY):
        yield


def conclusion_of(meeting) -> ActionItem:
    return ActionItem.objects.get(meeting=meeting, kind=ActionKind.CONCLUSION)


def decide(meeting, user, owner, due_at, text="给客户出书面方案"):
    agendas.add_decision(meeting, user, text=text, owner=owner, due_at=due_at)
    return ActionItem.objects.get(decision__meeting=meeting, decision__text=text)


# --- Customer special: the same day, then 24 h ------------------------------------------------


def special(org, starts_at, **fields):
    return schedule(Kind.CUSTOMER_SPECIAL, org.team_a, org.lead, starts_at, **fields)


def test_a_special_meeting_at_23_breaches_at_shanghai_midnight_not_utc_midnight(org):
    meeting = special(org, local(2026, 11, 23, 23))  # 15:00 UTC
    conclusion = conclusion_of(meeting)
    clock = clock_of(conclusion)
    assert conclusion.owner == org.lead  # the chair
    assert (clock.started_at, clock.deadline) == (meeting.starts_at, local(2026, 11, 24, 0, 0))
    assert clock.policy.key == "customer_special.conclusion"

    with at(local(2026, 11, 23, 23, 59)):
        assert services.sweep().breached == 0
    with at(local(2026, 11, 24, 0, 0, 30)):  # 16:00 UTC: not yet midnight in UTC
        assert services.sweep().breached == 1
    clock = clock_of(conclusion)
    assert clock.breached_at == local(2026, 11, 24, 0, 0)
    assert Escalation.objects.get(clock=clock).to_person == org.director  # above the chair


def test_concluding_the_same_day_meets_the_conclusion_clock_and_starts_24_hours(org):
    meeting = special(org, local(2026, 11, 23, 14), invitees=[org.rep])
    with at(local(2026, 11, 23, 15)):
        execution = decide(meeting, org.lead, org.rep, local(2026, 11, 30, 18))
    assert execution.kind == ActionKind.EXECUTION
    assert not execution.clocks.exists()  # its 24 h start at the conclusion

    concluded = local(2026, 11, 23, 16, 30)
    with at(concluded):
        agendas.conclude(meeting, org.lead)
    conclusion = clock_of(conclusion_of(meeting))
    assert (conclusion.state, conclusion.met_at) == (ClockState.MET, concluded)
    assert conclusion_of(meeting).done_by == org.lead

    clock = clock_of(execution)
    assert clock.policy.key == "customer_special.execution"
    assert (clock.started_at, clock.deadline) == (concluded, concluded + 24 * HOUR)
    assert ActionItem.objects.get(pk=execution.pk).due_at == concluded + 24 * HOUR
    with at(concluded + 24 * HOUR + HOUR):
        assert services.sweep().breached == 1
    assert clock_of(execution).breached_at == concluded + 24 * HOUR


def test_concluding_after_midnight_is_a_breach_of_the_same_day_rule(org):
    meeting = special(org, local(2026, 11, 23, 20))
    with at(local(2026, 11, 23, 20, 30)):
        decide(meeting, org.lead, org.rep, local(2026, 11, 30, 18))
    with at(local(2026, 11, 24, 0, 40)):
        agendas.conclude(meeting, org.lead)
    clock = clock_of(conclusion_of(meeting))
    assert (clock.state, clock.breached_at) == (ClockState.BREACHED, local(2026, 11, 24, 0))


def test_moving_the_meeting_moves_its_conclusion_deadline_and_logs_it(org):
    meeting = special(org, local(2026, 11, 23, 14))
    clock = clock_of(conclusion_of(meeting))
    meetings.update_meeting(
        meeting,
        org.lead,
        {"starts_at": local(2026, 11, 25, 14), "ends_at": local(2026, 11, 25, 15)},
        accept_warnings=True,
    )
    clock = clock_of(conclusion_of(meeting))
    assert (clock.started_at, clock.deadline) == (local(2026, 11, 25, 14), local(2026, 11, 26, 0))
    assert clock.warn_at == local(2026, 11, 25, 21, 30)  # 75% from its new start
    assert events(clock) == ["started", "moved"]
    with at(local(2026, 11, 24, 1)):
        assert services.sweep().breached == 0


def test_a_draft_special_meeting_has_no_clock_yet(org):
    meeting, _verdict = meetings.schedule_meeting(
        meetings.MeetingSpec(
            kind=Kind.CUSTOMER_SPECIAL,
            unit=org.team_a,
            title="草稿",
            starts_at=local(2026, 11, 23, 14),
            ends_at=local(2026, 11, 23, 15),
            invitees=[],
            customer_name="宁波港务集团",
        ),
        org.lead,
        accept_warnings=True,
        draft=True,
    )
    assert not ActionItem.objects.filter(meeting=meeting).exists()


# --- Customer issue: 24 h feedback, and the issue open until resolved -------------------------


def test_a_customer_issue_gets_24_hour_feedback_and_stays_open_with_its_age(org):
    meeting = schedule(Kind.CUSTOMER_ISSUE, org.team_a, org.lead, local(2026, 11, 23, 10))
    with at(local(2026, 11, 23, 10, 30)):
        feedback = decide(meeting, org.lead, org.rep, local(2026, 11, 30), text="给客户明确答复")
    concluded = local(2026, 11, 23, 11)
    with at(concluded):
        agendas.conclude(meeting, org.lead)
    assert ActionItem.objects.get(pk=feedback.pk).kind == ActionKind.CUSTOMER_FEEDBACK
    clock = clock_of(feedback)
    assert clock.policy.key == "customer_issue.feedback"
    assert clock.deadline == concluded + 24 * HOUR

    issue = ActionItem.objects.get(meeting=meeting, kind=ActionKind.ISSUE_RESOLUTION)
    assert (issue.owner, issue.state) == (org.lead, ActionState.OPEN)
    assert not issue.clocks.exists()  # no deadline: open until resolved
    with at(concluded + 3 * 24 * HOUR):
        services.complete(feedback, org.rep, evidence="已电话+邮件答复客户")
        assert services.sweep().breached == 0
        assert ActionItem.objects.get(pk=issue.pk).age == 3 * 24 * HOUR
    with at(concluded + 5 * 24 * HOUR):
        assert ActionItem.objects.get(pk=issue.pk).age == 5 * 24 * HOUR
        services.complete(issue, org.lead, evidence="客户确认问题已解决")
    with at(concluded + 9 * 24 * HOUR):
        resolved = ActionItem.objects.get(pk=issue.pk)
        assert (resolved.state, resolved.age) == (ActionState.DONE, 5 * 24 * HOUR)


# --- Resource coordination: 48 h, then the requester's review ---------------------------------


def test_a_resource_plan_has_48_hours_then_the_requester_reviews_it(org):
    owner = PersonFactory(username="resources", role="resource_owner", unit=org.east)
    strategy = PersonFactory(username="strategy", role="sales_strategy", unit=org.east)
    meeting, _verdict = meetings.schedule_meeting(
        meetings.MeetingSpec(
            kind=Kind.RESOURCE_COORDINATION,
            unit=org.team_a,
            title="上海一组资源协同",
            starts_at=local(2026, 11, 23, 14),
            ends_at=local(2026, 11, 23, 15),
            invitees=[org.lead, owner, strategy],
            chair=org.director,
            decision_maker=org.director,
        ),
        org.lead,  # asks for the resources: the requester
        accept_warnings=True,
    )
    assert meeting.invitations.get(part=Part.REQUESTER).person == org.lead
    with at(local(2026, 11, 23, 14, 30)):
        plan = decide(meeting, org.director, org.lead_b, local(2026, 12, 1), text="调拨两名售前")
    concluded = local(2026, 11, 23, 15)
    with at(concluded):
        agendas.conclude(meeting, org.director)
    clock = clock_of(plan)
    assert ActionItem.objects.get(pk=plan.pk).kind == ActionKind.RESOURCE_PLAN
    assert clock.policy.key == "resource_coordination.implementation"
    assert clock.deadline == concluded + 48 * HOUR
    assert clock.warn_at == concluded + 24 * HOUR  # warned at 50% and 75%

    assert [services.sweep(concluded + hours * HOUR).warned for hours in (24, 36, 40)] == [1, 1, 0]

    implemented = concluded + 40 * HOUR
    with at(implemented):
        services.complete(plan, org.lead_b, evidence="两名售前已到岗")
    assert clock_of(plan).state == ClockState.MET
    review = ActionItem.objects.get(follows=plan)
    assert (review.kind, review.owner) == (ActionKind.RESOURCE_REVIEW, org.lead)
    review_clock = clock_of(review)
    assert review_clock.policy.key == "resource_coordination.review"
    assert (review_clock.started_at, review_clock.deadline) == (
        implemented,
        implemented + 72 * HOUR,
    )
    with at(implemented + 80 * HOUR):
        assert services.sweep().breached == 1
    assert Escalation.objects.get(clock=review_clock).to_person == org.director


# --- Decisions of other meetings: the due date ------------------------------------------------


def test_a_weekly_meetings_decision_is_due_when_decided(org):
    meeting = weekly(org, starts_at=local(2026, 11, 27, 15))
    due = local(2026, 11, 30, 18)
    with at(local(2026, 11, 27, 15, 30)):
        action = decide(meeting, org.lead, org.rep, due, text="周一前更新客户拜访计划")
    assert action.kind == ActionKind.GENERAL
    assert (action.owner, action.created_by, action.meeting) == (org.rep, org.lead, meeting)
    clock = clock_of(action)
    assert clock.policy.key == "decision"
    assert (clock.started_at, clock.deadline) == (local(2026, 11, 27, 15, 30), due)
    with at(local(2026, 11, 27, 16)):
        agendas.conclude(meeting, org.lead)
    assert clock_of(action).deadline == due  # concluding changes nothing here
    with at(due + HOUR):
        assert services.sweep().breached == 1
    assert Escalation.objects.get(clock=clock).to_person == org.lead


# --- Status changes made by conditional update reach actions through
# meetings.signals.status_changed. ---------------------------------------------------------


def test_cancelling_a_special_meeting_cancels_its_conclusion_clock(org):
    meeting = special(org, local(2026, 11, 23, 14))
    meetings.cancel_meeting(meeting, org.lead, "客户改期")
    assert clock_of(conclusion_of(meeting)).state == ClockState.CANCELLED
    with at(local(2026, 11, 24, 1)):
        assert services.sweep().breached == 0


def test_publishing_a_draft_special_meeting_starts_its_conclusion_clock(org):
    meeting, _verdict = meetings.schedule_meeting(
        meetings.MeetingSpec(
            kind=Kind.CUSTOMER_SPECIAL,
            unit=org.team_a,
            title="草稿",
            starts_at=local(2026, 11, 23, 14),
            ends_at=local(2026, 11, 23, 15),
            invitees=[],
            customer_name="宁波港务集团",
        ),
        org.lead,
        accept_warnings=True,
        draft=True,
    )
    meetings.publish_meeting(meeting, org.lead)
    assert clock_of(conclusion_of(meeting)).deadline == local(2026, 11, 24, 0)
