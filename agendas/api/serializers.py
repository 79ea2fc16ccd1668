from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from meetings.models import Meeting
from org.models import Person
from salesmeet.api import IdField, ModelSerializer

from ..models import (
    AgendaItem,
    AgendaTemplate,
    AgendaTemplateItem,
    Conclusion,
    Decision,
    FocusRep,
    MonthlyPlan,
    QuarterlySubmission,
    RepFeedback,
    StrategyRequirement,
)


@extend_schema_field(OpenApiTypes.INT)
class VisibleMeetingField(serializers.PrimaryKeyRelatedField):
    """A meeting the caller may see: any other id is "does not exist"."""

    def get_queryset(self):
        return Meeting.objects.for_user(self.context["request"].user)


class PersonField(serializers.PrimaryKeyRelatedField):
    def get_queryset(self):
        from meetings.services import invitable_people

        return invitable_people(self.context["request"].user)


class InviteeField(serializers.PrimaryKeyRelatedField):
    """Someone invited to a meeting the caller may see: any other id is
    "does not exist" (and the browsable API lists no one else)."""

    def get_queryset(self):
        meetings = Meeting.objects.for_user(self.context["request"].user)
        return Person.objects.filter(invitations__meeting__in=meetings).distinct()


@extend_schema_field(OpenApiTypes.INT)
class VisibleAgendaItemField(serializers.PrimaryKeyRelatedField):
    def get_queryset(self):
        return AgendaItem.objects.for_user(self.context["request"].user)


class TemplateItemSerializer(serializers.ModelSerializer):
    class Meta:
        model = AgendaTemplateItem
        fields = ["position", "title", "minutes", "guidance"]


class AgendaTemplateSerializer(serializers.ModelSerializer):
    items = TemplateItemSerializer(many=True)

    class Meta:
        model = AgendaTemplate
        fields = ["id", "kind", "name", "items", "updated_at"]
        read_only_fields = ["kind", "updated_at"]


class AgendaItemSerializer(serializers.ModelSerializer):
    meeting = VisibleMeetingField()
    version = serializers.IntegerField(
        required=False,
        help_text=_(
            "On update: the version you read. A stale version answers 409 with the stored item."
        ),
    )

    class Meta:
        model = AgendaItem
        fields = [
            "id",
            "meeting",
            "position",
            "title",
            "minutes",
            "guidance",
            "notes",
            "status",
            "started_at",
            "elapsed_seconds",
            "version",
            "updated_by",
            "updated_at",
        ]
        read_only_fields = ["position", "started_at", "elapsed_seconds", "updated_by", "updated_at"]


class ReorderSerializer(serializers.Serializer):
    meeting = VisibleMeetingField()
    items = serializers.ListField(
        child=IdField(),
        help_text=_("Every item id of the agenda, in the new order."),
    )


class DecisionSerializer(ModelSerializer):
    meeting = VisibleMeetingField()
    agenda_item = VisibleAgendaItemField(required=False, allow_null=True)
    owner = PersonField()

    class Meta:
        model = Decision
        fields = [
            "id",
            "meeting",
            "agenda_item",
            "text",
            "owner",
            "due_at",
            "created_by",
            "created_at",
        ]
        read_only_fields = ["created_by", "created_at"]


class ConclusionSerializer(serializers.ModelSerializer):
    meeting = VisibleMeetingField()
    override_reason = serializers.CharField(
        required=False,
        allow_blank=True,
        help_text=_("Needed when the meeting lacks outputs its kind requires; recorded."),
    )

    class Meta:
        model = Conclusion
        fields = [
            "id",
            "meeting",
            "concluded_by",
            "concluded_at",
            "missing_outputs",
            "override_reason",
            "summary_sent_at",
        ]
        read_only_fields = ["concluded_by", "concluded_at", "missing_outputs", "summary_sent_at"]


class MissingOutputsSerializer(serializers.Serializer):
    detail = serializers.CharField()
    missing_outputs = serializers.ListField(child=serializers.CharField())


class StrategyRequirementSerializer(serializers.ModelSerializer):
    meeting = VisibleMeetingField()

    class Meta:
        model = StrategyRequirement
        fields = ["id", "meeting", "kind", "text", "created_by", "created_at"]
        read_only_fields = ["created_by", "created_at"]


class InviteeValidationMixin:
    def validate(self, data):
        if not data["meeting"].invitations.filter(person=data["rep"]).exists():
            raise serializers.ValidationError(
                {"rep": _("Choose a rep from the meeting's invitees.")}
            )
        return data


class RepFeedbackSerializer(InviteeValidationMixin, serializers.ModelSerializer):
    meeting = VisibleMeetingField()
    rep = InviteeField()

    class Meta:
        model = RepFeedback
        fields = ["id", "meeting", "rep", "text", "created_at"]
        read_only_fields = ["created_at"]


class FocusRepSerializer(InviteeValidationMixin, serializers.ModelSerializer):
    meeting = VisibleMeetingField()
    rep = InviteeField()

    class Meta:
        model = FocusRep
        fields = ["id", "meeting", "rep", "reason"]


class MonthlyPlanSerializer(serializers.ModelSerializer):
    meeting = VisibleMeetingField()

    class Meta:
        model = MonthlyPlan
        fields = [
            "id",
            "meeting",
            "rep",
            "text",
            "drafted_at",
            "confirmed_by",
            "confirmed_at",
            "one_to_one_note",
        ]
        read_only_fields = ["rep", "drafted_at", "confirmed_by", "confirmed_at", "one_to_one_note"]


class ConfirmPlanSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="")


class SubmittableMeetingField(serializers.PrimaryKeyRelatedField):
    """Quarterly meetings the caller may submit to: those they can see, and
    those of the units above them (every level submits)."""

    def get_queryset(self):
        from django.db.models import Q

        from meetings.kinds import Kind
        from org.services import ancestor_paths

        user = self.context["request"].user
        above = Q(unit__path__in=ancestor_paths(user.unit)) if user.unit_id else Q(pk__in=[])
        visible = Q(pk__in=Meeting.objects.for_user(user).values("pk"))
        return Meeting.objects.filter(kind=Kind.QUARTERLY).filter(above | visible)


class QuarterlySubmissionSerializer(serializers.ModelSerializer):
    meeting = SubmittableMeetingField()

    class Meta:
        model = QuarterlySubmission
        fields = ["id", "meeting", "author", "unit", "theme", "text", "submitted_at"]
        read_only_fields = ["author", "unit", "submitted_at"]
