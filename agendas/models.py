from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from meetings.kinds import Kind
from meetings.models import Meeting


class MeetingRecordQuerySet(models.QuerySet):
    """Records of a meeting are visible to whoever may see the meeting."""

    def for_user(self, user):
        return self.filter(meeting__in=Meeting.objects.for_user(user))


class AgendaTemplate(models.Model):
    """The agenda a kind of meeting starts from. Editing it changes future
    meetings only: a meeting copies the items when it is scheduled."""

    kind = models.CharField(_("meeting kind"), max_length=30, choices=Kind.choices, unique=True)
    name = models.CharField(_("name"), max_length=200)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("agenda template")
        verbose_name_plural = _("agenda templates")
        ordering = ["kind"]

    def __str__(self) -> str:
        return self.name

    @property
    def total_minutes(self) -> int:
        return sum(item.minutes for item in self.items.all())


class AgendaTemplateItem(models.Model):
    template = models.ForeignKey(AgendaTemplate, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveIntegerField(_("position"), default=0)
    title = models.CharField(_("title"), max_length=200)
    minutes = models.PositiveIntegerField(_("timebox (minutes)"), default=10)
    guidance = models.TextField(_("guidance"), blank=True)

    class Meta:
        verbose_name = _("agenda template item")
        verbose_name_plural = _("agenda template items")
        ordering = ["template", "position", "pk"]

    def __str__(self) -> str:
        return self.title


class ItemStatus(models.TextChoices):
    OPEN = "open", _("Open")
    DONE = "done", _("Done")
    MOVED = "moved", _("Moved to the next meeting")


class AgendaItemQuerySet(MeetingRecordQuerySet):
    def backlog_for(self, meeting: Meeting) -> AgendaItemQuerySet:
        """Items still open from earlier meetings of the same series: they
        show in every later occurrence until someone closes them."""
        if meeting.series_id is None:
            return self.none()
        return self.filter(
            meeting__series_id=meeting.series_id,
            meeting__starts_at__lt=meeting.starts_at,
            status=ItemStatus.OPEN,
        ).exclude(meeting__status="cancelled")


class AgendaItem(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="agenda_items")
    position = models.PositiveIntegerField(_("position"), default=0)
    title = models.CharField(_("title"), max_length=200)
    minutes = models.PositiveIntegerField(_("timebox (minutes)"), default=10)
    guidance = models.TextField(_("guidance"), blank=True)
    notes = models.TextField(_("minutes"), blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=ItemStatus.choices, default=ItemStatus.OPEN
    )
    started_at = models.DateTimeField(_("timer started"), null=True, blank=True)
    elapsed_seconds = models.PositiveIntegerField(_("time spent (seconds)"), default=0)
    moved_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    # Optimistic locking: every write must name the version it read.
    version = models.PositiveIntegerField(default=1, editable=False)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    objects = AgendaItemQuerySet.as_manager()

    class Meta:
        verbose_name = _("agenda item")
        verbose_name_plural = _("agenda items")
        ordering = ["meeting", "position", "pk"]
        indexes = [models.Index(fields=["meeting", "position"]), models.Index(fields=["status"])]

    def __str__(self) -> str:
        return self.title


class Decision(models.Model):
    """A decision (决议) taken in a meeting: who does what by when. The
    actions app turns decisions into tracked action items with SLA clocks."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="decisions")
    agenda_item = models.ForeignKey(
        AgendaItem, null=True, blank=True, on_delete=models.SET_NULL, related_name="decisions"
    )
    text = models.TextField(_("decision"))
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="decisions",
    )
    due_at = models.DateTimeField(_("due"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = MeetingRecordQuerySet.as_manager()

    class Meta:
        verbose_name = _("decision")
        verbose_name_plural = _("decisions")
        ordering = ["meeting", "created_at"]

    def __str__(self) -> str:
        return self.text[:60]


class Conclusion(models.Model):
    """Who concluded a meeting and when; the minutes are locked from then on.
    An override of missing outputs is recorded with its reason."""

    meeting = models.OneToOneField(Meeting, on_delete=models.CASCADE, related_name="conclusion")
    concluded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    concluded_at = models.DateTimeField()
    missing_outputs = models.JSONField(default=list, blank=True)
    override_reason = models.TextField(blank=True)
    summary_sent_at = models.DateTimeField(null=True, blank=True)

    objects = MeetingRecordQuerySet.as_manager()

    class Meta:
        verbose_name = _("conclusion")
        verbose_name_plural = _("conclusions")

    def __str__(self) -> str:
        return str(self.meeting)


# --- Outputs each kind must produce ---------------------------------------------------


class RequirementKind(models.TextChoices):
    TARGET = "target", _("Target requirement")
    INDICATOR = "indicator", _("Indicator requirement")
    ACTION = "action", _("Action requirement")


class StrategyRequirement(models.Model):
    meeting = models.ForeignKey(
        Meeting, on_delete=models.CASCADE, related_name="strategy_requirements"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=RequirementKind.choices)
    text = models.TextField(_("requirement"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = MeetingRecordQuerySet.as_manager()

    class Meta:
        verbose_name = _("strategy requirement")
        verbose_name_plural = _("strategy requirements")
        ordering = ["meeting", "kind", "created_at"]

    def __str__(self) -> str:
        return self.text[:60]


class RepFeedback(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="rep_feedback")
    rep = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("rep"), on_delete=models.PROTECT, related_name="+"
    )
    text = models.TextField(_("feedback"))
    created_at = models.DateTimeField(auto_now_add=True)

    objects = MeetingRecordQuerySet.as_manager()

    class Meta:
        verbose_name = _("rep feedback")
        verbose_name_plural = _("rep feedback")
        ordering = ["meeting", "created_at"]

    def __str__(self) -> str:
        return self.text[:60]


class FocusRep(models.Model):
    """A rep the monthly meeting decided to focus on and help."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="focus_reps")
    rep = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("rep"), on_delete=models.PROTECT, related_name="+"
    )
    reason = models.TextField(_("why, and what help"), blank=True)

    objects = MeetingRecordQuerySet.as_manager()

    class Meta:
        verbose_name = _("focus rep")
        verbose_name_plural = _("focus reps")
        constraints = [
            models.UniqueConstraint(fields=["meeting", "rep"], name="one_focus_per_rep_and_meeting")
        ]

    def __str__(self) -> str:
        return str(self.rep)


class MonthlyPlan(models.Model):
    """After the monthly meeting each rep drafts a plan; the manager confirms
    it in a recorded one-to-one."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="monthly_plans")
    rep = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("rep"),
        on_delete=models.PROTECT,
        related_name="monthly_plans",
    )
    text = models.TextField(_("plan"))
    drafted_at = models.DateTimeField(auto_now=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)
    one_to_one_note = models.TextField(_("1:1 notes"), blank=True)

    objects = MeetingRecordQuerySet.as_manager()

    class Meta:
        verbose_name = _("monthly plan")
        verbose_name_plural = _("monthly plans")
        constraints = [
            models.UniqueConstraint(fields=["meeting", "rep"], name="one_plan_per_rep_and_meeting")
        ]

    def __str__(self) -> str:
        return f"{self.rep} · {self.meeting}"


class Theme(models.TextChoices):
    MARKET = "market", _("Market information")
    NEEDS = "needs", _("Customer needs")
    STRATEGY = "strategy", _("Strategy feedback")


class SubmissionQuerySet(MeetingRecordQuerySet):
    def for_user(self, user):
        """Authors always see what they submitted, even to a meeting of managers."""
        mine = (
            models.Q(author_id=getattr(user, "pk", None))
            if user.is_authenticated
            else models.Q(pk__in=[])
        )
        return self.filter(models.Q(meeting__in=Meeting.objects.for_user(user)) | mine)


class QuarterlySubmission(models.Model):
    """Information collected bottom-up for a quarterly meeting, in the window
    that opens two weeks before quarter end and closes when the meeting starts."""

    meeting = models.ForeignKey(
        Meeting, on_delete=models.CASCADE, related_name="quarterly_submissions"
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey("org.Unit", on_delete=models.PROTECT, related_name="+")
    theme = models.CharField(_("theme"), max_length=10, choices=Theme.choices)
    text = models.TextField(_("submission"))
    submitted_at = models.DateTimeField(auto_now_add=True)

    objects = SubmissionQuerySet.as_manager()

    class Meta:
        verbose_name = _("quarterly submission")
        verbose_name_plural = _("quarterly submissions")
        ordering = ["meeting", "unit", "theme", "submitted_at"]

    def __str__(self) -> str:
        return self.text[:60]
