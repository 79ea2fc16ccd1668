"""SLA latency benchmark: how long after its deadline a breach is recorded and
escalated, with a real Celery worker and beat, and what the SLA sweep costs
with a million running clocks. A script, not a test; it stops by itself.

    .venv/bin/python bench/sla.py                        # 6 min on 2 cores at load 3, 13 at load 7
    .venv/bin/python bench/sla.py --sweep-seconds 1 20   # and production's interval: 9 / 19 min
    .venv/bin/python bench/sla.py --clocks 1000 --running 100000 --due 1000   # a quick try

It creates the PostgreSQL database ``--database`` (default
``salesmeet_bench_sla``; it must not exist) on the server of ``--server-url``
(default ``postgres://postgres@127.0.0.1:5432/postgres``), migrates it, seeds
the small demo org (``org.demo.seed_org``: 5 teams of 6 reps, their leads,
directors and the executive) and drops it at the end unless ``--keep`` (which
also keeps the worker's and beat's logs). It
starts a Redis of its own on a free port of 127.0.0.1 (nothing persisted,
killed at the end), so no other run's tasks are taken and none of its own
are. Every process, this one included, runs ``salesmeet.settings.ci_worker``
with ``DATABASE_URL`` and ``SALESMEET_TEST_DATABASE_NAME`` naming the bench
database.

Part 1, latency, once per ``--sweep-seconds`` (default ``1``, CI's interval;
``1 20`` adds production's default, 20): one worker (prefork, 2 processes)
and one beat on a queue of the run's own; ``--clocks`` running clocks (default
10,000, ``bulk_create``) fall due evenly over ``--spread`` seconds (default 60)
starting ``--lead`` seconds (default 10) after they are written. It waits
until every clock has its level-1 escalation (or nothing moved for
``--stall`` seconds), then prints p50/p99/max (nearest rank) of the delay
from each deadline to its escalation being written, the count lost and
doubled, the sweeps run, expired and their longest, and the CPU used.
``breached_at`` and ``Escalation.at`` are set to the deadline by design, so
the wall-clock record of when a breach was handled is the level-1
escalation's notification row, written by ``_breach`` in the same
transaction (``Notification.created_at``). ``--deliveries`` also waits until
every email is sent and adds deadline -> email sent. The action tables are
emptied between runs.

Part 2, sweep cost: ``--running`` running clocks (default 1,000,000, written
with COPY through ``salesmeet.large_seed``'s helpers, indexes rebuilt after
the load, then ``VACUUM ANALYZE``), none due (deadlines 1 hour to 30 days
ahead, warnings ahead too). ``actions.services.sweep()`` (what the beat's
``actions.sla_sweep`` task runs) is timed in this process ``--repeat`` times
(default 20) with its queries counted; the EXPLAIN ANALYZE of its three
queries shows the partial indexes at work. Then ``--due`` of those clocks
(default 10,000, every n-th) are moved to deadlines in the last minute and
the sweeps needed to breach them all are timed. The delivery tasks they
queue go to the bench Redis, where no worker takes them.

``--only latency`` / ``--only sweep`` runs one part.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import math
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

from salesmeet.harness import (  # noqa: E402 - BASE_DIR first
    RedisServer,
    create_database,
    database_url,
    drop_database,
    machine_ticks,
    process_group_cpu,
    stop,
    wait_for,
)

CELERY = Path(sys.executable).with_name("celery")
READY_SECONDS = 120.0
GOAL_P99 = 60  # seconds from a deadline to its escalation
ACTION_TABLES = (
    "actions_delivery",
    "actions_notification",
    "actions_escalation",
    "actions_clockevent",
    "actions_slaclock",
    "actions_historicalactionitem",
    "actions_actionitem",
)


# --- Processes ------------------------------------------------------------------------------


def log(message: str) -> None:
    """Progress on stderr, so that stdout is just the report."""
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def stop_gracefully(process: subprocess.Popen, seconds: float = 60) -> None:
    """SIGTERM to the main process alone (Celery's warm shutdown: running
    tasks finish, the pool's children exit and flush their logs), then
    SIGKILL to whatever is left of its session."""
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(process.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=seconds)
    stop(process, signal.SIGKILL)


@dataclass
class Service:
    """A ``celery worker`` or ``celery beat`` in a session of its own."""

    name: str
    process: subprocess.Popen
    log_path: Path

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")

    def cpu_seconds(self) -> float:
        """CPU used by the process and its pool."""
        return process_group_cpu(self.process.pid)


def spawn(name: str, arguments: list[str], env: dict[str, str], folder: Path) -> Service:
    log_path = folder / f"{name}.log"
    with log_path.open("wb") as output:
        process = subprocess.Popen(  # noqa: S603 - this virtualenv's celery
            [str(CELERY), "-A", "salesmeet", *arguments, "--loglevel", "INFO"],
            cwd=BASE_DIR,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # killpg reaches the prefork children
        )
    return Service(name, process, log_path)


def wait_until_ready(service: Service, marker: str) -> None:
    ready = wait_for(
        lambda: service.process.poll() is not None or marker in service.output(), READY_SECONDS
    )
    if not ready or service.process.poll() is not None:
        raise RuntimeError(f"{service.name} did not start:\n{service.output()[-4000:]}")


def loadavg() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


# --- The database ---------------------------------------------------------------------------


def empty_action_tables() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {', '.join(ACTION_TABLES)} RESTART IDENTITY")


def nearest_rank(ranked: list[float], q: float) -> float:
    return ranked[max(0, math.ceil(q * len(ranked)) - 1)]


# --- Part 1: deadline -> escalation, with a real worker and beat -----------------------------


@dataclass
class LatencyResult:
    sweep_seconds: int
    clocks: int
    write_seconds: float = 0.0
    escalated: int = 0
    breached: int = 0
    breached_off_deadline: int = 0
    doubled: int = 0
    latency: list[float] = field(default_factory=list)
    email_latency: list[float] = field(default_factory=list)
    rate: float = 0.0  # escalations written per second, first to last
    emails_sent: int = 0  # when the last escalation was written
    sweeps_run: int = 0
    sweeps_expired: int = 0
    sweeps_with_breaches: int = 0
    longest_sweep: float = 0.0
    all_escalated_after_last_deadline: float | None = None
    wall: float = 0.0  # seconds from the write to the last escalation
    worker_cpu: float = 0.0  # worker and beat
    postgres_cpu: float = 0.0  # the bench database's backends
    bench_cpu: float = 0.0  # this process
    machine_busy: float = 0.0  # the fraction of all cores' time
    busy_seconds: float = 0.0  # of all cores, by every process
    load_before: str = ""
    load_after: str = ""
    note: str = ""

    @property
    def lost(self) -> int:
        return self.clocks - self.escalated

    @property
    def others_cpu(self) -> float:
        """CPU seconds of every other process on the machine (other sessions'
        work), from the machine's busy time less what this run used."""
        ours = self.worker_cpu + self.postgres_cpu + self.bench_cpu
        return max(0.0, self.busy_seconds - ours)


def write_due_clocks(count: int, lead: float, spread: float) -> tuple[dt.datetime, float]:
    """``count`` action items with a running clock each (policy "decision"),
    owned by the demo reps in turn, due evenly from ``lead`` to ``lead +
    spread`` seconds after the write began; one transaction. Returns the last
    deadline and the seconds the write took."""
    from django.db import transaction
    from django.utils import timezone

    from actions.models import ActionItem, SlaClock, SlaPolicy
    from org.choices import Role
    from org.models import Person

    policy = SlaPolicy.objects.get(key="decision")
    owners = list(Person.objects.filter(role=Role.REP, is_active=True).order_by("username"))
    creator = Person.objects.get(username="lead")
    begun = time.monotonic()
    now = timezone.now()
    step = spread / max(1, count - 1)
    deadlines = [now + dt.timedelta(seconds=lead + n * step) for n in range(count)]
    with transaction.atomic():
        items = ActionItem.objects.bulk_create(
            (
                ActionItem(
                    title=f"sla-bench-{n:06d}",
                    owner=owners[n % len(owners)],
                    unit_id=owners[n % len(owners)].unit_id,
                    due_at=deadline,
                    created_by=creator,
                )
                for n, deadline in enumerate(deadlines)
            ),
            batch_size=2000,
        )
        SlaClock.objects.bulk_create(
            (
                SlaClock(
                    action_item=action,
                    policy=policy,
                    policy_version=policy.version,
                    started_at=now,
                    deadline=action.due_at,
                )
                for action in items
            ),
            batch_size=2000,
        )
    return deadlines[-1], time.monotonic() - begun


def sweep_log(worker: Service) -> tuple[int, int, int, float]:
    """(sweeps run, expired unrun, that breached something, longest in s)
    from the worker's log."""
    text = worker.output()
    runs = re.findall(
        r"actions\.sla_sweep\[[0-9a-f-]+\] succeeded in ([0-9.]+)s: '?breached=(\d+)", text
    )
    expired = len(re.findall(r"Discarding revoked task: actions\.sla_sweep\[", text))
    longest = max((float(s) for s, _n in runs), default=0.0)
    return len(runs), expired, sum(1 for _s, n in runs if int(n)), longest


def process_cpu(pid: int) -> float | None:
    """CPU seconds a process has used, or None once it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class BackendCpu:
    """CPU of the PostgreSQL backends serving the bench database, polled: a
    backend that ends (a worker's connection past CONN_MAX_AGE) keeps what it
    had used at the last poll."""

    def __init__(self) -> None:
        self.first: dict[int, float] = {}
        self.last: dict[int, float] = {}
        self.started = False

    def poll(self) -> None:
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("SELECT pid FROM pg_stat_activity WHERE datname = current_database()")
            pids = [pid for (pid,) in cursor.fetchall()]
        for pid in pids:
            used = process_cpu(pid)
            if used is None:
                continue
            # Backends there at the start count from then; later ones from 0.
            self.first.setdefault(pid, used if not self.started else 0.0)
            self.last[pid] = used
        self.started = True

    def seconds(self) -> float:
        return sum(self.last[pid] - self.first[pid] for pid in self.last)


def run_latency(args, sweep_seconds: int, base_env: dict[str, str], folder: Path):
    from django.db.models import Count, F
    from django.utils import timezone

    from actions.models import (
        ClockState,
        Delivery,
        DeliveryState,
        Escalation,
        Notification,
        SlaClock,
    )

    result = LatencyResult(sweep_seconds, args.clocks)
    queue = f"salesmeet-bench-sla-{uuid.uuid4().hex[:12]}"
    env = {
        **base_env,
        "SALESMEET_CI_QUEUE": queue,
        "SALESMEET_SLA_SWEEP_SECONDS": str(sweep_seconds),
        "PYTHONUNBUFFERED": "1",  # the pool's log lines in order, none lost
    }
    tag = f"every{sweep_seconds}s"
    worker = spawn(
        f"worker-{tag}",
        [
            "worker",
            *("--pool", "prefork", "--concurrency", "2"),
            *("--hostname", f"bench-{queue}@%h"),
            *("--without-gossip", "--without-mingle", "--without-heartbeat"),
        ],
        env,
        folder,
    )
    beat = spawn(
        f"beat-{tag}", ["beat", "--schedule", str(folder / f"beat-{tag}-schedule")], env, folder
    )
    try:
        wait_until_ready(worker, " ready.")
        wait_until_ready(beat, "beat: Starting")
        log(f"sweep every {sweep_seconds} s: worker and beat ready; writing {args.clocks} clocks")
        result.load_before = loadavg()
        backends = BackendCpu()
        backends.poll()
        worker_before = worker.cpu_seconds() + beat.cpu_seconds()
        bench_before = sum(os.times()[:2])
        busy_before, ticks_before = machine_ticks()
        begun = time.monotonic()
        last_deadline, result.write_seconds = write_due_clocks(args.clocks, args.lead, args.spread)
        if result.write_seconds > args.lead:
            result.note = f"the write ({result.write_seconds:.1f} s) outlasted --lead"
        log(f"{args.clocks} clocks written in {result.write_seconds:.1f} s")

        def progress() -> tuple[int, int]:
            escalated = Escalation.objects.filter(level=1).count()
            pending = Delivery.objects.filter(state=DeliveryState.PENDING).count()
            return escalated, pending

        def finished(escalated: int, pending: int) -> bool:
            return escalated >= args.clocks and (not args.deliveries or pending == 0)

        seen, changed_at, reported = progress(), time.monotonic(), time.monotonic()
        give_up = (last_deadline - timezone.now()).total_seconds() + args.timeout
        started = time.monotonic()
        while not finished(*seen) and time.monotonic() - started < give_up:
            time.sleep(1)
            now = progress()
            backends.poll()
            if now != seen:
                seen, changed_at = now, time.monotonic()
            elif timezone.now() > last_deadline and time.monotonic() - changed_at > args.stall:
                result.note = f"nothing moved for {args.stall:.0f} s"
                break
            if time.monotonic() - reported >= 15:
                reported = time.monotonic()
                log(f"  escalated {now[0]:,} of {args.clocks:,}; deliveries pending {now[1]:,}")
        result.all_escalated_after_last_deadline = (
            (timezone.now() - last_deadline).total_seconds() if seen[0] >= args.clocks else None
        )
        result.wall = time.monotonic() - begun
        busy_after, ticks_after = machine_ticks()
        backends.poll()
        result.machine_busy = (busy_after - busy_before) / max(1, ticks_after - ticks_before)
        result.busy_seconds = (busy_after - busy_before) / os.sysconf("SC_CLK_TCK")
        result.worker_cpu = worker.cpu_seconds() + beat.cpu_seconds() - worker_before
        result.postgres_cpu = backends.seconds()
        result.bench_cpu = sum(os.times()[:2]) - bench_before
        result.load_after = loadavg()
        result.emails_sent = Delivery.objects.filter(state=DeliveryState.SENT).count()
    finally:
        stop_gracefully(beat.process)
        stop_gracefully(worker.process)

    clocks = SlaClock.objects.all()
    result.breached = clocks.filter(state=ClockState.BREACHED).count()
    result.breached_off_deadline = (
        clocks.filter(state=ClockState.BREACHED).exclude(breached_at=F("deadline")).count()
    )
    escalations = Escalation.objects.filter(level=1)
    result.escalated = escalations.values("clock").distinct().count()
    result.doubled = (
        escalations.values("clock").annotate(n=Count("pk")).filter(n__gt=1).count()
        + Notification.objects.values("action_item", "kind")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .count()
    )
    pairs = list(
        Notification.objects.filter(idempotency_key__endswith="-level-1").values_list(
            "created_at", "action_item__clocks__deadline"
        )
    )
    result.latency = sorted((written - deadline).total_seconds() for written, deadline in pairs)
    if len(pairs) > 1:
        written = [w for w, _d in pairs]
        result.rate = len(pairs) / max(0.001, (max(written) - min(written)).total_seconds())
    emails = Delivery.objects.filter(state=DeliveryState.SENT)
    if args.deliveries:
        result.email_latency = sorted(
            (sent - deadline).total_seconds()
            for sent, deadline in emails.values_list(
                "delivered_at", "notification__action_item__clocks__deadline"
            )
        )
    (
        result.sweeps_run,
        result.sweeps_expired,
        result.sweeps_with_breaches,
        result.longest_sweep,
    ) = sweep_log(worker)
    return result


def seconds(values: list[float], q: float | None) -> str:
    if not values:
        return "-"
    return f"{(max(values) if q is None else nearest_rank(values, q)):.1f}"


def print_latency(results: list[LatencyResult], args) -> None:
    from django.conf import settings

    print(
        f"\n## Part 1: deadline -> escalation written, {args.clocks:,} clocks due evenly over"
        f" {args.spread:.0f} s; 1 worker (prefork x2), 1 beat\n"
    )
    header = (
        "sweep every",
        "escalated",
        "lost",
        "doubled",
        "p50 s",
        "p99 s",
        "max s",
        "all done after last deadline",
        "escalations /s",
        "sweeps run / expired / breaching",
        "longest sweep s",
        "CPU s: worker / PostgreSQL / other sessions",
        "machine busy",
        "load avg before -> after",
    )
    rows = [
        (
            f"{r.sweep_seconds} s",
            f"{r.escalated:,}",
            f"{r.lost:,}",
            f"{r.doubled:,}",
            seconds(r.latency, 0.5),
            seconds(r.latency, 0.99),
            seconds(r.latency, None),
            "-"
            if r.all_escalated_after_last_deadline is None
            else f"{r.all_escalated_after_last_deadline:.0f} s",
            f"{r.rate:.0f}",
            f"{r.sweeps_run} / {r.sweeps_expired} / {r.sweeps_with_breaches}",
            f"{r.longest_sweep:.1f}",
            f"{r.worker_cpu:.0f} / {r.postgres_cpu:.0f} / {r.others_cpu:.0f}",
            f"{r.machine_busy:.0%}",
            f"{r.load_before.split()[0]} -> {r.load_after.split()[0]}",
        )
        for r in results
    ]
    print_table(header, rows)
    soft_limit = settings.CELERY_TASK_SOFT_TIME_LIMIT
    for r in results:
        p99 = nearest_rank(r.latency, 0.99) if r.latency else None
        verdict = "-" if p99 is None or r.lost else ("met" if p99 < GOAL_P99 else "NOT met")
        print(
            f"\nsweep every {r.sweep_seconds} s: goal p99 < {GOAL_P99} s {verdict}"
            + (
                f"; the longest sweep came within {soft_limit - r.longest_sweep:.0f} s of the"
                f" worker's soft time limit ({soft_limit} s)"
                if r.longest_sweep > 0.75 * soft_limit
                else ""
            )
        )
        print(
            f"  clocks written in {r.write_seconds:.1f} s;"
            f" breached {r.breached:,}, breached_at != deadline {r.breached_off_deadline}"
            f" (breached_at and Escalation.at are the deadline by design);"
            f" emails sent by then {r.emails_sent:,} of {2 * r.escalated:,};"
            f" {r.wall:.0f} s from the write to the last escalation, this process used"
            f" {r.bench_cpu:.0f} s of CPU" + (f"; {r.note}" if r.note else "")
        )
        if r.email_latency:
            print(
                f"  deadline -> email sent: p50 {seconds(r.email_latency, 0.5)} s,"
                f" p99 {seconds(r.email_latency, 0.99)} s, max {seconds(r.email_latency, None)} s"
            )


# --- Part 2: the sweep's cost with a million running clocks ---------------------------------


class QueryMeter:
    """Counts the queries run through Django's connection and their time."""

    def __init__(self) -> None:
        self.count = 0
        self.seconds = 0.0

    def __call__(self, execute, sql, params, many, context):
        begun = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.count += 1
            self.seconds += time.perf_counter() - begun


@dataclass
class SweepSample:
    seconds: float
    queries: int
    sql_seconds: float
    breached: int
    cpu_seconds: float  # of this process
    busy_seconds: float  # of the whole machine


def timed_sweep() -> SweepSample:
    from django.db import connection
    from django.utils import timezone

    from actions import services

    meter = QueryMeter()
    busy_before, _ticks = machine_ticks()
    cpu_before = sum(os.times()[:2])
    with connection.execute_wrapper(meter):
        begun = time.perf_counter()
        report = services.sweep(timezone.now())
        elapsed = time.perf_counter() - begun
    busy_after, _ticks = machine_ticks()
    return SweepSample(
        elapsed,
        meter.count,
        meter.seconds,
        report.breached,
        cpu_seconds=sum(os.times()[:2]) - cpu_before,
        busy_seconds=(busy_after - busy_before) / os.sysconf("SC_CLK_TCK"),
    )


def write_running_clocks(count: int) -> float:
    """``count`` open action items with a running clock each, none due: deadlines
    from 1 hour to 30 days ahead, the next warning at 75% of the window
    (ahead too). COPY in chunks through large_seed's ``Table``, with the
    tables' indexes and foreign keys dropped and re-created (``loading``)."""
    from django.db import transaction
    from django.utils import timezone

    from actions.models import ActionItem, ActionState, SlaClock, SlaPolicy
    from org.choices import Role
    from org.models import Person
    from salesmeet.large_seed import Progress, Table, chunked, loading

    policy = SlaPolicy.objects.get(key="decision")
    owners = list(
        Person.objects.filter(role=Role.REP, is_active=True)
        .order_by("username")
        .values_list("pk", "unit_id")
    )
    creator = Person.objects.get(username="lead").pk
    items = Table(
        ActionItem,
        (
            "id",
            "title",
            "kind",
            "owner_id",
            "unit_id",
            "due_at",
            "state",
            "created_by_id",
            "created_at",
            "updated_at",
        ),
    )
    clocks = Table(
        SlaClock,
        (
            "id",
            "action_item_id",
            "policy_id",
            "policy_version",
            "started_at",
            "deadline",
            "warn_at",
        ),
    )
    now = timezone.now()
    started = now - dt.timedelta(hours=1)
    window = 30 * 24 * 3600 - 3600
    progress = Progress(lambda text: log(f"  {text}"))
    begun = time.monotonic()
    written = 0
    with transaction.atomic(), loading(progress, ActionItem, SlaClock):
        for chunk in chunked(range(count)):
            item_ids, clock_ids = items.reserve_ids(len(chunk)), clocks.reserve_ids(len(chunk))
            item_rows, clock_rows = [], []
            for n, item_id, clock_id in zip(chunk, item_ids, clock_ids, strict=True):
                owner, unit = owners[n % len(owners)]
                # Spread over the window without a random generator: n * a large prime.
                deadline = now + dt.timedelta(seconds=3600 + (n * 7_919) % window)
                warn_at = started + (deadline - started) * 0.75
                item_rows.append(
                    (
                        item_id,
                        f"sla-bench-running-{n:07d}",
                        "general",
                        owner,
                        unit,
                        deadline,
                        ActionState.OPEN.value,
                        creator,
                        started,
                        started,
                    )
                )
                clock_rows.append(
                    (clock_id, item_id, policy.pk, policy.version, started, deadline, warn_at)
                )
            items.write(item_rows)
            clocks.write(clock_rows)
            written += len(chunk)
            if written % 200_000 < len(chunk):
                log(f"  running clocks: {written:,} of {count:,}")
    return time.monotonic() - begun


def explain_sweep_queries() -> list[tuple[str, str]]:
    from django.utils import timezone

    from actions.models import ClockState, SlaClock
    from actions.services import SWEEP_BATCH

    now = timezone.now()
    queries = {
        "breach: the claim candidates (SlaClock.objects.due)": SlaClock.objects.due(now)
        .order_by("deadline")
        .values_list("pk", flat=True)[:SWEEP_BATCH],
        "warn": SlaClock.objects.filter(state=ClockState.RUNNING, warn_at__lte=now).values_list(
            "pk", "warnings_sent"
        )[:SWEEP_BATCH],
        "escalate further": SlaClock.objects.filter(
            state=ClockState.BREACHED, next_escalation_at__lte=now
        ).values_list("pk", "level")[:SWEEP_BATCH],
    }
    return [(name, query.explain(analyze=True, buffers=True)) for name, query in queries.items()]


def make_due(count: int, spread: float) -> int:
    """Move ``count`` running clocks, every n-th by id (scattered over the
    table, as real deadlines are), to deadlines in the last ``spread``
    seconds; their items' due time follows, and their next warning is
    cleared (it would have gone out before the deadline)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM actions_slaclock WHERE state = 'running'")
        running = cursor.fetchone()[0]
        every = max(1, running // count)
        cursor.execute(
            "WITH chosen AS ("
            "  SELECT id, action_item_id, row_number() OVER (ORDER BY id) AS n"
            "  FROM actions_slaclock WHERE state = 'running' AND id %% %s = 0"
            "  ORDER BY id LIMIT %s),"
            " moved AS ("
            "  UPDATE actions_slaclock c"
            "  SET deadline = now() - make_interval(secs => 1 + %s * chosen.n / %s), warn_at = NULL"
            "  FROM chosen WHERE c.id = chosen.id RETURNING c.action_item_id, c.deadline)"
            " UPDATE actions_actionitem i SET due_at = moved.deadline"
            " FROM moved WHERE i.id = moved.action_item_id",
            [every, count, spread, count],
        )
        return cursor.rowcount


@dataclass
class SweepCase:
    name: str
    samples: list[SweepSample]
    load: str = ""  # load average before -> after


def run_sweep_cost(args) -> tuple[list[SweepCase], list[tuple[str, str]], float, int]:
    from django.db import connection
    from django.utils import timezone

    from actions.models import SlaClock

    log(f"writing {args.running:,} running clocks")
    write_seconds = write_running_clocks(args.running)
    log(f"written in {write_seconds:.0f} s; VACUUM ANALYZE")
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE actions_actionitem, actions_slaclock")
    cases = []
    log(f"{args.repeat} sweeps with none due")
    cases.append(
        SweepCase(
            f"{args.running:,} running, none due",
            [timed_sweep() for _ in range(args.repeat)],
        )
    )
    plans = explain_sweep_queries()
    moved = make_due(args.due, args.spread)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE actions_slaclock")
    log(f"{moved:,} clocks made due; sweeping until all are breached")
    samples = []
    load_before = loadavg().split()[0]
    while SlaClock.objects.due(timezone.now()).exists():
        samples.append(timed_sweep())
        log(f"  sweep: {samples[-1].breached:,} breached in {samples[-1].seconds:.1f} s")
        if len(samples) >= 50:
            break
    cases.append(
        SweepCase(
            f"{moved:,} of {args.running:,} due",
            samples,
            f"{load_before} -> {loadavg().split()[0]}",
        )
    )
    log(f"{args.repeat} sweeps with none due again")
    cases.append(
        SweepCase(
            f"{args.running - moved:,} running, none due; {moved:,} breached",
            [timed_sweep() for _ in range(args.repeat)],
        )
    )
    return cases, plans, write_seconds, moved


def print_sweep_cost(cases: list[SweepCase], plans, write_seconds: float, args) -> None:
    from django.conf import settings

    print(
        f"\n## Part 2: actions.services.sweep() in-process, {args.running:,} running clocks"
        f" (written with COPY in {write_seconds:.0f} s)\n"
    )
    header = (
        "case",
        "sweeps",
        "breached",
        "p50 ms",
        "max ms",
        "total s",
        "queries per sweep",
        "SQL share",
        "ms per breach",
        "queries per breach",
        "this process CPU",
        "machine busy",
        "load avg",
    )
    rows = []
    cores = os.cpu_count() or 1
    for case in cases:
        times = sorted(s.seconds * 1000 for s in case.samples)
        breached = sum(s.breached for s in case.samples)
        total = sum(s.seconds for s in case.samples)
        queries = sorted(s.queries for s in case.samples)
        sql = sum(s.sql_seconds for s in case.samples)
        rows.append(
            (
                case.name,
                str(len(case.samples)),
                f"{breached:,}",
                f"{nearest_rank(times, 0.5):,.1f}" if times else "-",
                f"{times[-1]:,.1f}" if times else "-",
                f"{total:.1f}",
                (
                    f"{queries[0]:,}"
                    if queries and queries[0] == queries[-1]
                    else f"{queries[0]:,}-{queries[-1]:,}"
                )
                if queries
                else "-",
                f"{sql / total:.0%}" if total else "-",
                f"{total * 1000 / breached:.1f}" if breached else "-",
                f"{sum(queries) / breached:.1f}" if breached else "-",
                # Tick-grained (10 ms): meaningless for sweeps of a few milliseconds.
                f"{sum(s.cpu_seconds for s in case.samples) / total:.0%}" if total > 1 else "-",
                f"{sum(s.busy_seconds for s in case.samples) / total / cores:.0%}"
                if total > 1
                else "-",
                case.load or "-",
            )
        )
    print_table(header, rows)
    soft_limit = settings.CELERY_TASK_SOFT_TIME_LIMIT
    longest = max((s.seconds for case in cases for s in case.samples), default=0.0)
    if longest > soft_limit:
        print(
            f"\nnote: the longest sweep ({longest:.0f} s) is over the worker's soft time limit"
            f" ({soft_limit} s): in a worker it would stop there (the clock in hand rolled back)"
            " and the next sweep would go on"
        )
    for name, plan in plans:
        print(f"\nEXPLAIN (ANALYZE, BUFFERS), {name}, none due:\n{plan}")


def print_table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> None:
    widths = [max(len(h), *(len(row[i]) for row in rows)) for i, h in enumerate(header)]
    print("| " + " | ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)) + " |")
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for row in rows:
        cells = [
            c.ljust(w) if i == 0 else c.rjust(w)
            for i, (c, w) in enumerate(zip(row, widths, strict=True))
        ]
        print("| " + " | ".join(cells) + " |")


# --- Main -----------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", default="salesmeet_bench_sla")
    parser.add_argument(
        "--server-url", default="postgres://postgres@127.0.0.1:5432/postgres", metavar="URL"
    )
    parser.add_argument("--keep", action="store_true", help="keep the database and the logs")
    parser.add_argument("--only", choices=("latency", "sweep"))
    parser.add_argument("--clocks", type=int, default=10_000, help="part 1: clocks falling due")
    parser.add_argument("--spread", type=float, default=60, help="seconds they fall due over")
    parser.add_argument("--lead", type=float, default=10, help="seconds before the first is due")
    parser.add_argument(
        "--sweep-seconds",
        type=int,
        nargs="+",
        default=[1],
        help="part 1: beat intervals, e.g. 1 20 (CI's and production's; 20 adds 3-6 min)",
    )
    parser.add_argument(
        "--deliveries", action="store_true", help="part 1: also wait until every email is sent"
    )
    parser.add_argument("--stall", type=float, default=120, help="give up when nothing moves")
    parser.add_argument(
        "--timeout", type=float, default=600, help="give up this long after the last deadline"
    )
    parser.add_argument("--running", type=int, default=1_000_000, help="part 2: running clocks")
    parser.add_argument("--due", type=int, default=10_000, help="part 2: of which made due")
    parser.add_argument("--repeat", type=int, default=20, help="part 2: sweeps with none due")
    args = parser.parse_args()
    if min(args.clocks, args.running, args.due, args.repeat) < 1 or args.due > args.running:
        parser.error("--clocks, --running, --due and --repeat must be positive, --due <= --running")

    folder = Path(tempfile.mkdtemp(prefix="salesmeet-bench-sla-"))
    redis_server = RedisServer(folder / "redis.log")
    db_url = database_url(args.server_url, args.database)
    env = {
        **{k: v for k, v in os.environ.items() if k not in {"DEBUG", "SALESMEET_CI_EMAIL_DIR"}},
        "DJANGO_SETTINGS_MODULE": "salesmeet.settings.ci_worker",
        "DATABASE_URL": db_url,
        "SALESMEET_TEST_DATABASE_NAME": args.database,
        "SALESMEET_CI_QUEUE": f"salesmeet-bench-sla-{uuid.uuid4().hex[:12]}",
    }
    begun = time.monotonic()
    created = False
    try:
        redis_server.start()
        env["REDIS_URL"] = redis_server.url
        os.environ.update(env)
        os.environ.pop("DEBUG", None)
        if not create_database(args.server_url, args.database):
            sys.exit(f"database {args.database} exists: drop it or choose another --database")
        created = True
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connection

        log(f"database {args.database}: migrating")
        call_command("migrate", verbosity=0)
        from org.demo import seed_org

        seed_org("small")
        with connection.cursor() as cursor:
            cursor.execute("SELECT version()")
            version = cursor.fetchone()[0].split(" on ")[0]
            settings_shown = []
            for name in ("shared_buffers", "work_mem", "max_parallel_workers_per_gather"):
                cursor.execute(f"SHOW {name}")
                settings_shown.append(f"{name} {cursor.fetchone()[0]}")
        print(f"SLA benchmark, {time.strftime('%Y-%m-%d %H:%M %Z')}")
        print(f"machine: {os.cpu_count()} CPUs; {version} ({', '.join(settings_shown)})")
        print(f"load average at start: {loadavg()}")

        if args.only != "sweep":
            results = []
            for n, sweep_seconds in enumerate(args.sweep_seconds):
                if n:
                    empty_action_tables()
                results.append(run_latency(args, sweep_seconds, env, folder))
            print_latency(results, args)
        if args.only != "latency":
            empty_action_tables()
            cases, plans, write_seconds, _moved = run_sweep_cost(args)
            print_sweep_cost(cases, plans, write_seconds, args)
        print(
            f"\nload average at end: {loadavg()}; whole run"
            f" {(time.monotonic() - begun) / 60:.1f} min"
        )
    finally:
        redis_server.kill()
        if created:
            with contextlib.suppress(Exception):
                from django.db import connections

                connections.close_all()
            if args.keep:
                log(f"kept database {args.database}")
            else:
                drop_database(args.server_url, args.database)
                log(f"dropped database {args.database}")
        if args.keep:
            log(f"kept the logs of the worker, beat and Redis in {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
