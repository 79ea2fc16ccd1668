from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Brief, BriefReminder, Customer, PipelineStage, VisitPlan


@admin.register(PipelineStage)
class PipelineStageAdmin(admin.ModelAdmin):
    list_display = ["name", "key", "position", "is_won", "is_lost"]
    list_editable = ["position"]


@admin.register(Customer)
class CustomerAdmin(SimpleHistoryAdmin):
    list_display = [
        "name",
        "owner",
        "unit",
        "stage",
        "expected_value",
        "last_contact",
        "external_id",
    ]
    list_filter = ["stage", "unit"]
    list_select_related = ["owner", "unit", "stage"]
    search_fields = ["name", "external_id"]
    autocomplete_fields = ["owner", "unit"]


@admin.register(Brief)
class BriefAdmin(SimpleHistoryAdmin):
    list_display = [
        "customer",
        "rep",
        "meeting",
        "submitted_at",
        "is_late",
        "wants_accompany",
        "accompany",
    ]
    list_filter = ["is_late", "wants_accompany", "accompany"]
    list_select_related = ["customer", "rep", "meeting"]
    search_fields = ["customer__name", "rep__full_name", "meeting__title"]
    raw_id_fields = ["meeting", "customer", "rep", "decided_by"]


@admin.register(VisitPlan)
class VisitPlanAdmin(admin.ModelAdmin):
    list_display = ["day", "rep", "customer", "planned_by"]
    list_select_related = ["rep", "customer", "planned_by"]
    date_hierarchy = "day"
    raw_id_fields = ["rep", "customer", "planned_by", "planned_in"]


@admin.register(BriefReminder)
class BriefReminderAdmin(admin.ModelAdmin):
    list_display = ["rep", "customer", "meeting", "sent_at", "emailed"]
    list_select_related = ["rep", "customer", "meeting"]
    raw_id_fields = ["meeting", "customer", "rep"]
