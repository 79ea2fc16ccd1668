"""Dashboard benchmark: server time and query count of every dashboard page,
CSV export and API twin, for each demo persona. A script, not a test.

Run it against PostgreSQL after the large seed (docs/benchmarks.md):

    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/salesmeet_bench
    .venv/bin/python manage.py migrate
    .venv/bin/python manage.py seed_demo --size large
    DJANGO_SETTINGS_MODULE=salesmeet.settings.dev DEBUG=false SECRET_KEY=bench \\
        ALLOWED_HOSTS=testserver .venv/bin/python bench/dashboards.py

The last four variables are the defaults, so ``.venv/bin/python
bench/dashboards.py`` with DATABASE_URL alone does the same. Options:
``-n 20`` requests per endpoint, ``--persona exec`` / ``--path /dashboard/``
to run a subset (repeatable), ``--budget 60`` seconds per endpoint (stop
repeating a slow one early; ``n`` in the table says how many ran),
``--slow-queries 3`` to print the slowest SQL of each endpoint over 1 s.

Each endpoint is requested once with queries captured (the query count,
and the SQL time of that request), then ``n`` times timed: p50 and p95
(nearest rank) of the wall time of ``Client.get`` in this process, i.e.
middleware, view, queries and rendering without the network. Routes not
(yet) in the URLconf are listed as skipped.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "salesmeet.settings.dev")
os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("SECRET_KEY", "bench-only-not-a-secret")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost")

import django

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, override_settings  # noqa: E402
from django.urls import Resolver404, resolve  # noqa: E402

from org.models import Person  # noqa: E402

PERSONAS = ("exec", "director", "lead", "rep")
PAGES = ("/dashboard/", "/dashboard/week/", "/dashboard/today/")
APIS = (
    "/api/dashboards/executive/",
    "/api/dashboards/breaches/",
    "/api/dashboards/manager/",
    "/api/dashboards/rep/",
)
SLOW_MS = 1000
# DEBUG off means the manifest storage, whose manifest only collectstatic
# writes; the plain storage gives the same pages without it.
PLAIN_STATIC = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}


def csv_exports() -> list[str]:
    """Every CSV route of the dashboards app, so new exports are measured too."""
    from dashboards import urls

    return [f"/{p.pattern}" for p in urls.urlpatterns if str(p.pattern).endswith(".csv")]


@dataclass
class Result:
    persona: str
    path: str
    status: int | None = None
    times_ms: list[float] = field(default_factory=list)
    queries: int | None = None
    sql_ms: float | None = None
    size: int = 0
    note: str = ""
    slowest: list[tuple[float, str]] = field(default_factory=list)

    def quantile(self, q: float) -> float | None:
        """Nearest rank: p95 of 20 requests is the 19th fastest."""
        if not self.times_ms:
            return None
        ranked = sorted(self.times_ms)
        return ranked[max(0, math.ceil(q * len(ranked)) - 1)]


def measure(client: Client, persona: str, path: str, n: int, budget: float) -> Result:
    result = Result(persona, path)
    try:
        resolve(path)
    except Resolver404:
        result.note = "skipped: no such route yet"
        return result
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    result.status = response.status_code
    result.queries = len(captured.captured_queries)
    timed = [(float(q["time"]) * 1000, q["sql"]) for q in captured.captured_queries]
    result.sql_ms = sum(ms for ms, _sql in timed)
    result.slowest = sorted(timed, reverse=True)
    result.size = len(response.content)
    if response.status_code != 200:
        result.note = f"HTTP {response.status_code}"
        return result
    started = time.perf_counter()
    for _ in range(n):
        begun = time.perf_counter()
        client.get(path)
        result.times_ms.append((time.perf_counter() - begun) * 1000)
        if time.perf_counter() - started > budget:
            result.note = f"stopped after {budget:.0f}s budget"
            break
    return result


def fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:,.0f}"


def print_table(results: list[Result]) -> None:
    header = ("endpoint", "persona", "HTTP", "n", "p50 ms", "p95 ms", "queries", "SQL ms", "KB")
    rows = [
        (
            r.path,
            r.persona,
            str(r.status or "-"),
            str(len(r.times_ms)),
            fmt(r.quantile(0.5)),
            fmt(r.quantile(0.95)),
            fmt(r.queries),
            fmt(r.sql_ms),
            fmt(r.size / 1024) if r.status else "-",
        )
        for r in results
    ]
    widths = [max(len(h), *(len(row[i]) for row in rows)) for i, h in enumerate(header)]
    line = " | ".join(h.ljust(w) for h, w in zip(header, widths, strict=True))
    print(f"| {line} |")
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for row, r in zip(rows, results, strict=True):
        cells = [
            c.ljust(w) if i < 2 else c.rjust(w)
            for i, (c, w) in enumerate(zip(row, widths, strict=True))
        ]
        print("| " + " | ".join(cells) + " |" + (f"  {r.note}" if r.note else ""))


def run_persona(person: Person, paths: list[str], args) -> list[Result]:
    client = Client()
    client.force_login(person)
    results = []
    for path in paths:
        result = measure(client, person.username, path, args.n, args.budget)
        results.append(result)
        print(  # progress, on stderr so that stdout is just the report
            f"  {person.username:<8} {path:<32} p95 {fmt(result.quantile(0.95)):>7} ms"
            f"  {fmt(result.queries):>4} queries  {result.note}",
            file=sys.stderr,
            flush=True,
        )
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", type=int, default=20, help="timed requests per endpoint")
    parser.add_argument("--persona", action="append", choices=PERSONAS)
    parser.add_argument("--path", action="append", help="only these endpoints")
    parser.add_argument("--budget", type=float, default=60, help="seconds per endpoint at most")
    parser.add_argument("--slow-queries", type=int, default=0, metavar="K")
    args = parser.parse_args()
    # WhiteNoise's note that collectstatic never ran: the pages do not need it.
    warnings.filterwarnings("ignore", message="No directory at")

    if connection.vendor != "postgresql":
        print(f"warning: measuring {connection.vendor}, not PostgreSQL", file=sys.stderr)
    paths = args.path or [*PAGES, *csv_exports(), *APIS]
    personas = args.persona or list(PERSONAS)
    people = {p.username: p for p in Person.objects.filter(username__in=personas)}
    missing = set(personas) - set(people)
    if missing:
        sys.exit(f"no such demo login(s): {', '.join(sorted(missing))}; run seed_demo first")
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM actions_actionitem")
        items = cursor.fetchone()[0]
    print(f"database {connection.settings_dict['NAME']} ({connection.vendor}), {items:,} items")
    print(f"{len(paths)} endpoints x {len(personas)} personas, n={args.n}, cpus={os.cpu_count()}")
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}\n")

    results = []
    with override_settings(STORAGES=PLAIN_STATIC):
        for persona in personas:
            results += run_persona(people[persona], paths, args)
    print()
    print_table(results)
    print(f"\nload average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    if args.slow_queries:
        for r in results:
            if (r.quantile(0.95) or 0) > SLOW_MS or (r.sql_ms or 0) > SLOW_MS:
                print(f"\n## {r.persona} {r.path}: slowest queries of the captured request")
                for ms, sql in r.slowest[: args.slow_queries]:
                    print(f"-- {ms:,.0f} ms\n{sql}\n")


if __name__ == "__main__":
    main()
