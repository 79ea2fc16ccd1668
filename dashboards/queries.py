"""The dashboards' figures: read-only, aggregated in SQL, scoped by the
visibility rule, and a fixed number of queries whatever the data's size.
The HTML pages, the CSV exports and the JSON API all call these."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import NamedTuple

from django.db.models import Count, Exists, Min, OuterRef, Prefetch, Q
from django.db.models.functions import TruncWeek
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from actions.models import ActionItem, ActionKind, ActionState, ClockState, Escalation, SlaClock
from agendas.models import StrategyRequirement
from customers import services as customer_services
from meetings.cadence import CadenceRow, cadence_health_for_units
from meetings.kinds import Kind
from meetings.models import Invitation, Meeting, Rsvp, Status
from org.choices import Role, UnitKind
from org.models import Person, Unit
from org.services import ancestor_paths
from org.visibility import scope_for
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


def visible_unit(user: Person, unit_id: int | None) -> Unit:
    """Unit ``unit_id`` if the user may see it; without one, the user's own
    unit, or the top of what they see. Http404 otherwise. The unit comes
    with ``whole_org``: no unit lies outside its tree (the root of a single
    tree), read in the same query (see :func:`in_tree`)."""
    units = Unit.objects.for_user(user).annotate(
        whole_org=~Exists(Unit.objects.exclude(path__startswith=OuterRef("path")))
    )
    if unit_id is not None:
        return get_object_or_404(units, pk=unit_id)
    unit = units.filter(pk=user.unit_id).first() or units.order_by("depth", "path").first()
    if unit is None:
        raise Http404
    return unit


def in_tree(rows, user: Person, unit: Unit, field: str = "unit"):
    """The ``rows`` (a queryset with ``for_user``) of ``unit``'s tree, reached
    through ``field``, that the user may see. When the user sees the whole
    tree, as for any unit from :func:`visible_unit`, the visibility rule's
    subquery (which scans the whole table) is left out: it adds nothing.
    When, moreover, the unit's tree is the whole organisation (``whole_org``
    from :func:`visible_unit`), so is the tree filter: every row has a unit,
    and at the root the filter's join (a million clocks to their items and
    units) would keep every row."""
    scope = scope_for(user)
    if scope.everything or (scope.unit_path and unit.path.startswith(scope.unit_path)):
        if getattr(unit, "whole_org", False):
            return rows
        return rows.filter(**{f"{field}__path__startswith": unit.path})
    return rows.filter(**{f"{field}__path__startswith": unit.path}).for_user(user)


def tree_clocks(user: Person, unit: Unit):
    return in_tree(SlaClock.objects.all(), user, unit, "action_item__unit")


def headline(user: Person, unit: Unit, now: dt.datetime) -> Headline:
    clocks = tree_clocks(user, unit)
    # Each count is of an open item's clock (a running clock's item is open:
    # complete() and cancel() stop its clocks), so the plan starts from the
    # open items (1% of them, open_item_due_idx), not from every clock.
    counts = clocks.filter(
        action_item__state=ActionState.OPEN, state__in=[ClockState.RUNNING, ClockState.BREACHED]
    ).aggregate(
        running=Count("pk", filter=Q(state=ClockState.RUNNING)),
        at_risk=Count(
            "pk",
            filter=Q(state=ClockState.RUNNING) & (Q(warnings_sent__gt=0) | Q(warn_at__lte=now)),
        ),
        breached_open=Count("pk", filter=Q(state=ClockState.BREACHED)),
    )
    # The open items' clocks of the tree as the subquery: a few thousand,
    # where the whole tree's would be read at the root.
    levels = dict(
        Escalation.objects.filter(clock__in=clocks.filter(action_item__state=ActionState.OPEN))
        .values_list("level")
        .annotate(n=Count("pk"))
        .values_list("level", "n")
    )
    issues = (
        in_tree(ActionItem.objects.all(), user, unit)
        .filter(kind=ActionKind.ISSUE_RESOLUTION, state=ActionState.OPEN)
        .aggregate(n=Count("pk"), oldest=Min("created_at"))
    )
    today = timezone.localdate(now)
    reviews = (
        in_tree(Meeting.objects.all(), user, unit)
        .filter(kind=Kind.REVIEW)
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
    """Breached clocks of open items in the tree, the item due first (then
    the breach, then the clock). A breached clock's ``breached_at`` is its
    deadline, which is its item's ``due_at`` unless the deadline moved
    (a paused and resumed clock, a changed policy), so this is the oldest
    breach first but for those. Ordered by the item's due time, the plan
    walks ``open_item_due_idx`` (open items, soonest due first) and stops
    at the page's end, instead of sorting every breached clock."""
    return (
        tree_clocks(user, unit)
        .filter(state=ClockState.BREACHED, action_item__state=ActionState.OPEN)
        .select_related("action_item__owner", "action_item__unit", "policy")
        .order_by("action_item__due_at", "breached_at", "pk")
    )


def quarter_report(unit: Unit, today: dt.date) -> target_figures.Report:
    return target_figures.build(unit, target_services.period_for("quarter", today), today)


def worst_gap(figures: dict[str, target_figures.Figure]) -> tuple[Decimal | None, str | None]:
    """The largest gap to plan among the metrics, and its metric."""
    worst, worst_metric = None, None
    for metric, figure in figures.items():
        if figure.gap is not None and (worst is None or figure.gap > worst):
            worst, worst_metric = figure.gap, metric
    return worst, worst_metric


def heat_map(
    user: Person, unit: Unit, today: dt.date, report: target_figures.Report | None = None
) -> list[HeatCell]:
    """Each unit directly below ``unit``: its open breaches and its worst gap
    to plan this quarter (from ``report``, the unit's quarter, when given)."""
    children = list(
        Unit.objects.for_user(user)
        .filter(path__startswith=unit.path, depth=unit.depth + 1)
        .order_by("name")
    )
    counts: dict[int, int] = defaultdict(int)
    rows = (
        breaches(user, unit)
        .order_by()  # breaches()' ordering would join the GROUP BY: one row per breach
        .values_list("action_item__unit__path")
        .annotate(n=Count("pk"))
        .values_list("action_item__unit__path", "n")
    )
    for path, n in rows:
        for child in children:
            if path.startswith(child.path):
                counts[child.pk] += n
    report = report or quarter_report(unit, today)
    cells = []
    for child in children:
        row = report.rows.get((child.pk, None))
        worst, worst_metric = worst_gap(row.figures) if row is not None else (None, None)
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

    # Counted per week in SQL: a handful of rows however many clocks there are.
    clocks = tree_clocks(user, unit).order_by()
    breached = (
        clocks.filter(breached_at__gte=first, breached_at__lt=end)
        .annotate(week=TruncWeek("breached_at", tzinfo=tz))
        .values("week")
        .annotate(n=Count("pk"))
        .values_list("week", "n")
    )
    for week_start, n in breached:
        if week := bucket(week_start):
            week.breaches += n
    finished = (
        clocks.filter(
            deadline__gte=first, deadline__lt=end, state__in=[ClockState.MET, ClockState.BREACHED]
        )
        .annotate(week=TruncWeek("deadline", tzinfo=tz))
        .values("week")
        .annotate(n=Count("pk"), met=Count("pk", filter=Q(state=ClockState.MET)))
        .values_list("week", "n", "met")
    )
    for week_start, n, met in finished:
        if week := bucket(week_start):
            week.finished += n
            week.met += met
    unit_ids = list(Unit.objects.filter(path__startswith=unit.path).values_list("pk", flat=True))
    meetings = Meeting.objects.filter(
        unit_id__in=unit_ids,
        kind__in=[Kind.DAILY, Kind.WEEKLY],
        starts_at__gte=first,
        starts_at__lt=min(end, timezone.now()),
    ).exclude(status__in=[Status.CANCELLED, Status.DRAFT, Status.PROPOSED])
    # Counted per meeting in SQL (a subquery, not thousands of ids), then
    # bucketed here: a company's eight weeks are some 9,000 meetings. (One
    # written between the two queries is left out.)
    starts_at = dict(meetings.values_list("pk", "starts_at"))
    for pk, (expected, submitted, _late) in customer_services.completion_by_meeting(
        meetings
    ).items():
        if pk in starts_at and (week := bucket(starts_at[pk])):
            week.briefs_expected += expected
            week.briefs_submitted += submitted
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


def loss_chain(
    user: Person, unit: Unit, today: dt.date, report: target_figures.Report | None = None
) -> list[LossStep]:
    """From what was thought to what was done, for this quarter so far: each
    step's rate with the counts behind it, so an executive sees where the
    chain leaks. ``report``: the unit's quarter, when already built."""
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
    meetings = Meeting.objects.filter(
        unit__in=teams,
        kind__in=[Kind.DAILY, Kind.WEEKLY],
        starts_at__gte=start,
        # As in the trends: a meeting still to come has no brief due yet.
        starts_at__lt=min(end, timezone.now()),
    ).exclude(status__in=[Status.CANCELLED, Status.DRAFT, Status.PROPOSED])
    briefs = customer_services.Completion()  # the quarter's, counted in SQL
    for expected, submitted, late in customer_services.completion_by_meeting(meetings).values():
        briefs.expected += expected
        briefs.submitted += submitted
        briefs.late += late
    finished = tree_clocks(user, unit).filter(
        deadline__gte=start, deadline__lt=end, state__in=[ClockState.MET, ClockState.BREACHED]
    )
    clock_counts = finished.aggregate(
        total=Count("pk"), met=Count("pk", filter=Q(state=ClockState.MET))
    )
    if report is None or report.period.pk != period.pk:
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
    """Hours each person spent in meetings starting in [start, end): not
    cancelled, drafts or proposals, and not those they declined or were
    marked absent from."""
    hours: dict[int, float] = defaultdict(float)
    rows = (
        Invitation.objects.filter(
            person__in=people, meeting__starts_at__gte=start, meeting__starts_at__lt=end
        )
        .exclude(meeting__status__in=[Status.CANCELLED, Status.DRAFT, Status.PROPOSED])
        .exclude(rsvp=Rsvp.DECLINED)
        .exclude(attended=False)
        .values_list("person_id", "meeting__starts_at", "meeting__ends_at")
    )
    for person_id, starts_at, ends_at in rows:
        hours[person_id] += (ends_at - starts_at).total_seconds() / 3600
    return hours


# --- The pages' figures, whole --------------------------------------------------------------


@dataclass
class Executive:
    unit: Unit
    lineage: list[Unit]
    headline: Headline
    heat: list[HeatCell]
    weeks: list[Week]
    loss: list[LossStep]


def executive(user: Person, unit: Unit, now: dt.datetime) -> Executive:
    """The escalation dashboard of ``unit`` (one the user may see), but its
    breach list (:func:`breaches`, paged by the caller)."""
    today = timezone.localdate(now)
    report = quarter_report(unit, today)
    return Executive(
        unit=unit,
        lineage=list(
            Unit.objects.for_user(user).filter(path__in=ancestor_paths(unit)).order_by("depth")
        ),
        headline=headline(user, unit, now),
        heat=heat_map(user, unit, today, report),
        weeks=trends(user, unit, today),
        loss=loss_chain(user, unit, today, report),
    )


def open_items_with_clocks(items):
    """Open action items, soonest due first, with their owner and clocks."""
    return (
        items.filter(state=ActionState.OPEN)
        .select_related("owner", "unit")
        .prefetch_related(Prefetch("clocks", queryset=SlaClock.objects.select_related("policy")))
        .order_by("due_at", "pk")
    )


@dataclass
class NeedsHelp:
    """A rep behind pace this quarter, by their worst gap."""

    rep: Person
    unit: Unit
    worst_gap: Decimal
    worst_metric: str

    @property
    def name(self) -> str:
        return str(self.rep)


class MeetingBriefs(NamedTuple):
    meeting: Meeting
    briefs: customer_services.Completion


class TeamCadence(NamedTuple):
    unit: Unit
    rows: list[CadenceRow]


class PersonLoad(NamedTuple):
    person: Person
    hours: float


@dataclass
class ManagerWeek:
    unit: Unit
    starts: dt.date
    meetings: list[MeetingBriefs]
    items: list[ActionItem]
    behind: list[NeedsHelp]
    cadence: list[TeamCadence]
    load: list[PersonLoad]


MANAGER_ITEMS = 30
NEEDS_HELP = 10


def manager_week(user: Person, unit: Unit, today: dt.date) -> ManagerWeek:
    """This week for a manager's unit: meetings with brief completion, open
    action items, reps furthest behind pace, cadence health of the last four
    weeks and hours in meetings per person."""
    monday = today - dt.timedelta(days=today.weekday())
    start, end = _day_start(monday), _day_start(monday + dt.timedelta(days=7))
    meetings = list(
        in_tree(Meeting.objects.all(), user, unit)
        .filter(starts_at__gte=start, starts_at__lt=end)
        .exclude(status=Status.CANCELLED)
        .select_related("unit")
        .order_by("starts_at", "pk")
    )
    briefs = customer_services.completion_by_meeting(meetings)
    people = list(
        Person.objects.filter(is_active=True, unit__path__startswith=unit.path).order_by(
            "full_name", "pk"
        )
    )
    load = meeting_load(people, start, end)
    report = quarter_report(unit, today)
    behind = []
    for (_unit_id, rep_id), row in report.rows.items():
        if rep_id is None:
            continue
        gap, metric = worst_gap(row.figures)
        if gap is not None and gap > 0:
            behind.append(NeedsHelp(row.rep, row.unit, gap, metric))
    behind.sort(key=lambda need: need.worst_gap, reverse=True)
    teams = list(Unit.objects.filter(path__startswith=unit.path, kind=UnitKind.TEAM))
    cadence = cadence_health_for_units(
        teams, monday - dt.timedelta(weeks=4), today + dt.timedelta(days=1), today=today
    )
    items = in_tree(ActionItem.objects.all(), user, unit)
    return ManagerWeek(
        unit=unit,
        starts=monday,
        meetings=[
            MeetingBriefs(m, customer_services.Completion(*briefs.get(m.pk, (0, 0, 0))))
            for m in meetings
        ],
        items=list(open_items_with_clocks(items)[:MANAGER_ITEMS]),
        behind=behind[:NEEDS_HELP],
        cadence=[TeamCadence(team, cadence[team.pk]) for team in teams],
        load=sorted(
            (PersonLoad(p, round(load.get(p.pk, 0), 1)) for p in people),
            key=lambda row: -row.hours,
        ),
    )


class MeetingToPrepare(NamedTuple):
    meeting: Meeting
    to_fill: list[customer_services.ExpectedBrief]


@dataclass
class RepDay:
    day: dt.date
    meetings: list[Meeting]
    briefs: list[MeetingToPrepare]
    items: list[ActionItem]
    figures: dict[str, target_figures.Figure] | None

    @property
    def briefs_to_fill(self) -> list[customer_services.ExpectedBrief]:
        return [brief for prepare in self.briefs for brief in prepare.to_fill]


REP_ITEMS = 20


def rep_day(user: Person, today: dt.date) -> RepDay:
    """Today for a rep: their meetings, the briefs still to fill for the
    next two days, their open action items and their targets against pace."""
    start = _day_start(today)
    meetings = list(
        Meeting.objects.attended_by(user)
        .filter(starts_at__gte=start, starts_at__lt=_day_start(today + dt.timedelta(days=1)))
        .exclude(status__in=[Status.CANCELLED, Status.PROPOSED])
        .select_related("unit")
        .order_by("starts_at", "pk")
    )
    upcoming = customer_services.upcoming_for_rep(user, days=2)
    figures = None
    # Only reps have a row of their own in the figures.
    if user.unit_id and user.role == Role.REP:
        row = quarter_report(user.unit, today).rows.get((user.unit_id, user.pk))
        figures = row.figures if row else None
    return RepDay(
        day=today,
        meetings=meetings,
        briefs=[
            MeetingToPrepare(m, [e for e in items if e.status in ("missing", "draft")])
            for m, items in upcoming
        ],
        items=list(open_items_with_clocks(ActionItem.objects.filter(owner=user))[:REP_ITEMS]),
        figures=figures,
    )
