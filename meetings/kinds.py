"""The meeting taxonomy as one registry: every kind's methodology as data.

Each rule restates a row of the article's table (DESIGN.md §3). The numbers
an organisation may want to tune — durations and scheduling windows — have
defaults here and can be overridden per kind in ``KindPolicy`` rows (admin),
without code changes; :func:`rule_for` and :func:`all_rules` apply them.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from django.db import models
from django.utils.translation import gettext_lazy as _

from org.choices import MANAGER_ROLES, Role, UnitKind


class Kind(models.TextChoices):
    DAILY = "daily", _("Daily meeting")  # 日会 (晨会 / 晚会)
    WEEKLY = "weekly", _("Weekly meeting")  # 周会
    MONTHLY = "monthly", _("Monthly meeting")  # 月会
    QUARTERLY = "quarterly", _("Quarterly meeting")  # 季度会
    CUSTOMER_SPECIAL = "customer_special", _("Customer special meeting")  # 客户专项会
    RESOURCE_COORDINATION = (
        "resource_coordination",
        _("Resource coordination meeting"),
    )  # 资源协同会
    CUSTOMER_ISSUE = "customer_issue", _("Customer issue meeting")  # 客户问题解决协调会
    STRATEGY = "strategy", _("Strategy meeting")  # 策略会
    PLAN = "plan", _("Plan meeting")  # 计划会
    REVIEW = "review", _("Review meeting")  # 复盘会


class Direction(models.TextChoices):
    BOTTOM_UP = "bottom_up", _("Bottom-up: information")  # 从下到上
    TOP_DOWN = "top_down", _("Top-down: execution")  # 从上到下


class Cadence(models.TextChoices):
    WORKING_DAYS = "working_days", _("Every working day")
    WEEKLY = "weekly", _("Weekly")
    MONTHLY = "monthly", _("Monthly")
    QUARTERLY = "quarterly", _("Quarterly")
    HALF_YEARLY = "half_yearly", _("Half-yearly")
    EVENT = "event", _("When an event calls for it")


class Invite(models.TextChoices):
    """Who a kind invites by default when it is scheduled."""

    UNIT_MEMBERS = "unit_members", _("Everyone in the unit")
    UNIT_MANAGERS = "unit_managers", _("The managers in the unit")
    CALLER_AND_SUPERIOR = "caller_and_superior", _("The caller and their superior")
    CALLER = "caller", _("The caller; others by hand")


EVERYONE = frozenset(Role)
MANAGERS = frozenset(MANAGER_ROLES)
SENIOR = frozenset({Role.SENIOR_MANAGER, Role.EXECUTIVE})


@dataclasses.dataclass(frozen=True)
class Slot:
    """A preferred weekly time window: weekday (0 = Monday) and hours."""

    weekday: int
    start: dt.time
    end: dt.time

    def contains(self, moment: dt.datetime) -> bool:
        return moment.weekday() == self.weekday and self.start <= moment.time() < self.end


@dataclasses.dataclass(frozen=True)
class KindRule:
    kind: Kind
    direction: Direction
    cadence: Cadence
    callers: frozenset[Role]
    attendees: frozenset[Role]
    invite: Invite
    preparation: str
    outputs: tuple[str, ...]
    # Keys of the SLA clock policies that concluding the meeting starts (actions app).
    clocks: tuple[str, ...] = ()
    agenda_template: str = ""
    duration_minutes: int = 60
    # Weekly: the preferred windows. Empty means any time.
    slots: tuple[Slot, ...] = ()
    # Monthly: the first N days of the month. Quarterly: the first N days after quarter end.
    window_days: int | None = None
    # Strategy: fewer days than this since the unit's previous one is a warning sign.
    min_interval_days: int | None = None
    # The units whose cadence health counts this kind.
    cadence_units: frozenset[UnitKind] = frozenset()
    customer_required: bool = False

    @property
    def label(self) -> str:
        return self.kind.label

    @property
    def is_recurring(self) -> bool:
        return self.cadence != Cadence.EVENT

    def may_call(self, role: str) -> bool:
        return role in self.callers

    def may_attend(self, role: str) -> bool:
        return role in self.attendees


RULES: dict[Kind, KindRule] = {
    rule.kind: rule
    for rule in (
        KindRule(
            kind=Kind.DAILY,
            direction=Direction.BOTTOM_UP,
            cadence=Cadence.WORKING_DAYS,
            callers=MANAGERS,
            attendees=EVERYONE,
            invite=Invite.UNIT_MEMBERS,
            preparation=_(
                "One brief per customer the rep visits or follows up today: needs, "
                "blockers, problems to solve, help wanted."
            ),
            outputs=(_("Per brief, whether the team lead accompanies the visit"),),
            agenda_template="daily",
            duration_minutes=30,
            cadence_units=frozenset({UnitKind.TEAM}),
        ),
        KindRule(
            kind=Kind.WEEKLY,
            direction=Direction.BOTTOM_UP,
            cadence=Cadence.WEEKLY,
            callers=MANAGERS,
            attendees=EVERYONE,
            invite=Invite.UNIT_MEMBERS,
            preparation=_("Each rep's customer status."),
            outputs=(
                _("Each customer's signing stage confirmed"),
                _("Performance progress"),
                _("Next week's visit plan per rep"),
            ),
            agenda_template="weekly",
            duration_minutes=90,
            slots=(
                Slot(4, dt.time(12, 0), dt.time(19, 0)),  # Friday afternoon
                Slot(0, dt.time(8, 0), dt.time(12, 0)),  # Monday morning
            ),
            cadence_units=frozenset({UnitKind.TEAM}),
        ),
        KindRule(
            kind=Kind.MONTHLY,
            direction=Direction.BOTTOM_UP,
            cadence=Cadence.MONTHLY,
            callers=MANAGERS,
            attendees=EVERYONE,
            invite=Invite.UNIT_MEMBERS,
            preparation=_("Last month's results."),
            outputs=(
                _("Summary of last month"),
                _("Reps to focus on and help"),
                _("This month's targets, incentives and promotions"),
                _("Each rep's monthly plan, confirmed in a 1:1"),
            ),
            agenda_template="monthly",
            duration_minutes=120,
            window_days=7,
            cadence_units=frozenset({UnitKind.COMPANY, UnitKind.REGION, UnitKind.TEAM}),
        ),
        KindRule(
            kind=Kind.QUARTERLY,
            direction=Direction.BOTTOM_UP,
            cadence=Cadence.QUARTERLY,
            callers=frozenset({Role.MIDDLE_MANAGER, Role.SENIOR_MANAGER, Role.EXECUTIVE}),
            attendees=MANAGERS,
            invite=Invite.UNIT_MANAGERS,
            preparation=_(
                "Information and needs collected bottom-up from every level; collection "
                "opens two weeks before quarter end."
            ),
            outputs=(_("Adjustments to strategy"), _("Next quarter's plan")),
            agenda_template="quarterly",
            duration_minutes=240,
            window_days=7,
            cadence_units=frozenset({UnitKind.COMPANY, UnitKind.REGION}),
        ),
        KindRule(
            kind=Kind.CUSTOMER_SPECIAL,
            direction=Direction.BOTTOM_UP,
            cadence=Cadence.EVENT,
            callers=frozenset({Role.REP}) | MANAGERS,
            attendees=EVERYONE,
            invite=Invite.CALLER,
            preparation=_("The blocker in the customer's deal."),
            outputs=(
                _("A conclusion the same day (不过夜)"),
                _("Execution and feedback within 24 h"),
            ),
            clocks=("customer_special.conclusion", "customer_special.execution"),
            agenda_template="customer_special",
            duration_minutes=60,
            customer_required=True,
        ),
        KindRule(
            kind=Kind.RESOURCE_COORDINATION,
            direction=Direction.BOTTOM_UP,
            cadence=Cadence.EVENT,
            callers=MANAGERS | {Role.SALES_STRATEGY, Role.SALES_OPS},
            attendees=EVERYONE,
            invite=Invite.CALLER,
            preparation=_("The batch of customer needs that became shared needs."),
            outputs=(
                _("A resource allocation plan implemented within 48 h"),
                _("The requester's review of the implementation"),
            ),
            clocks=("resource_coordination.implementation", "resource_coordination.review"),
            agenda_template="resource_coordination",
            duration_minutes=60,
        ),
        KindRule(
            kind=Kind.CUSTOMER_ISSUE,
            direction=Direction.BOTTOM_UP,
            cadence=Cadence.EVENT,
            callers=frozenset({Role.TEAM_LEAD}),
            attendees=EVERYONE,
            invite=Invite.CALLER_AND_SUPERIOR,
            preparation=_("The complaint, conflict or dispute."),
            outputs=(
                _("Clear feedback to the customer within 24 h"),
                _("The issue followed until fully resolved"),
            ),
            clocks=("customer_issue.feedback",),
            agenda_template="customer_issue",
            duration_minutes=60,
            customer_required=True,
        ),
        KindRule(
            kind=Kind.STRATEGY,
            direction=Direction.TOP_DOWN,
            cadence=Cadence.HALF_YEARLY,
            callers=SENIOR,
            attendees=EVERYONE,
            invite=Invite.UNIT_MANAGERS,
            preparation=_("Market data, results and facts."),
            outputs=(
                _("Target requirements"),
                _("Indicator requirements"),
                _("Action requirements"),
                _("The reps' feedback"),
            ),
            agenda_template="strategy",
            duration_minutes=240,
            min_interval_days=80,
            cadence_units=frozenset({UnitKind.COMPANY}),
        ),
        KindRule(
            kind=Kind.PLAN,
            direction=Direction.TOP_DOWN,
            cadence=Cadence.QUARTERLY,
            callers=frozenset({Role.MIDDLE_MANAGER, Role.SENIOR_MANAGER, Role.EXECUTIVE}),
            attendees=EVERYONE,
            invite=Invite.UNIT_MEMBERS,
            preparation=_("The strategy meeting's outputs."),
            outputs=(
                _(
                    "Per team or rep: customers to sign, customers in pipeline, new customers "
                    "to prospect, prospecting methods, regions, resources"
                ),
            ),
            agenda_template="plan",
            duration_minutes=180,
            cadence_units=frozenset({UnitKind.REGION}),
        ),
        KindRule(
            kind=Kind.REVIEW,
            direction=Direction.TOP_DOWN,
            cadence=Cadence.EVENT,
            callers=SENIOR,
            attendees=EVERYONE,
            invite=Invite.UNIT_MANAGERS,
            preparation=_("Strategy, plan and execution figures."),
            outputs=(
                _("Where the shortfall arose"),
                _("Drill-down"),
                _("Adjusted strategy and plan"),
            ),
            agenda_template="review",
            duration_minutes=180,
        ),
    )
}

TUNABLE_FIELDS = ("duration_minutes", "window_days", "min_interval_days")


def rule_for(kind: str) -> KindRule:
    """The kind's rule with the organisation's tuning applied."""
    from .models import KindPolicy

    base = RULES[Kind(kind)]
    policy = KindPolicy.objects.filter(kind=base.kind).first()
    return policy.apply(base) if policy else base


def all_rules() -> list[KindRule]:
    from .models import KindPolicy

    policies = {p.kind: p for p in KindPolicy.objects.all()}
    return [policies[k].apply(r) if k in policies else r for k, r in RULES.items()]
