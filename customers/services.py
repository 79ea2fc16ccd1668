"""Briefs, visit plans and the decisions taken from them. The prepare page,
the meeting room's brief panel and the API all call these."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, F, FilteredRelation, OuterRef, Q, QuerySet
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _

from meetings import services as meeting_services
from meetings.kinds import Kind
from meetings.models import Invitation, Meeting, Status
from org.choices import Role
from org.models import Person

from .models import Accompany, Brief, BriefReminder, Customer, PipelineStage, VisitPlan

BRIEF_KINDS = (Kind.DAILY, Kind.WEEKLY)
BRIEF_FIELDS = (
    "needs",
    "blockers",
    "problems",
    "help_wanted",
    "stage",
    "next_step",
    "planned_visit_at",
    "wants_accompany",
)
CARRIED_FIELDS = ("needs", "blockers", "problems", "help_wanted", "next_step")


class BriefsLocked(PermissionDenied):
    """The meeting is concluded or cancelled: its briefs no longer change."""


def deadline(meeting: Meeting) -> dt.datetime:
    """Briefs are due at the meeting's start, less the configured lead time."""
    return meeting.starts_at - dt.timedelta(minutes=settings.SALESMEET_BRIEF_LEAD_MINUTES)


# --- Which briefs a meeting expects ---------------------------------------------------------


@dataclass
class ExpectedBrief:
    meeting: Meeting
    customer: Customer
    rep: Person
    brief: Brief | None = None

    @property
    def status(self) -> str:
        if self.brief is None or not self.brief.is_submitted:
            return "draft" if self.brief else "missing"
        return "late" if self.brief.is_late else "submitted"

    @property
    def deadline(self) -> dt.datetime:
        return deadline(self.meeting)


@dataclass
class Completion:
    expected: int = 0
    submitted: int = 0
    late: int = 0
    by_rep: dict = field(default_factory=dict)

    @property
    def missing(self) -> int:
        return self.expected - self.submitted

    @property
    def rate(self) -> float | None:
        return None if self.expected == 0 else self.submitted / self.expected


def expected_for_meetings(
    meetings: list[Meeting], reps: list[Person] | None = None
) -> dict[int, list[ExpectedBrief]]:
    """Expected briefs per meeting id: for a daily meeting, the customers in
    each invited rep's visit plan for that day; for a weekly meeting, each
    invited rep's active customers. Four queries for any number of meetings."""
    meetings = [m for m in meetings if m.kind in BRIEF_KINDS]
    result: dict[int, list[ExpectedBrief]] = {m.pk: [] for m in meetings}
    if not meetings:
        return result
    invited = Invitation.objects.filter(
        meeting__in=meetings, person__role=Role.REP, person__is_active=True
    )
    if reps is not None:
        invited = invited.filter(person__in=reps)
    reps_by_meeting: dict[int, dict[int, Person]] = defaultdict(dict)
    for invitation in invited.select_related("person"):
        reps_by_meeting[invitation.meeting_id][invitation.person_id] = invitation.person
    all_reps = {pk for people in reps_by_meeting.values() for pk in people}
    days = {timezone.localtime(m.starts_at).date() for m in meetings if m.kind == Kind.DAILY}
    plans: dict[tuple[int, dt.date], list[Customer]] = defaultdict(list)
    for plan in VisitPlan.objects.filter(rep_id__in=all_reps, day__in=days).select_related(
        "customer"
    ):
        plans[(plan.rep_id, plan.day)].append(plan.customer)
    active: dict[int, list[Customer]] = defaultdict(list)
    if any(m.kind == Kind.WEEKLY for m in meetings):
        for customer in Customer.objects.active().filter(owner_id__in=all_reps).order_by("name"):
            active[customer.owner_id].append(customer)
    briefs = {
        (b.meeting_id, b.customer_id, b.rep_id): b
        for b in Brief.objects.filter(meeting__in=meetings, rep_id__in=all_reps)
    }
    for meeting in meetings:
        day = timezone.localtime(meeting.starts_at).date()
        for rep_id, rep in sorted(reps_by_meeting[meeting.pk].items(), key=lambda kv: str(kv[1])):
            customers = plans[(rep_id, day)] if meeting.kind == Kind.DAILY else active[rep_id]
            for customer in customers:
                result[meeting.pk].append(
                    ExpectedBrief(
                        meeting, customer, rep, briefs.get((meeting.pk, customer.pk, rep_id))
                    )
                )
    return result


def expected_briefs(meeting: Meeting) -> list[ExpectedBrief]:
    return expected_for_meetings([meeting]).get(meeting.pk, [])  # other kinds expect none


def expected_briefs_seen_by(meeting: Meeting, user: Person) -> list[ExpectedBrief]:
    """The briefs ``meeting`` expects that ``user`` may follow: every rep's
    for those who run the meeting, only their own for anyone else invited
    (a rep sees their own briefs, not other reps' customers)."""
    reps = None if meeting_services.can_manage(user, meeting) else [user]
    return expected_for_meetings([meeting], reps=reps).get(meeting.pk, [])


def completion(expected: list[ExpectedBrief]) -> Completion:
    summary = Completion()
    for item in expected:
        per_rep = summary.by_rep.setdefault(item.rep.pk, Completion())
        for total in (summary, per_rep):
            total.expected += 1
            if item.status in ("submitted", "late"):
                total.submitted += 1
            if item.status == "late":
                total.late += 1
    return summary


def completion_by_meeting(meetings: list[Meeting] | QuerySet) -> dict[int, tuple[int, int, int]]:
    """(expected, submitted, late) per daily or weekly meeting id, counted in
    SQL: the same figures as :func:`completion` of
    :func:`expected_for_meetings`, without building the expected briefs (a
    company's quarter is some 300,000 of them). Meetings of other kinds are
    left out. ``meetings``: Meeting objects (each daily or weekly one is in
    the answer, (0, 0, 0) when it expects nothing), or a queryset of
    meetings, read as a subquery without loading them (only the meetings
    that expect a brief are in the answer). One query for any number of
    meetings (none without a daily or weekly one).

    Each expected brief is a row: an invited active rep joined to their
    active customers (weekly) or to their visit plans of the meeting's
    local day (daily), outer-joined to its submitted brief. No join counts a
    brief twice: a person is invited once to a meeting, a visit plan is one
    per rep, customer and day, a customer has one owner, and a brief is one
    per meeting, customer and rep. (An ``EXISTS`` per expected brief
    instead costs a probe per row and, at a company's size, a cost estimate
    that wakes PostgreSQL's JIT compiler: seconds.)"""
    # Each meeting's local day, as timezone.localtime() gives it.
    tz = timezone.get_current_timezone()
    if isinstance(meetings, QuerySet):
        result = {}
        of_kind = {
            kind: {"meeting__in": meetings.filter(kind=kind).values("pk")} for kind in BRIEF_KINDS
        }
        days = None
    else:
        meetings = [m for m in meetings if m.kind in BRIEF_KINDS]
        result = {m.pk: (0, 0, 0) for m in meetings}
        of_kind = {
            kind: {"meeting_id__in": ids}
            for kind in BRIEF_KINDS
            if (ids := [m.pk for m in meetings if m.kind == kind])
        }
        # They narrow the plans read (an index on rep and day).
        days = {
            timezone.localtime(m.starts_at, tz).date() for m in meetings if m.kind == Kind.DAILY
        }
    invited = Invitation.objects.filter(person__role=Role.REP, person__is_active=True).order_by()
    parts = []
    if Kind.WEEKLY in of_kind:
        # One filter(): both conditions on the same customer, whose join
        # the brief's reuses.
        rows = invited.filter(**of_kind[Kind.WEEKLY]).filter(
            person__customers__stage__is_won=False, person__customers__stage__is_lost=False
        )
        parts.append(_counted(rows, "person__customers__briefs"))
    if Kind.DAILY in of_kind:
        plans = {"person__visit_plans__day": TruncDate("meeting__starts_at", tzinfo=tz)}
        if days is not None:
            plans["person__visit_plans__day__in"] = days
        rows = invited.filter(**of_kind[Kind.DAILY]).filter(**plans)
        parts.append(_counted(rows, "person__visit_plans__customer__briefs"))
    if not parts:
        return result
    for pk, expected, submitted, late in parts[0].union(*parts[1:], all=True):
        result[pk] = (expected, submitted, late)
    return result


def _counted(expected: QuerySet, briefs: str) -> QuerySet:
    """(meeting id, expected, submitted, late) per meeting of ``expected``,
    invitations joined so that each row is an expected brief, its customer's
    briefs reached through ``briefs``."""
    submitted = FilteredRelation(
        briefs,
        condition=Q(
            **{
                f"{briefs}__meeting_id": F("meeting_id"),
                f"{briefs}__rep_id": F("person_id"),
                f"{briefs}__submitted_at__isnull": False,
            }
        ),
    )
    return (
        expected.annotate(brief=submitted)
        .values("meeting_id")
        .annotate(
            expected=Count("pk"),
            submitted=Count("brief"),
            late=Count("brief", filter=Q(brief__is_late=True)),
        )
        .values_list("meeting_id", "expected", "submitted", "late")
    )


def completion_for_units(
    unit_ids: list[int], start: dt.datetime, end: dt.datetime
) -> dict[int, Completion]:
    """Brief completion per unit over the daily and weekly meetings in
    [start, end), for the dashboards (no ``by_rep``)."""
    meetings = list(
        Meeting.objects.filter(
            unit_id__in=unit_ids, kind__in=BRIEF_KINDS, starts_at__gte=start, starts_at__lt=end
        ).exclude(status__in=[Status.CANCELLED, Status.DRAFT])
    )
    counts = completion_by_meeting(meetings)
    result = {pk: Completion() for pk in unit_ids}
    for meeting in meetings:
        expected, submitted, late = counts[meeting.pk]
        total = result[meeting.unit_id]
        total.expected += expected
        total.submitted += submitted
        total.late += late
    return result


def upcoming_for_rep(rep: Person, *, days: int = 7) -> list[tuple[Meeting, list[ExpectedBrief]]]:
    """The rep's daily and weekly meetings of the coming days with the briefs
    each expects from them: the prepare page."""
    now = timezone.now()
    meetings = list(
        Meeting.objects.attended_by(rep)
        .filter(kind__in=BRIEF_KINDS, status__in=[Status.SCHEDULED, Status.IN_PROGRESS])
        .filter(ends_at__gte=now, starts_at__lt=now + dt.timedelta(days=days))
        .select_related("unit")
        .order_by("starts_at")
    )
    expected = expected_for_meetings(meetings, reps=[rep])
    return [(m, expected[m.pk]) for m in meetings]


# --- Writing briefs ------------------------------------------------------------------------


def _open_for_briefs(meeting: Meeting) -> None:
    """Refuse unless the meeting still takes briefs. The status is read under
    a row lock, not from the caller's (possibly stale) copy, so a save that
    starts after "conclude" committed sees the meeting concluded, and one in
    flight holds "conclude" back until it commits. Callers run in a transaction."""
    if meeting.kind not in BRIEF_KINDS:
        raise ValueError(_("Only daily and weekly meetings take customer briefs."))
    status = (
        Meeting.objects.select_for_update()
        .filter(pk=meeting.pk)
        .values_list("status", flat=True)
        .first()
    )
    if status in (None, Status.CONCLUDED, Status.CANCELLED):
        raise BriefsLocked(_("The meeting is concluded or cancelled: its briefs are locked."))


def prefill(meeting: Meeting, customer: Customer, rep: Person) -> dict:
    """A new brief starts from the customer record and the rep's last brief
    on this customer, so that the rep only edits what changed."""
    previous = (
        Brief.objects.filter(customer=customer, rep=rep, submitted_at__isnull=False)
        .exclude(meeting=meeting)
        .order_by("-submitted_at")
        .first()
    )
    data = {name: getattr(previous, name) for name in CARRIED_FIELDS} if previous else {}
    data["stage"] = customer.stage
    return data


def brief_for(meeting: Meeting, customer: Customer, rep: Person) -> Brief:
    """The rep's brief on the customer for the meeting: stored, or a new
    unsaved one pre-filled."""
    brief = Brief.objects.filter(meeting=meeting, customer=customer, rep=rep).first()
    return brief or Brief(
        meeting=meeting, customer=customer, rep=rep, **prefill(meeting, customer, rep)
    )


@transaction.atomic
def save_brief(
    meeting: Meeting, customer: Customer, rep: Person, data: dict, *, submit: bool = False
) -> Brief:
    """Save the rep's own brief (a draft, or submitted). Submitting after the
    deadline marks it late; the first submission time is kept. Every change
    is kept in the brief's history (who, what, when)."""
    _open_for_briefs(meeting)
    if not Customer.objects.for_user(rep).filter(pk=customer.pk).exists():
        raise PermissionDenied(
            _("You cannot brief on a customer outside your part of the organisation.")
        )
    if not meeting.invitations.filter(person=rep).exists():
        raise PermissionDenied(_("You are not invited to this meeting."))
    unknown = set(data) - set(BRIEF_FIELDS)
    if unknown:
        raise ValueError(f"not a brief field: {sorted(unknown)}")
    brief = (
        Brief.objects.select_for_update()
        .filter(meeting=meeting, customer=customer, rep=rep)
        .first()
    )
    if brief is None:
        brief = brief_for(meeting, customer, rep)
    for name, value in data.items():
        setattr(brief, name, value)
    now = timezone.now()
    if submit and brief.submitted_at is None:
        brief.submitted_at = now
        brief.is_late = now > deadline(meeting)
    brief.version = (brief.version or 0) + (1 if brief.pk else 0)
    brief._history_user = rep
    try:
        brief.save()
    except IntegrityError:  # saved from another tab in the meantime
        raise ValueError(_("This brief was just saved elsewhere: reload it.")) from None
    return brief


@transaction.atomic
def decide(brief: Brief, lead: Person, *, accompany: str, advice: str = "") -> Brief:
    """The team lead's decision on a brief in the meeting: accompany the
    visit (陪访) or not, with advice. The brief's history records it as the
    lead's change; the brief's row is locked while it is written."""
    meeting = brief.meeting
    _open_for_briefs(meeting)
    if not meeting_services.can_manage(lead, meeting):
        raise PermissionDenied(_("The team lead decides on the briefs."))
    if accompany not in Accompany.values:
        raise ValueError(_("Decide whether to accompany the visit."))
    locked = Brief.objects.select_for_update().get(pk=brief.pk)
    locked.accompany = accompany
    locked.advice = advice
    locked.decided_by = lead
    locked.decided_at = timezone.now()
    locked.version += 1
    locked._history_user = lead
    locked.save()
    brief.refresh_from_db()
    return brief


@transaction.atomic
def confirm_stage(customer: Customer, lead: Person, stage: PipelineStage) -> Customer:
    """The weekly meeting confirms a customer's signing stage: the customer
    record follows, and its history says who changed it."""
    if not lead.is_manager or not Customer.objects.for_user(lead).filter(pk=customer.pk).exists():
        raise PermissionDenied(_("The team lead confirms the stage."))
    if customer.stage_id != stage.pk:
        customer.stage = stage
        customer._history_user = lead
        customer.save(update_fields=["stage", "updated_at"])
    return customer


@transaction.atomic
def set_visit(
    rep: Person,
    customer: Customer,
    day: dt.date,
    planned: bool,
    by: Person,
    meeting: Meeting | None = None,
) -> bool:
    """Plan (or unplan) a rep's visit to a customer on a day. The rep plans
    their own; a manager plans for the reps in their tree."""
    if by.pk != rep.pk and not (
        by.is_manager and Person.objects.for_user(by).filter(pk=rep.pk).exists()
    ):
        raise PermissionDenied(_("Only the rep or their manager plans the rep's visits."))
    if not Customer.objects.for_user(rep).filter(pk=customer.pk).exists():
        raise PermissionDenied(_("That customer is outside the rep's part of the organisation."))
    if planned:
        _plan, created = VisitPlan.objects.get_or_create(
            rep=rep, customer=customer, day=day, defaults={"planned_by": by, "planned_in": meeting}
        )
        return created
    return bool(VisitPlan.objects.filter(rep=rep, customer=customer, day=day).delete()[0])


# --- What changed since the last weekly meeting -----------------------------------------------


@dataclass
class CustomerChange:
    customer: Customer
    stage_then: PipelineStage | None
    stage_now: PipelineStage
    value_then: object
    value_now: object
    new_blockers: str

    @property
    def stage_moved(self) -> bool:
        return self.stage_then is not None and self.stage_then.pk != self.stage_now.pk


def previous_weekly(meeting: Meeting) -> Meeting | None:
    return (
        Meeting.objects.filter(unit=meeting.unit, kind=Kind.WEEKLY, starts_at__lt=meeting.starts_at)
        .exclude(status=Status.CANCELLED)
        .order_by("-starts_at")
        .first()
    )


def changes_since_last_weekly(meeting: Meeting, customers: list[Customer]) -> list[CustomerChange]:
    """For the weekly meeting: each customer's stage and expected value as
    they stood when the previous weekly meeting started, against now, and
    blockers that appeared since."""
    before = previous_weekly(meeting)
    stages = {s.pk: s for s in PipelineStage.objects.all()}
    then: dict[int, object] = {}
    if before is not None:
        history = Customer.history.filter(
            id__in=[c.pk for c in customers], history_date__lte=before.starts_at
        ).order_by("id", "-history_date")
        for record in history:
            then.setdefault(record.id, record)
    old_blockers = {}
    if before is not None:
        old_blockers = dict(
            Brief.objects.filter(meeting=before, customer__in=customers).values_list(
                "customer_id", "blockers"
            )
        )
    new_blockers = dict(
        Brief.objects.filter(meeting=meeting, customer__in=customers).values_list(
            "customer_id", "blockers"
        )
    )
    changes = []
    for customer in customers:
        record = then.get(customer.pk)
        blockers = new_blockers.get(customer.pk, "")
        changes.append(
            CustomerChange(
                customer=customer,
                stage_then=stages.get(record.stage_id) if record else None,
                stage_now=stages[customer.stage_id],
                value_then=record.expected_value if record else None,
                value_now=customer.expected_value,
                new_blockers=blockers
                if blockers and blockers != old_blockers.get(customer.pk, "")
                else "",
            )
        )
    return changes


# --- Reminders --------------------------------------------------------------------------------


def remind_missing_briefs(now: dt.datetime | None = None) -> int:
    """Remind reps of briefs still missing for meetings starting within the
    reminder window: in the app, and by email after commit. Each brief is
    reminded once — the unique constraint holds however often this runs,
    and on two workers at once. Returns how many reminders were created."""
    from . import tasks

    now = now or timezone.now()
    window = dt.timedelta(minutes=settings.SALESMEET_BRIEF_REMINDER_MINUTES)
    meetings = list(
        Meeting.objects.filter(
            kind__in=BRIEF_KINDS,
            status=Status.SCHEDULED,
            starts_at__gt=now,
            starts_at__lte=now + window,
        )
    )
    created = 0
    for items in expected_for_meetings(meetings).values():
        for item in items:
            if item.status not in ("missing", "draft"):
                continue
            try:
                with transaction.atomic():
                    reminder = BriefReminder.objects.create(
                        meeting=item.meeting, customer=item.customer, rep=item.rep
                    )
            except IntegrityError:
                continue
            created += 1
            transaction.on_commit(lambda pk=reminder.pk: tasks.email_brief_reminder.delay(pk))
    return created


def open_reminders(rep: Person):
    """Reminders whose brief is still not submitted, for meetings not yet
    over: shown on the prepare page."""
    submitted = Brief.objects.filter(
        meeting=OuterRef("meeting"),
        customer=OuterRef("customer"),
        rep=rep,
        submitted_at__isnull=False,
    )
    return (
        BriefReminder.objects.filter(
            rep=rep,
            meeting__status__in=[Status.SCHEDULED, Status.IN_PROGRESS],
            meeting__ends_at__gt=timezone.now(),
        )
        .exclude(Exists(submitted))
        .select_related("meeting", "customer")
    )
