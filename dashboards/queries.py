"""The dashboards' figures: read-only, aggregated in SQL, scoped by the
visibility rule, and a fixed number of queries whatever the data's size.
The HTML pages, the CSV exports and the JSON API all call these."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Min, Q
from django.utils import timezone

from actions.models import ActionItem, ActionKind, ActionState, ClockState, Escalation, SlaClock
from agendas.models import StrategyRequirement
from customers import services as customer_services
from meetings.cadence import cadence_health_for_units
from meetings.kinds import Kind
from meetings.models import Meeting, Status
from org.models import Person, Unit
from org.services import ancestor_paths
from targets import figures as target_figures
from targets import services as target_services
from targets.models import GapReview, Target

WEEKS = 8


def _day_start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, timezone.get_current_timezone())


@dataclass
class Headline:
    running: int = 0
    at_risk: int = 0
    breached_open: int = 0
    escalations_by_level: dict[int, int] = field(default_factory=dict)
    open_issues: int = 0
    oldest_issue_age: dt.timedelta | None = None
    units_behind_plan: int = 0
    reviews_proposed: int = 0
    reviews_held: int = 0


@dataclass
class HeatCell:
    unit: Unit
    breaches: int
    worst_gap: Decimal | None
    worst_metric: str | None


@dataclass
class Week:
    starts: dt.date
    breaches: int = 0
    met: int = 0
    finished: int = 0
    briefs_expected: int = 0
    briefs_submitted: int = 0

    @property
    def on_time_rate(self) -> float | None:
        return None if self.finished == 0 else self.met / self.finished

    @property
    def brief_rate(self) -> float | None:
        return None if self.briefs_expected == 0 else self.briefs_submitted / self.briefs_expected


def tree_clocks(user: Person, unit: Unit):
    return SlaClock.objects.for_user(user).filter(action_item__unit__path__startswith=unit.path)


def headline(user: Person, unit: Unit, now: dt.datetime) -> Headline:
    clocks = tree_clocks(user, unit)
    counts = clocks.aggregate(
        running=Count("pk", filter=Q(state=ClockState.RUNNING)),
        at_risk=Count(
            "pk",
            filter=Q(state=ClockState.RUNNING) & (Q(warnings_sent__gt=0) | Q(warn_at__lte=now)),
        ),
        breached_open=Count(
            "pk", filter=Q(state=ClockState.BREACHED, action_item__state=ActionState.OPEN)
        ),
    )
    levels = dict(
        Escalation.objects.filter(clock__in=clocks, clock__action_item__state=ActionState.OPEN)
        .values_list("level")
        .annotate(n=Count("pk"))
        .values_list("level", "n")
    )
    issues = (
        ActionItem.objects.for_user(user)
        .filter(
            unit__path__startswith=unit.path,
            kind=ActionKind.ISSUE_RESOLUTION,
            state=ActionState.OPEN,
        )
        .aggregate(n=Count("pk"), oldest=Min("created_at"))
    )
    today = timezone.localdate(now)
    reviews = (
        Meeting.objects.for_user(user)
        .filter(unit__path__startswith=unit.path, kind=Kind.REVIEW)
        .aggregate(
            proposed=Count(
                "pk", filter=Q(status__in=[Status.PROPOSED, Status.SCHEDULED, Status.IN_PROGRESS])
            ),
            held=Count("pk", filter=Q(status=Status.CONCLUDED)),
        )
    )
    behind = (
        GapReview.objects.filter(
            unit__path__startswith=unit.path,
            period__starts_on__lte=today,
            period__ends_on__gte=today,
        )
        .values("unit")
        .distinct()
        .count()
    )
    return Headline(
        running=counts["running"],
        at_risk=counts["at_risk"],
        breached_open=counts["breached_open"],
        escalations_by_level=dict(sorted(levels.items())),
        open_issues=issues["n"],
        oldest_issue_age=(now - issues["oldest"]) if issues["oldest"] else None,
        units_behind_plan=behind,
        reviews_proposed=reviews["proposed"],
        reviews_held=reviews["held"],
    )


def breaches(user: Person, unit: Unit):
    """Breached clocks of open items in the tree, oldest breach first."""
    return (
        tree_clocks(user, unit)
        .filter(state=ClockState.BREACHED, action_item__state=ActionState.OPEN)
        .select_related("action_item__owner", "action_item__unit", "policy")
        .order_by("breached_at")
    )


def heat_map(user: Person, unit: Unit, today: dt.date) -> list[HeatCell]:
    """Each unit directly below ``unit``: its open breaches and its worst gap
    to plan this quarter."""
    children = list(
        Unit.objects.for_user(user)
        .filter(path__startswith=unit.path, depth=unit.depth + 1)
        .order_by("name")
    )
    counts: dict[int, int] = defaultdict(int)
    rows = (
        breaches(user, unit)
        .values_list("action_item__unit__path")
        .annotate(n=Count("pk"))
        .values_list("action_item__unit__path", "n")
    )
    for path, n in rows:
        for child in children:
            if path.startswith(child.path):
                counts[child.pk] += n
    report = target_figures.build(unit, target_services.period_for("quarter", today), today)
    cells = []
    for child in children:
        row = report.rows.get((child.pk, None))
        worst, worst_metric = None, None
        if row is not None:
            for metric, figure in row.figures.items():
                if figure.gap is not None and (worst is None or figure.gap > worst):
                    worst, worst_metric = figure.gap, metric
        cells.append(HeatCell(child, counts[child.pk], worst, worst_metric))
    return cells


def trends(user: Person, unit: Unit, today: dt.date, weeks: int = WEEKS) -> list[Week]:
    """Per week, oldest first: breaches, on-time rate of clocks due that
    week, brief completion."""
    monday = today - dt.timedelta(days=today.weekday())
    starts = [monday - dt.timedelta(weeks=n) for n in range(weeks - 1, -1, -1)]
    result = [Week(starts=s) for s in starts]
    first, end = _day_start(starts[0]), _day_start(monday + dt.timedelta(days=7))
    tz = timezone.get_current_timezone()

    def bucket(moment: dt.datetime) -> Week | None:
        index = (timezone.localtime(moment, tz).date() - starts[0]).days // 7
        return result[index] if 0 <= index < len(result) else None

    clocks = tree_clocks(user, unit)
    for breached_at in clocks.filter(breached_at__gte=first, breached_at__lt=end).values_list(
        "breached_at", flat=True
    ):
        if week := bucket(breached_at):
            week.breaches += 1
    for deadline, state in clocks.filter(
        deadline__gte=first, deadline__lt=end, state__in=[ClockState.MET, ClockState.BREACHED]
    ).values_list("deadline", "state"):
        if week := bucket(deadline):
            week.finished += 1
            week.met += state == ClockState.MET
    unit_ids = list(Unit.objects.filter(path__startswith=unit.path).values_list("pk", flat=True))
    meetings = list(
        Meeting.objects.filter(
            unit_id__in=unit_ids,
            kind__in=[Kind.DAILY, Kind.WEEKLY],
            starts_at__gte=first,
            starts_at__lt=min(end, timezone.now()),
        ).exclude(status__in=[Status.CANCELLED, Status.DRAFT, Status.PROPOSED])
    )
    expected = customer_services.expected_for_meetings(meetings)
    for meeting in meetings:
        if week := bucket(meeting.starts_at):
            done = customer_services.completion(expected.get(meeting.pk, []))
            week.briefs_expected += done.expected
            week.briefs_submitted += done.submitted
    return result


@dataclass
class LossStep:
    key: str
    label: str
    done: int
    total: int

    @property
    def rate(self) -> float | None:
        return None if self.total == 0 else self.done / self.total


def loss_chain(user: Person, unit: Unit, today: dt.date) -> list[LossStep]:
    """From what was thought to what was done, for this quarter so far: each
    step's rate with the counts behind it, so an executive sees where the
    chain leaks."""
    from django.utils.translation import gettext as _

    period = target_services.period_for("quarter", today)
    start, end = (
        _day_start(period.starts_on),
        _day_start(min(today, period.ends_on) + dt.timedelta(days=1)),
    )
    units = list(Unit.objects.filter(path__startswith=unit.path))
    half_start = _day_start(period.starts_on.replace(month=1 if period.starts_on.month <= 6 else 7))
    # Strategy is set above or at the unit, in this half-year.
    requirements = (
        StrategyRequirement.objects.filter(
            meeting__unit__path__in=ancestor_paths(unit),
            meeting__starts_at__gte=half_start,
            meeting__starts_at__lt=end,
        )
        .values("kind")
        .distinct()
        .count()
    )
    targets = Target.objects.filter(period=period, unit__in=units)
    units_with_targets = targets.values("unit").distinct().count()
    teams = [u for u in units if u.kind == "team"]
    cadence = cadence_health_for_units(
        teams, period.starts_on, min(today, period.ends_on) + dt.timedelta(days=1), today=today
    )
    expected_meetings = sum(row.expected for rows in cadence.values() for row in rows)
    held_meetings = sum(row.held for rows in cadence.values() for row in rows)
    meetings = list(
        Meeting.objects.filter(
            unit__in=teams,
            kind__in=[Kind.DAILY, Kind.WEEKLY],
            starts_at__gte=start,
            starts_at__lt=end,
        ).exclude(status__in=[Status.CANCELLED, Status.DRAFT, Status.PROPOSED])
    )
    expected_briefs = customer_services.expected_for_meetings(meetings)
    briefs = customer_services.completion([e for items in expected_briefs.values() for e in items])
    finished = tree_clocks(user, unit).filter(
        deadline__gte=start, deadline__lt=end, state__in=[ClockState.MET, ClockState.BREACHED]
    )
    clock_counts = finished.aggregate(
        total=Count("pk"), met=Count("pk", filter=Q(state=ClockState.MET))
    )
    report = target_figures.build(unit, period, today)
    attained = sum(
        1 for f in report.root.figures.values() if f.expected > 0 and f.actual >= f.expected
    )
    paced = sum(1 for f in report.root.figures.values() if f.expected > 0)
    return [
        LossStep(
            "strategy", _("Strategy requirements set (target, indicator, action)"), requirements, 3
        ),
        LossStep("plan", _("Units with targets this quarter"), units_with_targets, len(units)),
        LossStep("cadence", _("Meetings held on cadence"), held_meetings, expected_meetings),
        LossStep(
            "briefs", _("Briefs submitted on time"), briefs.submitted - briefs.late, briefs.expected
        ),
        LossStep(
            "actions", _("Action items done within SLA"), clock_counts["met"], clock_counts["total"]
        ),
        LossStep("actuals", _("Metrics on or above pace"), attained, paced),
    ]


def meeting_load(people: list[Person], start: dt.datetime, end: dt.datetime) -> dict[int, float]:
    """Hours each person spent in (non-cancelled) meetings in [start, end)."""
    hours: dict[int, float] = defaultdict(float)
    rows = (
        Meeting.objects.filter(
            invitations__person__in=people, starts_at__gte=start, starts_at__lt=end
        )
        .exclude(status__in=[Status.CANCELLED, Status.DRAFT, Status.PROPOSED])
        .values_list("invitations__person_id", "starts_at", "ends_at")
    )
    for person_id, starts_at, ends_at in rows:
        hours[person_id] += (ends_at - starts_at).total_seconds() / 3600
    return hours
