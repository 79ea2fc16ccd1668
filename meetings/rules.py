"""Scheduling rules: what the methodology forbids (refusals) and what it
only advises against (warnings the scheduler may accept).

:func:`check` reads; it never writes. ``services`` calls it before every
schedule, reschedule and change of invitees, and the HTML form and the API
show its messages as they are.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.utils import formats, timezone
from django.utils.translation import gettext as _

from org.choices import Role
from org.models import Person, Unit
from org.workdays import WorkingCalendar

from .kinds import Kind, KindRule
from .models import Invitation, Meeting, Rsvp, Status


@dataclass(frozen=True)
class Problem:
    code: str
    message: str

    def as_dict(self) -> dict:
        return {"code": self.code, "message": self.message}


@dataclass
class Verdict:
    refusals: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)

    @property
    def warning_codes(self) -> list[str]:
        return [w.code for w in self.warnings]


@dataclass
class Proposal:
    """A meeting as it would be after the change being checked."""

    kind: str
    unit: Unit
    chair: Person
    starts_at: dt.datetime
    ends_at: dt.datetime
    invitees: list[Person]
    customer_name: str = ""
    decision_maker: Person | None = None
    meeting: Meeting | None = None  # the meeting being changed, if any

    @property
    def local_start(self) -> dt.datetime:
        return timezone.localtime(self.starts_at)


def _role(role: str) -> str:
    return str(Role(role).label)


def _day(moment: dt.datetime) -> str:
    return formats.date_format(timezone.localtime(moment), "SHORT_DATETIME_FORMAT")


def check(proposal: Proposal, caller: Person, rule: KindRule) -> Verdict:
    verdict = Verdict()
    for check_refusal in (
        _caller_may_call,
        _times_make_sense,
        _customer_named,
        _invitees_may_attend,
    ):
        verdict.refusals.extend(check_refusal(proposal, caller, rule))
    if verdict.refusals:
        return verdict
    for check_warning in (
        _daily_on_working_day,
        _weekly_in_slot,
        _monthly_in_first_week,
        _monthly_after_company,
        _quarterly_after_quarter_end,
        _plan_after_strategy,
        _strategy_not_too_often,
        _resource_parts_present,
        _invitees_free,
    ):
        verdict.warnings.extend(check_warning(proposal, caller, rule))
    return verdict


# --- Refusals ---------------------------------------------------------------


def _caller_may_call(p: Proposal, caller: Person, rule: KindRule):
    # Changing a meeting is not calling one: who may change it (sales ops, a
    # customer issue's superior) is services.can_manage's and can_invite's call.
    if p.meeting is not None or caller.is_superuser or rule.may_call(caller.role):
        return
    yield Problem(
        "caller_role",
        _("A %(role)s cannot call a %(kind)s. It is called by: %(callers)s.")
        % {
            "role": _role(caller.role),
            "kind": rule.label,
            "callers": "、".join(_role(r) for r in Role if r in rule.callers),
        },
    )


def _times_make_sense(p: Proposal, caller: Person, rule: KindRule):
    if p.ends_at <= p.starts_at:
        yield Problem("ends_before_start", _("The meeting must end after it starts."))


def _customer_named(p: Proposal, caller: Person, rule: KindRule):
    if rule.customer_required and not p.customer_name.strip():
        yield Problem(
            "customer_required",
            _("A %(kind)s is about one customer: name the customer.") % {"kind": rule.label},
        )


def _invitees_may_attend(p: Proposal, caller: Person, rule: KindRule):
    for person in p.invitees:
        if not rule.may_attend(person.role):
            yield Problem(
                "attendee_role",
                _("%(person)s (%(role)s) cannot attend a %(kind)s: it is for %(who)s only.")
                % {
                    "person": person,
                    "role": _role(person.role),
                    "kind": rule.label,
                    "who": "、".join(_role(r) for r in Role if r in rule.attendees),
                },
            )


# --- Warnings -----------------------------------------------------------------


def _daily_on_working_day(p: Proposal, caller: Person, rule: KindRule):
    day = p.local_start.date()
    if rule.kind == Kind.DAILY and not WorkingCalendar.for_span(day, day).is_working_day(day):
        yield Problem(
            "daily_not_working_day",
            _("%(date)s is not a working day; daily meetings are held on working days.")
            % {"date": formats.date_format(day, "SHORT_DATE_FORMAT")},
        )


def _weekly_in_slot(p: Proposal, caller: Person, rule: KindRule):
    if rule.kind != Kind.WEEKLY or not rule.slots:
        return
    if not any(slot.contains(p.local_start) for slot in rule.slots):
        yield Problem(
            "weekly_slot",
            _(
                "Weekly meetings belong on Friday afternoon or Monday morning, so that "
                "the week can be reviewed and the next one planned. This one is on %(when)s."
            )
            % {"when": formats.date_format(p.local_start, "l H:i")},
        )


def _monthly_in_first_week(p: Proposal, caller: Person, rule: KindRule):
    if rule.kind == Kind.MONTHLY and rule.window_days and p.local_start.day > rule.window_days:
        yield Problem(
            "monthly_window",
            _(
                "Monthly meetings are held in the first %(days)s days of the month, as early "
                "as possible."
            )
            % {"days": rule.window_days},
        )


def _month_bounds(moment: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    start = moment.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    end = (start + dt.timedelta(days=32)).replace(day=1)
    return start, end


def _monthly_after_company(p: Proposal, caller: Person, rule: KindRule):
    if rule.kind != Kind.MONTHLY or p.unit.depth <= 1:
        return
    start, end = _month_bounds(p.local_start)
    company = (
        Meeting.objects.filter(
            kind=Kind.MONTHLY,
            unit__path=p.unit.path[: Unit.steplen],
            starts_at__gte=start,
            starts_at__lt=end,
        )
        .not_cancelled()
        .order_by("starts_at")
        .first()
    )
    if company is None:
        yield Problem(
            "monthly_before_company",
            _(
                "The company's monthly meeting for this month is not scheduled yet; a team's "
                "monthly meeting follows the company's."
            ),
        )
    elif company.starts_at > p.starts_at:
        yield Problem(
            "monthly_before_company",
            _(
                "This is before the company's monthly meeting (%(when)s); a team's monthly "
                "meeting follows the company's."
            )
            % {"when": _day(company.starts_at)},
        )


def _quarterly_after_quarter_end(p: Proposal, caller: Person, rule: KindRule):
    if rule.kind != Kind.QUARTERLY or not rule.window_days:
        return
    local = p.local_start
    if local.month not in (1, 4, 7, 10) or local.day > rule.window_days:
        yield Problem(
            "quarterly_window",
            _("Quarterly meetings are held in the first %(days)s days after the quarter ends.")
            % {"days": rule.window_days},
        )


def _plan_after_strategy(p: Proposal, caller: Person, rule: KindRule):
    if rule.kind != Kind.PLAN:
        return
    local = p.local_start
    half_start = local.replace(
        month=1 if local.month <= 6 else 7, day=1, hour=0, minute=0, second=0, microsecond=0
    )
    step = Unit.steplen
    lineage = [p.unit.path[:end] for end in range(step, len(p.unit.path) + 1, step)]
    held = Meeting.objects.filter(
        kind=Kind.STRATEGY,
        status=Status.CONCLUDED,
        unit__path__in=lineage,
        starts_at__gte=half_start,
        starts_at__lt=p.starts_at,
    )
    if not held.exists():
        yield Problem(
            "plan_without_strategy",
            _(
                "No strategy meeting has been concluded for this unit or above it in this "
                "half-year: a plan breaks down a strategy."
            ),
        )


def _strategy_not_too_often(p: Proposal, caller: Person, rule: KindRule):
    if rule.kind != Kind.STRATEGY or not rule.min_interval_days:
        return
    gap = dt.timedelta(days=rule.min_interval_days)
    nearby = (
        Meeting.objects.filter(
            kind=Kind.STRATEGY,
            unit=p.unit,
            starts_at__gt=p.starts_at - gap,
            starts_at__lt=p.starts_at + gap,
        )
        .not_cancelled()
        .exclude(pk=getattr(p.meeting, "pk", None))
        .order_by("starts_at")
        .first()
    )
    if nearby:
        yield Problem(
            "strategy_too_often",
            _(
                "Another strategy meeting is on %(when)s. Strategy is set half-yearly, or "
                "quarterly in a volatile market; meeting more often is a warning sign."
            )
            % {"when": _day(nearby.starts_at)},
        )


def _resource_parts_present(p: Proposal, caller: Person, rule: KindRule):
    if rule.kind != Kind.RESOURCE_COORDINATION:
        return
    roles = {person.role for person in p.invitees}
    if Role.RESOURCE_OWNER not in roles:
        yield Problem(
            "resource_owner_missing",
            _("No resource owner is invited: who will commit the resources?"),
        )
    if Role.SALES_STRATEGY not in roles:
        yield Problem(
            "sales_strategy_missing",
            _("No sales-strategy role is invited to weigh the needs against the strategy."),
        )
    if p.decision_maker is None:
        yield Problem(
            "decision_maker_missing",
            _("No decision maker is named: they approve the plan, in the meeting or after it."),
        )


def _invitees_free(p: Proposal, caller: Person, rule: KindRule):
    people = {person.pk: person for person in [*p.invitees, p.chair]}
    clashes = (
        Invitation.objects.filter(
            person_id__in=people,
            meeting__starts_at__lt=p.ends_at,
            meeting__ends_at__gt=p.starts_at,
        )
        .exclude(meeting__status=Status.CANCELLED)
        .exclude(rsvp=Rsvp.DECLINED)
        .select_related("meeting")
        .order_by("meeting__starts_at")
    )
    if p.meeting is not None:
        clashes = clashes.exclude(meeting=p.meeting)
    seen = set()
    for clash in clashes:
        if clash.person_id in seen:
            continue
        seen.add(clash.person_id)
        yield Problem(
            "invitee_busy",
            _("%(person)s is already booked at that time: %(meeting)s (%(when)s).")
            % {
                "person": people[clash.person_id],
                "meeting": clash.meeting.title,
                "when": _day(clash.meeting.starts_at),
            },
        )
