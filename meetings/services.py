"""Writes on meetings. Every caller — HTML views, the API, series, other
apps — goes through these functions, which check the rules, write in one
transaction and notify invitees only after it commits."""

from __future__ import annotations

import dataclasses
import datetime as dt
import secrets

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from org.choices import ORGANISATION_WIDE_ROLES, Role
from org.models import Person, Unit
from org.services import escalation_chain
from org.visibility import scope_for

from . import rules
from .kinds import Invite, Kind, KindRule, rule_for
from .models import CalendarFeed, Invitation, Meeting, Part, Rsvp, Status
from .signals import status_changed


class SchedulingError(Exception):
    """The change was not made. ``refusals`` are final; ``warnings`` can be
    accepted by asking again with ``accept_warnings``."""

    def __init__(self, verdict: rules.Verdict):
        self.verdict = verdict
        super().__init__("; ".join(p.message for p in verdict.refusals + verdict.warnings))

    @property
    def needs_confirmation(self) -> bool:
        return not self.verdict.refusals


@dataclasses.dataclass
class MeetingSpec:
    """What a scheduler decides: the fields of a meeting and its invitees."""

    kind: str
    unit: Unit
    title: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    invitees: list[Person]
    chair: Person | None = None
    location: str = ""
    online_url: str = ""
    description: str = ""
    customer_name: str = ""
    customer_ref: str = ""
    decision_maker: Person | None = None


CHANGEABLE = (
    "title",
    "starts_at",
    "ends_at",
    "location",
    "online_url",
    "description",
    "customer_name",
    "customer_ref",
    "decision_maker",
    "chair",
)
# Changes that calendars must be told about (iCalendar SEQUENCE).
CALENDAR_FIELDS = {"title", "starts_at", "ends_at", "location", "online_url"}


# --- Who may do what ------------------------------------------------------------


def can_manage(user: Person, meeting: Meeting) -> bool:
    """Chair, creator, organisation-wide roles, and managers whose tree holds
    the meeting's unit may edit, reschedule and cancel it."""
    if not user.is_authenticated:
        return False
    if user.is_superuser or user.role in ORGANISATION_WIDE_ROLES:
        return True
    if user.pk in (meeting.chair_id, meeting.created_by_id):
        return True
    scope = scope_for(user)
    return (
        user.is_manager and bool(scope.unit_path) and meeting.unit.path.startswith(scope.unit_path)
    )


def can_invite(user: Person, meeting: Meeting) -> bool:
    """Besides managers of the meeting: in a customer-issue meeting the
    superiors the team lead invited may bring in others."""
    if can_manage(user, meeting):
        return True
    return (
        meeting.kind == Kind.CUSTOMER_ISSUE
        and meeting.invitations.filter(person=user, part=Part.SUPERIOR).exists()
    )


def invitable_people(user: Person):
    """Whom ``user`` may invite: everyone they can see, their superiors, and
    the organisation-wide roles meetings draw on (resource owners, sales
    strategy, senior management)."""
    chain = [p.pk for p in escalation_chain(user)]
    wide_roles = [Role.RESOURCE_OWNER, Role.SALES_STRATEGY, Role.SENIOR_MANAGER, Role.EXECUTIVE]
    return (
        Person.objects.filter(is_active=True)
        .filter(scope_for(user).people() | Q(pk__in=chain) | Q(role__in=wide_roles))
        .select_related("unit")
        .order_by("unit__path", "role", "full_name")
    )


def default_invitees(kind: str, unit: Unit, caller: Person) -> list[Person]:
    rule = rule_for(kind)
    members = Person.objects.filter(is_active=True).in_subtree(unit).select_related("unit")
    if rule.invite == Invite.UNIT_MEMBERS:
        people = list(members)
    elif rule.invite == Invite.UNIT_MANAGERS:
        people = list(members.managers())
    elif rule.invite == Invite.CALLER_AND_SUPERIOR:
        people = [caller, *escalation_chain(caller)[:1]]
    else:
        people = [caller]
    return [p for p in people if rule.may_attend(p.role) or p.pk == caller.pk]


def _part_for(person: Person, meeting: Meeting, caller: Person) -> str:
    if person.pk == meeting.chair_id:
        return Part.CHAIR
    if meeting.decision_maker_id == person.pk:
        return Part.DECISION_MAKER
    if meeting.kind == Kind.RESOURCE_COORDINATION:
        if person.role == Role.RESOURCE_OWNER:
            return Part.RESOURCE_OWNER
        if person.role == Role.SALES_STRATEGY:
            return Part.SALES_STRATEGY
        if person.pk == caller.pk:
            return Part.REQUESTER
    if meeting.kind == Kind.CUSTOMER_ISSUE and person.pk in {
        p.pk for p in escalation_chain(meeting.chair)
    }:
        return Part.SUPERIOR
    return Part.PARTICIPANT


# --- Scheduling ---------------------------------------------------------------------


def _verdict(spec: MeetingSpec, caller: Person, rule: KindRule, meeting=None) -> rules.Verdict:
    proposal = rules.Proposal(
        kind=spec.kind,
        unit=spec.unit,
        chair=spec.chair or caller,
        starts_at=spec.starts_at,
        ends_at=spec.ends_at,
        invitees=spec.invitees,
        customer_name=spec.customer_name,
        decision_maker=spec.decision_maker,
        meeting=meeting,
    )
    return rules.check(proposal, caller, rule)


def _require_visible_unit(caller: Person, unit: Unit) -> None:
    if not Unit.objects.for_user(caller).filter(pk=unit.pk).exists():
        raise PermissionDenied(
            _("You cannot schedule meetings for a unit outside your part of the organisation.")
        )


def preview(spec: MeetingSpec, caller: Person, meeting: Meeting | None = None) -> rules.Verdict:
    """The refusals and warnings scheduling ``spec`` would meet, without writing."""
    return _verdict(spec, caller, rule_for(spec.kind), meeting)


@transaction.atomic
def schedule_meeting(
    spec: MeetingSpec,
    caller: Person,
    *,
    accept_warnings: bool = False,
    draft: bool = False,
    series=None,
    original_start: dt.datetime | None = None,
    checked: bool = True,
) -> tuple[Meeting, rules.Verdict]:
    """Create a meeting and its invitations.

    Raises ``PermissionDenied`` for a unit outside the caller's tree, and
    ``SchedulingError`` on any refusal, or on warnings not accepted. A draft
    notifies nobody; a scheduled meeting emails its invitees after commit.
    ``checked=False`` is for series occurrences after the first, whose rules
    were checked when the series was created.
    """
    _require_visible_unit(caller, spec.unit)
    verdict = rules.Verdict()
    if checked:
        verdict = preview(spec, caller)
        if verdict.refusals or (verdict.warnings and not accept_warnings):
            raise SchedulingError(verdict)
    chair = spec.chair or caller
    meeting = Meeting.objects.create(
        kind=spec.kind,
        unit=spec.unit,
        title=spec.title,
        chair=chair,
        starts_at=spec.starts_at,
        ends_at=spec.ends_at,
        location=spec.location,
        online_url=spec.online_url,
        description=spec.description,
        customer_name=spec.customer_name,
        customer_ref=spec.customer_ref,
        decision_maker=spec.decision_maker,
        status=Status.DRAFT if draft else Status.SCHEDULED,
        accepted_warnings=verdict.warning_codes,
        created_by=caller,
        series=series,
        original_start=original_start,
    )
    _set_invitees(meeting, [chair, *spec.invitees], caller)
    _notify_after_commit(meeting)
    return meeting, verdict


def _set_invitees(meeting: Meeting, people: list[Person], caller: Person) -> list[int]:
    """Make the invitation list exactly ``people`` (answers of those who stay
    are kept). Returns the ids of people no longer invited."""
    wanted = {p.pk: p for p in people}
    if meeting.decision_maker_id:
        wanted.setdefault(meeting.decision_maker_id, meeting.decision_maker)
    existing = set(meeting.invitations.values_list("person_id", flat=True))
    removed = sorted(existing - set(wanted) - {meeting.chair_id})
    meeting.invitations.filter(person_id__in=removed).delete()
    Invitation.objects.bulk_create(
        [
            Invitation(
                meeting=meeting,
                person=person,
                part=_part_for(person, meeting, caller),
                invited_by=caller,
                rsvp=Rsvp.ACCEPTED if person.pk == meeting.chair_id else Rsvp.PENDING,
            )
            for pk, person in wanted.items()
            if pk not in existing
        ]
    )
    return removed


def _notify_after_commit(meeting: Meeting, removed: list[int] | None = None) -> None:
    from . import tasks

    if meeting.status in (Status.DRAFT, Status.PROPOSED):
        return
    meeting_id = meeting.pk
    transaction.on_commit(lambda: tasks.notify_invitees.delay(meeting_id))
    if removed:
        transaction.on_commit(lambda: tasks.notify_uninvited.delay(meeting_id, removed))


@transaction.atomic
def update_meeting(
    meeting: Meeting,
    caller: Person,
    changes: dict,
    *,
    invitees: list[Person] | None = None,
    accept_warnings: bool = False,
) -> tuple[Meeting, rules.Verdict]:
    """Change a meeting's fields and, if given, its invitee list, under the
    same rules as scheduling. An occurrence edited on its own leaves its
    series' later edits alone."""
    invite_only = not changes and invitees is not None
    if not (can_manage(caller, meeting) or (invite_only and can_invite(caller, meeting))):
        raise PermissionDenied(
            _("Only the chair or a manager of this unit may change the meeting.")
        )
    # Checked on the locked row: a cancellation committed meanwhile wins.
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    if not meeting.is_open:
        raise PermissionDenied(_("A concluded or cancelled meeting cannot be changed."))
    unknown = set(changes) - set(CHANGEABLE)
    if unknown:
        raise ValueError(f"not changeable: {sorted(unknown)}")
    current_invitees = [
        inv.person
        for inv in meeting.invitations.select_related("person")
        if inv.person_id != meeting.chair_id
    ]
    spec = MeetingSpec(
        kind=meeting.kind,
        unit=meeting.unit,
        title=changes.get("title", meeting.title),
        starts_at=changes.get("starts_at", meeting.starts_at),
        ends_at=changes.get("ends_at", meeting.ends_at),
        invitees=invitees if invitees is not None else current_invitees,
        chair=changes.get("chair", meeting.chair),
        customer_name=changes.get("customer_name", meeting.customer_name),
        decision_maker=changes.get("decision_maker", meeting.decision_maker),
    )
    verdict = preview(spec, caller, meeting)
    # Only warnings about what changed matter: a warning accepted when the
    # meeting was scheduled is not asked again.
    new_warnings = [w for w in verdict.warnings if w.code not in meeting.accepted_warnings]
    if verdict.refusals or (new_warnings and not accept_warnings):
        raise SchedulingError(rules.Verdict(verdict.refusals, new_warnings))

    calendar_change = any(
        field in CALENDAR_FIELDS and changes[field] != getattr(meeting, field) for field in changes
    )
    for field, value in changes.items():
        setattr(meeting, field, value)
    meeting.accepted_warnings = sorted(set(meeting.accepted_warnings) | set(verdict.warning_codes))
    if meeting.series_id:
        meeting.is_exception = True
    removed = []
    if invitees is not None or "chair" in changes or "decision_maker" in changes:
        removed = _set_invitees(meeting, [meeting.chair, *spec.invitees], caller)
    if calendar_change:
        meeting.sequence = F("sequence") + 1
    meeting.save()
    meeting.refresh_from_db()
    _notify_after_commit(meeting, removed)
    return meeting, verdict


@transaction.atomic
def publish_meeting(meeting: Meeting, caller: Person) -> Meeting:
    """Turn a draft into a scheduled meeting and invite everyone."""
    if not can_manage(caller, meeting):
        raise PermissionDenied(
            _("Only the chair or a manager of this unit may publish the meeting.")
        )
    changed = Meeting.objects.filter(pk=meeting.pk, status=Status.DRAFT).update(
        status=Status.SCHEDULED, updated_at=timezone.now()
    )
    meeting.refresh_from_db()
    if changed:
        _notify_after_commit(meeting)
        status_changed.send(sender=Meeting, meeting=meeting)
    return meeting


@transaction.atomic
def cancel_meeting(meeting: Meeting, caller: Person, reason: str = "") -> Meeting:
    """Cancel, keeping the record: calendars show it as cancelled and
    invitees get a cancellation. Cancelling twice changes nothing."""
    if not can_manage(caller, meeting):
        raise PermissionDenied(
            _("Only the chair or a manager of this unit may cancel the meeting.")
        )
    was_draft = meeting.status == Status.DRAFT
    changed = Meeting.objects.filter(
        pk=meeting.pk, status__in=[Status.DRAFT, Status.SCHEDULED, Status.IN_PROGRESS]
    ).update(
        status=Status.CANCELLED,
        cancelled_at=timezone.now(),
        sequence=F("sequence") + 1,
        cancel_reason=reason,
        updated_at=timezone.now(),
    )
    meeting.refresh_from_db()
    if changed and not was_draft:
        _notify_after_commit(meeting)
    if changed:
        status_changed.send(sender=Meeting, meeting=meeting)
    return meeting


def set_rsvp(invitation: Invitation, answer: str) -> Invitation:
    if answer not in Rsvp.values or answer == Rsvp.PENDING:
        raise ValueError(answer)
    Invitation.objects.filter(pk=invitation.pk).update(rsvp=answer, answered_at=timezone.now())
    invitation.refresh_from_db()
    return invitation


@transaction.atomic
def record_attendance(meeting: Meeting, caller: Person, present: dict[int, bool]) -> int:
    """Mark who was there. Returns how many invitations changed; an id that
    is not an invitee of the meeting is an error, and nothing is written."""
    if not can_manage(caller, meeting):
        raise PermissionDenied(_("Only the chair or a manager of this unit may record attendance."))
    invited = set(meeting.invitations.values_list("person_id", flat=True))
    strangers = set(present) - invited
    if strangers:
        raise ValueError(_("Not invited to this meeting: %(ids)s") % {"ids": sorted(strangers)})
    now = timezone.now()
    for person_id, attended in present.items():
        meeting.invitations.filter(person_id=person_id).update(
            attended=attended, checked_in_at=now if attended else None
        )
    return len(present)


@transaction.atomic
def record_approval(meeting: Meeting, caller: Person, note: str = "") -> Meeting:
    """The decision maker of a resource-coordination meeting approves its
    plan, during the meeting or after it."""
    if meeting.kind != Kind.RESOURCE_COORDINATION:
        raise ValueError(_("Only resource coordination meetings are approved."))
    if caller.pk != meeting.decision_maker_id:
        raise PermissionDenied(_("Only the meeting's decision maker may approve it."))
    Meeting.objects.filter(pk=meeting.pk, approved_at__isnull=True).update(
        approved_at=timezone.now(), approval_note=note
    )
    meeting.refresh_from_db()
    return meeting


# --- Calendar subscription ---------------------------------------------------------


def feed_token(person: Person) -> str:
    """The person's private feed token, created on first use."""
    feed, _created = CalendarFeed.objects.get_or_create(
        person=person, defaults={"token": secrets.token_urlsafe(32)}
    )
    return feed.token


def renew_feed_token(person: Person) -> str:
    """Revoke the current feed URL and issue a new one: calendars still
    subscribed to the old one stop receiving updates."""
    token = secrets.token_urlsafe(32)
    CalendarFeed.objects.update_or_create(person=person, defaults={"token": token})
    return token


def person_for_feed_token(token: str) -> Person | None:
    feed = CalendarFeed.objects.select_related("person").filter(token=token).first()
    if feed is None or not feed.person.is_active:
        return None
    return feed.person


# --- Running a meeting ------------------------------------------------------------


def start_meeting(meeting: Meeting, caller: Person) -> Meeting:
    """Mark a scheduled meeting as in progress (the room was opened by its chair)."""
    if not can_manage(caller, meeting):
        raise PermissionDenied(_("Only the chair or a manager of this unit may run the meeting."))
    Meeting.objects.filter(pk=meeting.pk, status=Status.SCHEDULED).update(
        status=Status.IN_PROGRESS, updated_at=timezone.now()
    )
    meeting.refresh_from_db()
    return meeting


def mark_concluded(meeting: Meeting, caller: Person) -> bool:
    """Flip a meeting to concluded, once. Returns False when it already was
    (or was cancelled): a conditional update, so two chairs pressing
    "conclude" together conclude it once. Callers check its outputs first
    (``agendas.services.conclude``)."""
    if not can_manage(caller, meeting):
        raise PermissionDenied(
            _("Only the chair or a manager of this unit may conclude the meeting.")
        )
    now = timezone.now()
    changed = Meeting.objects.filter(
        pk=meeting.pk, status__in=[Status.SCHEDULED, Status.IN_PROGRESS]
    ).update(status=Status.CONCLUDED, concluded_at=now, updated_at=now)
    meeting.refresh_from_db()
    return bool(changed)


# --- Meetings proposed by rules ---------------------------------------------------------------


@transaction.atomic
def propose_meeting(spec: MeetingSpec, chair: Person, *, description: str = "") -> Meeting:
    """A meeting a rule calls (the targets app's review when results fall
    behind plan): created as *proposed* for ``chair``, who confirms the time;
    invitees hear of it only then. Not checked against the scheduling rules:
    the rule, not a person, called it."""
    meeting = Meeting.objects.create(
        kind=spec.kind,
        unit=spec.unit,
        title=spec.title,
        chair=chair,
        starts_at=spec.starts_at,
        ends_at=spec.ends_at,
        description=description,
        status=Status.PROPOSED,
        created_by=chair,
    )
    _set_invitees(meeting, [chair, *spec.invitees], chair)
    return meeting


@transaction.atomic
def confirm_proposed(
    meeting: Meeting, caller: Person, starts_at: dt.datetime, ends_at: dt.datetime
) -> Meeting:
    """The chair of a proposed meeting confirms its time: it becomes
    scheduled and the invitations go out."""
    if caller.pk != meeting.chair_id and not can_manage(caller, meeting):
        raise PermissionDenied(_("Only the meeting's chair confirms its time."))
    if ends_at <= starts_at:
        raise ValueError(_("The meeting must end after it starts."))
    changed = Meeting.objects.filter(pk=meeting.pk, status=Status.PROPOSED).update(
        status=Status.SCHEDULED, starts_at=starts_at, ends_at=ends_at, updated_at=timezone.now()
    )
    meeting.refresh_from_db()
    if changed:
        _notify_after_commit(meeting)
        status_changed.send(sender=Meeting, meeting=meeting)
    return meeting
