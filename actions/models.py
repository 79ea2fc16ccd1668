from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from org.visibility import scope_for


class Basis(models.TextChoices):
    CALENDAR = "calendar", _("Calendar hours")
    WORKING = "working", _("Working hours of the working calendar")
    END_OF_DAY = "end_of_day", _("By the end of the day it starts (不过夜)")
    DUE_DATE = "due_date", _("The due time set on the action item")


class SlaPolicy(models.Model):
    """How long one kind of promise may take. Editing a policy recomputes
    the deadlines of its running clocks; finished clocks keep the version
    they ran under."""

    key = models.SlugField(_("key"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=200)
    basis = models.CharField(
        _("counts"), max_length=20, choices=Basis.choices, default=Basis.CALENDAR
    )
    hours = models.DecimalField(_("hours"), max_digits=7, decimal_places=2, default=24)
    # Fractions of the window after which the owner is warned, e.g. [0.75].
    warn_at = models.JSONField(_("warn at (fractions of the window)"), default=list, blank=True)
    escalate_every_hours = models.DecimalField(
        _("escalate one level higher every (hours)"), max_digits=7, decimal_places=2, default=24
    )
    working_day_start = models.TimeField(_("working day starts"), default=dt.time(9, 0))
    working_day_end = models.TimeField(_("working day ends"), default=dt.time(18, 0))
    version = models.PositiveIntegerField(default=1, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")
        ordering = ["key"]

    def __str__(self) -> str:
        return self.name


class ActionKind(models.TextChoices):
    GENERAL = "general", _("Action")
    CONCLUSION = "conclusion", _("Conclusion the same day")
    EXECUTION = "execution", _("Execution and feedback")
    CUSTOMER_FEEDBACK = "customer_feedback", _("Feedback to the customer")
    ISSUE_RESOLUTION = "issue_resolution", _("Issue resolved (closed loop)")
    RESOURCE_PLAN = "resource_plan", _("Resource plan implemented")
    RESOURCE_REVIEW = "resource_review", _("Requester's review")


class ActionState(models.TextChoices):
    OPEN = "open", _("Open")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


def visible_items(scope, field: str = "") -> Q:
    """The rule of ``ActionItem.objects.for_user`` for a scope short of
    everything, on the item reached through ``field`` (e.g.
    ``"clock__action_item"``). A query of a related model then joins the
    item, where ``item__in=<visible items>`` inside an OR has PostgreSQL test
    every row against an unhashed list of hundreds of thousands (minutes)."""
    prefix = f"{field}__" if field else ""
    escalated = Escalation.objects.filter(
        clock__action_item=models.OuterRef(field or "pk"), to_person_id=scope.person_id
    )
    return (
        scope.units(f"{prefix}unit")
        | Q(**{f"{prefix}owner_id": scope.person_id})
        | models.Exists(escalated)
    )


class ActionItemQuerySet(models.QuerySet):
    def for_user(self, user) -> ActionItemQuerySet:
        """Items of units in the user's tree, and any item they own or that
        was escalated to them (resource owners see only their own)."""
        scope = scope_for(user)
        if scope.everything:
            return self
        if scope.person_id is None:
            return self.none()
        return self.filter(visible_items(scope))

    def open(self) -> ActionItemQuerySet:
        return self.filter(state=ActionState.OPEN)


class ActionItem(models.Model):
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    kind = models.CharField(
        _("kind"), max_length=30, choices=ActionKind.choices, default=ActionKind.GENERAL
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="action_items",
    )
    # The unit the item belongs to (the owner's when created): visibility
    # and webhooks follow it, even if the owner later moves.
    unit = models.ForeignKey(
        "org.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="action_items"
    )
    meeting = models.ForeignKey(
        "meetings.Meeting",
        verbose_name=_("meeting"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="action_items",
    )
    decision = models.OneToOneField(
        "agendas.Decision",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="action_item",
    )
    # A follow-up (the requester's review of a resource plan) points to the item it follows.
    follows = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="follow_ups",
        editable=False,
    )
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="action_items",
    )
    due_at = models.DateTimeField(_("due"))
    state = models.CharField(
        _("state"), max_length=10, choices=ActionState.choices, default=ActionState.OPEN
    )
    evidence = models.TextField(_("what was done"), blank=True)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])
    objects = ActionItemQuerySet.as_manager()

    class Meta:
        verbose_name = _("action item")
        verbose_name_plural = _("action items")
        ordering = ["due_at"]
        indexes = [
            models.Index(fields=["owner", "state", "due_at"]),
            models.Index(fields=["unit", "state"]),
            # Open items are a small, hot slice of millions: the manager's
            # list (soonest due first), the headline and the breach list.
            models.Index(fields=["due_at"], condition=Q(state="open"), name="open_item_due_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("actions:detail", args=[self.pk])

    @property
    def age(self) -> dt.timedelta:
        end = self.done_at or timezone.now()
        return end - self.created_at


class ClockState(models.TextChoices):
    RUNNING = "running", _("Running")
    PAUSED = "paused", _("Paused")
    MET = "met", _("Met")
    BREACHED = "breached", _("Breached")
    CANCELLED = "cancelled", _("Cancelled")


class SlaClockQuerySet(models.QuerySet):
    def for_user(self, user) -> SlaClockQuerySet:
        return self.filter(action_item__in=ActionItem.objects.for_user(user))

    def due(self, now: dt.datetime) -> SlaClockQuerySet:
        """Running clocks past their deadline: served by the partial index."""
        return self.filter(state=ClockState.RUNNING, deadline__lte=now)


class SlaClock(models.Model):
    """One promise being timed."""

    action_item = models.ForeignKey(ActionItem, on_delete=models.CASCADE, related_name="clocks")
    policy = models.ForeignKey(SlaPolicy, on_delete=models.PROTECT, related_name="clocks")
    policy_version = models.PositiveIntegerField()
    started_at = models.DateTimeField(_("started at"))
    deadline = models.DateTimeField(_("deadline"))
    # The next warning, or null when none is left.
    warn_at = models.DateTimeField(_("next warning"), null=True, blank=True)
    warnings_sent = models.PositiveSmallIntegerField(default=0)
    state = models.CharField(
        _("state"), max_length=10, choices=ClockState.choices, default=ClockState.RUNNING
    )
    paused_at = models.DateTimeField(null=True, blank=True)
    # Work left when paused (working seconds for working-hours policies).
    remaining_seconds = models.BigIntegerField(null=True, blank=True)
    met_at = models.DateTimeField(null=True, blank=True)
    breached_at = models.DateTimeField(null=True, blank=True)
    level = models.PositiveSmallIntegerField(_("escalation level"), default=0)
    next_escalation_at = models.DateTimeField(null=True, blank=True)

    objects = SlaClockQuerySet.as_manager()

    class Meta:
        verbose_name = _("SLA clock")
        verbose_name_plural = _("SLA clocks")
        indexes = [
            # The sweeps' queries; partial, so they stay small however many
            # clocks have finished.
            models.Index(fields=["deadline"], condition=Q(state="running"), name="clock_due_idx"),
            models.Index(fields=["warn_at"], condition=Q(state="running"), name="clock_warn_idx"),
            models.Index(
                fields=["next_escalation_at"],
                condition=Q(state="breached"),
                name="clock_escalate_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.policy} · {self.action_item}"


class ClockEvent(models.Model):
    """Every transition of a clock: who, when, why."""

    clock = models.ForeignKey(SlaClock, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    event = models.CharField(max_length=20)
    from_state = models.CharField(max_length=10, blank=True)
    to_state = models.CharField(max_length=10, blank=True)
    reason = models.TextField(blank=True)
    deadline_before = models.DateTimeField(null=True, blank=True)
    deadline_after = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("clock event")
        verbose_name_plural = _("clock events")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.event} @ {self.at}"


class Escalation(models.Model):
    """A breach reaching one level of the org tree. One per clock and level:
    the constraint makes a second sweep's attempt fail instead of notifying twice."""

    clock = models.ForeignKey(SlaClock, on_delete=models.CASCADE, related_name="escalations")
    level = models.PositiveSmallIntegerField()
    to_person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="escalations"
    )
    at = models.DateTimeField()

    class Meta:
        verbose_name = _("escalation")
        verbose_name_plural = _("escalations")
        ordering = ["-at"]
        constraints = [
            models.UniqueConstraint(
                fields=["clock", "level"], name="one_escalation_per_clock_level"
            )
        ]

    def __str__(self) -> str:
        return f"L{self.level} → {self.to_person}"


class Channel(models.TextChoices):
    EMAIL = "email", _("Email")
    WEBHOOK = "webhook", _("Webhook")


class Notification(models.Model):
    """The outbox: written in the transaction that caused it, shown in the
    app at once (the bell), and delivered to other channels by tasks."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=30)
    title = models.CharField(max_length=300)
    body = models.TextField(blank=True)
    url = models.CharField(max_length=500, blank=True)
    action_item = models.ForeignKey(
        ActionItem, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    # The same event never notifies the same person twice; receivers use it
    # to drop a redelivery.
    idempotency_key = models.CharField(max_length=200, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["recipient", "read_at"])]

    def __str__(self) -> str:
        return self.title


class Webhook(models.Model):
    class Format(models.TextChoices):
        GENERIC = "generic", _("Generic JSON")
        WECOM = "wecom", _("WeCom (企业微信)")
        DINGTALK = "dingtalk", _("DingTalk (钉钉)")
        FEISHU = "feishu", _("Feishu / Lark")
        SLACK = "slack", _("Slack")

    unit = models.ForeignKey(
        "org.Unit", verbose_name=_("unit"), on_delete=models.CASCADE, related_name="webhooks"
    )
    name = models.CharField(_("name"), max_length=100)
    url = models.URLField(_("URL"), max_length=500)
    format = models.CharField(
        _("format"), max_length=10, choices=Format.choices, default=Format.GENERIC
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("webhook")
        verbose_name_plural = _("webhooks")

    def __str__(self) -> str:
        return self.name


class DeliveryState(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class Delivery(models.Model):
    """One notification to one channel, with its delivery log."""

    notification = models.ForeignKey(
        Notification, on_delete=models.CASCADE, related_name="deliveries"
    )
    channel = models.CharField(max_length=10, choices=Channel.choices)
    webhook = models.ForeignKey(
        Webhook, null=True, blank=True, on_delete=models.CASCADE, related_name="deliveries"
    )
    state = models.CharField(
        max_length=10, choices=DeliveryState.choices, default=DeliveryState.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        constraints = [
            models.UniqueConstraint(
                fields=["notification", "channel"],
                condition=Q(webhook__isnull=True),
                name="one_delivery_per_channel",
            ),
            models.UniqueConstraint(
                fields=["notification", "webhook"],
                condition=Q(webhook__isnull=False),
                name="one_delivery_per_webhook",
            ),
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(state="pending"),
                name="delivery_pending_idx",
            )
        ]

    def __str__(self) -> str:
        return f"{self.channel} · {self.notification}"
