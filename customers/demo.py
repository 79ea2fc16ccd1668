"""Demo customers: five for each rep of the demo company, spread over the
pipeline, and for every rep a visit plan for the coming working days, so
that the prepare page and the daily meetings have briefs to ask for."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from org.choices import Role
from org.demo import COMPANY
from org.models import Person, Unit
from org.workdays import WorkingCalendar, days_between

from .defaults import install_default_stages
from .models import Customer, PipelineStage, VisitPlan

COMPANIES = (
    "华信电子",
    "长城物流",
    "东方航空配件",
    "瑞丰食品",
    "金桥建材",
    "海天化工",
    "北辰医疗",
    "新锐教育",
    "恒通汽车",
    "百川能源",
    "天宇通信",
    "云帆软件",
    "星河酒店",
    "明德律所",
    "联创制造",
    "博远咨询",
    "绿源农业",
    "中和保险",
    "安达快递",
    "宏图地产",
)
STAGE_CYCLE = ("lead", "qualified", "proposal", "negotiation", "proposal", "signed", "qualified")


@transaction.atomic
def seed_customers(per_rep: int = 5) -> int:
    install_default_stages(PipelineStage)
    stages = {s.key: s for s in PipelineStage.objects.all()}
    company = Unit.get_root_nodes().get(name=COMPANY)
    reps = list(
        Person.objects.filter(role=Role.REP, unit__path__startswith=company.path)
        .select_related("unit")
        .order_by("username")
    )
    names = itertools.cycle(COMPANIES)
    stage_keys = itertools.cycle(STAGE_CYCLE)
    existing = set(
        Customer.objects.filter(external_id__startswith="DEMO-").values_list(
            "external_id", flat=True
        )
    )
    new = []
    for rep in reps:
        for n in range(per_rep):
            external_id = f"DEMO-{rep.username}-{n}"
            name, stage = next(names), next(stage_keys)
            if external_id in existing:
                continue
            new.append(
                Customer(
                    name=f"{name}({rep.full_name})" if n else name,
                    owner=rep,
                    unit=rep.unit,
                    stage=stages[stage],
                    expected_value=Decimal(50_000 * (n + 1)),
                    external_id=external_id,
                )
            )
    Customer.objects.bulk_create(new, batch_size=1000)
    _plan_visits(reps)
    return Customer.objects.count()


def _plan_visits(reps: list[Person]) -> None:
    """Each rep visits two of their active customers on each of the next five working days."""
    today = timezone.localdate()
    calendar = WorkingCalendar.for_span(today, today + dt.timedelta(days=14))
    days = list(calendar.working_days(days_between(today, today + dt.timedelta(days=14))))[:5]
    customers: dict[int, list[Customer]] = {}
    for customer in Customer.objects.active().filter(owner__in=reps).order_by("external_id"):
        customers.setdefault(customer.owner_id, []).append(customer)
    plans = []
    for rep in reps:
        mine = customers.get(rep.pk, [])
        for index, day in enumerate(days):
            for customer in mine[index % max(len(mine), 1) :][:2]:
                plans.append(VisitPlan(rep=rep, customer=customer, day=day, planned_by=rep))
    VisitPlan.objects.bulk_create(plans, ignore_conflicts=True, batch_size=1000)
