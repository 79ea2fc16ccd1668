"""Action items and their SLA clocks: creating, completing, pausing,
moving, and the sweeps that breach, warn and escalate.

Every state change of a clock is a conditional UPDATE on the state it
expects (``WHERE state = 'running'``) and a ``ClockEvent``; a change that
finds the clock already moved on does nothing. That is what makes two
workers, or a sweep and a "mark done", safe to run at the same moment.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from meetings.kinds import Kind
from meetings.models import Meeting, Part
from org.models import Person
from org.services import escalation_chain
from org.visibility import scope_for

from . import sla
from .defaults import install_default_policies
from .models import (
    ActionItem,
    ActionKind,
    ActionState,
    ClockEvent,
    ClockState,
    Escalation,
    SlaClock,
    SlaPolicy,
)
from .notify import notify

SWEEP_BATCH = 500
# A sweep stops taking batches after this long and leaves the rest to the
# next one: well inside the task's soft time limit (CELERY_TASK_SOFT_TIME_LIMIT),
# which would otherwise interrupt a sweep catching up on thousands of clocks.
SWEEP_BUDGET = dt.timedelta(seconds=60)
# Which policy a decision's action item runs under, by the meeting's kind.
DECISION_POLICY = {
    Kind.CUSTOMER_SPECIAL: ("customer_special.execution", ActionKind.EXECUTION),
    Kind.CUSTOMER_ISSUE: ("customer_issue.feedback", ActionKind.CUSTOMER_FEEDBACK),
    Kind.RESOURCE_COORDINATION: ("resource_coordination.implementation", ActionKind.RESOURCE_PLAN),
}
# These clocks start when the meeting is concluded, not when the decision is taken.
STARTS_AT_CONCLUSION = set(DECISION_POLICY)


def policy(key: str) -> SlaPolicy:
    found = SlaPolicy.objects.filter(key=key).first()
    if found is None:  # a database emptied since the data migration
        install_default_policies(SlaPolicy)
        found = SlaPolicy.objects.get(key=key)
    return found


def _event(
    clock: SlaClock,
    event: str,
    *,
    actor=None,
    from_state="",
    to_state="",
    reason="",
    before=None,
    after=None,
    at=None,
):
    ClockEvent.objects.create(
        clock=clock,
        event=event,
        actor=actor,
        from_state=from_state,
        to_state=to_state,
        reason=reason,
        deadline_before=before,
        deadline_after=after,
        at=at or timezone.now(),
    )


# --- Creating ---------------------------------------------------------------------------------


def start_clock(
    item: ActionItem, policy_key: str, started_at: dt.datetime, *, actor=None
) -> SlaClock:
    chosen = policy(policy_key)
    deadline = sla.deadline_for(chosen, started_at, due_at=item.due_at)
    clock = SlaClock.objects.create(
        action_item=item,
        policy=chosen,
        policy_version=chosen.version,
        started_at=started_at,
        deadline=deadline,
        warn_at=sla.first_warning(chosen, started_at, deadline),
    )
    if item.due_at != deadline:
        ActionItem.objects.filter(pk=item.pk).update(due_at=deadline)
        item.due_at = deadline
    _event(
        clock,
        "started",
        actor=actor,
        to_state=ClockState.RUNNING,
        after=deadline,
        at=min(started_at, timezone.now()),
    )
    return clock


@transaction.atomic
def create_action_item(
    *,
    title: str,
    owner: Person,
    created_by: Person,
    due_at: dt.datetime,
    meeting: Meeting | None = None,
    kind: str = ActionKind.GENERAL,
    description: str = "",
    customer=None,
    decision=None,
    policy_key: str | None = "decision",
) -> ActionItem:
    """An action item, with its clock when ``policy_key`` names one."""
    if owner.unit_id is None and (meeting is None):
        raise ValueError(_("The owner belongs to no unit: place them in the org tree first."))
    item = ActionItem.objects.create(
        title=title[:300],
        description=description,
        kind=kind,
        owner=owner,
        unit=owner.unit if owner.unit_id else meeting.unit,
        meeting=meeting,
        decision=decision,
        customer=customer,
        due_at=due_at,
        created_by=created_by,
    )
    if policy_key:
        start_clock(item, policy_key, timezone.now(), actor=created_by)
    return item


def item_from_decision(decision) -> ActionItem:
    """A decision of the meeting room becomes a tracked action item. Its SLA
    clock starts now, or — in the customer and resource meetings — when the
    meeting is concluded."""
    meeting = decision.meeting
    policy_key, kind = DECISION_POLICY.get(meeting.kind, ("decision", ActionKind.GENERAL))
    return create_action_item(
        title=decision.text.splitlines()[0] if decision.text else _("Decision"),
        description=decision.text,
        owner=decision.owner,
        created_by=decision.created_by,
        due_at=decision.due_at,
        meeting=meeting,
        kind=kind,
        decision=decision,
        policy_key=None if meeting.kind in STARTS_AT_CONCLUSION else policy_key,
    )


def conclusion_item(meeting: Meeting) -> ActionItem | None:
    return meeting.action_items.filter(kind=ActionKind.CONCLUSION).first()


@transaction.atomic
def track_same_day_conclusion(meeting: Meeting) -> None:
    """A customer special meeting must conclude the day it is held (不过夜):
    a clock on the chair runs from its start to that day's midnight, and
    follows the meeting when it is moved or cancelled."""
    if meeting.kind != Kind.CUSTOMER_SPECIAL:
        return
    item = conclusion_item(meeting)
    if meeting.status == "cancelled":
        if item is not None:
            cancel(item, None, reason=_("The meeting was cancelled."))
        return
    if meeting.status == "draft":
        return
    if item is None:
        item = ActionItem.objects.create(
            title=_("Conclusion of “%(title)s”") % {"title": meeting.title},
            kind=ActionKind.CONCLUSION,
            owner=meeting.chair,
            unit=meeting.unit,
            meeting=meeting,
            due_at=sla.end_of_day(meeting.starts_at),
            created_by=meeting.created_by,
        )
        start_clock(item, "customer_special.conclusion", meeting.starts_at)
        return
    clock = item.clocks.filter(state=ClockState.RUNNING).select_related("policy").first()
    if clock is None or clock.started_at == meeting.starts_at:
        return
    # The promise runs from the meeting's new start (its warnings follow) to that day's end.
    deadline = sla.end_of_day(meeting.starts_at)
    clock.started_at = meeting.starts_at
    SlaClock.objects.filter(pk=clock.pk).update(
        started_at=clock.started_at,
        warn_at=sla.first_warning(clock.policy, clock.started_at, deadline, clock.warnings_sent),
    )
    if clock.deadline != deadline:
        move_deadline(clock, None, deadline, reason=_("The meeting was moved."), check=False)


@transaction.atomic
def start_clocks_at_conclusion(meeting: Meeting, concluded_by: Person) -> int:
    """Concluding a meeting meets its same-day conclusion clock and starts
    the clocks of its decisions' action items."""
    now = meeting.concluded_at or timezone.now()
    item = conclusion_item(meeting)
    if item is not None and item.state == ActionState.OPEN:
        complete(item, concluded_by, evidence=_("Meeting concluded."), check=False, at=now)
    started = 0
    if meeting.kind in DECISION_POLICY:
        policy_key, _kind = DECISION_POLICY[meeting.kind]
        for action in meeting.action_items.filter(
            state=ActionState.OPEN, clocks__isnull=True
        ).exclude(kind=ActionKind.CONCLUSION):
            start_clock(action, policy_key, now, actor=concluded_by)
            started += 1
    if (
        meeting.kind == Kind.CUSTOMER_ISSUE
        and not meeting.action_items.filter(kind=ActionKind.ISSUE_RESOLUTION).exists()
    ):
        # The closed loop: the issue stays open, its age shown, until resolved.
        create_action_item(
            title=_("Resolve the issue: %(customer)s")
            % {"customer": meeting.customer_name or meeting.title},
            owner=meeting.chair,
            created_by=concluded_by,
            due_at=now,
            meeting=meeting,
            kind=ActionKind.ISSUE_RESOLUTION,
            policy_key=None,
        )
    return started


# --- Transitions --------------------------------------------------------------------------------


def can_supervise(user: Person, item: ActionItem) -> bool:
    """The owner's managers (in whose tree the item lies) pause and move clocks."""
    if user.is_superuser:
        return True
    scope = scope_for(user)
    if not user.is_manager or user.pk == item.owner_id:
        return False
    return scope.everything or (
        scope.unit_path is not None and item.unit.path.startswith(scope.unit_path)
    )


@transaction.atomic
def complete(
    item: ActionItem,
    user: Person,
    *,
    evidence: str,
    check: bool = True,
    at: dt.datetime | None = None,
) -> ActionItem:
    """Mark the item done with evidence of what was done; its running or
    paused clocks are met (a breached clock stays breached: the promise was
    late, however it ended)."""
    if check and user.pk != item.owner_id and not can_supervise(user, item):
        raise PermissionDenied(_("Only the owner or their manager marks an item done."))
    if check and not evidence.strip():
        raise ValueError(_("Say what was done."))
    now = at or timezone.now()
    changed = ActionItem.objects.filter(pk=item.pk, state=ActionState.OPEN).update(
        state=ActionState.DONE, evidence=evidence, done_at=now, done_by=user
    )
    item.refresh_from_db()
    if not changed:
        return item
    # A running clock past its deadline that no sweep has claimed yet was
    # breached all the same: at its deadline, not met when the work came in.
    for clock in item.clocks.filter(state=ClockState.RUNNING, deadline__lt=now):
        if SlaClock.objects.filter(pk=clock.pk, state=ClockState.RUNNING).update(
            state=ClockState.BREACHED, breached_at=F("deadline"), warn_at=None
        ):
            _event(
                clock,
                "breached",
                from_state=ClockState.RUNNING,
                to_state=ClockState.BREACHED,
                at=clock.deadline,
            )
    for clock in item.clocks.filter(state__in=[ClockState.RUNNING, ClockState.PAUSED]):
        if SlaClock.objects.filter(pk=clock.pk, state=clock.state).update(
            state=ClockState.MET, met_at=now, warn_at=None
        ):
            _event(
                clock, "met", actor=user, from_state=clock.state, to_state=ClockState.MET, at=now
            )
    for clock in item.clocks.filter(state=ClockState.BREACHED):
        SlaClock.objects.filter(pk=clock.pk).update(next_escalation_at=None)
        _event(
            clock,
            "done_late",
            actor=user,
            from_state=ClockState.BREACHED,
            to_state=ClockState.BREACHED,
            at=now,
        )
    if item.kind == ActionKind.RESOURCE_PLAN and item.meeting_id:
        _request_review(item, user, now)
    return item


def _request_review(plan: ActionItem, user: Person, now: dt.datetime) -> None:
    meeting = plan.meeting
    requester = meeting.invitations.filter(part=Part.REQUESTER).select_related("person").first()
    owner = requester.person if requester else meeting.chair
    if plan.follow_ups.filter(kind=ActionKind.RESOURCE_REVIEW).exists():
        return
    review = ActionItem.objects.create(
        title=_("Review the implementation of: %(plan)s") % {"plan": plan.title},
        kind=ActionKind.RESOURCE_REVIEW,
        owner=owner,
        unit=plan.unit,
        meeting=meeting,
        due_at=now,
        created_by=user,
        follows=plan,
    )
    start_clock(review, "resource_coordination.review", now, actor=user)


@transaction.atomic
def cancel(item: ActionItem, user: Person | None, *, reason: str) -> ActionItem:
    if ActionItem.objects.filter(pk=item.pk, state=ActionState.OPEN).update(
        state=ActionState.CANCELLED
    ):
        for clock in item.clocks.filter(
            state__in=[ClockState.RUNNING, ClockState.PAUSED, ClockState.BREACHED]
        ):
            if SlaClock.objects.filter(pk=clock.pk, state=clock.state).update(
                state=ClockState.CANCELLED, warn_at=None, next_escalation_at=None
            ):
                _event(
                    clock,
                    "cancelled",
                    actor=user,
                    from_state=clock.state,
                    to_state=ClockState.CANCELLED,
                    reason=reason,
                )
    item.refresh_from_db()
    return item


@transaction.atomic
def pause(clock: SlaClock, user: Person, *, reason: str) -> SlaClock:
    """Stop the clock (e.g. waiting for the customer); the time left is kept."""
    if not can_supervise(user, clock.action_item):
        raise PermissionDenied(_("The owner's manager pauses a clock."))
    if not reason.strip():
        raise ValueError(_("Give the reason for pausing."))
    clock.refresh_from_db()  # the deadline now, not when the caller read it
    now = timezone.now()
    left = sla.remaining(clock.policy, now, clock.deadline)
    if SlaClock.objects.filter(pk=clock.pk, state=ClockState.RUNNING).update(
        state=ClockState.PAUSED, paused_at=now, remaining_seconds=left, warn_at=None
    ):
        _event(
            clock,
            "paused",
            actor=user,
            from_state=ClockState.RUNNING,
            to_state=ClockState.PAUSED,
            reason=reason,
            before=clock.deadline,
        )
    clock.refresh_from_db()
    return clock


@transaction.atomic
def resume(clock: SlaClock, user: Person, *, reason: str = "") -> SlaClock:
    if not can_supervise(user, clock.action_item):
        raise PermissionDenied(_("The owner's manager resumes a clock."))
    clock.refresh_from_db()  # the time left as the pause stored it
    now = timezone.now()
    deadline = sla.resume_deadline(clock.policy, now, clock.remaining_seconds or 0)
    if SlaClock.objects.filter(pk=clock.pk, state=ClockState.PAUSED).update(
        state=ClockState.RUNNING,
        paused_at=None,
        remaining_seconds=None,
        deadline=deadline,
        warn_at=sla.first_warning(clock.policy, now, deadline, 0),
    ):
        _event(
            clock,
            "resumed",
            actor=user,
            from_state=ClockState.PAUSED,
            to_state=ClockState.RUNNING,
            reason=reason,
            before=clock.deadline,
            after=deadline,
        )
        ActionItem.objects.filter(pk=clock.action_item_id).update(due_at=deadline)
    clock.refresh_from_db()
    return clock


@transaction.atomic
def move_deadline(
    clock: SlaClock, user: Person | None, deadline: dt.datetime, *, reason: str, check: bool = True
) -> SlaClock:
    if check and (user is None or not can_supervise(user, clock.action_item)):
        raise PermissionDenied(_("The owner's manager moves a deadline."))
    if check and not reason.strip():
        raise ValueError(_("Give the reason for moving the deadline."))
    if check and deadline <= clock.started_at:
        raise ValueError(_("The new deadline must come after the clock started."))
    before = clock.deadline
    if SlaClock.objects.filter(pk=clock.pk, state=ClockState.RUNNING).update(
        deadline=deadline,
        warn_at=sla.first_warning(clock.policy, clock.started_at, deadline, clock.warnings_sent),
    ):
        _event(
            clock,
            "moved",
            actor=user,
            from_state=ClockState.RUNNING,
            to_state=ClockState.RUNNING,
            reason=reason,
            before=before,
            after=deadline,
        )
        ActionItem.objects.filter(pk=clock.action_item_id).update(due_at=deadline)
    clock.refresh_from_db()
    return clock


@transaction.atomic
def apply_policy_change(changed: SlaPolicy, user: Person | None = None) -> int:
    """After a policy is edited: bump its version and recompute the
    deadlines of its running clocks (logged). Finished clocks keep the
    version they ran under. Returns how many clocks moved."""
    SlaPolicy.objects.filter(pk=changed.pk).update(version=F("version") + 1)
    changed.refresh_from_db()
    moved = 0
    for clock in SlaClock.objects.filter(policy=changed, state=ClockState.RUNNING).select_related(
        "action_item"
    ):
        deadline = sla.deadline_for(changed, clock.started_at, due_at=clock.action_item.due_at)
        if SlaClock.objects.filter(pk=clock.pk, state=ClockState.RUNNING).update(
            deadline=deadline,
            policy_version=changed.version,
            warn_at=sla.first_warning(changed, clock.started_at, deadline, clock.warnings_sent),
        ):
            _event(
                clock,
                "recomputed",
                actor=user,
                from_state=ClockState.RUNNING,
                to_state=ClockState.RUNNING,
                reason=_("Policy changed (version %(version)d).") % {"version": changed.version},
                before=clock.deadline,
                after=deadline,
            )
            ActionItem.objects.filter(pk=clock.action_item_id).update(due_at=deadline)
            moved += 1
    return moved


# --- The sweeps ---------------------------------------------------------------------------------


@dataclass
class SweepReport:
    breached: int = 0
    warned: int = 0
    escalated: int = 0

    def __str__(self) -> str:
        return f"breached={self.breached} warned={self.warned} escalated={self.escalated}"


def _hours(value) -> dt.timedelta:
    return dt.timedelta(seconds=int(Decimal(value) * 3600))


def _escalate(clock: SlaClock, level: int, at: dt.datetime) -> bool:
    """Record the breach reaching ``level`` of the owner's chain (1 = their
    manager) and notify that person and the owner. False when the chain
    has no one that high, or the level was recorded already."""
    item = clock.action_item
    chain = escalation_chain(item.owner)
    if level > len(chain):
        return False
    target = chain[level - 1]
    try:
        with transaction.atomic():
            Escalation.objects.create(clock=clock, level=level, to_person=target, at=at)
    except IntegrityError:
        return False
    url = item.get_absolute_url()
    title = _("Breached: %(title)s (%(owner)s)") % {"title": item.title, "owner": item.owner}
    body = _("%(policy)s — due %(deadline)s. Escalated to you as level %(level)d.") % {
        "policy": clock.policy.name,
        "deadline": timezone.localtime(clock.deadline).strftime("%Y-%m-%d %H:%M"),
        "level": level,
    }
    notify(
        target,
        kind="escalation",
        title=title,
        body=body,
        url=url,
        item=item,
        key=f"clock-{clock.pk}-level-{level}",
    )
    if level == 1:
        notify(
            item.owner,
            kind="breach",
            title=title,
            body=clock.policy.name,
            url=url,
            item=item,
            key=f"clock-{clock.pk}-breach-owner",
        )
    return True


def breach_due_clocks(
    now: dt.datetime | None = None, *, budget: dt.timedelta = SWEEP_BUDGET
) -> int:
    """Mark running clocks past their deadline as breached, each once, with
    ``breached_at`` = the deadline (not when the sweep noticed), and
    escalate each to level 1 in the same transaction. Catches up on every
    clock missed while no worker ran, batch after batch, for at most
    ``budget``; the next sweep goes on from there."""
    now = now or timezone.now()
    give_up = time.monotonic() + budget.total_seconds()
    count = 0
    while True:
        candidates = list(
            SlaClock.objects.due(now)
            .order_by("deadline")
            .values_list("pk", flat=True)[:SWEEP_BATCH]
        )
        claimed = sum(_breach(pk, now) for pk in candidates)
        count += claimed
        # A full batch all taken by another sweep: that sweep drains the rest.
        if len(candidates) < SWEEP_BATCH or not claimed or time.monotonic() >= give_up:
            return count


@transaction.atomic
def _breach(pk: int, now: dt.datetime) -> bool:
    """Claim one due clock and escalate it; False when another sweep, or a
    "mark done", got there first (or holds it now: skipped, not waited for)."""
    due = SlaClock.objects.filter(pk=pk, state=ClockState.RUNNING, deadline__lte=now)
    if not list(due.select_for_update(skip_locked=True).values_list("pk", flat=True)):
        return False
    claimed = due.update(
        state=ClockState.BREACHED,
        breached_at=F("deadline"),
        warn_at=None,
        level=1,
    )
    if not claimed:
        return False
    clock = SlaClock.objects.select_related(
        "action_item__owner__unit", "action_item__unit", "policy"
    ).get(pk=pk)  # the owner's unit: the escalation chain starts there
    SlaClock.objects.filter(pk=pk).update(
        next_escalation_at=clock.deadline + _hours(clock.policy.escalate_every_hours)
    )
    _event(
        clock,
        "breached",
        from_state=ClockState.RUNNING,
        to_state=ClockState.BREACHED,
        at=clock.deadline,
    )
    _escalate(clock, 1, clock.deadline)
    return True


def warn_due_clocks(now: dt.datetime | None = None) -> int:
    """Warn owners whose running clock passed a warning threshold, once per threshold."""
    now = now or timezone.now()
    count = 0
    candidates = SlaClock.objects.filter(state=ClockState.RUNNING, warn_at__lte=now).values_list(
        "pk", "warnings_sent"
    )[:SWEEP_BATCH]
    for pk, sent in list(candidates):
        with transaction.atomic():
            clock = SlaClock.objects.select_related(
                "action_item__owner", "action_item__unit", "policy"
            ).get(pk=pk)
            following = sla.first_warning(clock.policy, clock.started_at, clock.deadline, sent + 1)
            if not SlaClock.objects.filter(
                pk=pk, state=ClockState.RUNNING, warnings_sent=sent
            ).update(warnings_sent=sent + 1, warn_at=following):
                continue
            item = clock.action_item
            _event(clock, "warned", from_state=ClockState.RUNNING, to_state=ClockState.RUNNING)
            notify(
                item.owner,
                kind="warning",
                title=_("Due soon: %(title)s") % {"title": item.title},
                body=_("Due %(deadline)s (%(policy)s).")
                % {
                    "deadline": timezone.localtime(clock.deadline).strftime("%Y-%m-%d %H:%M"),
                    "policy": clock.policy.name,
                },
                url=item.get_absolute_url(),
                item=item,
                key=f"clock-{pk}-warning-{sent + 1}",
            )
            count += 1
    return count


def escalate_further(now: dt.datetime | None = None) -> int:
    """Climb one level higher for breached items still open after each
    further interval, up to the top of the tree."""
    now = now or timezone.now()
    count = 0
    candidates = SlaClock.objects.filter(
        state=ClockState.BREACHED, next_escalation_at__lte=now
    ).values_list("pk", "level")[:SWEEP_BATCH]
    for pk, level in list(candidates):
        with transaction.atomic():
            clock = SlaClock.objects.select_related(
                "action_item__owner", "action_item__unit", "policy"
            ).get(pk=pk)
            if clock.action_item.state != ActionState.OPEN:
                SlaClock.objects.filter(pk=pk).update(next_escalation_at=None)
                continue
            at = clock.next_escalation_at
            following = at + _hours(clock.policy.escalate_every_hours)
            if not SlaClock.objects.filter(pk=pk, state=ClockState.BREACHED, level=level).update(
                level=level + 1, next_escalation_at=following
            ):
                continue
            if _escalate(clock, level + 1, at):
                _event(
                    clock,
                    "escalated",
                    from_state=ClockState.BREACHED,
                    to_state=ClockState.BREACHED,
                    reason=f"level {level + 1}",
                    at=at,
                )
                count += 1
            else:  # the top of the tree: nobody higher to tell
                SlaClock.objects.filter(pk=pk).update(next_escalation_at=None, level=level)
    return count


def sweep(now: dt.datetime | None = None) -> SweepReport:
    now = now or timezone.now()
    return SweepReport(
        breached=breach_due_clocks(now),
        warned=warn_due_clocks(now),
        escalated=escalate_further(now),
    )


@dataclass
class Status:
    running: int
    at_risk: int
    paused: int
    breached_open: int


def status(now: dt.datetime | None = None, *, user: Person | None = None) -> Status:
    """Counts for operators and dashboards: at risk = running with a warning
    already sent or due."""
    now = now or timezone.now()
    clocks = SlaClock.objects.all() if user is None else SlaClock.objects.for_user(user)
    running = clocks.filter(state=ClockState.RUNNING)
    return Status(
        running=running.count(),
        at_risk=running.filter(warnings_sent__gt=0).count()
        + running.filter(warnings_sent=0, warn_at__lte=now).count(),
        paused=clocks.filter(state=ClockState.PAUSED).count(),
        breached_open=clocks.filter(
            state=ClockState.BREACHED, action_item__state=ActionState.OPEN
        ).count(),
    )
