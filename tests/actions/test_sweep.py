"""The sweep: running clocks past their deadline are breached, each once, at
their deadline (not when the sweep noticed); a worker that was down catches
up; owners are warned before the deadline, once per threshold; and the
operators' commands print what happened."""

import datetime as dt

import pytest
from django.core.management import call_command

from actions import services
from actions.models import ClockEvent, ClockState, Escalation, Notification, SlaClock
from tests.actions.helpers import (
    HOUR,
    MONDAY,
    at,
    clock_of,
    events,
    item,
    local,
    policies,
    set_policy,
)

SECOND, MINUTE = dt.timedelta(seconds=1), dt.timedelta(minutes=1)
EXECUTION = "customer_special.execution"  # 24 calendar hours, warned at 75%


@pytest.fixture(autouse=True)
def frozen(db):
    policies()
    with at(MONDAY):
        yield


def run_sweep(moment):
    with at(moment):
        return services.sweep()


# --- Breaching ------------------------------------------------------------------------------


def test_a_clock_is_breached_at_its_deadline_not_when_the_sweep_noticed(org):
    action = item(org.rep, org.lead, due_at=MONDAY + 2 * HOUR)
    assert run_sweep(MONDAY + 2 * HOUR - SECOND).breached == 0
    report = run_sweep(MONDAY + 2 * HOUR + 17 * MINUTE)
    assert report.breached == 1
    clock = clock_of(action)
    assert (clock.state, clock.breached_at, clock.level) == (
        ClockState.BREACHED,
        MONDAY + 2 * HOUR,
        1,
    )
    assert clock.warn_at is None
    assert clock.next_escalation_at == MONDAY + 26 * HOUR  # escalate every 24 h
    breached = ClockEvent.objects.get(clock=clock, event="breached")
    assert (breached.at, breached.actor, breached.from_state) == (
        MONDAY + 2 * HOUR,
        None,
        ClockState.RUNNING,
    )
    assert Escalation.objects.get(clock=clock).at == MONDAY + 2 * HOUR


def test_a_clock_due_exactly_now_is_breached(org):
    action = item(org.rep, org.lead, due_at=MONDAY + HOUR)
    assert run_sweep(MONDAY + HOUR).breached == 1
    assert clock_of(action).breached_at == MONDAY + HOUR


def test_a_worker_that_was_down_catches_up_with_each_clocks_own_deadline(org):
    deadlines = [local(2026, 11, 23, 10), local(2026, 11, 23, 11, 30), local(2026, 11, 23, 14)]
    actions = [item(org.rep, org.lead, due_at=d, title=f"事项{n}") for n, d in enumerate(deadlines)]
    later = item(org.rep, org.lead, due_at=local(2026, 11, 23, 20), title="还没到期")

    report = run_sweep(local(2026, 11, 23, 17))  # the worker is back at 17:00
    assert report.breached == 3
    assert [clock_of(a).breached_at for a in actions] == deadlines
    assert [Escalation.objects.get(clock__action_item=a, level=1).at for a in actions] == deadlines
    assert clock_of(later).state == ClockState.RUNNING


def test_one_sweep_catches_up_on_more_clocks_than_a_batch(org, monkeypatch):
    monkeypatch.setattr(services, "SWEEP_BATCH", 2)
    for n in range(5):
        item(org.rep, org.lead, due_at=MONDAY + (n + 1) * HOUR, title=f"事项{n}")
    assert run_sweep(MONDAY + 10 * HOUR).breached == 5
    assert SlaClock.objects.filter(state=ClockState.BREACHED).count() == 5


def test_a_sweep_out_of_time_leaves_the_rest_to_the_next(org, monkeypatch):
    monkeypatch.setattr(services, "SWEEP_BATCH", 2)
    for n in range(5):
        item(org.rep, org.lead, due_at=MONDAY + (n + 1) * HOUR, title=f"事项{n}")
    later = MONDAY + 10 * HOUR
    no_time = dt.timedelta(0)
    assert services.breach_due_clocks(later, budget=no_time) == 2  # one batch, then stop
    assert services.breach_due_clocks(later, budget=no_time) == 2
    assert services.breach_due_clocks(later) == 1
    assert SlaClock.objects.filter(state=ClockState.BREACHED).count() == 5


def test_a_second_sweep_breaches_nothing_again(org):
    action = item(org.rep, org.lead, due_at=MONDAY + HOUR)
    assert run_sweep(MONDAY + 2 * HOUR).breached == 1
    assert run_sweep(MONDAY + 2 * HOUR).breached == 0
    assert events(clock_of(action)) == ["started", "breached"]


def test_met_paused_and_cancelled_clocks_are_never_breached(org):
    met = item(org.rep, org.lead, due_at=MONDAY + HOUR, title="已完成")
    services.complete(met, org.rep, evidence="完成")
    paused = item(org.rep, org.lead, due_at=MONDAY + HOUR, title="暂停")
    services.pause(clock_of(paused), org.lead, reason="等客户")
    cancelled = item(org.rep, org.lead, due_at=MONDAY + HOUR, title="取消")
    services.cancel(cancelled, org.lead, reason="不做了")
    assert run_sweep(MONDAY + 5 * HOUR).breached == 0
    assert [clock_of(a).state for a in (met, paused, cancelled)] == [
        ClockState.MET,
        ClockState.PAUSED,
        ClockState.CANCELLED,
    ]


# --- Warning --------------------------------------------------------------------------------


def warnings_to(person):
    return Notification.objects.filter(recipient=person, kind="warning")


def test_the_owner_is_warned_at_75_percent_once(org):
    action = item(org.rep, org.lead, due_at=MONDAY + 24 * HOUR, policy_key=EXECUTION)
    assert run_sweep(MONDAY + 18 * HOUR - MINUTE).warned == 0
    assert run_sweep(MONDAY + 18 * HOUR).warned == 1
    assert run_sweep(MONDAY + 20 * HOUR).warned == 0
    warning = warnings_to(org.rep).get()
    assert warning.action_item == action
    assert warning.url == action.get_absolute_url()
    assert warning.idempotency_key == f"clock-{clock_of(action).pk}-warning-1"
    clock = clock_of(action)
    assert (clock.warnings_sent, clock.warn_at) == (1, None)
    assert events(clock) == ["started", "warned"]
    assert not warnings_to(org.lead).exists()


def test_several_thresholds_are_each_warned_once(org):
    set_policy(EXECUTION, warn_at=[0.5, 0.75, 0.9])
    action = item(org.rep, org.lead, due_at=MONDAY + 24 * HOUR, policy_key=EXECUTION)
    sent = [
        run_sweep(MONDAY + hours * HOUR).warned for hours in (11, 12, 13, 18, 18, 21, 21.6, 22, 23)
    ]
    assert sent == [0, 1, 0, 1, 0, 0, 1, 0, 0]
    assert warnings_to(org.rep).count() == 3
    assert clock_of(action).warnings_sent == 3


def test_a_clock_found_past_its_deadline_is_breached_not_warned(org):
    item(org.rep, org.lead, due_at=MONDAY + 24 * HOUR, policy_key=EXECUTION)
    report = run_sweep(MONDAY + 30 * HOUR)
    assert (report.breached, report.warned) == (1, 0)
    assert not warnings_to(org.rep).exists()


def test_a_completed_item_is_not_warned(org):
    action = item(org.rep, org.lead, due_at=MONDAY + 24 * HOUR, policy_key=EXECUTION)
    services.complete(action, org.rep, evidence="提前完成")
    assert run_sweep(MONDAY + 20 * HOUR).warned == 0


# --- Status and the operators' commands -------------------------------------------------------


@pytest.fixture
def mixed(org):
    """Four clocks on Monday 12:00: one breached, one at risk, one paused,
    one running comfortably."""
    item(org.rep, org.lead, due_at=MONDAY + HOUR, title="要超时")
    item(org.rep, org.lead, due_at=MONDAY + 4 * HOUR, title="快到期")  # warned at 12:00
    paused = item(org.rep, org.lead, due_at=MONDAY + 48 * HOUR, title="暂停")
    services.pause(clock_of(paused), org.lead, reason="等客户")
    item(org.rep, org.lead, due_at=MONDAY + 48 * HOUR, title="还早")
    return MONDAY + 3 * HOUR


def test_status_counts_running_at_risk_paused_and_breached(org, mixed):
    with at(mixed):
        status = services.status()  # the overdue one counts as at risk until swept
        assert (status.running, status.at_risk, status.paused, status.breached_open) == (
            3,
            2,
            1,
            0,
        )
        services.sweep()
        status = services.status()
    assert (status.running, status.at_risk, status.paused, status.breached_open) == (2, 1, 1, 1)


def test_the_sweep_command_prints_what_it_did(org, mixed, capsys):
    with at(mixed):
        call_command("sla_sweep")
        first = capsys.readouterr().out
        call_command("sla_sweep")
        second = capsys.readouterr().out
    assert first.split("\n")[:3] == ["breached: 1", "warned: 1", "escalated: 0"]
    assert second.split("\n")[:3] == ["breached: 0", "warned: 0", "escalated: 0"]


def test_the_status_command_prints_the_counts(org, mixed, capsys):
    with at(mixed):
        call_command("sla_sweep")
        capsys.readouterr()
        call_command("sla_status")
    assert capsys.readouterr().out.split("\n")[:4] == [
        "running: 2",
        "at risk: 1",
        "paused: 1",
        "breached (open): 1",
    ]
