from django.core.validators import URLValidator
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from customers.models import Customer
from meetings.api.serializers import InvitablePersonField, ScopedChoiceField, VisibleUnitField
from meetings.models import Meeting
from salesmeet.api import DateTimeField, IdField, ModelSerializer

from .. import services
from ..models import (
    ActionItem,
    ClockEvent,
    Delivery,
    Escalation,
    Notification,
    SlaClock,
    SlaPolicy,
    Webhook,
)

# --- Fields -----------------------------------------------------------------------------------


class VisibleMeetingField(ScopedChoiceField):
    def get_queryset(self):
        return Meeting.objects.for_user(self.context["request"].user)


class VisibleCustomerField(ScopedChoiceField):
    def get_queryset(self):
        return Customer.objects.for_user(self.context["request"].user)


# --- Action items and clocks ------------------------------------------------------------------


class ClockSummarySerializer(serializers.ModelSerializer):
    policy_key = serializers.CharField(source="policy.key", read_only=True)
    policy_name = serializers.CharField(source="policy.name", read_only=True)

    class Meta:
        model = SlaClock
        fields = [
            "id",
            "policy",
            "policy_key",
            "policy_name",
            "state",
            "started_at",
            "deadline",
            "breached_at",
            "level",
        ]
        read_only_fields = fields


class ActionItemSerializer(ModelSerializer):
    """An action item with its SLA clocks. Created through the API it runs
    under the `decision` policy: its clock's deadline is `due_at`."""

    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    owner = InvitablePersonField(
        help_text=_("Someone the caller may assign: anyone they can see, or above them.")
    )
    owner_name = serializers.CharField(source="owner.display_name", read_only=True)
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    meeting = VisibleMeetingField(
        required=False, allow_null=True, help_text=_("A meeting the caller may see.")
    )
    customer = VisibleCustomerField(
        required=False, allow_null=True, help_text=_("A customer the caller may see.")
    )
    customer_name = serializers.CharField(
        source="customer.name", read_only=True, allow_null=True, default=None
    )
    created_by = serializers.IntegerField(source="created_by_id", read_only=True)
    done_by = serializers.IntegerField(source="done_by_id", read_only=True, allow_null=True)
    clocks = ClockSummarySerializer(many=True, read_only=True)

    class Meta:
        model = ActionItem
        fields = [
            "id",
            "title",
            "description",
            "kind",
            "kind_label",
            "owner",
            "owner_name",
            "unit",
            "unit_name",
            "meeting",
            "customer",
            "customer_name",
            "due_at",
            "state",
            "evidence",
            "done_at",
            "done_by",
            "created_by",
            "created_at",
            "clocks",
        ]
        read_only_fields = [
            "kind",
            "unit",
            "state",
            "evidence",
            "done_at",
            "done_by",
            "created_by",
            "created_at",
        ]
        extra_kwargs = {
            "unit": {"help_text": _("The owner's unit when the item was created.")},
            "due_at": {
                "help_text": _(
                    "When it is due. Moving a clock's deadline (`/api/clocks/{id}/move/`) "
                    "moves it too."
                ),
            },
        }

    def create(self, data):
        return services.create_action_item(
            title=data["title"],
            description=data.get("description", ""),
            owner=data["owner"],
            created_by=self.context["request"].user,
            due_at=data["due_at"],
            meeting=data.get("meeting"),
            customer=data.get("customer"),
        )


class EvidenceSerializer(serializers.Serializer):
    evidence = serializers.CharField(help_text=_("What was done."))


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class OptionalReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000, required=False, default="", allow_blank=True)


class MoveSerializer(serializers.Serializer):
    deadline = DateTimeField(
        help_text=_("The new deadline (ISO 8601; without an offset, the organisation's zone).")
    )
    reason = serializers.CharField(max_length=2000)


class ClockEventSerializer(serializers.ModelSerializer):
    actor_name = serializers.CharField(
        source="actor.display_name", read_only=True, allow_null=True, default=None
    )

    class Meta:
        model = ClockEvent
        fields = [
            "at",
            "event",
            "actor",
            "actor_name",
            "from_state",
            "to_state",
            "reason",
            "deadline_before",
            "deadline_after",
        ]
        read_only_fields = fields


class ClockSerializer(ClockSummarySerializer):
    events = ClockEventSerializer(many=True, read_only=True)

    class Meta(ClockSummarySerializer.Meta):
        fields = [
            "id",
            "action_item",
            "policy",
            "policy_key",
            "policy_name",
            "policy_version",
            "state",
            "started_at",
            "deadline",
            "warn_at",
            "warnings_sent",
            "paused_at",
            "met_at",
            "breached_at",
            "level",
            "next_escalation_at",
            "events",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "policy_version": {"help_text": _("The policy version the clock runs (or ran) under.")},
            "level": {"help_text": _("How far up the org tree the breach has been escalated.")},
        }


class EscalationSerializer(serializers.ModelSerializer):
    action_item = serializers.IntegerField(source="clock.action_item_id", read_only=True)
    title = serializers.CharField(source="clock.action_item.title", read_only=True)
    owner = serializers.IntegerField(source="clock.action_item.owner_id", read_only=True)
    owner_name = serializers.CharField(
        source="clock.action_item.owner.display_name", read_only=True
    )
    deadline = serializers.DateTimeField(source="clock.deadline", read_only=True)
    to_person_name = serializers.CharField(source="to_person.display_name", read_only=True)

    class Meta:
        model = Escalation
        fields = [
            "id",
            "clock",
            "action_item",
            "title",
            "owner",
            "owner_name",
            "deadline",
            "level",
            "to_person",
            "to_person_name",
            "at",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "level": {"help_text": _("1 = the owner's manager, 2 = one level higher, …")},
            "at": {"help_text": _("When the breach reached this level.")},
        }


# --- Notifications -------------------------------------------------------------------------


class NotificationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Notification
        fields = ["id", "kind", "title", "body", "url", "action_item", "created_at", "read_at"]
        read_only_fields = fields


class MarkReadSerializer(serializers.Serializer):
    ids = serializers.ListField(
        child=IdField(),
        required=False,
        allow_null=True,
        default=None,
        help_text=_("The notifications to mark read; left out: all of the caller's."),
    )


class MarkedSerializer(serializers.Serializer):
    marked = serializers.IntegerField(help_text=_("How many were unread and are now read."))


class UnreadCountSerializer(serializers.Serializer):
    unread = serializers.IntegerField()


# --- Webhooks ----------------------------------------------------------------------------------


class WebhookSerializer(serializers.ModelSerializer):
    unit = VisibleUnitField(
        help_text=_(
            "A unit in the caller's tree: it receives that unit's notifications "
            "and those of every unit below it."
        )
    )
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    url = serializers.URLField(
        max_length=500,
        validators=[URLValidator(schemes=["http", "https"])],
        help_text=_(
            "The receiver's address (it often holds a secret: only managers see it whole)."
        ),
    )
    created_by = serializers.IntegerField(source="created_by_id", read_only=True)

    class Meta:
        model = Webhook
        fields = [
            "id",
            "unit",
            "unit_name",
            "name",
            "url",
            "format",
            "is_active",
            "created_by",
            "created_at",
        ]
        read_only_fields = ["created_at"]

    def to_representation(self, webhook):
        data = super().to_representation(webhook)
        if not self.context.get("may_manage_webhooks", False):
            scheme, _sep, rest = data["url"].partition("://")
            data["url"] = f"{scheme}://{rest.split('/', 1)[0]}/…"
        return data


class DeliverySerializer(serializers.ModelSerializer):
    class Meta:
        model = Delivery
        fields = ["id", "state", "attempts", "last_error", "delivered_at"]
        read_only_fields = fields


# --- SLA policies ---------------------------------------------------------------------------


class SlaPolicySerializer(serializers.ModelSerializer):
    # Not a slug: the keys name a kind and a step, e.g. ``customer_issue.feedback``.
    key = serializers.CharField(read_only=True)
    warn_at = serializers.ListField(
        child=serializers.FloatField(min_value=0, max_value=1),
        required=False,
        help_text=_("Fractions of the window after which the owner is warned, e.g. `[0.75]`."),
    )

    class Meta:
        model = SlaPolicy
        fields = [
            "id",
            "key",
            "name",
            "basis",
            "hours",
            "warn_at",
            "escalate_every_hours",
            "working_day_start",
            "working_day_end",
            "version",
            "updated_at",
        ]
        read_only_fields = ["key", "version", "updated_at"]
        extra_kwargs = {
            "hours": {"min_value": 0},
            "escalate_every_hours": {"min_value": 0},
            "version": {
                "help_text": _("Grows with every change; clocks keep the one they ran under.")
            },
        }

    def validate_warn_at(self, fractions):
        if any(not 0 < f < 1 for f in fractions):
            raise serializers.ValidationError(_("Each fraction lies strictly between 0 and 1."))
        return sorted(fractions)

    def validate(self, attrs):
        start = attrs.get("working_day_start", getattr(self.instance, "working_day_start", None))
        end = attrs.get("working_day_end", getattr(self.instance, "working_day_end", None))
        if start and end and start >= end:
            raise serializers.ValidationError(
                {"working_day_end": _("The working day ends after it starts.")}
            )
        return attrs
