"""Two years of a large sales organisation's activity, for benchmarks.

``seed_demo --size large`` runs :func:`seed_large` after the large org
(10 regions x 20 teams x 10 reps): 25 customers per rep, ~200,000 meetings,
1,000,000 action items each with one SLA clock, quarterly targets and weekly
actuals. Rows are generated in chunks and written with PostgreSQL's COPY
(plain INSERTs elsewhere), bypassing the ORM's save: no ``post_save`` signal
runs (no agenda copies, no same-day clocks) and no simple_history rows are
written. This is data to measure the dashboards with, not a record of
anything that happened. ``bulk_create`` wrote the action items at ~6,000
rows a second on two cores (five minutes for the items and their clocks
alone): its per-field preparation, not the database, was the bottleneck.

Choices that keep it tractable (docs/benchmarks.md repeats them):

* Invitations: the whole team (chair + reps) for team meetings of the last
  ``INVITE_WINDOW_DAYS`` days and ahead, which is what the dashboards read
  (this week, the quarter, the eight trend weeks); older team meetings
  invite their chair only. Customer meetings invite the rep and the lead.
* Actuals are weekly (each Friday), not daily: revenue every week, signed
  only in weeks with a signature.
* No clock events (the audit trail), no briefs, no gap reviews.

Each stage runs in one transaction and is skipped when its marker is
present, so running the command again adds nothing.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
import math
import random
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import NamedTuple

from django.db import connection, models, transaction
from django.utils import timezone

from actions import services as action_services
from actions import sla
from actions.models import (
    ActionItem,
    ActionKind,
    ActionState,
    ClockState,
    Escalation,
    SlaClock,
    SlaPolicy,
)
from customers.demo import seed_customers
from customers.models import Customer
from meetings.kinds import Kind
from meetings.models import Invitation, Meeting, Part, Rsvp, Status
from org.choices import Role, UnitKind
from org.demo import COMPANY
from org.models import Person, Unit
from org.workdays import WorkingCalendar, days_between
from targets import services as target_services
from targets.models import Actual, Metric, Source, Target

CUSTOMERS_PER_REP = 25
MEETINGS = 200_000
ACTION_ITEMS = 1_000_000
PAST_DAYS = 640  # meetings from here...
AHEAD_DAYS = 90  # ...to here: two years in all
INVITE_WINDOW_DAYS = 100
ACTUAL_WEEKS = 104
BATCH = 2_000  # rows per INSERT
CHUNK = 20_000  # rows generated before they are written
# Meetings and action items carry it as their notes: the marker a second run looks for.
SEED_NOTE = "seed_demo --size large"
ACTUAL_PREFIX = "large-"

ITEM_KINDS = (
    # kind, policy, weight, needs a customer
    (ActionKind.GENERAL, "decision", 40, False),
    (ActionKind.CONCLUSION, "customer_special.conclusion", 12, True),
    (ActionKind.EXECUTION, "customer_special.execution", 15, True),
    (ActionKind.CUSTOMER_FEEDBACK, "customer_issue.feedback", 10, True),
    (ActionKind.ISSUE_RESOLUTION, "decision", 10, True),
    (ActionKind.RESOURCE_PLAN, "resource_coordination.implementation", 8, True),
    (ActionKind.RESOURCE_REVIEW, "resource_coordination.review", 5, True),
)
ITEM_TITLES = {
    ActionKind.GENERAL: "落实会议决议:{topic}",
    ActionKind.CONCLUSION: "{customer}:当天出结论",
    ActionKind.EXECUTION: "{customer}:执行并反馈",
    ActionKind.CUSTOMER_FEEDBACK: "{customer}:给客户明确反馈",
    ActionKind.ISSUE_RESOLUTION: "{customer}:问题闭环",
    ActionKind.RESOURCE_PLAN: "{customer}:落实资源方案",
    ActionKind.RESOURCE_REVIEW: "{customer}:评价资源落实情况",
}
TOPICS = (
    "更新客户地图",
    "整理报价单",
    "约见关键决策人",
    "提交拜访小结",
    "复核回款计划",
    "准备方案演示",
)
CUSTOMER_MEETING_KINDS = (
    # kind, weight
    (Kind.CUSTOMER_SPECIAL, 60),
    (Kind.CUSTOMER_ISSUE, 22),
    (Kind.RESOURCE_COORDINATION, 18),
)


@dataclass
class Team:
    unit: Unit
    lead_id: int
    director_id: int | None
    rep_ids: list[int]


@dataclass
class Org:
    company: Unit
    exec_id: int
    regions: list[Unit]
    teams: list[Team]
    resource_owner_id: int | None

    @classmethod
    def load(cls) -> Org:
        company = Unit.get_root_nodes().get(name=COMPANY)
        units = list(
            Unit.objects.subtree(company).filter(kind__in=[UnitKind.REGION, UnitKind.TEAM])
        )
        by_path = {u.path: u for u in units}
        reps: dict[int, list[int]] = defaultdict(list)
        for pk, unit_id in (
            Person.objects.filter(is_active=True, role=Role.REP, unit__in=units)
            .order_by("username")
            .values_list("pk", "unit_id")
        ):
            reps[unit_id].append(pk)
        teams = [
            Team(
                unit=u,
                lead_id=u.manager_id,
                director_id=by_path[u.path[: -Unit.steplen]].manager_id,
                rep_ids=reps[u.pk],
            )
            for u in units
            if u.kind == UnitKind.TEAM and u.manager_id and reps[u.pk]
        ]
        resource_owner = Person.objects.filter(role=Role.RESOURCE_OWNER, is_active=True).first()
        return cls(
            company=company,
            exec_id=company.manager_id,
            regions=[u for u in units if u.kind == UnitKind.REGION and u.manager_id],
            teams=teams,
            resource_owner_id=resource_owner.pk if resource_owner else None,
        )


@dataclass
class StageReport:
    name: str
    rows: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    cpu_seconds: float = 0.0
    skipped: bool = False


class Progress:
    """Prints one line per stage (and per chunk of the long ones) with the
    seconds elapsed since the large seed started."""

    def __init__(self, write: Callable[[str], None]) -> None:
        self.write = write
        self.started = time.monotonic()
        self.stages: list[StageReport] = []

    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def line(self, text: str) -> None:
        self.write(f"[{self.elapsed():7.1f}s] {text}")

    @contextlib.contextmanager
    def stage(self, name: str) -> Iterator[StageReport]:
        report = StageReport(name)
        begun, cpu = time.monotonic(), time.process_time()
        self.line(f"{name}: started")
        yield report
        report.seconds = time.monotonic() - begun
        report.cpu_seconds = time.process_time() - cpu
        self.stages.append(report)
        if report.skipped:
            self.line(f"{name}: already seeded, skipped")
        else:
            counts = ", ".join(f"{n:,} {what}" for what, n in report.rows.items())
            self.line(
                f"{name}: {counts or 'done'} in {report.seconds:.1f}s"
                f" ({report.cpu_seconds:.1f}s of it in this process)"
            )


class Table:
    """Writes plain tuples of ``fields`` (attnames) into ``model``'s table;
    every other column gets its field's default. COPY on PostgreSQL,
    executemany with each field's own preparation elsewhere."""

    def __init__(self, model: type[models.Model], fields: tuple[str, ...]) -> None:
        meta = model._meta
        self.model = model
        self.fields = [meta.get_field(name) for name in fields]
        rest = [f for f in meta.concrete_fields if f.attname not in fields and not f.primary_key]
        self.defaults = tuple(f.get_default() for f in rest)
        self.all_fields = self.fields + rest
        self.suffix = "".join("\t" + _copy_text(v) for v in self.defaults)
        self.table = meta.db_table

    def write(self, rows: list[tuple]) -> int:
        qn = connection.ops.quote_name
        columns = ", ".join(qn(f.column) for f in self.all_fields)
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                buffer = io.StringIO()
                for row in rows:
                    buffer.write("\t".join(map(_copy_text, row)) + self.suffix + "\n")
                buffer.seek(0)
                cursor.copy_expert(f"COPY {qn(self.table)} ({columns}) FROM STDIN", buffer)
            else:
                marks = ", ".join(["%s"] * len(self.all_fields))
                cursor.executemany(
                    # Identifiers from the model's meta, quoted; values are parameters.
                    f"INSERT INTO {qn(self.table)} ({columns}) VALUES ({marks})",  # noqa: S608  # nosec B608
                    [
                        tuple(
                            f.get_db_prep_save(v, connection)
                            for f, v in zip(self.all_fields, row + self.defaults, strict=True)
                        )
                        for row in rows
                    ],
                )
        return len(rows)

    def reserve_ids(self, count: int) -> list[int]:
        """Primary keys for ``count`` new rows, taken from the table's sequence."""
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute(
                    "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                    [self.table, count],
                )
                return [pk for (pk,) in cursor.fetchall()]
            cursor.execute(
                f"SELECT COALESCE(MAX(id), 0) FROM {connection.ops.quote_name(self.table)}"  # noqa: S608  # nosec B608
            )
            first = cursor.fetchone()[0] + 1
            return list(range(first, first + count))


@contextlib.contextmanager
def loading(progress: Progress, *model_classes: type[models.Model]) -> Iterator[None]:
    """PostgreSQL's advice for populating a database: drop the tables'
    foreign keys and secondary indexes, load, and re-create them. Re-adding
    a foreign key checks all rows in one join instead of one lookup per row
    at commit; an index built once, sorted, beats one grown row by row.
    Unique and primary keys stay. Inside the stage's transaction, so a
    failure leaves the tables as they were; other sessions wait meanwhile."""
    if connection.vendor != "postgresql":
        yield
        return
    tables = [m._meta.db_table for m in model_classes]
    with connection.cursor() as cursor:
        # Check the foreign keys of earlier writes in this transaction now:
        # a table with checks pending cannot be altered.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(
            "SELECT format('ALTER TABLE %%s DROP CONSTRAINT %%I', conrelid::regclass, conname),"
            " format('ALTER TABLE %%s ADD CONSTRAINT %%I %%s', conrelid::regclass, conname,"
            " pg_get_constraintdef(oid))"
            " FROM pg_constraint WHERE contype = 'f' AND conrelid = ANY(%s::regclass[])",
            [tables],
        )
        foreign_keys = cursor.fetchall()
        cursor.execute(
            "SELECT format('DROP INDEX %%s', i.indexrelid::regclass), pg_get_indexdef(i.indexrelid)"
            " FROM pg_index i WHERE i.indrelid = ANY(%s::regclass[])"
            " AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)",
            [tables],
        )
        indexes = cursor.fetchall()
        for drop, _create in foreign_keys + indexes:
            cursor.execute(drop)
    yield
    begun = time.monotonic()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
        for _drop, create in indexes + foreign_keys:
            cursor.execute(create)
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    progress.line(
        f"{len(indexes)} indexes and {len(foreign_keys)} foreign keys re-created"
        f" in {time.monotonic() - begun:.1f}s"
    )


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_text(value) -> str:
    """One value in COPY's text format."""
    kind = type(value)
    if kind is str:
        return value.translate(_COPY_ESCAPES)
    if value is None:
        return r"\N"
    if kind is bool:
        return "t" if value else "f"
    if kind is int:
        return str(value)
    if isinstance(value, dt.date):  # and datetimes: ISO 8601 with their offset
        return value.isoformat()
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False).translate(_COPY_ESCAPES)
    return str(value).translate(_COPY_ESCAPES)  # Decimal, UUID, str enums


def chunked(rows, size: int = CHUNK) -> Iterator[list]:
    chunk = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _rng(stage: str) -> random.Random:
    # Synthetic benchmark data, the same every run: not for anything secret.
    return random.Random(f"salesmeet-large-{stage}")  # noqa: S311


# --- Meetings ---------------------------------------------------------------------------------


class MeetingSpec(NamedTuple):
    kind: str
    unit_id: int
    title: str
    chair_id: int
    starts_at: dt.datetime
    minutes: int
    invitees: tuple[tuple[int, str], ...]
    customer: tuple[str, str] = ("", "")


class Clock(NamedTuple):
    """The seed's notion of now, fixed for the whole run."""

    now: dt.datetime
    today: dt.date
    tz: dt.tzinfo

    def at(self, day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
        return dt.datetime.combine(day, dt.time(hour, minute), self.tz)


def _existing_slots(start: dt.datetime) -> set[tuple[int, str, object]]:
    """(unit, kind, day or ISO week) of meetings already on the calendar
    (the small demo's series), so the seed does not hold a second one."""
    slots = set()
    rows = Meeting.objects.filter(
        starts_at__gte=start, kind__in=[Kind.DAILY, Kind.WEEKLY, Kind.MONTHLY]
    ).values_list("unit_id", "kind", "starts_at")
    for unit_id, kind, starts_at in rows:
        day = timezone.localtime(starts_at).date()
        key = day.isocalendar()[:2] if kind == Kind.WEEKLY else (day.year, day.month)
        slots.add((unit_id, kind, day if kind == Kind.DAILY else key))
    return slots


def _first_working_day(calendar: WorkingCalendar, day: dt.date, until: dt.date) -> dt.date | None:
    day = calendar.next_working_day(day)
    return day if day < until else None


def _month_starts(start: dt.date, end: dt.date) -> Iterator[dt.date]:
    day = dt.date(start.year, start.month, 1)
    while day < end:
        if day >= start:
            yield day
        day = (day + dt.timedelta(days=32)).replace(day=1)


def team_meetings(org: Org, clock: Clock, calendar, start: dt.date, end: dt.date):
    """Daily (every working day), weekly (Friday, or the week's last working
    day) and monthly (first working day) meetings of every team; a few
    weeks in the past are skipped so that cadence health has gaps to show."""
    rng = _rng("team-meetings")
    existing = _existing_slots(clock.at(start, 0))
    window = clock.today - dt.timedelta(days=INVITE_WINDOW_DAYS)
    days = list(calendar.working_days(days_between(start, end)))
    weeks: dict[tuple[int, int], dt.date] = {}
    for day in days:  # the last working day, Monday to Friday, of each ISO week
        if day.weekday() < 5:
            weeks[day.isocalendar()[:2]] = day
    firsts = [
        d for d in (_first_working_day(calendar, m, end) for m in _month_starts(start, end)) if d
    ]
    daily, weekly, monthly = (f"{Kind(k).label}" for k in (Kind.DAILY, Kind.WEEKLY, Kind.MONTHLY))
    for team in org.teams:
        unit = team.unit
        chair_only = ((team.lead_id, Part.CHAIR),)
        everyone = chair_only + tuple((pk, Part.PARTICIPANT) for pk in team.rep_ids)
        for day in days:
            if (unit.pk, Kind.DAILY, day) in existing:
                continue
            yield MeetingSpec(
                Kind.DAILY,
                unit.pk,
                f"{unit.name} · {daily}",
                team.lead_id,
                clock.at(day, 8, 30),
                30,
                everyone if day >= window else chair_only,
            )
        for week, day in weeks.items():
            if (unit.pk, Kind.WEEKLY, week) in existing:
                continue
            if day < clock.today and rng.random() < 0.03:
                continue  # a missed week
            yield MeetingSpec(
                Kind.WEEKLY,
                unit.pk,
                f"{unit.name} · {weekly}",
                team.lead_id,
                clock.at(day, 16),
                90,
                everyone if day >= window else chair_only,
            )
        for day in firsts:
            if (unit.pk, Kind.MONTHLY, (day.year, day.month)) in existing:
                continue
            yield MeetingSpec(
                Kind.MONTHLY,
                unit.pk,
                f"{unit.name} · {monthly}",
                team.lead_id,
                clock.at(day, 10),
                120,
                everyone if day >= window else chair_only,
            )


def management_meetings(org: Org, clock: Clock, calendar, start: dt.date, end: dt.date):
    """Monthly and quarterly meetings of the company and the regions, the
    regions' quarterly plan meetings and the company's half-yearly strategy."""
    leads_by_region: dict[str, list[int]] = defaultdict(list)
    for team in org.teams:
        leads_by_region[team.unit.path[: -Unit.steplen]].append(team.lead_id)
    directors = tuple((r.manager_id, Part.PARTICIPANT) for r in org.regions)
    for month in _month_starts(start, end):
        day = _first_working_day(calendar, month + dt.timedelta(days=1), end)
        if day is None:
            continue
        quarter = month.month in (1, 4, 7, 10)
        company = [(Kind.MONTHLY, 14, 120)]
        if quarter:
            company.append((Kind.QUARTERLY, 9, 240))
        if month.month in (1, 7):
            company.append((Kind.STRATEGY, 14, 240))
        for kind, hour, minutes in company:
            yield MeetingSpec(
                kind,
                org.company.pk,
                f"{org.company.name} · {Kind(kind).label}",
                org.exec_id,
                clock.at(day + dt.timedelta(days=1 if kind == Kind.STRATEGY else 0), hour),
                minutes,
                ((org.exec_id, Part.CHAIR), *directors),
            )
        for region in org.regions:
            leads = tuple((pk, Part.PARTICIPANT) for pk in leads_by_region[region.path])
            kinds = [(Kind.MONTHLY, 15, 120)]
            if quarter:
                kinds += [(Kind.QUARTERLY, 14, 240), (Kind.PLAN, 9, 180)]
            for kind, hour, minutes in kinds:
                yield MeetingSpec(
                    kind,
                    region.pk,
                    f"{region.name} · {Kind(kind).label}",
                    region.manager_id,
                    clock.at(day + dt.timedelta(days=2 if kind == Kind.PLAN else 1), hour),
                    minutes,
                    ((region.manager_id, Part.CHAIR), *leads),
                )


def customer_meetings(org: Org, clock: Clock, calendar, start, end, count: int, customers):
    """Customer special, issue and resource coordination meetings, spread
    evenly over the reps and at random over the working days."""
    rng = _rng("customer-meetings")
    days = list(calendar.working_days(days_between(start, end)))
    kinds, weights = zip(*CUSTOMER_MEETING_KINDS, strict=True)
    reps = [(team, rep) for team in org.teams for rep in team.rep_ids]
    for n in range(count):
        team, rep = reps[n % len(reps)]
        kind = rng.choices(kinds, weights)[0]
        customer_id, customer_name = rng.choice(customers[rep])
        invitees = [(team.lead_id, Part.CHAIR), (rep, Part.PARTICIPANT)]
        if kind == Kind.RESOURCE_COORDINATION:
            invitees[1] = (rep, Part.REQUESTER)
            if org.resource_owner_id:
                invitees.append((org.resource_owner_id, Part.RESOURCE_OWNER))
        yield MeetingSpec(
            kind,
            team.unit.pk,
            f"{customer_name} · {Kind(kind).label}",
            team.lead_id,
            clock.at(rng.choice(days), rng.choice((10, 11, 14, 15, 16))),
            60,
            tuple(invitees),
            (customer_name, str(customer_id)),
        )


MEETINGS_TABLE = (
    "id",
    "uid",
    "kind",
    "unit_id",
    "title",
    "chair_id",
    "starts_at",
    "ends_at",
    "status",
    "description",
    "customer_name",
    "customer_ref",
    "created_by_id",
    "created_at",
    "updated_at",
    "concluded_at",
    "cancelled_at",
    "cancel_reason",
)
INVITATIONS_TABLE = (
    "meeting_id",
    "person_id",
    "part",
    "rsvp",
    "answered_at",
    "attended",
    "checked_in_at",
    "invited_by_id",
    "notified_sequence",
)


def _meeting(pk: int, spec: MeetingSpec, clock: Clock, rng: random.Random) -> tuple:
    ends_at = spec.starts_at + dt.timedelta(minutes=spec.minutes)
    created_at = spec.starts_at - dt.timedelta(days=7)
    status, concluded_at, cancelled_at = Status.SCHEDULED, None, None
    if ends_at <= clock.now:
        if spec.kind == Kind.DAILY and rng.random() < 0.015:
            status, cancelled_at = Status.CANCELLED, spec.starts_at - dt.timedelta(hours=12)
        else:
            status, concluded_at = Status.CONCLUDED, ends_at
    elif spec.starts_at <= clock.now:
        status = Status.IN_PROGRESS
    return (
        pk,
        uuid.UUID(int=rng.getrandbits(128), version=4),
        spec.kind,
        spec.unit_id,
        spec.title,
        spec.chair_id,
        spec.starts_at,
        ends_at,
        status,
        SEED_NOTE,
        *spec.customer,
        spec.chair_id,
        created_at,
        concluded_at or cancelled_at or created_at,
        concluded_at,
        cancelled_at,
        "客户临时有事" if cancelled_at else "",
    )


def _invitations(meeting: tuple, spec: MeetingSpec, rng: random.Random) -> Iterator[tuple]:
    pk, created_at, held = meeting[0], meeting[13], meeting[8] == Status.CONCLUDED
    for person_id, part in spec.invitees:
        attended = (part == Part.CHAIR or rng.random() < 0.92) if held else None
        checked_in = spec.starts_at if attended else None
        yield (
            pk,
            person_id,
            part,
            Rsvp.ACCEPTED,
            created_at,
            attended,
            checked_in,
            spec.chair_id,
            0,
        )


def seed_meetings(org: Org, clock: Clock, progress: Progress, report: StageReport) -> None:
    start = clock.today - dt.timedelta(days=PAST_DAYS)
    end = clock.today + dt.timedelta(days=AHEAD_DAYS + 1)
    calendar = WorkingCalendar.for_span(start, end)
    customers = _customers_by_owner()
    specs = list(team_meetings(org, clock, calendar, start, end))
    specs += management_meetings(org, clock, calendar, start, end)
    specs += customer_meetings(
        org, clock, calendar, start, end, max(0, MEETINGS - len(specs)), customers
    )
    specs.sort(key=lambda s: s.starts_at)  # insert in time order, as they would have been
    rng = _rng("meetings")
    meeting_table = Table(Meeting, MEETINGS_TABLE)
    invitation_table = Table(Invitation, INVITATIONS_TABLE)
    meetings = invitations = 0
    with loading(progress, Meeting, Invitation):
        for chunk in chunked(specs):
            ids = meeting_table.reserve_ids(len(chunk))
            rows = [_meeting(pk, spec, clock, rng) for pk, spec in zip(ids, chunk, strict=True)]
            meetings += meeting_table.write(rows)
            invitations += invitation_table.write(
                [
                    i
                    for row, spec in zip(rows, chunk, strict=True)
                    for i in _invitations(row, spec, rng)
                ]
            )
            if meetings % 100_000 < CHUNK:
                progress.line(f"meetings: {meetings:,} of {len(specs):,}")
    report.rows = {"meetings": meetings, "invitations": invitations}


# --- Action items and clocks ----------------------------------------------------------------


class Owner(NamedTuple):
    person_id: int
    unit_id: int
    lead_id: int
    chain: tuple[int, ...]  # escalation levels 1, 2, ...


def _owners(org: Org) -> list[Owner]:
    """Reps and their leads, each with the escalation chain the sweep would
    find (``org.services.escalation_chain``): lead, director, executive."""
    owners = []
    for team in org.teams:
        above = tuple(pk for pk in (team.director_id, org.exec_id) if pk)
        owners += [
            Owner(rep, team.unit.pk, team.lead_id, (team.lead_id, *above)) for rep in team.rep_ids
        ]
        owners.append(Owner(team.lead_id, team.unit.pk, team.lead_id, above))
    return owners


def _customers_by_owner() -> dict[int, list[tuple[int, str]]]:
    customers: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for pk, owner_id, name in Customer.objects.values_list("pk", "owner_id", "name").order_by("pk"):
        customers[owner_id].append((pk, name))
    return customers


def _daily_meetings(clock: Clock) -> dict[tuple[int, dt.date], int]:
    rows = Meeting.objects.filter(kind=Kind.DAILY, starts_at__lte=clock.now).values_list(
        "unit_id", "starts_at", "pk"
    )
    return {(u, timezone.localtime(s, clock.tz).date()): pk for u, s, pk in rows}


ITEMS_TABLE = (
    "id",
    "title",
    "description",
    "kind",
    "owner_id",
    "unit_id",
    "meeting_id",
    "customer_id",
    "due_at",
    "state",
    "evidence",
    "done_at",
    "done_by_id",
    "created_by_id",
    "created_at",
    "updated_at",
)
CLOCKS_TABLE = (
    "id",
    "action_item_id",
    "policy_id",
    "policy_version",
    "started_at",
    "deadline",
    "warn_at",
    "warnings_sent",
    "state",
    "met_at",
    "breached_at",
    "level",
    "next_escalation_at",
)
ESCALATIONS_TABLE = ("clock_id", "level", "to_person_id", "at")
EVIDENCE = "已完成,见附件。"


class ItemPlan(NamedTuple):
    item: tuple
    clock: tuple
    escalations: list[tuple]


class ItemFactory:
    """One action item with its clock, drawn so that over the whole seed
    about 84% of finished clocks are met, 2% cancelled and 14% breached
    (escalated a level a day until done; a few thousand are still open),
    and the items created in the last days are still running."""

    def __init__(self, org: Org, clock: Clock) -> None:
        self.clock = clock
        self.rng = _rng("action-items")
        self.owners = _owners(org)
        self.customers = _customers_by_owner()
        self.dailies = _daily_meetings(clock)
        policies = {p.key: p for p in SlaPolicy.objects.all()}
        for _kind, key, _w, _c in ITEM_KINDS:
            if key not in policies:
                policies[key] = action_services.policy(key)
        self.kinds = [(kind, policies[key], needs) for kind, key, _w, needs in ITEM_KINDS]
        self.weights = [w for *_rest, w, _needs in ITEM_KINDS]
        self.escalate_every = {
            p.pk: dt.timedelta(hours=float(p.escalate_every_hours)) for p in policies.values()
        }
        self.first_day = clock.today - dt.timedelta(days=PAST_DAYS + AHEAD_DAYS)

    def make(self, n: int, item_id: int, clock_id: int) -> ItemPlan:
        rng, now = self.rng, self.clock.now
        owner = self.owners[n % len(self.owners)]
        customers = self.customers.get(owner.person_id)
        kind, policy, needs_customer = rng.choices(self.kinds, self.weights)[0]
        if needs_customer and not customers:
            kind, policy, needs_customer = self.kinds[0]
        day = self.first_day + dt.timedelta(days=rng.randrange(PAST_DAYS + AHEAD_DAYS + 1))
        started = self.clock.at(day, 9) + dt.timedelta(seconds=rng.randrange(9 * 3600))
        if started > now:
            started = now - dt.timedelta(seconds=rng.randrange(3 * 24 * 3600))
            day = timezone.localtime(started, self.clock.tz).date()
        due = started + dt.timedelta(days=rng.choice((1, 2, 3, 5, 7, 10, 14, 21)))
        deadline = sla.deadline_for(policy, started, due_at=due)
        customer = rng.choice(customers) if needs_customer else (None, "")
        title = ITEM_TITLES[kind].format(topic=rng.choice(TOPICS), customer=customer[1])

        state, done_at, warn_at, warnings_sent = ActionState.OPEN, None, None, 0
        clock_state, met_at, breached_at, level, next_escalation_at = (None,) * 5
        escalations = []
        if deadline > now:
            clock_state, level = ClockState.RUNNING, 0
            warn_at = sla.first_warning(policy, started, deadline)
            while warn_at is not None and warn_at <= now:
                warnings_sent += 1
                warn_at = sla.first_warning(policy, started, deadline, warnings_sent)
        elif (roll := rng.random()) < 0.84:
            done_at = started + (deadline - started) * rng.uniform(0.1, 0.97)
            state, clock_state, met_at, level = ActionState.DONE, ClockState.MET, done_at, 0
        elif roll < 0.86:
            state, clock_state, level = ActionState.CANCELLED, ClockState.CANCELLED, 0
        else:
            # Breached: most are done late, some within the day; a few stay open.
            clock_state, breached_at = ClockState.BREACHED, deadline
            late = dt.timedelta(hours=rng.expovariate(1 / 30))
            stuck = deadline > now - dt.timedelta(days=365) and rng.random() < 0.05
            if not stuck and deadline + late <= now:
                state, done_at = ActionState.DONE, deadline + late
            every = self.escalate_every[policy.pk]
            levels = min(len(owner.chain), 1 + int(((done_at or now) - deadline) / every))
            level = max(levels, 1)
            if done_at is None and levels < len(owner.chain):
                next_escalation_at = deadline + every * levels
            escalations = [
                (clock_id, lvl, owner.chain[lvl - 1], deadline + every * (lvl - 1))
                for lvl in range(1, levels + 1)
            ]
        done = state == ActionState.DONE
        item = (
            item_id,
            title,
            SEED_NOTE,
            kind,
            owner.person_id,
            owner.unit_id,
            self.dailies.get((owner.unit_id, day)),
            customer[0],
            deadline,
            state,
            EVIDENCE if done else "",
            done_at,
            owner.person_id if done else None,
            owner.lead_id,
            started,
            done_at or started,
        )
        sla_clock = (
            clock_id,
            item_id,
            policy.pk,
            policy.version,
            started,
            deadline,
            warn_at,
            warnings_sent,
            clock_state,
            met_at,
            breached_at,
            level,
            next_escalation_at,
        )
        return ItemPlan(item, sla_clock, escalations)


def seed_action_items(org: Org, clock: Clock, progress: Progress, report: StageReport) -> None:
    factory = ItemFactory(org, clock)
    items = Table(ActionItem, ITEMS_TABLE)
    clocks = Table(SlaClock, CLOCKS_TABLE)
    escalations = Table(Escalation, ESCALATIONS_TABLE)
    totals: dict[str, int] = defaultdict(int)
    with loading(progress, ActionItem, SlaClock, Escalation):
        for chunk in chunked(range(ACTION_ITEMS)):
            item_ids, clock_ids = items.reserve_ids(len(chunk)), clocks.reserve_ids(len(chunk))
            plans = [factory.make(*args) for args in zip(chunk, item_ids, clock_ids, strict=True)]
            totals["action items"] += items.write([p.item for p in plans])
            totals["clocks"] += clocks.write([p.clock for p in plans])
            totals["escalations"] += escalations.write([e for p in plans for e in p.escalations])
            for plan in plans:
                totals[f"{plan.clock[8]} clocks"] += 1
            if totals["action items"] % 100_000 < CHUNK:
                progress.line(f"action items: {totals['action items']:,} of {ACTION_ITEMS:,}")
    report.rows = dict(totals)


# --- Targets and actuals ----------------------------------------------------------------------


ACTUALS_TABLE = (
    "date",
    "unit_id",
    "rep_id",
    "metric",
    "value",
    "external_id",
    "source",
    "created_by_id",
    "updated_at",
)


def seed_targets_and_actuals(org: Org, clock: Clock, progress: Progress, report: StageReport):
    """Quarterly targets for every team and rep (the team's is the sum of its
    reps'), and weekly actuals per rep: revenue every Friday, signed
    customers in the weeks that had one. Each rep keeps a pace of their own,
    so that some are ahead and some fall behind."""
    rng = _rng("targets")
    last_friday = clock.today - dt.timedelta(days=(clock.today.weekday() - 4) % 7)
    fridays = [last_friday - dt.timedelta(weeks=w) for w in range(ACTUAL_WEEKS - 1, -1, -1)]
    quarters = []
    day = fridays[0]
    while day <= clock.today + dt.timedelta(days=AHEAD_DAYS):
        period = target_services.period_for("quarter", day)
        quarters.append(period)
        day = period.ends_on + dt.timedelta(days=1)
    base = {rep: Decimal(rng.randrange(8, 16) * 100_000) for t in org.teams for rep in t.rep_ids}
    pace = {rep: rng.uniform(0.65, 1.2) for rep in base}
    signed_base = {rep: rng.randrange(3, 8) for rep in base}

    def rep_target(rep: int, metric: str, index: int) -> Decimal:
        if metric == Metric.REVENUE:
            return (base[rep] * Decimal("1.03") ** index).quantize(Decimal(1))
        return Decimal(signed_base[rep])

    targets = []
    for index, period in enumerate(quarters):
        confirmed = dt.datetime.combine(period.starts_on, dt.time(10), clock.tz)
        for team in org.teams:
            for metric in (Metric.REVENUE, Metric.SIGNED):
                values = {rep: rep_target(rep, metric, index) for rep in team.rep_ids}
                common = {
                    "period": period,
                    "unit_id": team.unit.pk,
                    "metric": metric,
                    "set_by_id": team.director_id or org.exec_id,
                    "confirmed_by_id": team.lead_id,
                    "confirmed_at": confirmed,
                }
                targets.append(Target(value=sum(values.values()), **common))
                targets += [Target(rep_id=rep, value=v, **common) for rep, v in values.items()]
    created = Target.objects.bulk_create(targets, batch_size=BATCH, ignore_conflicts=True)
    progress.line(f"targets: {len(created):,} for {len(quarters)} quarters")

    quarter_of = {}
    for friday in fridays:
        quarter_of[friday] = next(
            i for i, p in enumerate(quarters) if p.starts_on <= friday <= p.ends_on
        )

    def actuals() -> Iterator[tuple]:
        for team in org.teams:
            for rep in team.rep_ids:
                for friday in fridays:
                    index = quarter_of[friday]
                    weekly = rep_target(rep, Metric.REVENUE, index) / 13
                    revenue = weekly * Decimal(pace[rep] * rng.uniform(0.3, 1.7))
                    signed = math.floor(signed_base[rep] / 13 * pace[rep] + rng.random())
                    for metric, value in ((Metric.REVENUE, revenue), (Metric.SIGNED, signed)):
                        if not value:
                            continue
                        yield (
                            friday,
                            team.unit.pk,
                            rep,
                            metric,
                            Decimal(value).quantize(Decimal(1)),
                            f"{ACTUAL_PREFIX}{rep}-{metric}-{friday:%Y%m%d}",
                            Source.IMPORT,
                            team.lead_id,
                            dt.datetime.combine(friday, dt.time(18), clock.tz),
                        )

    table = Table(Actual, ACTUALS_TABLE)
    with loading(progress, Actual):
        count = sum(table.write(chunk) for chunk in chunked(actuals()))
    report.rows = {"targets": len(created), "actuals": count, "quarters": len(quarters)}


# --- The whole seed ---------------------------------------------------------------------------


def seed_large(write: Callable[[str], None]) -> list[StageReport]:
    """Add the large demo's two years of activity to the large org. Each
    stage is one transaction and is skipped when its rows are there."""
    progress = Progress(write)
    now = timezone.now()
    clock = Clock(now, timezone.localdate(now), timezone.get_current_timezone())
    org = Org.load()

    with progress.stage("customers") as report, transaction.atomic():
        before = Customer.objects.count()
        total = seed_customers(per_rep=CUSTOMERS_PER_REP)
        report.rows = {"customers created": total - before, "customers in all": total}

    with progress.stage("meetings") as report:
        if Meeting.objects.filter(description=SEED_NOTE).exists():
            report.skipped = True
        else:
            with transaction.atomic():
                seed_meetings(org, clock, progress, report)

    with progress.stage("action items") as report:
        if ActionItem.objects.filter(description=SEED_NOTE).exists():
            report.skipped = True
        else:
            with transaction.atomic():
                seed_action_items(org, clock, progress, report)

    with progress.stage("targets and actuals") as report:
        if Actual.objects.filter(external_id__startswith=ACTUAL_PREFIX).exists():
            report.skipped = True
        else:
            with transaction.atomic():
                seed_targets_and_actuals(org, clock, progress, report)

    with progress.stage("analyze") as report:
        # Fresh statistics, or the planner guesses from empty tables.
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
    progress.line("large seed done")
    return progress.stages
