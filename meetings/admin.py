from django.contrib import admin

from .models import CalendarFeed, Invitation, KindPolicy, Meeting, Series


@admin.register(KindPolicy)
class KindPolicyAdmin(admin.ModelAdmin):
    list_display = ["kind", "duration_minutes", "window_days", "min_interval_days"]


class InvitationInline(admin.TabularInline):
    model = Invitation
    fk_name = "meeting"
    extra = 0
    autocomplete_fields = ["person"]
    readonly_fields = ["answered_at", "checked_in_at", "invited_by"]


@admin.register(Meeting)
class MeetingAdmin(admin.ModelAdmin):
    list_display = ["title", "kind", "unit", "chair", "starts_at", "status"]
    list_filter = ["kind", "status", "unit__kind"]
    list_select_related = ["unit", "chair"]
    search_fields = ["title", "customer_name"]
    date_hierarchy = "starts_at"
    autocomplete_fields = ["unit", "chair", "decision_maker"]
    readonly_fields = ["series", "original_start", "uid", "sequence", "accepted_warnings"]
    inlines = [InvitationInline]


@admin.register(Series)
class SeriesAdmin(admin.ModelAdmin):
    list_display = ["title", "kind", "unit", "rrule", "starts_at", "until", "is_active"]
    list_filter = ["kind", "is_active"]
    list_select_related = ["unit"]
    search_fields = ["title"]
    autocomplete_fields = ["unit", "chair", "invitees"]


@admin.register(CalendarFeed)
class CalendarFeedAdmin(admin.ModelAdmin):
    list_display = ["person", "created_at"]
    search_fields = ["person__username", "person__full_name"]
    readonly_fields = ["token"]
