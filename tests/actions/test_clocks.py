"""A clock's transitions: started, met, breached, paused and resumed, moved,
cancelled, recomputed by a policy change. Each one is a ClockEvent saying
who, when and why."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied

from actions import services
from actions.models import ActionItem, ActionState, ClockEvent, ClockState, Escalation, SlaPolicy
from tests.actions.helpers import HOUR, MONDAY, at, clock_of, events, fresh, item, local, policies

EXECUTION = "customer_special.execution"  # 24 calendar hours
TUESDAY = MONDAY + 24 * HOUR


@pytest.fixture(autouse=True)
def frozen(db):
    policies()
    with at(MONDAY):
        yield


@pytest.fixture
def action(org):
    """rep's item under the 24-hour execution policy, created by lead on Monday 09:00."""
    return item(org.rep, org.lead, due_at=TUESDAY, policy_key=EXECUTION)


def event(clock, name) -> ClockEvent:
    return ClockEvent.objects.get(clock=clock, event=name)


# --- Starting -----------------------------------------------------------------------------


def test_creating_an_item_starts_its_clock_and_logs_it(org):
    due = MONDAY + 8 * HOUR
    action = item(org.rep, org.lead, due_at=due)  # a decision: due-date policy
    clock = clock_of(action)
    assert (clock.state, clock.started_at, clock.deadline) == (ClockState.RUNNING, MONDAY, due)
    assert clock.warn_at == MONDAY + 6 * HOUR  # 75% of the window
    assert clock.policy_version == 1
    started = event(clock, "started")
    assert (started.actor, started.at, started.to_state) == (org.lead, MONDAY, ClockState.RUNNING)
    assert started.deadline_after == due


def test_a_calendar_policy_sets_the_items_due_time(org, action):
    action.refresh_from_db()
    assert clock_of(action).deadline == action.due_at == TUESDAY


# --- Completing ---------------------------------------------------------------------------


def test_completing_meets_a_running_clock_and_records_who_and_when(org, action):
    done = MONDAY + 2 * HOUR
    with at(done):
        services.complete(action, org.rep, evidence="方案已发客户,客户确认收到")
    action.refresh_from_db()
    assert (action.state, action.done_by, action.done_at) == (ActionState.DONE, org.rep, done)
    assert action.evidence == "方案已发客户,客户确认收到"
    clock = clock_of(action)
    assert (clock.state, clock.met_at, clock.warn_at) == (ClockState.MET, done, None)
    met = event(clock, "met")
    assert (met.actor, met.at, met.from_state, met.to_state) == (
        org.rep,
        done,
        ClockState.RUNNING,
        ClockState.MET,
    )


def test_completing_meets_a_paused_clock(org, action):
    services.pause(clock_of(action), org.lead, reason="等客户确认需求")
    with at(MONDAY + 30 * HOUR):  # past the original deadline, but the clock was stopped
        services.complete(action, org.rep, evidence="已完成")
    clock = clock_of(action)
    assert clock.state == ClockState.MET
    assert event(clock, "met").from_state == ClockState.PAUSED


def test_the_owner_or_their_manager_marks_done_with_evidence(org, action):
    with pytest.raises(PermissionDenied):
        services.complete(action, org.outsider, evidence="不是我的事")
    with pytest.raises(PermissionDenied):
        services.complete(action, org.lead_b, evidence="隔壁组长")
    with pytest.raises(ValueError):
        services.complete(action, org.rep, evidence="  ")
    assert ActionItem.objects.get(pk=action.pk).state == ActionState.OPEN
    services.complete(action, org.director, evidence="总监代为确认")
    assert ActionItem.objects.get(pk=action.pk).done_by == org.director


def test_completing_twice_changes_nothing(org, action):
    services.complete(action, org.rep, evidence="第一次")
    with at(MONDAY + HOUR):
        services.complete(action, org.rep, evidence="第二次")
    action.refresh_from_db()
    assert (action.evidence, action.done_at) == ("第一次", MONDAY)
    assert events(clock_of(action)) == ["started", "met"]


def test_a_breached_clock_stays_breached_when_completed_late(org, action):
    with at(TUESDAY + HOUR):
        services.sweep()
    with at(TUESDAY + 5 * HOUR):
        services.complete(action, org.rep, evidence="晚了五个小时")
    clock = clock_of(action)
    assert (clock.state, clock.breached_at, clock.met_at) == (ClockState.BREACHED, TUESDAY, None)
    assert clock.next_escalation_at is None
    assert events(clock) == ["started", "breached", "done_late"]
    assert event(clock, "done_late").actor == org.rep


def test_completed_after_the_deadline_before_any_sweep_is_breached_at_the_deadline(org, action):
    with at(TUESDAY + 10 * dt.timedelta(minutes=1)):
        services.complete(action, org.rep, evidence="过了十分钟")
    clock = clock_of(action)
    assert (clock.state, clock.breached_at, clock.met_at) == (ClockState.BREACHED, TUESDAY, None)
    assert events(clock) == ["started", "breached", "done_late"]
    assert not Escalation.objects.exists()  # done already: nobody to chase


def test_completed_at_the_deadline_is_met(org, action):
    with at(TUESDAY):
        services.complete(action, org.rep, evidence="踩点完成")
    assert clock_of(action).state == ClockState.MET


# --- Pausing and resuming -----------------------------------------------------------------


def test_only_the_owners_manager_pauses_and_with_a_reason(org, action):
    clock = clock_of(action)
    for someone in (org.rep, org.outsider, org.lead_b):
        with pytest.raises(PermissionDenied):
            services.pause(clock, someone, reason="等客户")
    with pytest.raises(ValueError):
        services.pause(clock, org.lead, reason=" ")
    assert fresh(clock).state == ClockState.RUNNING
    assert events(clock) == ["started"]


def test_pause_keeps_the_time_left_and_resume_recomputes_the_deadline(org, action):
    clock = clock_of(action)
    stale = fresh(clock)  # read before the pause, as a page rendered earlier would have
    with at(MONDAY + 6 * HOUR):
        services.pause(clock, org.lead, reason="等客户确认需求")
    clock = fresh(clock)
    assert (clock.state, clock.paused_at) == (ClockState.PAUSED, MONDAY + 6 * HOUR)
    assert (clock.remaining_seconds, clock.warn_at) == (18 * 3600, None)
    paused = event(clock, "paused")
    assert (paused.actor, paused.reason, paused.deadline_before) == (
        org.lead,
        "等客户确认需求",
        TUESDAY,
    )

    thursday = local(2026, 11, 26, 9)
    with at(thursday):
        assert services.sweep().breached == 0  # a stopped clock never breaches
        services.resume(stale, org.lead, reason="客户已回复")
    clock = fresh(clock)
    assert clock.state == ClockState.RUNNING
    assert clock.deadline == thursday + 18 * HOUR
    assert (clock.paused_at, clock.remaining_seconds) == (None, None)
    assert clock.warn_at is not None
    assert ActionItem.objects.get(pk=action.pk).due_at == clock.deadline
    resumed = event(clock, "resumed")
    assert (resumed.actor, resumed.at, resumed.reason) == (org.lead, thursday, "客户已回复")
    assert (resumed.deadline_before, resumed.deadline_after) == (TUESDAY, clock.deadline)


def test_pause_and_resume_count_working_hours_across_the_holiday(org):
    services.apply_policy_change(
        _edit(EXECUTION, basis="working", hours=16), org.ops
    )  # 16 working hours, 09:00-18:00
    with at(local(2026, 9, 30, 10)):  # Wednesday before National Day
        action = item(org.rep, org.lead, due_at=local(2026, 10, 8), policy_key=EXECUTION)
    clock = clock_of(action)
    assert clock.deadline == local(2026, 10, 8, 17)  # 8 h on 30 Sep, 8 h on 8 Oct
    with at(local(2026, 9, 30, 16)):
        services.pause(clock, org.lead, reason="客户放假")
    assert fresh(clock).remaining_seconds == 10 * 3600  # 2 h on 30 Sep, 8 h on 8 Oct
    with at(local(2026, 10, 9, 14)):
        services.resume(clock, org.lead)
    # 4 h on Friday 9 Oct, the other 6 h on the make-up Saturday.
    assert fresh(clock).deadline == local(2026, 10, 10, 15)


def test_resuming_a_running_clock_changes_nothing(org, action):
    clock = clock_of(action)
    services.resume(clock, org.lead)
    assert fresh(clock).deadline == TUESDAY
    assert events(clock) == ["started"]


# --- Moving the deadline --------------------------------------------------------------------


def test_moving_a_deadline_is_for_the_manager_with_a_reason_and_is_logged(org, action):
    clock = clock_of(action)
    with pytest.raises(PermissionDenied):
        services.move_deadline(clock, org.rep, TUESDAY + 24 * HOUR, reason="我想晚点")
    with pytest.raises(ValueError):
        services.move_deadline(clock, org.lead, TUESDAY + 24 * HOUR, reason="")
    later = local(2026, 11, 25, 18)
    with at(MONDAY + HOUR):
        services.move_deadline(clock, org.lead, later, reason="客户要求周三下班前")
    clock = fresh(clock)
    assert clock.deadline == later
    assert clock.warn_at == MONDAY + (later - MONDAY) * 0.75
    assert ActionItem.objects.get(pk=action.pk).due_at == later
    moved = event(clock, "moved")
    assert (moved.actor, moved.at, moved.reason) == (org.lead, MONDAY + HOUR, "客户要求周三下班前")
    assert (moved.deadline_before, moved.deadline_after) == (TUESDAY, later)


def test_a_deadline_moved_into_the_past_breaches_at_that_deadline(org, action):
    earlier = MONDAY + HOUR
    services.move_deadline(clock_of(action), org.lead, earlier, reason="客户提前了")
    with at(MONDAY + 3 * HOUR):
        services.sweep()
    assert clock_of(action).breached_at == earlier


# --- Cancelling -----------------------------------------------------------------------------


def test_cancelling_the_item_cancels_its_clock(org, action):
    services.cancel(action, org.lead, reason="客户取消了项目")
    clock = clock_of(action)
    assert clock.state == ClockState.CANCELLED
    cancelled = event(clock, "cancelled")
    assert (cancelled.actor, cancelled.reason) == (org.lead, "客户取消了项目")
    with at(TUESDAY + HOUR):
        assert services.sweep().breached == 0


def test_every_transition_writes_a_clock_event(org, action):
    clock = clock_of(action)
    with at(MONDAY + HOUR):
        services.pause(clock, org.lead, reason="等客户")
    with at(MONDAY + 2 * HOUR):
        services.resume(clock, org.lead)
    with at(MONDAY + 3 * HOUR):
        services.move_deadline(clock, org.lead, TUESDAY + 6 * HOUR, reason="客户同意")
    with at(MONDAY + 4 * HOUR):
        services.complete(action, org.rep, evidence="完成")
    rows = ClockEvent.objects.filter(clock=clock).values_list(
        "event", "from_state", "to_state", "actor__username", "at"
    )
    assert list(rows) == [
        ("started", "", "running", "lead", MONDAY),
        ("paused", "running", "paused", "lead", MONDAY + HOUR),
        ("resumed", "paused", "running", "lead", MONDAY + 2 * HOUR),
        ("moved", "running", "running", "lead", MONDAY + 3 * HOUR),
        ("met", "running", "met", "rep", MONDAY + 4 * HOUR),
    ]


# --- Policy changes -------------------------------------------------------------------------


def _edit(key, **fields) -> SlaPolicy:
    """Edit a policy as the admin form does: change the fields and save."""
    policy = SlaPolicy.objects.get(key=key)
    for name, value in fields.items():
        setattr(policy, name, value)
    policy.save()
    return policy


def test_a_policy_change_recomputes_running_clocks_and_leaves_finished_ones(org):
    with at(MONDAY - 48 * HOUR):
        breached = item(org.rep, org.lead, due_at=MONDAY, policy_key=EXECUTION, title="已超时")
    services.sweep()
    met = item(org.rep, org.lead, due_at=TUESDAY, policy_key=EXECUTION, title="已完成")
    services.complete(met, org.rep, evidence="完成")
    with at(MONDAY + 2 * HOUR):
        running = item(org.rep, org.lead, due_at=TUESDAY, policy_key=EXECUTION, title="进行中")
    with at(MONDAY + 3 * HOUR):
        moved = services.apply_policy_change(_edit(EXECUTION, hours=36), org.ops)
    assert moved == 1
    assert SlaPolicy.objects.get(key=EXECUTION).version == 2

    clock = clock_of(running)
    assert (clock.deadline, clock.policy_version) == (MONDAY + 38 * HOUR, 2)
    assert clock.warn_at == MONDAY + 2 * HOUR + 27 * HOUR
    assert ActionItem.objects.get(pk=running.pk).due_at == clock.deadline
    recomputed = event(clock, "recomputed")
    assert (recomputed.actor, recomputed.at) == (org.ops, MONDAY + 3 * HOUR)
    assert (recomputed.deadline_before, recomputed.deadline_after) == (
        MONDAY + 26 * HOUR,
        MONDAY + 38 * HOUR,
    )
    assert "2" in recomputed.reason

    for finished, state in ((breached, ClockState.BREACHED), (met, ClockState.MET)):
        clock = clock_of(finished)
        assert (clock.state, clock.policy_version) == (state, 1)
        assert "recomputed" not in events(clock)
    assert clock_of(breached).deadline == MONDAY - 24 * HOUR
    assert clock_of(met).deadline == TUESDAY


def test_a_second_change_bumps_the_version_again(org, action):
    services.apply_policy_change(_edit(EXECUTION, hours=12), org.ops)
    services.apply_policy_change(_edit(EXECUTION, warn_at=[0.5]), org.ops)
    clock = clock_of(action)
    assert (clock.policy_version, clock.deadline) == (3, MONDAY + 12 * HOUR)
    assert clock.warn_at == MONDAY + 6 * HOUR
    assert events(clock) == ["started", "recomputed", "recomputed"]


def test_a_change_to_working_hours_recomputes_in_working_hours(org):
    with at(local(2026, 11, 27, 16)):  # Friday
        action = item(org.rep, org.lead, due_at=TUESDAY, policy_key=EXECUTION)
        services.apply_policy_change(_edit(EXECUTION, basis="working", hours=8), org.ops)
    assert clock_of(action).deadline == local(2026, 11, 30, 15)  # 2 h Friday, 6 h Monday
