"""The escalation ladder: at the breach to the owner's manager (level 1), then
one level higher after each further interval, up to the top of the org tree,
and never the same level twice."""

import pytest
from django.db import IntegrityError, transaction

from actions import services
from actions.models import ClockState, Escalation, Notification
from tests.actions.helpers import HOUR, MONDAY, at, clock_of, events, item, policies, set_policy

DEADLINE = MONDAY + HOUR


@pytest.fixture(autouse=True)
def frozen(db):
    policies()
    with at(MONDAY):
        yield


def run_sweep(hours_after_deadline):
    with at(DEADLINE + hours_after_deadline * HOUR):
        return services.sweep()


def ladder(action):
    return list(
        Escalation.objects.filter(clock__action_item=action)
        .order_by("level")
        .values_list("level", "to_person__username", "at")
    )


@pytest.fixture
def action(org):
    """rep's decision, due Monday 10:00, escalating every 24 h."""
    return item(org.rep, org.lead, due_at=DEADLINE)


def test_the_ladder_climbs_one_level_per_interval_to_the_top_and_stops(org, action):
    assert run_sweep(0.5).escalated == 0
    assert ladder(action) == [(1, "lead", DEADLINE)]
    assert run_sweep(23.9).escalated == 0
    assert run_sweep(24).escalated == 1
    assert ladder(action)[-1] == (2, "director", DEADLINE + 24 * HOUR)
    assert run_sweep(47).escalated == 0
    assert run_sweep(48.5).escalated == 1
    assert ladder(action)[-1] == (3, "exec", DEADLINE + 48 * HOUR)
    assert [run_sweep(hours).escalated for hours in (72, 96, 200)] == [0, 0, 0]
    assert len(ladder(action)) == 3
    clock = clock_of(action)
    assert (clock.state, clock.level, clock.next_escalation_at) == (ClockState.BREACHED, 3, None)
    assert events(clock) == ["started", "breached", "escalated", "escalated"]


def test_each_level_notifies_whom_it_reached_and_the_breach_notifies_the_owner(org, action):
    run_sweep(0)
    run_sweep(24)
    clock = clock_of(action)
    escalations = Notification.objects.filter(kind="escalation").order_by("idempotency_key")
    assert [(n.recipient.username, n.idempotency_key) for n in escalations] == [
        ("lead", f"clock-{clock.pk}-level-1"),
        ("director", f"clock-{clock.pk}-level-2"),
    ]
    assert all(n.action_item == action for n in escalations)
    breach = Notification.objects.get(kind="breach")
    assert (breach.recipient, breach.idempotency_key) == (org.rep, f"clock-{clock.pk}-breach-owner")


def test_a_worker_down_for_days_climbs_with_each_levels_own_time(org, action):
    with at(DEADLINE + 80 * HOUR):
        reports = [services.sweep() for _ in range(4)]
    assert [(r.breached, r.escalated) for r in reports] == [(1, 1), (0, 1), (0, 0), (0, 0)]
    assert ladder(action) == [
        (1, "lead", DEADLINE),
        (2, "director", DEADLINE + 24 * HOUR),
        (3, "exec", DEADLINE + 48 * HOUR),
    ]


def test_the_interval_is_the_policys(org):
    set_policy("decision", escalate_every_hours=4)
    action = item(org.rep, org.lead, due_at=DEADLINE)
    run_sweep(0)
    run_sweep(3)
    assert len(ladder(action)) == 1
    run_sweep(4)
    assert ladder(action)[-1] == (2, "director", DEADLINE + 4 * HOUR)


def test_completing_the_item_stops_the_climb(org, action):
    run_sweep(1)
    with at(DEADLINE + 2 * HOUR):
        services.complete(action, org.rep, evidence="补做了")
    assert [run_sweep(hours).escalated for hours in (24, 48)] == [0, 0]
    assert ladder(action) == [(1, "lead", DEADLINE)]


def test_cancelling_the_item_stops_the_climb(org, action):
    run_sweep(1)
    services.cancel(action, org.lead, reason="客户撤回")
    assert run_sweep(24).escalated == 0
    assert len(ladder(action)) == 1


def test_sweeping_twice_never_escalates_twice(org, action):
    for hours in (0, 0, 24, 24, 48, 48):
        run_sweep(hours)
    assert [level for level, _who, _at in ladder(action)] == [1, 2, 3]
    assert Notification.objects.filter(kind="escalation").count() == 3
    assert Notification.objects.filter(kind="breach").count() == 1


def test_the_database_refuses_a_second_escalation_of_the_same_level(org, action):
    run_sweep(0)
    clock = clock_of(action)
    with pytest.raises(IntegrityError), transaction.atomic():
        Escalation.objects.create(clock=clock, level=1, to_person=org.director, at=DEADLINE)


def test_a_level_already_recorded_by_another_worker_is_not_notified_again(org, action):
    # Another worker recorded level 1 (and told lead) between our read and our write.
    clock = clock_of(action)
    Escalation.objects.create(clock=clock, level=1, to_person=org.lead, at=DEADLINE)
    assert services._escalate(clock, 1, DEADLINE) is False
    assert run_sweep(1).breached == 1  # the breach itself is still recorded
    assert clock_of(action).state == ClockState.BREACHED
    assert Escalation.objects.filter(clock=clock).count() == 1
    assert not Notification.objects.filter(kind__in=["escalation", "breach"]).exists()


# --- Whose manager ----------------------------------------------------------------------------


def test_a_team_leads_own_item_goes_to_the_regions_manager(org):
    action = item(org.lead, org.director, due_at=DEADLINE)
    run_sweep(0)
    run_sweep(24)
    run_sweep(48)
    assert [who for _level, who, _at in ladder(action)] == ["director", "exec"]


def test_a_unit_without_a_manager_is_skipped(org):
    action = item(org.rep_south, org.director_south, due_at=DEADLINE)
    for hours in (0, 24, 48):
        run_sweep(hours)
    assert [who for _level, who, _at in ladder(action)] == ["director_south", "exec"]
    assert clock_of(action).next_escalation_at is None


def test_an_inactive_manager_is_skipped(org, action):
    type(org.lead).objects.filter(pk=org.lead.pk).update(is_active=False)
    run_sweep(0)
    assert ladder(action) == [(1, "director", DEADLINE)]


def test_the_top_of_the_tree_has_nobody_to_escalate_to(org):
    action = item(org.exec, org.exec, due_at=DEADLINE)
    assert run_sweep(0).breached == 1
    assert run_sweep(24).escalated == 0
    clock = clock_of(action)
    assert (clock.state, clock.next_escalation_at) == (ClockState.BREACHED, None)
    assert not Escalation.objects.exists()
