from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from meetings.api.serializers import ScopedChoiceField, VisibleUnitField
from meetings.models import Meeting
from org.models import Person
from salesmeet.api import ModelSerializer
from salesmeet.validators import small_file

from .. import services
from ..models import Accompany, Brief, Customer, PipelineStage, VisitPlan

# --- Fields ------------------------------------------------------------------------------


class VisiblePersonField(ScopedChoiceField):
    def get_queryset(self):
        return Person.objects.for_user(self.context["request"].user)


class VisibleCustomerField(ScopedChoiceField):
    def get_queryset(self):
        return Customer.objects.for_user(self.context["request"].user).select_related("stage")


class VisibleMeetingField(ScopedChoiceField):
    def get_queryset(self):
        return Meeting.objects.for_user(self.context["request"].user)


class StageField(serializers.SlugRelatedField):
    """A pipeline stage by its key (see `/api/pipeline-stages/`)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("help_text", _("The pipeline stage's key, e.g. `qualified`."))
        super().__init__(slug_field="key", queryset=PipelineStage.objects.all(), **kwargs)


# --- Pipeline stages and customers -------------------------------------------------------


class PipelineStageSerializer(serializers.ModelSerializer):
    class Meta:
        model = PipelineStage
        fields = ["id", "key", "name", "position", "is_won", "is_lost"]
        read_only_fields = fields


class CustomerSerializer(serializers.ModelSerializer):
    owner = VisiblePersonField(help_text=_("The owning rep: someone in the caller's tree."))
    owner_username = serializers.CharField(source="owner.username", read_only=True)
    owner_name = serializers.CharField(source="owner.display_name", read_only=True)
    unit = VisibleUnitField(
        required=False,
        help_text=_("A unit in the caller's tree. Left out on create: the owner's unit."),
    )
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    stage = StageField()
    stage_name = serializers.CharField(source="stage.name", read_only=True)

    class Meta:
        model = Customer
        fields = [
            "id",
            "external_id",
            "name",
            "owner",
            "owner_username",
            "owner_name",
            "unit",
            "unit_name",
            "stage",
            "stage_name",
            "expected_value",
            "last_contact",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]
        extra_kwargs = {
            "external_id": {"help_text": _("The customer's id in the CRM; unique.")},
        }

    def validate_external_id(self, value):
        # Blank is no CRM id: NULL, which the unique constraint allows many of.
        # (DRF skips the uniqueness check for a blank string.)
        return value or None

    def validate(self, attrs):
        if self.instance is None and "unit" not in attrs:
            unit = attrs["owner"].unit
            if unit is None:
                raise serializers.ValidationError(
                    {"unit": _("The owner has no unit: give the customer's unit.")}
                )
            attrs["unit"] = unit
        return attrs

    def create(self, data):
        customer = Customer(**data)
        customer._history_user = self.context["request"].user
        customer.save()
        return customer

    def update(self, customer, data):
        for name, value in data.items():
            setattr(customer, name, value)
        customer._history_user = self.context["request"].user
        customer.save()
        return customer


class ConfirmStageSerializer(serializers.Serializer):
    stage = StageField(help_text=_("The stage the meeting confirms, by key."))


class CustomerRowSerializer(serializers.Serializer):
    """One customer as the CRM export has it: the CSV's columns."""

    external_id = serializers.CharField(help_text=_("The CRM's id: rows are matched on it."))
    name = serializers.CharField()
    owner = serializers.CharField(help_text=_("The owning rep's username."))
    stage = serializers.CharField(help_text=_("A pipeline stage's key or name."))
    expected_value = serializers.CharField(
        required=False,
        allow_blank=True,
        allow_null=True,
        help_text=_("An amount (a string or a number); thousands separators are ignored."),
    )
    last_contact = serializers.CharField(
        required=False, allow_blank=True, allow_null=True, help_text=_("YYYY-MM-DD")
    )
    unit = serializers.CharField(
        required=False,
        allow_blank=True,
        allow_null=True,
        help_text=_("A unit's id or name; empty: the owner's unit."),
    )


class CustomerFileSerializer(serializers.Serializer):
    file = serializers.FileField(
        help_text=_(
            "CSV with a header row: external_id, name, owner, stage, expected_value, "
            "last_contact, unit (the last three optional). UTF-8 (with or without BOM) or GBK."
        ),
        validators=[small_file],
    )


class ImportResultSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()


class RowErrorSerializer(serializers.Serializer):
    line = serializers.IntegerField(
        help_text=_("The file's line (the header is line 1), or the row's position from 1.")
    )
    message = serializers.CharField(
        help_text=_("Every problem of the row, in the caller's language.")
    )


class ImportErrorsSerializer(serializers.Serializer):
    detail = serializers.CharField()
    errors = RowErrorSerializer(many=True)


# --- History ---------------------------------------------------------------------------------


class ChangeSerializer(serializers.Serializer):
    field = serializers.CharField()
    old = serializers.JSONField(allow_null=True)
    new = serializers.JSONField(allow_null=True)


class HistoryRecordSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text=_("The version's id."))
    at = serializers.DateTimeField()
    action = serializers.ChoiceField(
        choices=[("created", _("created")), ("changed", _("changed")), ("deleted", _("deleted"))]
    )
    by = serializers.IntegerField(allow_null=True, help_text=_("Who made the change."))
    by_name = serializers.CharField(allow_null=True)
    changes = ChangeSerializer(
        many=True,
        help_text=_(
            "Each field that changed, with its old and new value (ids for people, units "
            "and meetings, keys for stages). A creation lists the values it was created with."
        ),
    )


# --- Briefs -----------------------------------------------------------------------------------


class BriefSerializer(serializers.ModelSerializer):
    meeting_title = serializers.CharField(source="meeting.title", read_only=True)
    meeting_starts_at = serializers.DateTimeField(source="meeting.starts_at", read_only=True)
    deadline = serializers.SerializerMethodField(
        help_text=_("When the brief is due; submitted after it, it is marked late.")
    )
    customer_name = serializers.CharField(source="customer.name", read_only=True)
    rep_name = serializers.CharField(source="rep.display_name", read_only=True)
    stage = StageField(allow_null=True)
    stage_name = serializers.CharField(
        source="stage.name", read_only=True, allow_null=True, default=None
    )
    decided_by_name = serializers.CharField(
        source="decided_by.display_name", read_only=True, allow_null=True, default=None
    )

    class Meta:
        model = Brief
        fields = [
            "id",
            "meeting",
            "meeting_title",
            "meeting_starts_at",
            "deadline",
            "customer",
            "customer_name",
            "rep",
            "rep_name",
            "needs",
            "blockers",
            "problems",
            "help_wanted",
            "stage",
            "stage_name",
            "next_step",
            "planned_visit_at",
            "wants_accompany",
            "submitted_at",
            "is_late",
            "accompany",
            "advice",
            "decided_by",
            "decided_by_name",
            "decided_at",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "id": {
                "allow_null": True,
                "help_text": _("Empty for a pre-filled brief not saved yet."),
            },
            "version": {"help_text": _("Grows with every save and decision.")},
            "created_at": {"allow_null": True},
            "updated_at": {"allow_null": True},
        }

    @extend_schema_field(OpenApiTypes.DATETIME)
    def get_deadline(self, brief):
        return serializers.DateTimeField().to_representation(services.deadline(brief.meeting))


class BriefBodySerializer(ModelSerializer):
    """The caller's own brief on one customer for one meeting. Fields left
    out keep their value: the stored one, or the pre-filled one for a new brief."""

    meeting = VisibleMeetingField(help_text=_("A daily or weekly meeting the caller attends."))
    customer = VisibleCustomerField(help_text=_("A customer in the caller's tree."))
    stage = StageField(required=False, allow_null=True)

    class Meta:
        model = Brief
        fields = ["meeting", "customer", *services.BRIEF_FIELDS]
        validators = []  # one brief per (meeting, customer, rep): the service finds it

    def brief_data(self) -> dict:
        return {
            name: self.validated_data[name]
            for name in services.BRIEF_FIELDS
            if name in self.validated_data
        }


class BriefQuerySerializer(serializers.Serializer):
    meeting = serializers.IntegerField(help_text=_("A daily or weekly meeting the caller attends."))
    customer = serializers.IntegerField(help_text=_("A customer in the caller's tree."))


class AccompanyDecisionSerializer(serializers.Serializer):
    accompany = serializers.ChoiceField(choices=Accompany.choices)
    advice = serializers.CharField(required=False, allow_blank=True, default="")


# --- Visit plans ------------------------------------------------------------------------------


class VisitPlanSerializer(serializers.ModelSerializer):
    rep = VisiblePersonField(help_text=_("The rep: the caller, or a rep in a manager's tree."))
    rep_name = serializers.CharField(source="rep.display_name", read_only=True)
    customer = VisibleCustomerField(help_text=_("A customer in the rep's part of the tree."))
    customer_name = serializers.CharField(source="customer.name", read_only=True)
    planned_in = VisibleMeetingField(
        required=False,
        allow_null=True,
        help_text=_("The (weekly) meeting the visit was planned in, if any."),
    )
    planned_by_name = serializers.CharField(source="planned_by.display_name", read_only=True)

    class Meta:
        model = VisitPlan
        fields = [
            "id",
            "rep",
            "rep_name",
            "customer",
            "customer_name",
            "day",
            "planned_by",
            "planned_by_name",
            "planned_in",
            "created_at",
        ]
        read_only_fields = ["planned_by", "created_at"]
        validators = []  # planning a visit twice is not an error: set_visit keeps one


# --- Completion -------------------------------------------------------------------------------


class CompletionSerializer(serializers.Serializer):
    expected = serializers.IntegerField(help_text=_("Briefs the meeting(s) expect."))
    submitted = serializers.IntegerField(help_text=_("Of those, submitted (late ones included)."))
    late = serializers.IntegerField(help_text=_("Of those, submitted after the deadline."))
    missing = serializers.IntegerField(help_text=_("Expected and not submitted (drafts count)."))
    rate = serializers.FloatField(
        allow_null=True, help_text=_("submitted / expected; empty when nothing is expected.")
    )


class RepCompletionSerializer(CompletionSerializer):
    rep = serializers.IntegerField()
    rep_name = serializers.CharField()


class ExpectedBriefSerializer(serializers.Serializer):
    customer = serializers.IntegerField(source="customer.pk")
    customer_name = serializers.CharField(source="customer.name")
    rep = serializers.IntegerField(source="rep.pk")
    status = serializers.ChoiceField(
        choices=[
            ("missing", _("missing")),
            ("draft", _("draft")),
            ("submitted", _("submitted")),
            ("late", _("late")),
        ]
    )


class MeetingCompletionSerializer(CompletionSerializer):
    meeting = serializers.IntegerField()
    deadline = serializers.DateTimeField()
    reps = RepCompletionSerializer(many=True)
    briefs = ExpectedBriefSerializer(many=True, help_text=_("Every expected brief and its status."))


class MeetingCompletionQuerySerializer(serializers.Serializer):
    meeting = serializers.IntegerField(help_text=_("A meeting the caller may see."))


class UnitCompletionSerializer(CompletionSerializer):
    unit = serializers.IntegerField()
    unit_name = serializers.CharField()


MAX_COMPLETION_DAYS = 366


class UnitCompletionQuerySerializer(serializers.Serializer):
    unit = serializers.IntegerField(help_text=_("A unit in the caller's tree."))
    start = serializers.DateField(help_text=_("First day (organisation's time zone)."))
    end = serializers.DateField(help_text=_("Last day, included."))

    def validate(self, attrs):
        days = (attrs["end"] - attrs["start"]).days
        if days < 0:
            raise serializers.ValidationError({"end": _("Not before start.")})
        if days >= MAX_COMPLETION_DAYS:
            raise serializers.ValidationError(
                {"end": _("At most %(days)d days.") % {"days": MAX_COMPLETION_DAYS}}
            )
        return attrs
