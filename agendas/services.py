"""Writes on agendas, minutes, decisions and outputs. The meeting room page
and the API both call these; each checks that the meeting is still open
(concluded minutes are locked) and that the caller may write."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F, Max, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from meetings import services as meeting_services
from meetings.models import Meeting, Status
from org.models import Person

from . import outputs
from .models import (
    AgendaItem,
    AgendaTemplate,
    AgendaTemplateItem,
    Conclusion,
    Decision,
    FocusRep,
    ItemStatus,
    MonthlyPlan,
    QuarterlySubmission,
    RepFeedback,
    StrategyRequirement,
)


class MinutesLocked(PermissionDenied):
    """The meeting is concluded or cancelled: its record no longer changes."""


class EditConflict(Exception):
    """Someone saved the item since this user read it. Nothing was written;
    ``current`` is what is stored now, so the user can merge and save again."""

    def __init__(self, current: AgendaItem):
        self.current = current
        super().__init__(f"agenda item {current.pk} is at version {current.version}")


class OutputsMissing(Exception):
    def __init__(self, missing: list[str]):
        self.missing = missing
        super().__init__("; ".join(missing))


# --- Permissions ----------------------------------------------------------------------


def can_take_minutes(user: Person, meeting: Meeting) -> bool:
    """The chair and the unit's managers edit the agenda and minutes;
    invitees may read them."""
    return meeting_services.can_manage(user, meeting)


def _writable(meeting: Meeting, user: Person) -> None:
    """Refuse unless ``user`` may edit and the meeting is still open.

    The status is read from the database under a row lock, not from the
    caller's (possibly stale) instance: a write that starts after "conclude"
    committed sees the meeting concluded, and one in flight holds "conclude"
    back until it commits. Callers run inside a transaction.
    """
    status = (
        Meeting.objects.select_for_update()
        .filter(pk=meeting.pk)
        .values_list("status", flat=True)
        .first()
    )
    if status in (None, Status.CONCLUDED, Status.CANCELLED):
        raise MinutesLocked(_("The meeting is concluded or cancelled: its minutes are locked."))
    if not can_take_minutes(user, meeting):
        raise PermissionDenied(
            _("Only the chair or a manager of this unit may edit the agenda and minutes.")
        )


# --- The agenda -----------------------------------------------------------------------


def copy_template(meeting: Meeting) -> int:
    """Give a new meeting its own copy of its kind's template."""
    template = AgendaTemplate.objects.filter(kind=meeting.kind).prefetch_related("items").first()
    if template is None:
        template = install_default_template(meeting.kind)
    if template is None:
        return 0
    items = [
        AgendaItem(
            meeting=meeting,
            position=index,
            title=item.title,
            minutes=item.minutes,
            guidance=item.guidance,
        )
        for index, item in enumerate(template.items.all())
    ]
    AgendaItem.objects.bulk_create(items)
    return len(items)


def timebox_overrun(meeting: Meeting) -> int:
    """Minutes by which the agenda's timeboxes exceed the meeting (0 if they fit)."""
    planned = (
        meeting.agenda_items.exclude(status=ItemStatus.MOVED).aggregate(total=Sum("minutes"))[
            "total"
        ]
        or 0
    )
    length = int(meeting.duration.total_seconds() // 60)
    return max(0, planned - length)


@transaction.atomic
def add_item(
    meeting: Meeting, user: Person, title: str, minutes: int = 10, guidance: str = ""
) -> AgendaItem:
    _writable(meeting, user)
    last = meeting.agenda_items.aggregate(last=Max("position"))["last"]
    return AgendaItem.objects.create(
        meeting=meeting,
        position=0 if last is None else last + 1,
        title=title,
        minutes=minutes,
        guidance=guidance,
        updated_by=user,
    )


@transaction.atomic
def remove_item(item: AgendaItem, user: Person) -> None:
    _writable(item.meeting, user)
    item.delete()


@transaction.atomic
def reorder(meeting: Meeting, user: Person, item_ids: list[int]) -> None:
    """Put the agenda in the order of ``item_ids`` (every item, once)."""
    _writable(meeting, user)
    current = set(meeting.agenda_items.values_list("pk", flat=True))
    if set(item_ids) != current or len(item_ids) != len(current):
        raise ValueError(_("Give every item of this agenda exactly once."))
    for position, pk in enumerate(item_ids):
        AgendaItem.objects.filter(pk=pk).update(position=position)


@transaction.atomic
def move(item: AgendaItem, user: Person, step: int) -> None:
    """Move an item one place up (-1) or down (+1)."""
    ids = list(item.meeting.agenda_items.values_list("pk", flat=True))
    index = ids.index(item.pk)
    target = index + step
    if 0 <= target < len(ids):
        ids[index], ids[target] = ids[target], ids[index]
        reorder(item.meeting, user, ids)


@transaction.atomic
def update_item(item: AgendaItem, user: Person, *, version: int, **fields) -> AgendaItem:
    """Change an item's title, timebox, notes (the minutes) or status.

    Optimistic locking: ``version`` is the version the user read. If
    someone saved in between, nothing is written and ``EditConflict``
    carries the stored item, so two people typing minutes lose nothing.
    """
    allowed = {"title", "minutes", "guidance", "notes", "status"}
    unknown = set(fields) - allowed
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    meeting = item.meeting
    _writable(meeting, user)
    updated = AgendaItem.objects.filter(pk=item.pk, version=version).update(
        **fields, version=F("version") + 1, updated_by=user, updated_at=timezone.now()
    )
    item.refresh_from_db()
    if not updated:
        raise EditConflict(item)
    return item


@transaction.atomic
def toggle_timer(item: AgendaItem, user: Person) -> AgendaItem:
    """Start the item's timer, or stop it and add the time spent."""
    _writable(item.meeting, user)
    now = timezone.now()
    if item.started_at is None:
        AgendaItem.objects.filter(pk=item.pk, started_at__isnull=True).update(started_at=now)
        if item.meeting.status == Status.SCHEDULED:
            meeting_services.start_meeting(item.meeting, user)
    else:
        spent = int((now - item.started_at).total_seconds())
        AgendaItem.objects.filter(pk=item.pk, started_at__isnull=False).update(
            started_at=None, elapsed_seconds=F("elapsed_seconds") + max(spent, 0)
        )
    item.refresh_from_db()
    return item


def next_meeting(meeting: Meeting) -> Meeting | None:
    """The next occurrence of the meeting's series that has not been cancelled."""
    if meeting.series_id is None:
        return None
    return (
        Meeting.objects.filter(series_id=meeting.series_id, starts_at__gt=meeting.starts_at)
        .exclude(status=Status.CANCELLED)
        .order_by("starts_at")
        .first()
    )


@transaction.atomic
def move_to_next_meeting(item: AgendaItem, user: Person) -> AgendaItem:
    """Hand an item on to the next meeting of the series by hand: it is
    marked moved here and added at the end of the next agenda."""
    _writable(item.meeting, user)
    following = next_meeting(item.meeting)
    if following is None:
        raise ValueError(_("This meeting has no next occurrence to move the item to."))
    # Claim the item first, so that a second click cannot copy it twice.
    claimed = AgendaItem.objects.filter(pk=item.pk, status=ItemStatus.OPEN).update(
        status=ItemStatus.MOVED, version=F("version") + 1
    )
    if not claimed:
        raise ValueError(_("Only an open item can be moved to the next meeting."))
    last = following.agenda_items.aggregate(last=Max("position"))["last"]
    moved = AgendaItem.objects.create(
        meeting=following,
        position=0 if last is None else last + 1,
        title=item.title,
        minutes=item.minutes,
        guidance=item.guidance,
        notes=item.notes,
        moved_from=item,
        updated_by=user,
    )
    item.refresh_from_db()
    return moved


@transaction.atomic
def close_backlog_item(meeting: Meeting, item: AgendaItem, user: Person) -> AgendaItem:
    """Close an item carried over from an earlier meeting of the series, from
    the room of ``meeting``. The earlier meeting is usually concluded; it is
    ``meeting`` that must be open and editable by ``user``."""
    _writable(meeting, user)
    if not AgendaItem.objects.backlog_for(meeting).filter(pk=item.pk).exists():
        raise ValueError(_("That item is not open in an earlier meeting of this series."))
    AgendaItem.objects.filter(pk=item.pk, status=ItemStatus.OPEN).update(
        status=ItemStatus.DONE,
        version=F("version") + 1,
        updated_by=user,
        updated_at=timezone.now(),
    )
    item.refresh_from_db()
    return item


# --- Decisions and attendance -------------------------------------------------------------


@transaction.atomic
def add_decision(
    meeting: Meeting,
    user: Person,
    *,
    text: str,
    owner: Person,
    due_at: dt.datetime,
    agenda_item: AgendaItem | None = None,
) -> Decision:
    _writable(meeting, user)
    if agenda_item is not None and agenda_item.meeting_id != meeting.pk:
        raise ValueError(_("That agenda item belongs to another meeting."))
    if not meeting_services.invitable_people(user).filter(pk=owner.pk).exists():
        raise ValueError(_("The owner must be someone you can assign work to."))
    return Decision.objects.create(
        meeting=meeting,
        agenda_item=agenda_item,
        text=text,
        owner=owner,
        due_at=due_at,
        created_by=user,
    )


@transaction.atomic
def check_in(meeting: Meeting, user: Person, person: Person, present: bool = True) -> None:
    _writable(meeting, user)
    meeting_services.record_attendance(meeting, user, {person.pk: present})


# --- Concluding ---------------------------------------------------------------------------


@transaction.atomic
def conclude(meeting: Meeting, user: Person, *, override_reason: str = "") -> Conclusion:
    """Conclude the meeting: the outputs its kind requires must be there, or
    the chair gives a reason to conclude without them, which is recorded.
    The minutes lock, and a summary goes to the attendees after commit."""
    _writable(meeting, user)
    missing = outputs.missing_outputs(meeting)
    if missing and not override_reason.strip():
        raise OutputsMissing(missing)
    AgendaItem.objects.filter(meeting=meeting, started_at__isnull=False).update(started_at=None)
    if not meeting_services.mark_concluded(meeting, user):
        raise MinutesLocked(_("The meeting is already concluded."))
    conclusion = Conclusion.objects.create(
        meeting=meeting,
        concluded_by=user,
        concluded_at=meeting.concluded_at,
        missing_outputs=missing,
        override_reason=override_reason.strip() if missing else "",
    )
    from . import tasks

    transaction.on_commit(lambda: tasks.send_summary.delay(meeting.pk))
    return conclusion


# --- Outputs ------------------------------------------------------------------------------


@transaction.atomic
def add_strategy_requirement(
    meeting: Meeting, user: Person, kind: str, text: str
) -> StrategyRequirement:
    _writable(meeting, user)
    return StrategyRequirement.objects.create(
        meeting=meeting, kind=kind, text=text, created_by=user
    )


@transaction.atomic
def add_rep_feedback(meeting: Meeting, user: Person, rep: Person, text: str) -> RepFeedback:
    _writable(meeting, user)
    return RepFeedback.objects.create(meeting=meeting, rep=rep, text=text)


@transaction.atomic
def add_focus_rep(meeting: Meeting, user: Person, rep: Person, reason: str = "") -> FocusRep:
    _writable(meeting, user)
    focus, _created = FocusRep.objects.update_or_create(
        meeting=meeting, rep=rep, defaults={"reason": reason}
    )
    return focus


def draft_monthly_plan(meeting: Meeting, rep: Person, text: str) -> MonthlyPlan:
    """A rep drafts (or redrafts) their plan after the monthly meeting; a
    confirmed plan is not redrafted."""
    if not meeting.invitations.filter(person=rep).exists():
        raise PermissionDenied(_("Only the meeting's invitees draft a monthly plan for it."))
    plan, created = MonthlyPlan.objects.get_or_create(
        meeting=meeting, rep=rep, defaults={"text": text}
    )
    if not created:
        # Conditional, so that a confirmation in between is not written over.
        redrafted = MonthlyPlan.objects.filter(pk=plan.pk, confirmed_at__isnull=True).update(
            text=text, drafted_at=timezone.now()
        )
        if not redrafted:
            raise MinutesLocked(_("This plan was confirmed in a 1:1 and can no longer change."))
        plan.refresh_from_db()
    return plan


def confirm_monthly_plan(plan: MonthlyPlan, manager: Person, note: str = "") -> MonthlyPlan:
    """The manager confirms a rep's plan in a 1:1; who and when are recorded."""
    if not meeting_services.can_manage(manager, plan.meeting) or manager.pk == plan.rep_id:
        raise PermissionDenied(_("The rep's manager confirms the plan."))
    MonthlyPlan.objects.filter(pk=plan.pk, confirmed_at__isnull=True).update(
        confirmed_by=manager, confirmed_at=timezone.now(), one_to_one_note=note
    )
    plan.refresh_from_db()
    return plan


def collection_window(meeting: Meeting) -> tuple[dt.datetime, dt.datetime]:
    """The quarterly information collection: it opens two weeks before the
    quarter ends (the quarter before the meeting's first week) and closes
    when the meeting starts."""
    local = timezone.localtime(meeting.starts_at)
    quarter_start_month = (local.month - 1) // 3 * 3 + 1
    quarter_end = local.replace(
        month=quarter_start_month, day=1, hour=0, minute=0, second=0, microsecond=0
    )
    return quarter_end - dt.timedelta(days=14), meeting.starts_at


def submit_quarterly(
    meeting: Meeting, author: Person, theme: str, text: str
) -> QuarterlySubmission:
    """Every level submits: anyone in the meeting's unit (or below it), or
    who can see the meeting, while the collection window is open."""
    opens, closes = collection_window(meeting)
    now = timezone.now()
    if not opens <= now < closes:
        raise PermissionDenied(
            _(
                "Information for this quarterly meeting can be submitted from %(opens)s "
                "until it starts."
            )
            % {"opens": timezone.localtime(opens).strftime("%Y-%m-%d")}
        )
    in_unit = author.unit_id and author.unit.path.startswith(meeting.unit.path)
    if not in_unit and not Meeting.objects.for_user(author).filter(pk=meeting.pk).exists():
        raise PermissionDenied(_("You cannot submit to this meeting."))
    return QuarterlySubmission.objects.create(
        meeting=meeting, author=author, unit=author.unit or meeting.unit, theme=theme, text=text
    )


def submissions_by_unit_and_theme(
    meeting: Meeting,
) -> dict[str, dict[str, list[QuarterlySubmission]]]:
    """The submissions by unit (in tree order), then theme, oldest first."""
    grouped: dict[str, dict[str, list[QuarterlySubmission]]] = {}
    submissions = meeting.quarterly_submissions.select_related("unit", "author").order_by(
        "unit__path", "theme", "submitted_at", "pk"
    )
    for submission in submissions:
        grouped.setdefault(submission.unit.name, {}).setdefault(
            submission.get_theme_display(), []
        ).append(submission)
    return grouped


@transaction.atomic
def save_template(form, formset) -> AgendaTemplate:
    """Save a template and its items; meetings already scheduled keep the
    copy they took."""
    template = form.save()
    formset.save()
    return template


def install_default_template(kind: str) -> AgendaTemplate | None:
    """Create the article's template for ``kind`` if there is none (a data
    migration installs them all; this covers a database emptied since)."""
    from .defaults import DEFAULT_TEMPLATES

    if kind not in DEFAULT_TEMPLATES:
        return None
    name, items = DEFAULT_TEMPLATES[kind]
    template, created = AgendaTemplate.objects.get_or_create(kind=kind, defaults={"name": name})
    if created:
        AgendaTemplateItem.objects.bulk_create(
            AgendaTemplateItem(template=template, position=i, title=t, minutes=m, guidance=g)
            for i, (t, m, g) in enumerate(items)
        )
    return template
