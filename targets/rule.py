"""The 15% rule: when a unit's result falls more than the threshold behind
its paced target, after a minimum part of the period, the senior manager
above it is proposed a review meeting (复盘会) — once per unit and period,
with every metric that fell short, and its agenda pre-filled with the
figures that show where the shortfall arose.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from meetings import services as meeting_services
from meetings.kinds import Kind
from meetings.models import Status
from org.choices import Role
from org.models import Person, Unit
from org.services import ancestor_paths
from org.workdays import WorkingCalendar

from . import figures as figures_module
from .models import GapReview, Metric, Period

SENIOR_ROLES = (Role.SENIOR_MANAGER, Role.EXECUTIVE)
# A review meeting whose record no longer takes agenda items.
CLOSED = (Status.CONCLUDED, Status.CANCELLED)


@dataclass(frozen=True)
class Finding:
    unit: Unit
    period: Period
    metric: str
    gap: Decimal
    review: GapReview
    created: bool


def threshold() -> Decimal:
    return Decimal(str(settings.SALESMEET_GAP_THRESHOLD))


def min_elapsed() -> Decimal:
    return Decimal(str(settings.SALESMEET_GAP_MIN_ELAPSED))


def is_behind(figure: figures_module.Figure) -> bool:
    """More than the threshold short of expected-to-date: the exact gap,
    not the rounded one, is compared, so 15.004% is behind and 15% is not."""
    return figure.expected > 0 and figure.actual < figure.expected * (1 - threshold())


def caller_for(unit: Unit) -> Person | None:
    """The senior manager above the unit: at the nearest unit above it with
    one, a senior manager (its manager first, then one sitting in it) before
    an executive; failing that, the top of the tree."""
    ancestors = list(
        Unit.objects.filter(path__in=ancestor_paths(unit)[1:])
        .select_related("manager")
        .order_by("-depth")
    )
    seniors = Person.objects.filter(unit__in=ancestors, role__in=SENIOR_ROLES, is_active=True)
    seniors = list(seniors.order_by("pk"))
    for ancestor in ancestors:
        here = [p for p in seniors if p.unit_id == ancestor.pk]
        manager = ancestor.manager
        if manager and manager.role in SENIOR_ROLES and manager.is_active:
            here.insert(0, manager)
        if here:  # min() keeps the first of equals: the manager, then by id
            return min(here, key=lambda p: p.role != Role.SENIOR_MANAGER)
    managers = [a.manager for a in ancestors if a.manager and a.manager.is_active]
    return managers[-1] if managers else unit.manager


def _contributors(row: figures_module.Row, metric: str) -> list[dict]:
    """Teams and reps below the unit, biggest shortfall first."""
    out = []
    stack = list(row.children)
    while stack:
        child = stack.pop()
        stack.extend(child.children)
        figure = child.figures[metric]
        if figure.target == 0 and figure.actual == 0:
            continue
        out.append(_figure_dict(child.name, figure, rep=child.rep is not None))
    return sorted(out, key=lambda f: Decimal(f["shortfall"]), reverse=True)


def _figure_dict(name: str, figure: figures_module.Figure, **extra) -> dict:
    return {
        "name": name,
        "target": str(figure.target),
        "expected": str(figure.expected),
        "actual": str(figure.actual),
        "gap": None if figure.gap is None else str(figure.gap),
        "shortfall": str(figure.shortfall),
        **extra,
    }


def _invitees(unit: Unit, row: figures_module.Row, metric: str) -> list[Person]:
    """The unit's middle and frontline managers, the two reps with the best
    results and the two with the largest swings from pace."""
    managers = list(
        Person.objects.filter(
            is_active=True,
            unit__path__startswith=unit.path,
            role__in=[Role.MIDDLE_MANAGER, Role.TEAM_LEAD],
        )
    )
    reps = []
    stack = list(row.children)
    while stack:
        child = stack.pop()
        stack.extend(child.children)
        if child.rep is not None and child.figures[metric].attainment is not None:
            reps.append(child)
    best = sorted(reps, key=lambda r: r.figures[metric].attainment, reverse=True)[:2]
    swings = sorted(reps, key=lambda r: abs(r.figures[metric].attainment - 1), reverse=True)[:2]
    people = {p.pk: p for p in managers}
    for r in [*best, *swings]:
        people.setdefault(r.rep.pk, r.rep)
    return list(people.values())


def _agenda_text(metric: str, data: dict) -> str:
    lines = [
        _("Target %(target)s, expected by now %(expected)s, actual %(actual)s, gap %(gap)s.")
        % {
            "target": data["target"],
            "expected": data["expected"],
            "actual": data["actual"],
            "gap": _percent(data["gap"]),
        }
    ]
    for c in data["contributors"][:10]:
        lines.append(f"· {c['name']}: {c['actual']} / {c['expected']} ({_percent(c['gap'])})")
    return "\n".join(lines)


def _percent(value) -> str:
    return "—" if value is None else f"{Decimal(value) * 100:.1f}%"


def _proposed_start(today: dt.date) -> dt.datetime:
    calendar = WorkingCalendar.for_span(today, today + dt.timedelta(days=20))
    day = calendar.next_working_day(today + dt.timedelta(days=1))
    return timezone.make_aware(dt.datetime.combine(day, dt.time(10, 0)))


@transaction.atomic
def propose_review(
    unit: Unit, period: Period, metric: str, report: figures_module.Report
) -> tuple[GapReview, bool]:
    """Create the unit's review for the period, or add ``metric`` to it."""
    from actions.notify import notify
    from agendas import services as agenda_services

    row = report.rows[(unit.pk, None)]
    figure = row.figures[metric]
    data = {
        **_figure_dict(str(unit), figure),
        "contributors": _contributors(row, metric),
        "metric_label": str(Metric(metric).label),
    }
    review, _created = GapReview.objects.get_or_create(unit=unit, period=period)
    review = GapReview.objects.select_for_update().get(pk=review.pk)
    if metric in review.metrics:
        return review, False
    chair = caller_for(unit)
    if review.meeting_id is None and chair is not None:
        start = _proposed_start(report.today)
        spec = meeting_services.MeetingSpec(
            kind=Kind.REVIEW,
            unit=unit,
            title=_("Review: %(unit)s behind plan in %(period)s")
            % {"unit": unit, "period": period},
            starts_at=start,
            ends_at=start + dt.timedelta(hours=3),
            invitees=_invitees(unit, row, metric),
        )
        review.meeting = meeting_services.propose_meeting(
            spec,
            chair,
            description=_("Proposed by the gap rule: results more than %(threshold)s behind plan.")
            % {"threshold": _percent(threshold())},
        )
        notify(
            chair,
            kind="review_proposed",
            title=_("Review proposed: %(unit)s is behind plan") % {"unit": unit},
            body=_("%(metric)s: gap %(gap)s. Confirm a time for the review meeting.")
            % {"metric": data["metric_label"], "gap": _percent(data["gap"])},
            url=review.meeting.get_absolute_url(),
            key=f"gap-review-{review.pk}",
        )
    if review.meeting is not None and review.meeting.status not in CLOSED:
        agenda_services.add_item(
            review.meeting,
            review.meeting.chair,
            _("Figures: %(metric)s") % {"metric": data["metric_label"]},
            20,
            _agenda_text(metric, data),
        )
    review.metrics = [*review.metrics, metric]
    review.figures = {**review.figures, metric: data}
    review.save(update_fields=["metrics", "figures", "meeting"])
    return review, True


def check(period: Period, today: dt.date | None = None) -> list[Finding]:
    """Run the rule over every unit with targets in the period. Idempotent:
    a unit and metric already in its review is skipped."""
    today = today or timezone.localdate()
    findings: list[Finding] = []
    roots = Unit.get_root_nodes()
    for root in roots:
        report = figures_module.build(root, period, today)
        if report.elapsed < min_elapsed():
            continue
        for (_unit_id, rep_id), row in report.rows.items():
            if rep_id is not None:
                continue
            for metric, figure in row.figures.items():
                if not is_behind(figure):
                    continue
                review, created = propose_review(row.unit, period, metric, report)
                if created:
                    findings.append(Finding(row.unit, period, metric, figure.gap, review, created))
    return findings


def current_periods(today: dt.date | None = None):
    today = today or timezone.localdate()
    return Period.objects.filter(starts_on__lte=today, ends_on__gte=today)


def check_all(today: dt.date | None = None) -> list[Finding]:
    found = []
    for period in current_periods(today):
        found.extend(check(period, today))
    return found
