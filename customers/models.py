from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from meetings.models import Meeting
from org.visibility import scope_for


class PipelineStage(models.Model):
    """One step of the sales pipeline. The list is the organisation's own;
    the default is lead → qualified → proposal → negotiation → signed, and lost."""

    key = models.SlugField(_("key"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=60)
    position = models.PositiveIntegerField(_("position"), default=0)
    is_won = models.BooleanField(_("counts as signed"), default=False)
    is_lost = models.BooleanField(_("counts as lost"), default=False)

    class Meta:
        verbose_name = _("pipeline stage")
        verbose_name_plural = _("pipeline stages")
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_active(self) -> bool:
        return not (self.is_won or self.is_lost)


class CustomerQuerySet(models.QuerySet):
    def for_user(self, user) -> CustomerQuerySet:
        """Customers of units in the user's tree, and those they own."""
        scope = scope_for(user)
        if scope.everything:
            return self
        mine = Q(owner_id=scope.person_id) if scope.person_id else Q(pk__in=[])
        return self.filter(scope.units("unit") | mine)

    def active(self) -> CustomerQuerySet:
        return self.filter(stage__is_won=False, stage__is_lost=False)


class Customer(models.Model):
    name = models.CharField(_("name"), max_length=200)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owning rep"),
        on_delete=models.PROTECT,
        related_name="customers",
    )
    unit = models.ForeignKey(
        "org.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="customers"
    )
    stage = models.ForeignKey(
        PipelineStage, verbose_name=_("stage"), on_delete=models.PROTECT, related_name="+"
    )
    expected_value = models.DecimalField(
        _("expected value"), max_digits=14, decimal_places=2, default=0
    )
    last_contact = models.DateField(_("last contact"), null=True, blank=True)
    external_id = models.CharField(_("CRM id"), max_length=100, unique=True, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()
    objects = CustomerQuerySet.as_manager()

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        ordering = ["name"]
        indexes = [models.Index(fields=["owner", "stage"]), models.Index(fields=["unit"])]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("customers:detail", args=[self.pk])


class VisitPlan(models.Model):
    """Which customer a rep visits on which day; planned in the weekly
    meeting, it tells each daily meeting which briefs to expect."""

    rep = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("rep"),
        on_delete=models.CASCADE,
        related_name="visit_plans",
    )
    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="visit_plans"
    )
    day = models.DateField(_("day"))
    planned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    planned_in = models.ForeignKey(
        Meeting, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("visit plan")
        verbose_name_plural = _("visit plans")
        constraints = [
            models.UniqueConstraint(
                fields=["rep", "customer", "day"], name="one_visit_per_rep_customer_day"
            )
        ]
        indexes = [models.Index(fields=["rep", "day"])]

    def __str__(self) -> str:
        return f"{self.rep} → {self.customer} ({self.day})"


class Accompany(models.TextChoices):
    YES = "yes", _("Accompany the visit")
    NO = "no", _("No need to accompany")


class BriefQuerySet(models.QuerySet):
    def for_user(self, user) -> BriefQuerySet:
        """A rep sees their own briefs; managers see their tree's; others none."""
        scope = scope_for(user)
        if scope.everything:
            return self
        if scope.person_id is None:
            return self.none()
        mine = Q(rep_id=scope.person_id)
        if user.is_manager:
            return self.filter(mine | scope.units("rep__unit"))
        return self.filter(mine)


class Brief(models.Model):
    """What a rep brings to a meeting about one customer: the customer's
    needs and blockers, not the rep's activity."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="briefs")
    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="briefs"
    )
    rep = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("rep"),
        on_delete=models.PROTECT,
        related_name="briefs",
    )
    needs = models.TextField(_("customer's needs"), blank=True)
    blockers = models.TextField(_("blockers"), blank=True)
    problems = models.TextField(_("problems to solve"), blank=True)
    help_wanted = models.TextField(_("help wanted"), blank=True)
    stage = models.ForeignKey(
        PipelineStage,
        verbose_name=_("stage"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    next_step = models.CharField(_("next step"), max_length=300, blank=True)
    planned_visit_at = models.DateTimeField(_("planned visit"), null=True, blank=True)
    wants_accompany = models.BooleanField(_("ask the team lead to accompany (陪访)"), default=False)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    is_late = models.BooleanField(_("late"), default=False)
    # The team lead's decision in the meeting.
    accompany = models.CharField(
        _("accompany decision"), max_length=5, choices=Accompany.choices, blank=True
    )
    advice = models.TextField(_("lead's advice"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])
    objects = BriefQuerySet.as_manager()

    class Meta:
        verbose_name = _("brief")
        verbose_name_plural = _("briefs")
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "customer", "rep"], name="one_brief_per_meeting_customer_rep"
            )
        ]
        indexes = [
            models.Index(fields=["rep", "meeting"]),
            models.Index(fields=["customer", "submitted_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.customer} · {self.meeting}"

    @property
    def is_submitted(self) -> bool:
        return self.submitted_at is not None


class BriefReminder(models.Model):
    """A reminder sent for a missing brief: at most one per brief, which the
    constraint guarantees however often the reminder task runs."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="+")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+")
    rep = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="brief_reminders"
    )
    sent_at = models.DateTimeField(auto_now_add=True)
    emailed = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("brief reminder")
        verbose_name_plural = _("brief reminders")
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "customer", "rep"], name="one_reminder_per_brief"
            )
        ]

    def __str__(self) -> str:
        return f"{self.rep}: {self.customer} @ {self.meeting}"
