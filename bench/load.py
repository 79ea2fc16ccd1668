"""Load test: gunicorn on 127.0.0.1 over a seeded PostgreSQL database, hit by
concurrent clients of the three user kinds (executive, managers, reps), then
by the same clients on a minimal DRF endpoint: the framework's floor on the
same server. A script, not a test; it stops by itself.

    .venv/bin/python bench/load.py                  # small seed, 8 clients
    .venv/bin/python bench/load.py --size large     # the large seed (docs/benchmarks.md)

It creates the database ``--database`` (default ``salesmeet_load_<size>``) on the
PostgreSQL server of ``--server-url`` (default
``postgres://postgres@127.0.0.1:5432/postgres``) unless it exists, migrates
it and runs ``seed_demo --size`` (idempotent: a second run adds nothing, so
only the first run of ``--size large`` pays for the seed); ``--drop`` drops
it at the end. It then starts gunicorn (production settings, DEBUG off, a
throwaway SECRET_KEY, the filesystem broker in a temporary folder, the plain
static files storage) on 127.0.0.1 and a free port; no request goes anywhere
else.

Each phase runs ``--clients`` threads for ``--requests`` requests or
``--duration`` seconds, whichever comes first. A client is one persona
(exec; director or lead; rep, in turn) logged in by a session written
directly (no password, no login throttle) and loops over its kind's pages
and API lists. Every endpoint is requested once by each persona before the
timed phase (a warm-up), and anything but 200 is an error. The report:
requests, errors, throughput and p50/p95/p99 latency (nearest rank) per
endpoint and per phase, the ratio of the app's latency to the floor's, the
CPU used by the load generator (this process: one core at most, being
Python threads) and by gunicorn, and how busy the whole machine was, so that
a saturated generator or a machine busy with something else is not mistaken
for the app's limit.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import math
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

from salesmeet.harness import (  # noqa: E402 - BASE_DIR first
    create_database,
    database_url,
    drop_database,
    free_port,
    machine_ticks,
)

BIN = Path(sys.executable).parent
HOST = "127.0.0.1"
FLOOR = "/bench/floor/"
# The manifest storage of production needs a collectstatic run first; no
# static file is requested here, and {% static %} costs the same with the
# plain storage.
PLAIN_STATIC = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# The three user kinds and what each looks at; every persona of a kind loops over its list.
KINDS = {
    "executive": (
        ["exec"],
        [
            "/",
            "/dashboard/",
            "/meetings/calendar/",
            "/actions/escalations/",
            "/api/dashboards/executive/",
            "/api/action-items/",
            "/api/escalations/",
        ],
    ),
    "manager": (
        ["director", "lead"],
        [
            "/",
            "/dashboard/week/",
            "/meetings/calendar/",
            "/actions/team/",
            "/api/dashboards/manager/",
            "/api/meetings/",
            "/api/action-items/",
        ],
    ),
    "rep": (
        ["rep"],
        [
            "/",
            "/dashboard/today/",
            "/meetings/calendar/",
            "/actions/",
            "/api/dashboards/rep/",
            "/api/meetings/",
            "/api/customers/",
            "/api/notifications/",
        ],
    ),
}


# --- The server side: gunicorn imports this module as ``load`` -----------------------------------

urlpatterns: list = []


def server_app():
    """gunicorn's application (``load:server_app()``): SalesMeet's, with one
    URL more, ``/bench/floor/``: an authenticated DRF view that answers a
    constant, i.e. the middleware, session, user and DRF, and nothing of the app."""
    global urlpatterns

    import django
    from django.conf import settings

    settings.ROOT_URLCONF = __name__
    settings.STORAGES = PLAIN_STATIC
    django.setup()

    from django.core.wsgi import get_wsgi_application
    from django.urls import path
    from rest_framework.response import Response
    from rest_framework.views import APIView

    from salesmeet import urls

    class Floor(APIView):
        def get(self, request):
            return Response({"ok": True})

    urlpatterns = [path(FLOOR.strip("/") + "/", Floor.as_view()), *urls.urlpatterns]
    return get_wsgi_application()


# --- Set-up -------------------------------------------------------------------------------------


def manage(*arguments: str, env: dict[str, str]) -> None:
    subprocess.run(  # noqa: S603 - our own interpreter and manage.py
        [sys.executable, str(BASE_DIR / "manage.py"), *arguments],
        cwd=BASE_DIR,
        env=env,
        check=True,
    )


def server_environment(db_url: str, scratch: Path) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"REDIS_URL", "DJANGO_SETTINGS_MODULE", "DEBUG"}
    }
    env.update(
        DJANGO_SETTINGS_MODULE="salesmeet.settings.production",
        DATABASE_URL=db_url,
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS=HOST,
        SECURE_SSL_REDIRECT="false",
        SALESMEET_VAR_DIR=str(scratch / "var"),
        EMAIL_URL="consolemail://",
    )
    return env


@dataclass
class Server:
    process: subprocess.Popen
    port: int
    log: Path
    database: str

    def cpu(self) -> dict[int, float]:
        """CPU seconds of gunicorn's master and each of its workers, by pid."""
        return cpu_by_pid(lambda pid, ppid, _cmd: self.process.pid in (pid, ppid))

    def stop(self) -> None:
        """Stop gunicorn and every worker, even one stuck in a slow request."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)


def cpu_by_pid(select) -> dict[int, float]:
    """CPU seconds of every process ``select(pid, ppid, cmdline)`` accepts."""
    ticks = os.sysconf("SC_CLK_TCK")
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError, IndexError, ValueError):
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            if select(int(entry.name), int(fields[1]), command):
                found[int(entry.name)] = (int(fields[11]) + int(fields[12])) / ticks
    return found


def postgres_cpu(database: str) -> dict[int, float]:
    """CPU seconds of the PostgreSQL backends serving ``database``."""
    return cpu_by_pid(lambda _pid, _ppid, command: f" {database} " in f"{command} ")


def used(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU used in between by the processes alive at the end (a gunicorn
    worker killed for a timeout takes its share with it: at least this much)."""
    return sum(seconds - before.get(pid, 0.0) for pid, seconds in after.items())


def start_server(env: dict[str, str], workers: int, timeout: float, scratch: Path) -> Server:
    port = free_port()
    log = scratch / "gunicorn.log"
    with log.open("wb") as output:
        process = subprocess.Popen(  # noqa: S603 - gunicorn from our own venv
            [
                str(BIN / "gunicorn"),
                "load:server_app()",
                "--pythonpath",
                f"{BASE_DIR / 'bench'},{BASE_DIR}",
                "--chdir",
                str(BASE_DIR),
                "--bind",
                f"{HOST}:{port}",
                "--workers",
                str(workers),
                "--timeout",
                str(int(timeout) + 30),
            ],
            # A query outliving its request would go on loading the machine.
            env={**env, "PGOPTIONS": f"-c statement_timeout={int(timeout * 1000)}"},
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: stop() reaches every worker
        )
    server = Server(process, port, log, urlsplit(env["DATABASE_URL"]).path.lstrip("/"))
    give_up = time.monotonic() + 60
    while time.monotonic() < give_up:
        if process.poll() is not None:
            sys.exit(f"gunicorn exited:\n{log.read_text(errors='replace')[-3000:]}")
        with contextlib.suppress(OSError):
            if get(port, "/accounts/login/", "")[0] == 200:
                return server
        time.sleep(0.3)
    server.stop()
    sys.exit(f"gunicorn did not answer within 60 s:\n{log.read_text(errors='replace')[-3000:]}")


def sessions(usernames: list[str]) -> dict[str, str]:
    """A logged-in session cookie per username, written in the database."""
    import django

    django.setup()
    from django.conf import settings
    from django.test import Client

    from org.models import Person

    people = {p.username: p for p in Person.objects.filter(username__in=usernames)}
    missing = sorted(set(usernames) - set(people))
    if missing:
        sys.exit(f"no such demo login(s): {', '.join(missing)}")
    cookies = {}
    for username, person in people.items():
        client = Client()
        client.force_login(person)
        cookies[username] = client.cookies[settings.SESSION_COOKIE_NAME].value
    return cookies


# --- Load ---------------------------------------------------------------------------------------


def get(port: int, path: str, session: str, timeout: float = 60) -> tuple[int, int]:
    """GET ``path`` from the server on 127.0.0.1; (status, bytes)."""
    connection = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        headers = {"Accept-Language": "zh-hans"}
        if session:
            headers["Cookie"] = f"sessionid={session}"
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        return response.status, len(response.read())
    finally:
        connection.close()


@dataclass
class Sample:
    kind: str
    path: str
    status: int  # 0: no answer (connection error, timeout)
    seconds: float


@dataclass
class Phase:
    name: str
    samples: list[Sample] = field(default_factory=list)
    wall: float = 0.0
    generator_cpu: float = 0.0
    server_cpu: float = 0.0
    database_cpu: float = 0.0
    machine_busy: float = 0.0  # fraction of all cores


def run_phase(
    name: str,
    port: int,
    clients: list[tuple[str, str, list[str]]],
    requests: int,
    duration: float,
    server: Server,
    timeout: float,
) -> Phase:
    """``clients``: (kind, session, paths) per thread. Stops after ``requests``
    requests in all or ``duration`` seconds, whichever comes first."""
    phase = Phase(name)
    lock = threading.Lock()
    issued = 0
    deadline = time.monotonic() + duration

    def client(kind: str, session: str, paths: list[str], offset: int) -> None:
        nonlocal issued
        n = offset
        while time.monotonic() < deadline:
            with lock:
                if issued >= requests:
                    return
                issued += 1
            path = paths[n % len(paths)]
            n += 1
            begun = time.perf_counter()
            try:
                status, _size = get(port, path, session, timeout)
            except OSError:
                status = 0
            sample = Sample(kind, path, status, time.perf_counter() - begun)
            with lock:
                phase.samples.append(sample)

    threads = [
        threading.Thread(target=client, args=(kind, session, paths, i), daemon=True)
        for i, (kind, session, paths) in enumerate(clients)
    ]
    busy0, total0 = machine_ticks()
    cpu0, server0, database0 = time.process_time(), server.cpu(), postgres_cpu(server.database)
    wall0 = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    phase.wall = time.perf_counter() - wall0
    phase.generator_cpu = (time.process_time() - cpu0) / phase.wall
    phase.server_cpu = used(server0, server.cpu()) / phase.wall
    phase.database_cpu = used(database0, postgres_cpu(server.database)) / phase.wall
    busy1, total1 = machine_ticks()
    phase.machine_busy = (busy1 - busy0) / max(1, total1 - total0)
    return phase


# --- Report -------------------------------------------------------------------------------------


def quantile(values: list[float], q: float) -> float:
    ranked = sorted(values)
    return ranked[max(0, math.ceil(q * len(ranked)) - 1)]


def row(label: str, kind: str, samples: list[Sample], wall: float) -> list[str]:
    ms = [s.seconds * 1000 for s in samples]
    errors = sum(1 for s in samples if not 200 <= s.status < 300)
    return [
        label,
        kind,
        str(len(samples)),
        str(errors),
        f"{len(samples) / wall:.1f}",
        f"{quantile(ms, 0.50):.0f}",
        f"{quantile(ms, 0.95):.0f}",
        f"{quantile(ms, 0.99):.0f}",
    ]


def print_table(rows: list[list[str]]) -> None:
    header = ["endpoint", "kind", "requests", "errors", "req/s", "p50 ms", "p95 ms", "p99 ms"]
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(header)]
    print("| " + " | ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)) + " |")
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for r in rows:
        cells = [
            c.ljust(w) if i < 2 else c.rjust(w)
            for i, (c, w) in enumerate(zip(r, widths, strict=True))
        ]
        print("| " + " | ".join(cells) + " |")


def report(phases: list[Phase], warmup_errors: list[str], args, workers: int) -> None:
    print(
        f"\n{args.clients} clients, {workers} gunicorn sync workers, "
        f"{os.cpu_count()} CPUs; at most {args.requests} requests or {args.duration:.0f} s "
        f"per phase; load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}"
    )
    rows = []
    for phase in phases:
        by_endpoint: dict[tuple[str, str], list[Sample]] = defaultdict(list)
        for sample in phase.samples:
            by_endpoint[(sample.path, sample.kind)].append(sample)
        for (path, kind), samples in sorted(by_endpoint.items()):
            rows.append(row(path, kind, samples, phase.wall))
        rows.append(row(f"**{phase.name}: all**", "", phase.samples, phase.wall))
    print()
    print_table(rows)
    print()
    for phase in phases:
        statuses = Counter(s.status for s in phase.samples if not 200 <= s.status < 300)
        errors = ", ".join(f"{n} x {status or 'no answer'}" for status, n in statuses.items())
        print(
            f"{phase.name}: {len(phase.samples)} requests in {phase.wall:.1f} s "
            f"= {len(phase.samples) / phase.wall:.1f} req/s; errors: {errors or 'none'}; "
            f"generator CPU {phase.generator_cpu:.0%} of one core, "
            f"gunicorn CPU {phase.server_cpu:.0%} and PostgreSQL CPU "
            f"{phase.database_cpu:.0%} of one core, "
            f"machine {phase.machine_busy:.0%} busy"
        )
    app, floor = phases[0], phases[-1]
    if app is not floor and floor.samples and app.samples:
        app_ms = [s.seconds for s in app.samples]
        floor_ms = [s.seconds for s in floor.samples]
        print(
            f"app / floor: p50 {quantile(app_ms, 0.5) / quantile(floor_ms, 0.5):.1f}x, "
            f"p95 {quantile(app_ms, 0.95) / quantile(floor_ms, 0.95):.1f}x, "
            f"throughput {len(floor.samples) / floor.wall / (len(app.samples) / app.wall):.1f}x "
            "more on the floor"
        )
    if any(p.generator_cpu > 0.8 for p in phases):
        print("warning: the load generator used over 80% of a core: it may be the limit")
    if warmup_errors:
        print("warm-up errors (counted in the phases too):")
        for line in warmup_errors:
            print(f"  {line}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--server-url", default="postgres://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--database", help="default: salesmeet_load_<size>")
    parser.add_argument("--size", choices=["small", "large"], default="small")
    parser.add_argument("--drop", action="store_true", help="drop the database at the end")
    parser.add_argument("--clients", type=int, default=8, help="concurrent clients (threads)")
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1) + 1)
    parser.add_argument("--requests", type=int, default=2000, help="per phase, at most")
    parser.add_argument("--duration", type=float, default=90, help="seconds per phase, at most")
    parser.add_argument("--timeout", type=float, default=60, help="seconds per request")
    parser.add_argument("--no-floor", action="store_true", help="skip the floor phase")
    args = parser.parse_args()
    args.database = args.database or f"salesmeet_load_{args.size}"
    if urlsplit(args.server_url).hostname not in {"127.0.0.1", "localhost"}:
        sys.exit("--server-url: a PostgreSQL server on this machine only")

    db_url = database_url(args.server_url, args.database)
    created = create_database(args.server_url, args.database)
    scratch = Path(tempfile.mkdtemp(prefix="salesmeet-load-"))
    env = server_environment(db_url, scratch)
    server = None
    try:
        print(f"database {args.database} ({'created' if created else 'exists'}); seeding...")
        manage("migrate", "--noinput", "-v0", env=env)
        began = time.monotonic()
        manage("seed_demo", "--size", args.size, env=env)
        print(f"seed_demo --size {args.size}: {time.monotonic() - began:.0f} s")

        os.environ.update(env)
        personas = [name for usernames, _paths in KINDS.values() for name in usernames]
        cookies = sessions(personas)
        server = start_server(env, args.workers, args.timeout, scratch)
        print(f"gunicorn on http://{HOST}:{server.port}/ (pid {server.process.pid})")

        warmup_errors = []
        for kind, (usernames, paths) in KINDS.items():
            for username in usernames:
                for path in [*paths, FLOOR]:
                    begun = time.perf_counter()
                    try:
                        status = get(server.port, path, cookies[username], args.timeout)[0]
                    except OSError as error:
                        status = f"no answer ({error})"
                    took = time.perf_counter() - begun
                    print(  # progress, on stderr so that stdout is just the report
                        f"  warm-up {username:<8} {path:<28} {status} {took * 1000:>7,.0f} ms",
                        file=sys.stderr,
                        flush=True,
                    )
                    if status != 200:
                        warmup_errors.append(f"{kind} {username} {path}: {status}")
        clients = []
        cycle = [(kind, name, paths) for kind, (names, paths) in KINDS.items() for name in names]
        for n in range(args.clients):
            kind, username, paths = cycle[n % len(cycle)]
            clients.append((kind, cookies[username], paths))
        limits = (args.requests, args.duration, server, args.timeout)
        phases = [run_phase("app", server.port, clients, *limits)]
        if not args.no_floor:
            floor_clients = [("-", session, [FLOOR]) for _kind, session, _paths in clients]
            phases.append(run_phase("floor", server.port, floor_clients, *limits))
        report(phases, warmup_errors, args, args.workers)
    finally:
        if server is not None:
            server.stop()
        shutil.rmtree(scratch, ignore_errors=True)
        if args.drop:
            with contextlib.suppress(Exception):
                from django.db import connections

                connections.close_all()
            drop_database(args.server_url, args.database)


if __name__ == "__main__":
    main()
