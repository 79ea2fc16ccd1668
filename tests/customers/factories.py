"""Customers and visit plans for test set-ups, and the meetings that expect
briefs, scheduled as a team lead schedules them.

Briefs under test are written through ``customers.services.save_brief``, as
reps write them; :func:`submit` is the short way to hand one in.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import factory

from customers import services
from customers.defaults import install_default_stages
from customers.models import Brief, Customer, PipelineStage, VisitPlan
from meetings import services as meeting_services
from meetings.kinds import Kind
from meetings.models import Meeting
from tests.meetings.factories import local, spec

NOW = local(2026, 11, 23, 10)  # a Monday morning
TUESDAY = local(2026, 11, 24, 9)  # tomorrow's morning meeting
FRIDAY = local(2026, 11, 27, 15)  # this week's weekly meeting


def stages() -> dict[str, PipelineStage]:
    """The default pipeline by key. A data migration installs it; tests on a
    flushed (transactional) database get it installed again here."""
    install_default_stages(PipelineStage)
    return {stage.key: stage for stage in PipelineStage.objects.all()}


def stage(key: str) -> PipelineStage:
    return stages()[key]


class CustomerFactory(factory.django.DjangoModelFactory):
    """``CustomerFactory(owner=org.rep)``: in the owner's unit, at the
    pipeline's first stage unless given."""

    class Meta:
        model = Customer

    name = factory.Sequence(lambda n: f"客户{n:03d}")
    owner = None
    unit = factory.LazyAttribute(lambda c: c.owner.unit)
    stage = factory.LazyFunction(lambda: stage("lead"))
    expected_value = Decimal("100000.00")
    external_id = factory.Sequence(lambda n: f"CRM-{n:05d}")


class VisitPlanFactory(factory.django.DjangoModelFactory):
    """``VisitPlanFactory(customer=c, day=...)``: the owner visits, and planned it."""

    class Meta:
        model = VisitPlan

    customer = None
    rep = factory.LazyAttribute(lambda v: v.customer.owner)
    day = dt.date(2026, 11, 24)
    planned_by = factory.SelfAttribute("rep")


def schedule(kind: str, org, starts_at: dt.datetime, invitees, *, unit=None, minutes=None):
    """A meeting of ``unit`` (上海一组 by default) scheduled by its team lead,
    with the rules' warnings accepted."""
    unit = unit or org.team_a
    chair = unit.manager
    minutes = minutes or (30 if kind == Kind.DAILY else 90)
    meeting, _verdict = meeting_services.schedule_meeting(
        spec(kind, unit, starts_at, hours=minutes / 60, invitees=list(invitees)),
        chair,
        accept_warnings=True,
    )
    return meeting


def daily(org, starts_at: dt.datetime = TUESDAY, invitees=None, **kwargs) -> Meeting:
    """上海一组's morning meeting, ``rep`` invited unless others are named."""
    return schedule(
        Kind.DAILY, org, starts_at, [org.rep] if invitees is None else invitees, **kwargs
    )


def weekly(org, starts_at: dt.datetime = FRIDAY, invitees=None, **kwargs) -> Meeting:
    """上海一组's weekly meeting, ``rep`` invited unless others are named."""
    return schedule(
        Kind.WEEKLY, org, starts_at, [org.rep] if invitees is None else invitees, **kwargs
    )


def submit(meeting: Meeting, customer: Customer, rep=None, **data) -> Brief:
    """Hand in ``rep``'s (the owner's, by default) brief with ``data``."""
    return services.save_brief(meeting, customer, rep or customer.owner, data, submit=True)
