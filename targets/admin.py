from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Actual, GapReview, PacingCurve, Period, Plan, Target


@admin.register(Period)
class PeriodAdmin(admin.ModelAdmin):
    list_display = ["__str__", "kind", "starts_on", "ends_on"]
    list_filter = ["kind"]


@admin.register(Plan)
class PlanAdmin(admin.ModelAdmin):
    list_display = ["unit", "period", "set_by", "confirmed_by"]
    raw_id_fields = ["unit", "meeting", "set_by", "confirmed_by"]


@admin.register(Target)
class TargetAdmin(SimpleHistoryAdmin):
    list_display = ["period", "unit", "rep", "metric", "value", "confirmed_by"]
    list_filter = ["metric", "period"]
    raw_id_fields = ["unit", "rep", "set_by", "confirmed_by"]


@admin.register(Actual)
class ActualAdmin(SimpleHistoryAdmin):
    list_display = ["date", "unit", "rep", "metric", "value", "source", "external_id"]
    list_filter = ["metric", "source"]
    date_hierarchy = "date"
    raw_id_fields = ["unit", "rep", "created_by"]
    search_fields = ["external_id"]


@admin.register(PacingCurve)
class PacingCurveAdmin(admin.ModelAdmin):
    list_display = ["name", "points", "is_active"]


@admin.register(GapReview)
class GapReviewAdmin(admin.ModelAdmin):
    list_display = ["unit", "period", "metrics", "meeting", "created_at"]
    raw_id_fields = ["unit", "meeting"]
