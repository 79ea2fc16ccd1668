from __future__ import annotations

import dataclasses
import datetime as dt
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from org.visibility import scope_for

from .kinds import Kind, KindRule, Slot


class KindPolicy(models.Model):
    """The organisation's tuning of one meeting kind; blank fields keep the
    article's default from ``meetings.kinds``."""

    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices, unique=True)
    duration_minutes = models.PositiveIntegerField(
        _("default length (minutes)"), null=True, blank=True
    )
    window_days = models.PositiveIntegerField(
        _("window (days)"),
        null=True,
        blank=True,
        help_text=_(
            "Monthly: the first N days of the month. Quarterly: the first N days after quarter end."
        ),
    )
    min_interval_days = models.PositiveIntegerField(
        _("minimum interval (days)"),
        null=True,
        blank=True,
        help_text=_("Strategy: a shorter gap since the unit's previous one is a warning sign."),
    )
    slots = models.JSONField(
        _("preferred slots"),
        null=True,
        blank=True,
        help_text=_(
            'Weekly: e.g. [{"weekday": 4, "start": "12:00", "end": "19:00"}] (weekday 0 = Monday).'
        ),
    )

    class Meta:
        verbose_name = _("meeting kind policy")
        verbose_name_plural = _("meeting kind policies")

    def __str__(self) -> str:
        return str(self.get_kind_display())

    def clean(self) -> None:
        try:
            self.parsed_slots()
        except (KeyError, TypeError, ValueError):
            raise ValidationError(
                {"slots": _("Each slot needs a weekday (0-6) and start and end times (HH:MM).")}
            ) from None

    def parsed_slots(self) -> tuple[Slot, ...] | None:
        if self.slots is None:
            return None
        return tuple(
            Slot(
                int(s["weekday"]),
                dt.time.fromisoformat(s["start"]),
                dt.time.fromisoformat(s["end"]),
            )
            for s in self.slots
        )

    def apply(self, rule: KindRule) -> KindRule:
        changes = {
            name: getattr(self, name)
            for name in ("duration_minutes", "window_days", "min_interval_days")
            if getattr(self, name) is not None
        }
        slots = self.parsed_slots()
        if slots is not None:
            changes["slots"] = slots
        return dataclasses.replace(rule, **changes)


class Status(models.TextChoices):
    # Created by a rule (the 15% gap rule's review), waiting for its caller
    # to confirm the time; nobody else is notified yet.
    PROPOSED = "proposed", _("Proposed")
    DRAFT = "draft", _("Draft")
    SCHEDULED = "scheduled", _("Scheduled")
    IN_PROGRESS = "in_progress", _("In progress")
    CONCLUDED = "concluded", _("Concluded")
    CANCELLED = "cancelled", _("Cancelled")


LIVE_STATUSES = (Status.SCHEDULED, Status.IN_PROGRESS, Status.CONCLUDED)


class Rsvp(models.TextChoices):
    PENDING = "pending", _("No answer yet")
    ACCEPTED = "accepted", _("Accepted")
    TENTATIVE = "tentative", _("Tentative")
    DECLINED = "declined", _("Declined")


class Part(models.TextChoices):
    """What an invitee is there for; resource coordination names every part."""

    PARTICIPANT = "participant", _("Participant")
    CHAIR = "chair", _("Chair")
    REQUESTER = "requester", _("Requester")
    RESOURCE_OWNER = "resource_owner", _("Resource owner")
    SALES_STRATEGY = "sales_strategy", _("Sales strategy")
    DECISION_MAKER = "decision_maker", _("Decision maker")
    SUPERIOR = "superior", _("Superior")


class HolidayPolicy(models.TextChoices):
    KEEP = "keep", _("Hold it anyway")
    SKIP = "skip", _("Skip that occurrence")
    NEXT_WORKING_DAY = "next_working_day", _("Move it to the next working day")


class Series(models.Model):
    """A recurring meeting: an RFC 5545 rule, and the template every
    occurrence is materialised from (``meetings.series``)."""

    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    unit = models.ForeignKey("org.Unit", verbose_name=_("unit"), on_delete=models.PROTECT)
    title = models.CharField(_("title"), max_length=200)
    chair = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("chair"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    rrule = models.CharField(_("recurrence rule"), max_length=500)
    # The first occurrence, in the organisation's time zone.
    starts_at = models.DateTimeField(_("first occurrence"))
    duration = models.DurationField(_("length"))
    until = models.DateField(_("until"), null=True, blank=True)
    holiday_policy = models.CharField(
        _("on non-working days"),
        max_length=20,
        choices=HolidayPolicy.choices,
        default=HolidayPolicy.SKIP,
    )
    location = models.CharField(_("place"), max_length=200, blank=True)
    online_url = models.URLField(_("online link"), blank=True)
    invitees = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("invitees"), related_name="+"
    )
    materialised_until = models.DateTimeField(null=True, blank=True, editable=False)
    is_active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", editable=False
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("meeting series")
        verbose_name_plural = _("meeting series")
        indexes = [models.Index(fields=["is_active", "materialised_until"])]

    def __str__(self) -> str:
        return self.title


class MeetingQuerySet(models.QuerySet):
    def for_user(self, user) -> MeetingQuerySet:
        """Meetings of units in the user's tree, and any meeting they are
        invited to or chair (resource owners see only those)."""
        scope = scope_for(user)
        if scope.everything:
            return self
        if scope.person_id is None:
            return self.none()
        invited = Invitation.objects.filter(meeting=OuterRef("pk"), person_id=scope.person_id)
        return self.filter(scope.units("unit") | Q(chair_id=scope.person_id) | Exists(invited))

    def live(self) -> MeetingQuerySet:
        return self.filter(status__in=LIVE_STATUSES)

    def not_cancelled(self) -> MeetingQuerySet:
        return self.exclude(status=Status.CANCELLED)

    def between(self, start: dt.datetime, end: dt.datetime) -> MeetingQuerySet:
        """Meetings overlapping [start, end)."""
        return self.filter(starts_at__lt=end, ends_at__gt=start)

    def upcoming(self) -> MeetingQuerySet:
        return self.filter(ends_at__gte=timezone.now()).order_by("starts_at")

    def attended_by(self, person) -> MeetingQuerySet:
        return self.filter(
            Exists(Invitation.objects.filter(meeting=OuterRef("pk"), person=person))
            | Q(chair=person)
        )


class Meeting(models.Model):
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    unit = models.ForeignKey(
        "org.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="meetings"
    )
    title = models.CharField(_("title"), max_length=200)
    chair = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("chair"),
        on_delete=models.PROTECT,
        related_name="chaired_meetings",
    )
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    location = models.CharField(_("place"), max_length=200, blank=True)
    online_url = models.URLField(_("online link"), blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.SCHEDULED
    )
    description = models.TextField(_("notes"), blank=True)
    # The customer concerned, for the customer kinds. A plain reference until
    # the customers app links briefs to its own records.
    customer_name = models.CharField(_("customer"), max_length=200, blank=True)
    customer_ref = models.CharField(_("CRM customer id"), max_length=100, blank=True)
    # Resource coordination: the decision maker may approve after the meeting.
    decision_maker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decision maker"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    approval_note = models.TextField(_("approval note"), blank=True)

    series = models.ForeignKey(
        Series,
        verbose_name=_("series"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="occurrences",
    )
    # The start the series rule gave this occurrence (iCalendar RECURRENCE-ID);
    # it stays put when the occurrence itself is moved.
    original_start = models.DateTimeField(null=True, blank=True, editable=False)
    # Edited on its own: later edits of the series leave it alone.
    is_exception = models.BooleanField(default=False, editable=False)

    # iCalendar identity: a stable UID, and a SEQUENCE bumped on every change
    # that calendars must pick up (time, place, cancellation).
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    sequence = models.PositiveIntegerField(default=0, editable=False)
    accepted_warnings = models.JSONField(default=list, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", editable=False
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    cancelled_at = models.DateTimeField(null=True, blank=True, editable=False)
    cancel_reason = models.CharField(_("reason for cancelling"), max_length=500, blank=True)
    concluded_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = MeetingQuerySet.as_manager()

    class Meta:
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        ordering = ["starts_at"]
        indexes = [
            models.Index(fields=["unit", "kind", "starts_at"]),
            models.Index(fields=["starts_at"]),
            models.Index(fields=["status", "starts_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="meeting_ends_after_start"
            ),
            models.UniqueConstraint(
                fields=["series", "original_start"], name="one_occurrence_per_series_start"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("meetings:detail", args=[self.pk])

    @cached_property  # invitation emails read it once per invitee
    def rule(self) -> KindRule:
        from .kinds import rule_for

        return rule_for(self.kind)

    @property
    def is_morning(self) -> bool:
        return timezone.localtime(self.starts_at).hour < 12

    @property
    def kind_label(self) -> str:
        if self.kind == Kind.DAILY:
            return str(_("Morning meeting") if self.is_morning else _("Evening meeting"))
        return str(self.get_kind_display())

    @property
    def duration(self) -> dt.timedelta:
        return self.ends_at - self.starts_at

    @property
    def is_open(self) -> bool:
        return self.status in (Status.PROPOSED, Status.DRAFT, Status.SCHEDULED, Status.IN_PROGRESS)


class Invitation(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="invitations")
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="invitations"
    )
    part = models.CharField(
        _("part"), max_length=20, choices=Part.choices, default=Part.PARTICIPANT
    )
    rsvp = models.CharField(_("answer"), max_length=20, choices=Rsvp.choices, default=Rsvp.PENDING)
    answered_at = models.DateTimeField(null=True, blank=True)
    attended = models.BooleanField(_("attended"), null=True, blank=True)
    checked_in_at = models.DateTimeField(null=True, blank=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The meeting SEQUENCE this person was last emailed about (see tasks).
    notified_sequence = models.IntegerField(default=-1, editable=False)

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        constraints = [
            models.UniqueConstraint(fields=["meeting", "person"], name="one_invitation_per_person")
        ]
        indexes = [models.Index(fields=["person", "meeting"])]

    def __str__(self) -> str:
        return f"{self.person} @ {self.meeting}"


class CalendarFeed(models.Model):
    """A person's private calendar subscription: whoever has the URL sees the
    feed, so the token is long, random, and can be replaced (revoked)."""

    person = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed"
    )
    token = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")

    def __str__(self) -> str:
        return str(self.person)
