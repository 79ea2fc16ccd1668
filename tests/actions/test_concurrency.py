"""On PostgreSQL: the sweeps' queries use their partial indexes, and two
sweeps running at once, on separate connections, escalate each of 1,000
breached clocks exactly once."""

import threading

import pytest
from django.db import connection, transaction
from django.db.models import Count

from actions import notify, services, tasks
from actions.models import (
    ActionItem,
    ClockState,
    Delivery,
    Escalation,
    Notification,
    SlaClock,
    SlaPolicy,
)
from tests.actions.helpers import HOUR, MONDAY, policies

pytestmark = [pytest.mark.needs_postgres, pytest.mark.django_db(transaction=True)]

DEADLINE = MONDAY + HOUR


def clocks(org, count: int, deadline=DEADLINE, **fields) -> list[SlaClock]:
    """``count`` of rep's items with a clock each, written in two queries."""
    policy = SlaPolicy.objects.get(key="decision")
    items = ActionItem.objects.bulk_create(
        ActionItem(
            title=f"事项{n}", owner=org.rep, unit=org.team_a, due_at=deadline, created_by=org.lead
        )
        for n in range(count)
    )
    return SlaClock.objects.bulk_create(
        SlaClock(
            action_item=action,
            policy=policy,
            policy_version=policy.version,
            started_at=MONDAY,
            deadline=deadline,
            warn_at=deadline - 15 * HOUR / 60,
            **fields,
        )
        for action in items
    )


def plan_of(queryset) -> str:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("ANALYZE actions_slaclock")
        cursor.execute("ANALYZE actions_delivery")
        cursor.execute("SET LOCAL enable_seqscan = off")
        return queryset.explain()


@pytest.fixture
def finished_and_running(org, transactional_db):
    """Many finished clocks, fewer running, most of them not due yet: the
    partial indexes hold only the running (or breached) ones."""
    policies()
    clocks(org, 2000, state=ClockState.MET)
    clocks(org, 20)
    clocks(org, 300, deadline=DEADLINE + 7 * 24 * HOUR)
    clocks(org, 20, state=ClockState.BREACHED, next_escalation_at=DEADLINE + 24 * HOUR)


@pytest.mark.parametrize(
    ("query", "index"),
    [
        pytest.param(lambda now: SlaClock.objects.due(now), "clock_due_idx", id="due"),
        pytest.param(
            lambda now: SlaClock.objects.due(now).order_by("deadline").values("pk")[:500],
            "clock_due_idx",
            id="due-as-swept",
        ),
        pytest.param(
            lambda now: SlaClock.objects.filter(state=ClockState.RUNNING, warn_at__lte=now),
            "clock_warn_idx",
            id="warn",
        ),
        pytest.param(
            lambda now: SlaClock.objects.filter(
                state=ClockState.BREACHED, next_escalation_at__lte=now
            ),
            "clock_escalate_idx",
            id="escalate",
        ),
        pytest.param(lambda now: notify.stuck_deliveries(now), "delivery_pending_idx", id="stuck"),
    ],
)
def test_the_sweeps_queries_use_their_partial_indexes(finished_and_running, query, index):
    plan = plan_of(query(MONDAY + 48 * HOUR))
    assert f"Index Scan using {index}" in plan or f"Bitmap Index Scan on {index}" in plan, plan


def test_two_concurrent_sweeps_escalate_each_of_1000_breaches_once(
    org, transactional_db, monkeypatch
):
    monkeypatch.setattr(tasks.deliver, "delay", lambda pk: None)  # a broker: sent later
    policies()
    clocks(org, 1000)
    now = DEADLINE + HOUR
    start = threading.Barrier(2)
    reports, errors = [], []

    def sweep():
        try:
            start.wait(timeout=10)
            reports.append(services.sweep(now))
        except Exception as error:  # reported by the main thread
            errors.append(error)
        finally:
            connection.close()  # each thread has its own connection

    workers = [threading.Thread(target=sweep) for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    assert not errors
    assert len(reports) == 2

    assert sum(report.breached for report in reports) == 1000
    assert SlaClock.objects.filter(state=ClockState.BREACHED, breached_at=DEADLINE).count() == 1000
    level_one = Escalation.objects.filter(level=1)
    assert level_one.count() == 1000
    assert level_one.values("clock").distinct().count() == 1000
    assert set(level_one.values_list("to_person__username", flat=True)) == {"lead"}
    assert not Escalation.objects.filter(level__gt=1).exists()

    escalations = Notification.objects.filter(kind="escalation")
    assert escalations.count() == 1000
    assert escalations.values("action_item").distinct().count() == 1000
    assert Notification.objects.filter(kind="breach").count() == 1000
    twice = Delivery.objects.values("notification").annotate(n=Count("pk")).filter(n__gt=1)
    assert not twice.exists()
    assert Delivery.objects.count() == 2000  # one email per notification

    assert services.sweep(now).breached == 0
