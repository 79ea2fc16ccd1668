"""Enforcement by a real Celery worker and beat against Redis: a clock whose
deadline is three seconds ahead is breached, and its escalation recorded,
by the beat-scheduled sweep alone; the test never sweeps itself.

The worker runs ``salesmeet.settings.ci_worker`` (the test settings, not
eager, sweeping every second) against this run's test database, so the test
commits for real (``transactional_db``)."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from actions import services
from actions.defaults import install_default_policies
from actions.models import ClockState, Escalation, Notification, SlaPolicy

pytestmark = [pytest.mark.needs_postgres, pytest.mark.needs_redis]

SWEEP_SECONDS = 1
READY_SECONDS = 60
BREACH_SECONDS = 20
CELERY = Path(sys.executable).with_name("celery")


def wait_for(condition, seconds: float, step: float = 0.2) -> bool:
    give_up = time.monotonic() + seconds
    while time.monotonic() < give_up:
        if condition():
            return True
        time.sleep(step)
    return condition()


@pytest.fixture
def worker(transactional_db, tmp_path):
    """A worker with embedded beat in its own process group, on a queue of
    its own; always stopped, and its queue removed from Redis."""
    queue = f"salesmeet-ci-{uuid.uuid4().hex[:12]}"
    log = tmp_path / "worker.log"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "salesmeet.settings.ci_worker",
        "SALESMEET_TEST_DATABASE_NAME": settings.DATABASES["default"]["NAME"],
        "SALESMEET_SLA_SWEEP_SECONDS": str(SWEEP_SECONDS),
        "SALESMEET_CI_QUEUE": queue,
    }
    command = [
        str(CELERY),
        "-A",
        "salesmeet",
        "worker",
        "--beat",
        "--loglevel",
        "INFO",
        "--pool",
        "solo",
        "--schedule",
        str(tmp_path / "celerybeat-schedule"),
        "--hostname",
        f"{queue}@%h",
        "--without-gossip",
        "--without-mingle",
    ]
    with log.open("wb") as output:
        process = subprocess.Popen(
            command,
            cwd=settings.BASE_DIR,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own group: beat's child process stops with it
        )
    try:
        ready = wait_for(
            lambda: process.poll() is not None or " ready." in log.read_text(errors="replace"),
            READY_SECONDS,
        )
        assert ready and process.poll() is None, log.read_text(errors="replace")[-4000:]
        yield log
    finally:
        stop(process)
        forget_queue(queue)


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=5)
    # Beat's child process, should it have outlived the worker.
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)


def forget_queue(queue: str) -> None:
    import redis

    connection = redis.Redis.from_url(settings.REDIS_URL)
    connection.delete(queue, f"_kombu.binding.{queue}", f"_kombu.binding_permanent.{queue}")
    connection.close()


def test_beat_and_worker_breach_a_clock_and_escalate_it(org, worker):
    install_default_policies(SlaPolicy)
    deadline = timezone.now().replace(microsecond=0) + dt.timedelta(seconds=3)
    item = services.create_action_item(
        title="三秒后到期", owner=org.rep, created_by=org.lead, due_at=deadline
    )
    clock = item.clocks.get()
    assert clock.state == ClockState.RUNNING
    assert clock.deadline == deadline

    def breached_and_escalated() -> bool:
        clock.refresh_from_db()
        return (
            clock.state == ClockState.BREACHED and Escalation.objects.filter(clock=clock).exists()
        )

    assert wait_for(breached_and_escalated, BREACH_SECONDS), worker.read_text()[-4000:]
    assert clock.breached_at == deadline  # the deadline, not when the sweep noticed
    escalation = Escalation.objects.get(clock=clock)
    assert (escalation.level, escalation.to_person, escalation.at) == (1, org.lead, deadline)
    noticed = Notification.objects.get(idempotency_key=f"clock-{clock.pk}-level-1").created_at
    # One sweep interval, plus beat's and the broker's latency.
    assert noticed - deadline < dt.timedelta(seconds=SWEEP_SECONDS + 4)
    assert "actions.sla_sweep" in worker.read_text(errors="replace")
