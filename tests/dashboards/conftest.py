"""A small week of 上海一组, 上海二组 and 广州组, frozen on Wednesday
25 November 2026 at 10:00 in Shanghai (the quarter is Q4 2026; this week
starts on Monday the 23rd).

Promises (SLA clocks, ``decision`` policy: the deadline is the due time):

=====  ==========  =============================  ==============================
item   owner       timeline                       state now
=====  ==========  =============================  ==============================
A      rep         due Mon 16th 17:00             breached (week of the 16th), L1 lead, L2 director
B      outsider    due Mon 23rd 12:00             breached (this week), L1 lead_b
F      outsider    due Mon 23rd 10:00, done 14:00 breached, but done: not open
G      rep_south   due Mon 23rd 11:00             breached (this week), L1 director_south
C      rep_south   due Tue 24th 09:00, done Mon   met
D      rep         due Wed 25th 12:00             running, warning due: at risk
E      lead        due Tue 1 Dec                  running
=====  ==========  =============================  ==============================

Besides: an open customer issue of rep's since Friday the 20th (5 days), a
resolved one of rep_south's; gap reviews of 上海一组 (this quarter and this
month) and 广州组 (this quarter), and one of 华东 last quarter; a review
meeting proposed in 上海一组 and one held in 华南; targets of 上海一组
(revenue 1000 and signed 10, rep's revenue 600) against revenue 100 (rep's)
and 10 signed; a company strategy meeting in October with two kinds of
requirement; 上海一组's weekly meeting last Friday, concluded, with rep's
brief in on time; this week a daily meeting tonight (rep's visit plan
expects a brief, not written), a weekly meeting on Friday (1.5 h, outsider
invited and declined) and a cancelled one.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import pytest
import time_machine

from actions import services as action_services
from actions.defaults import install_default_policies
from actions.models import ActionItem, ActionKind, SlaPolicy
from agendas.models import StrategyRequirement
from customers.defaults import install_default_stages
from customers.models import Customer, PipelineStage
from meetings.kinds import Kind
from meetings.models import Invitation, Meeting, Rsvp, Status
from targets import services as target_services
from targets.models import Actual, GapReview, Metric, Period, Target
from tests.customers.factories import CustomerFactory, VisitPlanFactory, submit
from tests.meetings.factories import MeetingFactory, local

NOW = local(2026, 11, 25, 10)
TODAY = NOW.date()
THIS_MONDAY = dt.date(2026, 11, 23)
LAST_MONDAY = dt.date(2026, 11, 16)


def at(moment: dt.datetime):
    return time_machine.travel(moment, tick=False)


@pytest.fixture(autouse=True)
def frozen():
    with at(NOW):
        yield


@pytest.fixture(autouse=True)
def defaults(db):
    """The SLA policies and pipeline stages a data migration installs (and
    a transactional test's flush removes)."""
    install_default_policies(SlaPolicy)
    install_default_stages(PipelineStage)


@pytest.fixture
def quarter(db) -> Period:
    return target_services.period_for("quarter", TODAY)


def promise(owner, title: str, created: dt.datetime, due: dt.datetime, **kwargs) -> ActionItem:
    with at(created):
        return action_services.create_action_item(
            title=title, owner=owner, created_by=owner, due_at=due, **kwargs
        )


def sweep(moment: dt.datetime, *, escalate: bool = False) -> None:
    """Breach what is due at ``moment`` (and climb the ladder if asked)."""
    with at(moment):
        action_services.breach_due_clocks(moment)
        if escalate:
            action_services.escalate_further(moment)


def done(item: ActionItem, moment: dt.datetime) -> None:
    with at(moment):
        action_services.complete(item, item.owner, evidence="已处理")


@dataclass
class Scenario:
    a: ActionItem
    b: ActionItem
    c: ActionItem
    d: ActionItem
    e: ActionItem
    f: ActionItem
    g: ActionItem
    issue: ActionItem
    tonight: Meeting
    friday: Meeting
    last_friday: Meeting
    customer: Customer


@pytest.fixture
def scenario(org, quarter) -> Scenario:
    a = promise(org.rep, "甲:回复客户投诉", local(2026, 11, 16, 9), local(2026, 11, 16, 17))
    sweep(local(2026, 11, 16, 18))
    sweep(local(2026, 11, 17, 18), escalate=True)

    monday = local(2026, 11, 23, 9)
    b = promise(org.outsider, "乙:补交报价单", monday, local(2026, 11, 23, 12))
    f = promise(org.outsider, "戊:确认交付日期", monday, local(2026, 11, 23, 10))
    g = promise(org.rep_south, "己:提交样品申请", monday, local(2026, 11, 23, 11))
    c = promise(org.rep_south, "丙:约见采购总监", monday, local(2026, 11, 24, 9))
    d = promise(org.rep, "丁:寄送合同草案", monday, local(2026, 11, 25, 12))
    e = promise(org.lead, "庚:安排陪访", monday, local(2026, 12, 1, 18))
    sweep(local(2026, 11, 23, 13))
    done(f, local(2026, 11, 23, 14))
    done(c, local(2026, 11, 23, 15))

    issue = promise(
        org.rep,
        "客户问题:发票错误",
        local(2026, 11, 20, 10),
        local(2026, 11, 20, 10),
        kind=ActionKind.ISSUE_RESOLUTION,
        policy_key=None,
    )
    resolved = promise(
        org.rep_south,
        "客户问题:物流延误",
        local(2026, 11, 22, 10),
        local(2026, 11, 22, 10),
        kind=ActionKind.ISSUE_RESOLUTION,
        policy_key=None,
    )
    done(resolved, local(2026, 11, 24, 10))

    month = target_services.period_for("month", TODAY)
    last_quarter = target_services.period_for("quarter", dt.date(2026, 8, 1))
    for unit, period in [
        (org.team_a, quarter),
        (org.team_a, month),
        (org.team_south, quarter),
        (org.east, last_quarter),
    ]:
        GapReview.objects.create(unit=unit, period=period, metrics=["revenue"])
    MeetingFactory(
        kind=Kind.REVIEW, unit=org.team_a, status=Status.PROPOSED, starts_at=local(2026, 11, 26, 10)
    )
    MeetingFactory(
        kind=Kind.REVIEW,
        unit=org.south,
        status=Status.CONCLUDED,
        starts_at=local(2026, 11, 19, 10),
    )

    for metric, value in [(Metric.REVENUE, 1000), (Metric.SIGNED, 10)]:
        Target.objects.create(
            period=quarter, unit=org.team_a, metric=metric, value=Decimal(value), set_by=org.lead
        )
    Target.objects.create(
        period=quarter,
        unit=org.team_a,
        rep=org.rep,
        metric=Metric.REVENUE,
        value=Decimal(600),
        set_by=org.lead,
    )
    day = dt.date(2026, 11, 18)
    Actual.objects.create(
        date=day, unit=org.team_a, rep=org.rep, metric=Metric.REVENUE, value=Decimal(100)
    )
    Actual.objects.create(date=day, unit=org.team_a, metric=Metric.SIGNED, value=Decimal(10))

    strategy = MeetingFactory(
        kind=Kind.STRATEGY,
        unit=org.company,
        status=Status.CONCLUDED,
        starts_at=local(2026, 10, 12, 14),
    )
    for kind in ("target", "indicator"):
        StrategyRequirement.objects.create(
            meeting=strategy, kind=kind, text="季度目标", created_by=org.exec
        )

    customer = CustomerFactory(owner=org.rep, name="星辰科技")
    last_friday = MeetingFactory(
        kind=Kind.WEEKLY, unit=org.team_a, invitees=[org.rep], starts_at=local(2026, 11, 20, 15)
    )
    with at(local(2026, 11, 20, 11)):
        submit(last_friday, customer, needs="报价")
    Meeting.objects.filter(pk=last_friday.pk).update(
        status=Status.CONCLUDED, concluded_at=local(2026, 11, 20, 16)
    )

    VisitPlanFactory(customer=customer, day=TODAY)
    tonight = MeetingFactory(
        kind=Kind.DAILY,
        unit=org.team_a,
        invitees=[org.rep],
        starts_at=local(2026, 11, 25, 18),
        ends_at=local(2026, 11, 25, 18, 30),
    )
    friday = MeetingFactory(
        kind=Kind.WEEKLY,
        unit=org.team_a,
        invitees=[org.rep],
        starts_at=local(2026, 11, 27, 15),
        ends_at=local(2026, 11, 27, 16, 30),
    )
    Invitation.objects.create(meeting=friday, person=org.outsider, rsvp=Rsvp.DECLINED)
    MeetingFactory(
        kind=Kind.WEEKLY,
        unit=org.team_a,
        invitees=[org.rep],
        status=Status.CANCELLED,
        starts_at=local(2026, 11, 26, 15),
    )
    return Scenario(a, b, c, d, e, f, g, issue, tonight, friday, last_friday, customer)
