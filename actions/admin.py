from django.contrib import admin, messages
from simple_history.admin import SimpleHistoryAdmin

from . import services
from .models import (
    ActionItem,
    ClockEvent,
    Delivery,
    Escalation,
    Notification,
    SlaClock,
    SlaPolicy,
    Webhook,
)


@admin.register(SlaPolicy)
class SlaPolicyAdmin(SimpleHistoryAdmin):
    list_display = ["name", "key", "basis", "hours", "escalate_every_hours", "version"]
    readonly_fields = ["version"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change:
            moved = services.apply_policy_change(obj, request.user)
            messages.info(request, f"{moved} running clocks recomputed.")


class ClockInline(admin.TabularInline):
    model = SlaClock
    extra = 0
    readonly_fields = [
        "policy",
        "policy_version",
        "started_at",
        "deadline",
        "state",
        "breached_at",
        "met_at",
        "level",
    ]
    can_delete = False


@admin.register(ActionItem)
class ActionItemAdmin(SimpleHistoryAdmin):
    list_display = ["title", "owner", "unit", "kind", "due_at", "state"]
    list_filter = ["state", "kind"]
    list_select_related = ["owner", "unit"]
    search_fields = ["title"]
    raw_id_fields = ["owner", "unit", "meeting", "decision", "customer", "done_by", "created_by"]
    inlines = [ClockInline]


class EventInline(admin.TabularInline):
    model = ClockEvent
    extra = 0
    readonly_fields = [
        "at",
        "actor",
        "event",
        "from_state",
        "to_state",
        "reason",
        "deadline_before",
        "deadline_after",
    ]
    can_delete = False


@admin.register(SlaClock)
class SlaClockAdmin(admin.ModelAdmin):
    list_display = ["action_item", "policy", "state", "deadline", "level"]
    list_filter = ["state", "policy"]
    raw_id_fields = ["action_item"]
    inlines = [EventInline]


@admin.register(Escalation)
class EscalationAdmin(admin.ModelAdmin):
    list_display = ["clock", "level", "to_person", "at"]
    raw_id_fields = ["clock", "to_person"]


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["title", "recipient", "kind", "created_at", "read_at"]
    list_filter = ["kind"]
    raw_id_fields = ["recipient", "action_item"]


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ["notification", "channel", "webhook", "state", "attempts", "delivered_at"]
    list_filter = ["channel", "state"]
    raw_id_fields = ["notification", "webhook"]


@admin.register(Webhook)
class WebhookAdmin(admin.ModelAdmin):
    list_display = ["name", "unit", "format", "url", "is_active"]
    raw_id_fields = ["unit", "created_by"]
