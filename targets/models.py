from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from org.visibility import scope_for


class Metric(models.TextChoices):
    SIGNED = "signed", _("Customers signed")
    PIPELINE = "pipeline", _("Customers in pipeline")
    PROSPECTED = "prospected", _("New customers prospected")
    REVENUE = "revenue", _("Revenue")


class PeriodKind(models.TextChoices):
    MONTH = "month", _("Month")
    QUARTER = "quarter", _("Quarter")
    HALF = "half", _("Half-year")


class Period(models.Model):
    kind = models.CharField(_("kind"), max_length=10, choices=PeriodKind.choices)
    starts_on = models.DateField(_("first day"))
    ends_on = models.DateField(_("last day"))

    class Meta:
        verbose_name = _("period")
        verbose_name_plural = _("periods")
        ordering = ["-starts_on", "kind"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "starts_on"], name="one_period_per_kind_and_start"
            ),
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="period_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        if self.kind == PeriodKind.MONTH:
            return self.starts_on.strftime("%Y-%m")
        if self.kind == PeriodKind.QUARTER:
            return f"{self.starts_on.year} Q{(self.starts_on.month - 1) // 3 + 1}"
        return f"{self.starts_on.year} H{1 if self.starts_on.month <= 6 else 2}"


class ScopedQuerySet(models.QuerySet):
    def for_user(self, user):
        """Rows of units in the user's tree, and the user's own."""
        scope = scope_for(user)
        if scope.everything:
            return self
        mine = Q(rep_id=scope.person_id) if scope.person_id else Q(pk__in=[])
        return self.filter(scope.units("unit") | mine)


class Plan(models.Model):
    """What a plan meeting decided for a unit and period, besides the numbers."""

    unit = models.ForeignKey(
        "org.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="plans"
    )
    period = models.ForeignKey(
        Period, verbose_name=_("period"), on_delete=models.PROTECT, related_name="plans"
    )
    meeting = models.ForeignKey(
        "meetings.Meeting", null=True, blank=True, on_delete=models.SET_NULL, related_name="plans"
    )
    methods = models.TextField(_("prospecting methods"), blank=True)
    regions = models.TextField(_("regions"), blank=True)
    resources = models.TextField(_("resources"), blank=True)
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("plan")
        verbose_name_plural = _("plans")
        constraints = [
            models.UniqueConstraint(fields=["unit", "period"], name="one_plan_per_unit_period")
        ]

    def __str__(self) -> str:
        return f"{self.unit} · {self.period}"


class Target(models.Model):
    """A number to reach in a period: a unit's (rep empty) or one rep's."""

    period = models.ForeignKey(
        Period, verbose_name=_("period"), on_delete=models.PROTECT, related_name="targets"
    )
    unit = models.ForeignKey(
        "org.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="targets"
    )
    rep = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("rep"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="targets",
    )
    metric = models.CharField(_("metric"), max_length=20, choices=Metric.choices)
    value = models.DecimalField(_("target"), max_digits=16, decimal_places=2)
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)

    history = HistoricalRecords()
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("target")
        verbose_name_plural = _("targets")
        constraints = [
            models.UniqueConstraint(
                fields=["period", "unit", "metric"],
                condition=Q(rep__isnull=True),
                name="one_unit_target",
            ),
            models.UniqueConstraint(
                fields=["period", "rep", "metric"],
                condition=Q(rep__isnull=False),
                name="one_rep_target",
            ),
            models.CheckConstraint(condition=Q(value__gte=0), name="target_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.rep or self.unit} · {self.get_metric_display()} · {self.value}"


class Source(models.TextChoices):
    FORM = "form", _("Entered in a form")
    IMPORT = "import", _("Imported")
    API = "api", _("Pushed by the CRM")
    DERIVED = "derived", _("Derived from customers' stages")


class Actual(models.Model):
    """A result on a day (for a rep, or a unit as a whole). Every change is logged."""

    date = models.DateField(_("date"))
    unit = models.ForeignKey(
        "org.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="actuals"
    )
    rep = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("rep"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="actuals",
    )
    metric = models.CharField(_("metric"), max_length=20, choices=Metric.choices)
    value = models.DecimalField(_("value"), max_digits=16, decimal_places=2)
    external_id = models.CharField(_("CRM id"), max_length=100, unique=True, null=True, blank=True)
    source = models.CharField(
        _("source"), max_length=10, choices=Source.choices, default=Source.FORM
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("actual")
        verbose_name_plural = _("actuals")
        ordering = ["-date"]
        indexes = [models.Index(fields=["metric", "date"]), models.Index(fields=["unit", "date"])]

    def __str__(self) -> str:
        return f"{self.date} · {self.get_metric_display()} · {self.value}"


class PacingCurve(models.Model):
    """How a target is expected to accumulate over a period, as cumulative
    fractions at evenly spaced points of its working days: [0, 1] is
    linear; [0, 0.2, 0.5, 1] back-loads a quarter. The active one applies
    to every target."""

    name = models.CharField(_("name"), max_length=100)
    points = models.JSONField(_("cumulative fractions"), default=list)
    is_active = models.BooleanField(_("in use"), default=False)

    class Meta:
        verbose_name = _("pacing curve")
        verbose_name_plural = _("pacing curves")
        constraints = [
            models.UniqueConstraint(
                fields=["is_active"], condition=Q(is_active=True), name="one_active_curve"
            )
        ]

    def __str__(self) -> str:
        return self.name


class GapReview(models.Model):
    """The review meeting the 15% rule proposed for a unit and period. The
    constraint makes it once, however many metrics fall short and however
    many rule runs race."""

    unit = models.ForeignKey("org.Unit", on_delete=models.CASCADE, related_name="gap_reviews")
    period = models.ForeignKey(Period, on_delete=models.CASCADE, related_name="gap_reviews")
    meeting = models.OneToOneField(
        "meetings.Meeting", null=True, on_delete=models.SET_NULL, related_name="gap_review"
    )
    metrics = models.JSONField(default=list)
    figures = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("gap review")
        verbose_name_plural = _("gap reviews")
        constraints = [
            models.UniqueConstraint(fields=["unit", "period"], name="one_review_per_unit_period")
        ]

    def __str__(self) -> str:
        return f"{self.unit} · {self.period}"
