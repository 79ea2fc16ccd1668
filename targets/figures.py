"""Plan against actual for a unit's tree: every unit and rep, every metric,
rolled up the tree, in three queries whatever its size."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Sum

from org.models import Person, Unit

from . import pacing
from .models import Actual, Metric, Period, Target

CENT = Decimal("0.01")


@dataclass
class Figure:
    target: Decimal = Decimal(0)
    actual: Decimal = Decimal(0)
    expected: Decimal = Decimal(0)

    @property
    def gap(self) -> Decimal | None:
        return pacing.gap(self.actual, self.expected)

    @property
    def attainment(self) -> Decimal | None:
        """actual / expected-to-date."""
        return None if self.expected <= 0 else self.actual / self.expected

    @property
    def shortfall(self) -> Decimal:
        return max(Decimal(0), self.expected - self.actual)


@dataclass
class Row:
    """One unit or rep, with a figure per metric."""

    unit: Unit
    rep: Person | None = None
    figures: dict[str, Figure] = field(default_factory=lambda: {m: Figure() for m in Metric.values})
    children: list[Row] = field(default_factory=list)

    @property
    def name(self) -> str:
        return str(self.rep or self.unit)


@dataclass
class Report:
    period: Period
    today: dt.date
    elapsed: Decimal
    root: Row
    rows: dict[tuple[int, int | None], Row]


def build(unit: Unit, period: Period, today: dt.date) -> Report:
    """Targets, actuals to date and expected-to-date for ``unit`` and every
    unit and rep below it. A unit's target is its own when one is set, else
    the sum of its children's and its reps'; its actual is always the sum
    of everything recorded in its subtree."""
    fraction = pacing.elapsed_fraction(period, today)
    curve = pacing.active_curve()
    units = list(Unit.objects.filter(path__startswith=unit.path).order_by("path"))
    reps = list(
        Person.objects.filter(unit__in=units, role="rep", is_active=True).order_by("full_name")
    )
    rows: dict[tuple[int, int | None], Row] = {(u.pk, None): Row(unit=u) for u in units}
    for rep in reps:
        rows[(rep.unit_id, rep.pk)] = Row(unit=rows[(rep.unit_id, None)].unit, rep=rep)
    by_path = {u.path: u for u in units}
    for u in units:
        parent = by_path.get(u.path[: -Unit.steplen])
        if parent is not None and u.pk != unit.pk:
            rows[(parent.pk, None)].children.append(rows[(u.pk, None)])
    for rep in reps:
        rows[(rep.unit_id, None)].children.append(rows[(rep.unit_id, rep.pk)])

    own_targets: dict[tuple[int, int | None], dict[str, Decimal]] = defaultdict(dict)
    for t in Target.objects.filter(period=period, unit__in=units).values(
        "unit_id", "rep_id", "metric", "value"
    ):
        key = (t["unit_id"], t["rep_id"])
        if key in rows:
            own_targets[key][t["metric"]] = t["value"]
    actuals = (
        Actual.objects.filter(
            unit__in=units, date__gte=period.starts_on, date__lte=min(today, period.ends_on)
        )
        .values("unit_id", "rep_id", "metric")
        .annotate(total=Sum("value"))
    )
    for a in actuals:
        key = (
            (a["unit_id"], a["rep_id"])
            if (a["unit_id"], a["rep_id"]) in rows
            else (a["unit_id"], None)
        )
        # SQLite sums decimals as floats: back to the cents they were stored in.
        rows[key].figures[a["metric"]].actual += a["total"].quantize(CENT)

    def roll_up(row: Row) -> None:
        for child in row.children:
            roll_up(child)
        for metric, figure in row.figures.items():
            own = own_targets.get((row.unit.pk, row.rep.pk if row.rep else None), {}).get(metric)
            if row.rep is None:
                figure.actual += sum((c.figures[metric].actual for c in row.children), Decimal(0))
            figure.target = (
                own
                if own is not None
                else sum((c.figures[metric].target for c in row.children), Decimal(0))
            )
            figure.expected = pacing.expected_to_date(figure.target, fraction, curve)

    root = rows[(unit.pk, None)]
    roll_up(root)
    return Report(period=period, today=today, elapsed=fraction, root=root, rows=rows)
