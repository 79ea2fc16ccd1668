import datetime as dt

from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from meetings.api.serializers import ScopedChoiceField, VisibleUnitField
from meetings.models import Meeting
from org.models import Person
from salesmeet.validators import plausible_date, small_file

from ..models import Actual, GapReview, Metric, Period, PeriodKind, Plan, Target

MAX_ID = 2**31 - 1  # ids are PostgreSQL integers

# --- Fields ------------------------------------------------------------------------------


class DayField(serializers.DateField):
    """A day a period can contain: years 1900 to 2999, so that the period
    around it and its next day exist."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.validators += [
            MinValueValidator(dt.date(1900, 1, 1)),
            MaxValueValidator(dt.date(2999, 12, 31)),
        ]


class VisiblePersonField(ScopedChoiceField):
    def get_queryset(self):
        return Person.objects.for_user(self.context["request"].user).select_related("unit")


# --- Periods and plans --------------------------------------------------------------------


class PeriodSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="__str__", read_only=True, help_text=_("e.g. 2026 Q4."))

    class Meta:
        model = Period
        fields = ["id", "kind", "name", "starts_on", "ends_on"]
        read_only_fields = fields


class CurrentPeriodQuerySerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=PeriodKind.choices, default=PeriodKind.QUARTER)
    date = DayField(required=False, help_text=_("The day the period contains; empty: today."))


class VisibleMeetingField(ScopedChoiceField):
    def get_queryset(self):
        return Meeting.objects.for_user(self.context["request"].user)


class PlanSerializer(serializers.ModelSerializer):
    unit = VisibleUnitField(help_text=_("A unit in the caller's tree."))
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    period = serializers.PrimaryKeyRelatedField(
        queryset=Period.objects.all(),
        help_text=_("The period's id (see `/api/periods/current/`)."),
    )
    period_name = serializers.CharField(source="period.__str__", read_only=True)
    meeting = VisibleMeetingField(
        required=False,
        allow_null=True,
        help_text=_("The plan meeting that decided it, if any."),
    )
    set_by_name = serializers.CharField(source="set_by.display_name", read_only=True)
    confirmed_by_name = serializers.CharField(
        source="confirmed_by.display_name", read_only=True, allow_null=True, default=None
    )

    class Meta:
        model = Plan
        fields = [
            "id",
            "unit",
            "unit_name",
            "period",
            "period_name",
            "meeting",
            "methods",
            "regions",
            "resources",
            "set_by",
            "set_by_name",
            "confirmed_by",
            "confirmed_by_name",
            "confirmed_at",
        ]
        read_only_fields = ["set_by", "confirmed_by", "confirmed_at"]
        validators = []  # one plan per unit and period: save_plan finds it
        extra_kwargs = {
            "methods": {"default": ""},
            "regions": {"default": ""},
            "resources": {"default": ""},
        }


# --- Targets ------------------------------------------------------------------------------


class TargetSerializer(serializers.ModelSerializer):
    period = serializers.PrimaryKeyRelatedField(
        queryset=Period.objects.all(),
        help_text=_("The period's id (see `/api/periods/current/`)."),
    )
    period_name = serializers.CharField(source="period.__str__", read_only=True)
    unit = VisibleUnitField(help_text=_("A unit in the caller's tree."))
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    rep = VisiblePersonField(
        required=False,
        allow_null=True,
        help_text=_("A rep of the unit, for the rep's own target; empty: the unit's."),
    )
    rep_name = serializers.CharField(
        source="rep.display_name", read_only=True, allow_null=True, default=None
    )
    set_by_name = serializers.CharField(source="set_by.display_name", read_only=True)
    confirmed_by_name = serializers.CharField(
        source="confirmed_by.display_name", read_only=True, allow_null=True, default=None
    )

    class Meta:
        model = Target
        fields = [
            "id",
            "period",
            "period_name",
            "unit",
            "unit_name",
            "rep",
            "rep_name",
            "metric",
            "value",
            "set_by",
            "set_by_name",
            "confirmed_by",
            "confirmed_by_name",
            "confirmed_at",
        ]
        read_only_fields = ["set_by", "confirmed_by", "confirmed_at"]
        validators = []  # one target per unit (or rep), period and metric: set_target finds it
        extra_kwargs = {"value": {"min_value": 0}}


class TargetValueSerializer(serializers.Serializer):
    value = serializers.DecimalField(max_digits=16, decimal_places=2, min_value=0)


# --- Actuals ------------------------------------------------------------------------------


class ActualSerializer(serializers.ModelSerializer):
    unit = VisibleUnitField(
        required=False,
        help_text=_("A unit in the caller's tree. Left out: the rep's unit."),
    )
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    rep = VisiblePersonField(
        required=False,
        allow_null=True,
        help_text=_("The rep whose result it is; empty: the unit's as a whole."),
    )
    rep_name = serializers.CharField(
        source="rep.display_name", read_only=True, allow_null=True, default=None
    )

    class Meta:
        model = Actual
        fields = [
            "id",
            "date",
            "unit",
            "unit_name",
            "rep",
            "rep_name",
            "metric",
            "value",
            "external_id",
            "source",
            "created_by",
            "updated_at",
        ]
        read_only_fields = ["source", "created_by", "updated_at"]
        extra_kwargs = {
            "date": {"validators": [plausible_date]},
            "value": {"min_value": 0},
            "external_id": {"help_text": _("The result's id in the CRM; unique.")},
        }

    def validate(self, attrs):
        if "unit" not in attrs:
            rep = attrs.get("rep")
            if rep is None or rep.unit is None:
                raise serializers.ValidationError(
                    {"unit": _("Give the unit, or a rep who belongs to one.")}
                )
            attrs["unit"] = rep.unit
        return attrs


class ActualRowSerializer(serializers.Serializer):
    """One result as the CRM export has it: the file's columns."""

    external_id = serializers.CharField(help_text=_("The CRM's id: rows are matched on it."))
    date = serializers.CharField(help_text=_("YYYY-MM-DD"))
    metric = serializers.CharField(
        help_text=_("A metric's key (signed, pipeline, prospected, revenue) or its label.")
    )
    value = serializers.CharField(
        help_text=_("An amount (a string or a number); thousands separators are ignored.")
    )
    rep = serializers.CharField(
        required=False,
        allow_blank=True,
        allow_null=True,
        help_text=_("The rep's username; empty: the unit's result as a whole."),
    )
    unit = serializers.CharField(
        required=False,
        allow_blank=True,
        allow_null=True,
        help_text=_("A unit's id or name; empty: the rep's unit."),
    )


class ActualFileSerializer(serializers.Serializer):
    file = serializers.FileField(
        help_text=_(
            "CSV (UTF-8 with or without BOM, or GBK) or Excel .xlsx (its first sheet), "
            "with a header row: external_id, date, metric, value, rep, unit (the last two "
            "optional, but one of them given on every row)."
        ),
        validators=[small_file],
    )


class ActualImportResultSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()


class ActualRowErrorSerializer(serializers.Serializer):
    line = serializers.IntegerField(
        help_text=_(
            "The file's line (the header is line 1), or the row's position from 1; "
            "0: the batch as a whole."
        )
    )
    message = serializers.CharField(
        help_text=_("Every problem of the row, in the caller's language.")
    )


class ActualImportErrorsSerializer(serializers.Serializer):
    detail = serializers.CharField()
    errors = ActualRowErrorSerializer(many=True)


# --- Gaps ---------------------------------------------------------------------------------


class GapQuerySerializer(serializers.Serializer):
    unit = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_ID,
        help_text=_("A unit in the caller's tree; empty: the caller's unit."),
    )
    period = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_ID,
        help_text=_("A period's id; empty: the current quarter."),
    )
    date = DayField(
        required=False,
        help_text=_("Figures as of this day (actuals up to it); empty: today."),
    )


class GapFigureSerializer(serializers.Serializer):
    metric = serializers.ChoiceField(choices=Metric.choices)
    label = serializers.CharField()
    target = serializers.DecimalField(
        max_digits=20,
        decimal_places=2,
        help_text=_("The unit's own target, or the sum of its teams' and reps'."),
    )
    expected = serializers.DecimalField(
        max_digits=20, decimal_places=4, help_text=_("The target paced to date.")
    )
    actual = serializers.DecimalField(
        max_digits=20, decimal_places=2, help_text=_("Everything recorded to date below it.")
    )
    gap = serializers.DecimalField(
        max_digits=8,
        decimal_places=4,
        allow_null=True,
        help_text=_("1 - actual / expected; empty while nothing is expected."),
    )
    behind = serializers.BooleanField(
        help_text=_("More than the threshold behind: the gap rule calls a review.")
    )


class GapRowSerializer(serializers.Serializer):
    unit = serializers.IntegerField()
    unit_name = serializers.CharField()
    rep = serializers.IntegerField(allow_null=True)
    rep_name = serializers.CharField(allow_null=True)
    figures = GapFigureSerializer(many=True)


# A row's children are rows: the units right below it, then its reps.
GapRowSerializer._declared_fields["children"] = GapRowSerializer(many=True)


class GapReportSerializer(serializers.Serializer):
    period = PeriodSerializer()
    date = serializers.DateField()
    elapsed = serializers.DecimalField(
        max_digits=6,
        decimal_places=4,
        help_text=_("The part of the period's working days gone by."),
    )
    threshold = serializers.DecimalField(max_digits=6, decimal_places=4)
    min_elapsed = serializers.DecimalField(
        max_digits=6,
        decimal_places=4,
        help_text=_("The rule waits until this part of the period has gone by."),
    )
    root = GapRowSerializer()


# --- Gap reviews --------------------------------------------------------------------------


class GapReviewSerializer(serializers.ModelSerializer):
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    period_name = serializers.CharField(source="period.__str__", read_only=True)
    meeting_title = serializers.CharField(
        source="meeting.title", read_only=True, allow_null=True, default=None
    )
    meeting_status = serializers.CharField(
        source="meeting.status",
        read_only=True,
        allow_null=True,
        default=None,
        help_text=_("The meeting's status: `proposed` until its chair confirms the time."),
    )
    metrics = serializers.ListField(
        child=serializers.CharField(),
        help_text=_("The keys of the metrics that fell behind, in the order they did."),
    )
    figures = serializers.JSONField(
        help_text=_(
            "Per metric, the figures when it fell behind: target, expected, actual, gap, "
            "shortfall, and the teams and reps below (`contributors`), biggest shortfall first."
        )
    )

    class Meta:
        model = GapReview
        fields = [
            "id",
            "unit",
            "unit_name",
            "period",
            "period_name",
            "meeting",
            "meeting_title",
            "meeting_status",
            "metrics",
            "figures",
            "created_at",
        ]
        read_only_fields = fields
