"""Writes on plans, targets and actuals. Every actuals change re-runs the
gap rule after commit."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from org.models import Person, Unit

from .models import Actual, Period, PeriodKind, Source, Target


def period_for(kind: str, day: dt.date) -> Period:
    """The month, quarter or half-year containing ``day`` (created on first use)."""
    months = {PeriodKind.MONTH: 1, PeriodKind.QUARTER: 3, PeriodKind.HALF: 6}[PeriodKind(kind)]
    first_month = (day.month - 1) // months * months + 1
    starts = dt.date(day.year, first_month, 1)
    total = first_month - 1 + months
    ends = dt.date(day.year + total // 12, total % 12 + 1, 1) - dt.timedelta(days=1)
    period, _created = Period.objects.get_or_create(
        kind=kind, starts_on=starts, defaults={"ends_on": ends}
    )
    return period


def can_plan(user: Person, unit: Unit) -> bool:
    """Managers set targets in their tree; sales ops and executives anywhere."""
    if user.is_superuser or user.role in ("sales_ops", "executive"):
        return True
    return user.is_manager and Unit.objects.for_user(user).filter(pk=unit.pk).exists()


def check_gaps_after_commit() -> None:
    from . import tasks

    transaction.on_commit(lambda: tasks.check_gaps.delay())


@transaction.atomic
def set_target(
    user: Person, period: Period, unit: Unit, metric: str, value: Decimal, rep: Person | None = None
) -> Target:
    if not can_plan(user, unit):
        raise PermissionDenied(_("You cannot set targets for this unit."))
    if value < 0:
        raise ValueError(_("A target cannot be negative."))
    if rep is not None and rep.unit_id != unit.pk:
        raise ValueError(_("The rep does not belong to that unit."))
    target, created = Target.objects.get_or_create(
        period=period, unit=unit, rep=rep, metric=metric, defaults={"value": value, "set_by": user}
    )
    if not created and target.value != value:
        target.value = value
        target.set_by = user
        target.confirmed_by = None
        target.confirmed_at = None
        target._history_user = user
        target.save()
    check_gaps_after_commit()
    return target


@transaction.atomic
def confirm_target(user: Person, target: Target) -> Target:
    if not can_plan(user, target.unit) or user.pk == target.set_by_id:
        raise PermissionDenied(_("Another manager confirms a target than the one who set it."))
    Target.objects.filter(pk=target.pk).update(confirmed_by=user, confirmed_at=timezone.now())
    target.refresh_from_db()
    return target


@transaction.atomic
def record_actual(
    user: Person | None,
    *,
    date: dt.date,
    unit: Unit,
    metric: str,
    value: Decimal,
    rep: Person | None = None,
    external_id: str | None = None,
    source: str = Source.FORM,
) -> Actual:
    if user is not None and not can_plan(user, unit) and (rep is None or rep.pk != user.pk):
        raise PermissionDenied(_("You cannot record results for this unit."))
    if rep is not None and rep.unit_id != unit.pk:
        raise ValueError(_("The rep does not belong to that unit."))
    actual = Actual(
        date=date,
        unit=unit,
        rep=rep,
        metric=metric,
        value=value,
        external_id=external_id or None,
        source=source,
        created_by=user,
    )
    actual._history_user = user
    actual.save()
    check_gaps_after_commit()
    return actual


def split_evenly(total: Decimal, parts: int) -> list[Decimal]:
    """Spread a whole into ``parts`` that add up to it exactly (cents)."""
    if parts <= 0:
        return []
    base = (Decimal(total) / parts).quantize(Decimal("0.01"))
    shares = [base] * parts
    shares[-1] += Decimal(total) - base * parts
    return shares


@transaction.atomic
def save_plan(
    user: Person,
    unit: Unit,
    period: Period,
    *,
    methods: str,
    regions: str,
    resources: str,
    meeting=None,
):
    """The plan's words beside its numbers: prospecting methods, regions, resources."""
    from .models import Plan

    if not can_plan(user, unit):
        raise PermissionDenied(_("You cannot plan for this unit."))
    plan, _created = Plan.objects.update_or_create(
        unit=unit,
        period=period,
        defaults={
            "methods": methods,
            "regions": regions,
            "resources": resources,
            "set_by": user,
            "meeting": meeting,
        },
    )
    return plan


def decomposition(unit: Unit, period: Period) -> dict:
    """The unit's own targets and its parts' (child units and the reps
    directly in it), per metric, with whether the parts add up to the whole."""
    from .models import Metric

    children = list(
        Unit.objects.filter(path__startswith=unit.path, depth=unit.depth + 1).order_by("name")
    )
    reps = list(Person.objects.filter(unit=unit, role="rep", is_active=True).order_by("full_name"))
    targets = (
        Target.objects.filter(period=period)
        .filter(Q(unit=unit) | Q(unit__in=children, rep__isnull=True))
        .select_related("set_by", "confirmed_by")
    )
    cells = {(t.unit_id, t.rep_id, t.metric): t for t in targets}
    sums, mismatch = {}, {}
    for metric in Metric.values:
        parts = [cells.get((c.pk, None, metric)) for c in children] + [
            cells.get((unit.pk, r.pk, metric)) for r in reps
        ]
        total = sum((t.value for t in parts if t is not None), Decimal(0))
        whole = cells.get((unit.pk, None, metric))
        sums[metric] = total
        mismatch[metric] = whole is not None and any(parts) and total != whole.value
    return {"children": children, "reps": reps, "cells": cells, "sums": sums, "mismatch": mismatch}
