"""Faults: 10,000 SLA clocks fall due over a minute while two Celery workers
and two beats sweep them on PostgreSQL + Redis. One worker is killed with
SIGKILL in the middle of a sweep and Redis is restarted (with nothing
persisted) while clocks are still falling due. Nothing may be lost or
doubled: every clock is breached at its deadline and escalated exactly
once, both of its notifications are written once, and every email delivery
is sent in the end, the outbox sweep re-sending what the killed worker and
the restarted broker lost.

Every process runs ``salesmeet.settings.ci_worker`` against this run's test
database and a Redis server of the test's own on a free port (the shared
Redis is never restarted). The test takes five to six minutes on two idle cores,
so it runs only when asked for: ``pytest -m faults`` or ``pytest
tests/faults`` (.ci/run has a step for it). It prints a report of the counts
(``-s`` shows it).
"""

from __future__ import annotations

import datetime as dt
import email
import os
import re
import signal
import statistics
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from email.header import decode_header, make_header
from pathlib import Path

import pytest
from django.conf import settings
from django.db.models import Count, F
from django.utils import timezone

from actions.defaults import install_default_policies
from actions.models import (
    ActionItem,
    Channel,
    ClockState,
    Delivery,
    DeliveryState,
    Escalation,
    Notification,
    SlaClock,
    SlaPolicy,
)
from salesmeet.harness import (
    RedisServer,
    machine_ticks,
    process_group_cpu,
    stop,
    wait_for,
)

pytestmark = [pytest.mark.faults, pytest.mark.needs_postgres, pytest.mark.needs_redis]

CLOCKS = 10_000
FIRST_DUE, LAST_DUE = 1.0, 60.0  # seconds after the clocks are written
SWEEP_SECONDS = 1
# Every 15 s the outbox sweep sends, itself, what is still pending a minute
# after it fell due: its task was lost with Redis or the killed worker, or
# still waits behind the backlog of 20,000 (it then finds its row sent).
REDELIVER_SECONDS = 15
GRACE_SECONDS = 60
KILL_AFTER = 20.0  # the first worker dies in the sweep running at this moment
RESTART_AFTER = 3.0  # and is back this long after, as a supervisor would bring it
REDIS_RESTART_AFTER = 35.0
REDIS_DOWN_SECONDS = 2.0
# The test fails when nothing has changed for STALL_SECONDS (longer than a
# lost delivery waits for the outbox sweep), and in any case once
# DRAIN_SECONDS have passed since the clocks were written. Two idle cores
# drain them in five to six minutes (the 20,000 deliveries take most of it);
# a machine busy with other work took over ten.
STALL_SECONDS = GRACE_SECONDS + 3 * REDELIVER_SECONDS
DRAIN_SECONDS = 1200.0
READY_SECONDS = 90.0
CELERY = Path(sys.executable).with_name("celery")


@dataclass
class Service:
    """A ``celery worker`` or ``celery beat`` in a session of its own."""

    name: str
    process: subprocess.Popen
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def cpu_seconds(self) -> float:
        """CPU used by the process and its pool (0 once it is gone)."""
        return process_group_cpu(self.process.pid)

    def tasks_run(self, name: str) -> int:
        return len(re.findall(rf"{re.escape(name)}\[[0-9a-f-]+\] succeeded", self.output()))

    def sent_by_sweeps(self) -> int:
        """Deliveries the outbox sweeps of this worker tried themselves."""
        found = re.findall(
            r"actions\.redeliver_stuck\[[0-9a-f-]+\] succeeded in [^:]*: (\d+)", self.output()
        )
        return sum(int(n) for n in found)

    def sweeps_in_flight(self) -> set[str]:
        """SLA sweeps this worker received and has not finished."""
        text = self.output()
        started = set(re.findall(r"actions\.sla_sweep\[([0-9a-f-]+)\] received", text))
        finished = set(
            re.findall(r"actions\.sla_sweep\[([0-9a-f-]+)\] (?:succeeded|raised|retry)", text)
        )
        return started - finished


@dataclass
class Cluster:
    """Two workers and two beats on one queue, and the Redis they share."""

    tmp: Path
    redis: RedisServer
    queue: str = field(default_factory=lambda: f"salesmeet-faults-{uuid.uuid4().hex[:12]}")
    services: list[Service] = field(default_factory=list)

    @property
    def mail_dir(self) -> Path:
        return self.tmp / "mail"

    def environment(self) -> dict[str, str]:
        return {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "salesmeet.settings.ci_worker",
            "SALESMEET_TEST_DATABASE_NAME": settings.DATABASES["default"]["NAME"],
            "REDIS_URL": self.redis.url,
            "SALESMEET_CI_QUEUE": self.queue,
            "SALESMEET_SLA_SWEEP_SECONDS": str(SWEEP_SECONDS),
            "SALESMEET_REDELIVER_SECONDS": str(REDELIVER_SECONDS),
            "SALESMEET_REDELIVER_GRACE_SECONDS": str(GRACE_SECONDS),
            "SALESMEET_CI_EMAIL_DIR": str(self.mail_dir),
        }

    def spawn(self, name: str, *arguments: str) -> Service:
        log = self.tmp / f"{name}.log"
        with log.open("wb") as output:
            process = subprocess.Popen(
                [str(CELERY), "-A", "salesmeet", *arguments, "--loglevel", "INFO"],
                cwd=settings.BASE_DIR,
                env=self.environment(),
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # killpg reaches the prefork children
            )
        service = Service(name, process, log)
        self.services.append(service)
        return service

    def worker(self, name: str) -> Service:
        return self.spawn(
            name,
            "worker",
            "--pool",
            "prefork",
            "--concurrency",
            "2",
            "--hostname",
            f"{name}-{self.queue}@%h",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        )

    def beat(self, name: str) -> Service:
        return self.spawn(name, "beat", "--schedule", str(self.tmp / f"{name}-schedule"))

    def wait_until_ready(self) -> None:
        for service in self.services:
            marker = " ready." if "worker" in service.name else "beat: Starting"
            ready = wait_for(
                lambda s=service, m=marker: s.process.poll() is not None or m in s.output(),
                READY_SECONDS,
            )
            assert ready and service.process.poll() is None, service.output()[-4000:]

    def stop(self) -> None:
        for service in self.services:
            stop(service.process)
        self.redis.kill()


@pytest.fixture
def cluster(transactional_db, tmp_path):
    """Redis, two workers and two beats; all stopped, whatever happens."""
    tmp_path.joinpath("mail").mkdir()
    running = Cluster(tmp_path, RedisServer(tmp_path / "redis.log"))
    try:
        running.redis.start()
        for name in ("worker-a", "worker-b"):
            running.worker(name)
        for name in ("beat-a", "beat-b"):
            running.beat(name)
        running.wait_until_ready()
        yield running
    finally:
        running.stop()


def write_clocks(org, count: int) -> dt.datetime:
    """``count`` action items with a running clock each, due evenly from
    FIRST_DUE to LAST_DUE seconds from now, owned by reps of three teams
    (three escalation chains). Returns the last deadline."""
    install_default_policies(SlaPolicy)
    policy = SlaPolicy.objects.get(key="decision")
    owners = [org.rep, org.outsider, org.rep_south]
    now = timezone.now()
    step = (LAST_DUE - FIRST_DUE) / (count - 1)
    deadlines = [now + dt.timedelta(seconds=FIRST_DUE + n * step) for n in range(count)]
    items = ActionItem.objects.bulk_create(
        ActionItem(
            title=f"fault-{n:05d}",
            owner=owners[n % len(owners)],
            unit=owners[n % len(owners)].unit,
            due_at=deadline,
            created_by=org.lead,
        )
        for n, deadline in enumerate(deadlines)
    )
    SlaClock.objects.bulk_create(
        SlaClock(
            action_item=action,
            policy=policy,
            policy_version=policy.version,
            started_at=now,
            deadline=action.due_at,
        )
        for action in items
    )
    return deadlines[-1]


def sent_mail(folder: Path) -> list[tuple[str, str]]:
    """(recipient, subject) of every message the file backend wrote."""
    separator = b"\n" + b"-" * 79 + b"\n"
    messages = []
    for path in folder.iterdir():
        for raw in path.read_bytes().split(separator):
            if raw.strip():
                message = email.message_from_bytes(raw)
                subject = str(make_header(decode_header(message["Subject"])))
                messages.append((message["To"], subject))
    return messages


@dataclass
class Progress:
    breached: int
    pending: int
    failed: int
    deliveries: int

    @classmethod
    def now(cls) -> Progress:
        states = dict(Delivery.objects.values_list("state").annotate(n=Count("pk")).order_by())
        return cls(
            breached=SlaClock.objects.filter(state=ClockState.BREACHED).count(),
            pending=states.get(DeliveryState.PENDING, 0),
            failed=states.get(DeliveryState.FAILED, 0),
            deliveries=sum(states.values()),
        )

    def drained(self) -> bool:
        # Each breach notifies two people (the manager, the owner), by email.
        return self.breached == CLOCKS and self.deliveries == 2 * CLOCKS and not self.pending


def test_no_breach_is_lost_or_doubled_when_a_worker_dies_and_redis_restarts(org, cluster):
    worker_a = cluster.services[0]
    busy_before, ticks_before = machine_ticks()
    begin = time.monotonic()
    last_deadline = write_clocks(org, CLOCKS)
    written = time.monotonic() - begin

    def elapsed() -> float:
        return time.monotonic() - begin

    def log(message: str) -> None:
        print(f"[{elapsed():6.1f} s] {message}", flush=True)

    log(f"{CLOCKS} clocks written in {written:.1f} s")

    # SIGKILL the first worker (and its pool) in the middle of a sweep.
    time.sleep(max(0.0, KILL_AFTER - elapsed()))
    mid_sweep = wait_for(lambda: bool(worker_a.sweeps_in_flight()), 15, step=0.05)
    killed_at = elapsed()
    stop(worker_a.process, signal.SIGKILL)
    progress = Progress.now()
    log(f"worker-a killed, mid-sweep: {mid_sweep}; {progress}")
    time.sleep(RESTART_AFTER)
    cluster.worker("worker-a-restarted")

    # Restart Redis while clocks are still falling due: every queued task is lost.
    time.sleep(max(0.0, REDIS_RESTART_AFTER - elapsed()))
    restarted_at = elapsed()
    cluster.redis.kill()
    time.sleep(REDIS_DOWN_SECONDS)
    cluster.redis.start()
    progress = Progress.now()
    log(f"Redis restarted; {progress}")

    last_report = changed_at = elapsed()
    seen = progress
    while not progress.drained() and elapsed() < DRAIN_SECONDS:
        time.sleep(1)
        progress = Progress.now()
        if progress != seen:
            seen, changed_at = progress, elapsed()
        elif elapsed() - changed_at > STALL_SECONDS:
            break  # nothing moves any more
        if elapsed() - last_report >= 15:
            last_report = elapsed()
            log(f"{progress}")
    drain_seconds = elapsed()
    busy_after, ticks_after = machine_ticks()
    worker_cpu = sum(s.cpu_seconds() for s in cluster.services if "worker" in s.name)
    survivors = [s.name for s in cluster.services if s.process.poll() is None]
    log(f"{progress}; running: {', '.join(survivors)}")

    # --- What happened, counted ---
    clocks = SlaClock.objects.all()
    escalations = Escalation.objects.all()
    doubled = escalations.values("clock", "level").annotate(n=Count("pk")).filter(n__gt=1).count()
    expected_keys = {
        f"clock-{pk}-{suffix}"
        for pk in clocks.values_list("pk", flat=True)
        for suffix in ("level-1", "breach-owner")
    }
    keys = list(Notification.objects.values_list("idempotency_key", flat=True))
    emails = Delivery.objects.filter(channel=Channel.EMAIL)
    expected_mail = set(Notification.objects.values_list("recipient__email", "title"))
    mail = sent_mail(cluster.mail_dir)
    latency = sorted(
        (created - deadline).total_seconds()
        for created, deadline in Notification.objects.filter(
            idempotency_key__endswith="-level-1"
        ).values_list("created_at", "action_item__clocks__deadline")
    )
    workers = [s for s in cluster.services if "worker" in s.name]
    report = {
        "clocks": clocks.count(),
        "breached": clocks.filter(state=ClockState.BREACHED).count(),
        "breached_at != deadline": clocks.filter(state=ClockState.BREACHED)
        .exclude(breached_at=F("deadline"))
        .count(),
        "level-1 escalations": escalations.filter(level=1).count(),
        "escalations (all levels)": escalations.count(),
        "clock+level escalated twice": doubled,
        "notifications": len(keys),
        "notifications missing": len(expected_keys - set(keys)),
        "email deliveries": emails.count(),
        "  sent": emails.filter(state=DeliveryState.SENT).count(),
        "  pending": emails.filter(state=DeliveryState.PENDING).count(),
        "  failed": emails.filter(state=DeliveryState.FAILED).count(),
        "  sent after more than one attempt": emails.filter(attempts__gt=1).count(),
        "deliver tasks run": sum(w.tasks_run("actions.deliver") for w in workers),
        "outbox sweeps run": sum(w.tasks_run("actions.redeliver_stuck") for w in workers),
        "  deliveries they tried": sum(w.sent_by_sweeps() for w in workers),
        "SLA sweeps run": sum(w.tasks_run("actions.sla_sweep") for w in workers),
        "emails written": len(mail),
        "  distinct": len(set(mail)),
        "  missing": len(expected_mail - set(mail)),
    }
    print()
    print(
        f"SLA faults: {CLOCKS} clocks due {FIRST_DUE:.0f}-{LAST_DUE:.0f} s after being written; "
        f"2 workers (prefork x2), 2 beats, SLA sweep every {SWEEP_SECONDS} s, "
        f"outbox sweep every {REDELIVER_SECONDS} s with {GRACE_SECONDS} s grace"
    )
    print(f"  worker-a SIGKILLed at {killed_at:.1f} s (mid-sweep: {mid_sweep}), back 3 s later")
    print(f"  Redis killed at {restarted_at:.1f} s, back {REDIS_DOWN_SECONDS:.0f} s later")
    for name, value in report.items():
        print(f"  {name:<36} {value:>7}")
    if latency:
        print(
            "  deadline -> escalation written      "
            f"p50 {statistics.median(latency):.0f} s, "
            f"p99 {latency[int(0.99 * (len(latency) - 1))]:.0f} s, max {latency[-1]:.0f} s"
        )
    last_due = (last_deadline - timezone.now()).total_seconds() + elapsed()
    print(
        f"  drained {drain_seconds:.0f} s after the clocks were written "
        f"({drain_seconds - last_due:.0f} s after the last deadline)"
    )
    print(
        f"  CPU: surviving workers {worker_cpu:.0f} s; the machine "
        f"({os.cpu_count()} cores) {(busy_after - busy_before) / (ticks_after - ticks_before):.0%}"
        f" busy, load average {os.getloadavg()[0]:.1f}"
    )

    logs = "\n".join(f"--- {s.name}\n{s.output()[-3000:]}" for s in cluster.services)
    assert mid_sweep, logs
    assert progress.drained(), f"not drained after {drain_seconds:.0f} s: {progress}\n{logs}"
    assert report["breached"] == report["clocks"] == CLOCKS
    assert report["breached_at != deadline"] == 0
    assert report["level-1 escalations"] == report["escalations (all levels)"] == CLOCKS
    assert escalations.values("clock").distinct().count() == CLOCKS
    assert doubled == 0
    assert report["notifications"] == 2 * CLOCKS
    assert report["notifications missing"] == 0
    assert report["email deliveries"] == report["  sent"] == 2 * CLOCKS
    assert report["  missing"] == 0
