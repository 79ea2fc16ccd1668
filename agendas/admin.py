from django.contrib import admin

from .models import (
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


class AgendaTemplateItemInline(admin.TabularInline):
    model = AgendaTemplateItem
    extra = 1


@admin.register(AgendaTemplate)
class AgendaTemplateAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "updated_at"]
    inlines = [AgendaTemplateItemInline]


@admin.register(AgendaItem)
class AgendaItemAdmin(admin.ModelAdmin):
    list_display = ["title", "meeting", "position", "minutes", "status"]
    list_filter = ["status", "meeting__kind"]
    list_select_related = ["meeting"]
    search_fields = ["title", "notes", "meeting__title"]
    raw_id_fields = ["meeting"]


@admin.register(Decision)
class DecisionAdmin(admin.ModelAdmin):
    list_display = ["text", "meeting", "owner", "due_at"]
    list_select_related = ["meeting", "owner"]
    search_fields = ["text", "meeting__title"]
    raw_id_fields = ["meeting", "agenda_item"]
    autocomplete_fields = ["owner"]


@admin.register(Conclusion)
class ConclusionAdmin(admin.ModelAdmin):
    list_display = ["meeting", "concluded_by", "concluded_at", "override_reason"]
    list_select_related = ["meeting", "concluded_by"]
    raw_id_fields = ["meeting"]


for model in (StrategyRequirement, RepFeedback, FocusRep, MonthlyPlan, QuarterlySubmission):
    admin.site.register(model, raw_id_fields=["meeting"])
