from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _
from treebeard.admin import TreeAdmin
from treebeard.forms import movenodeform_factory

from . import services
from .models import CalendarDay, Person, Unit


@admin.register(Unit)
class UnitAdmin(TreeAdmin):
    """Moving a unit here (drag and drop or the form's position fields) goes
    through treebeard, which rewrites the paths of the whole subtree."""

    form = movenodeform_factory(Unit, fields=["name", "kind", "manager"])
    list_display = ["name", "kind", "manager"]
    list_filter = ["kind"]
    search_fields = ["name"]
    autocomplete_fields = ["manager"]


@admin.register(Person)
class PersonAdmin(UserAdmin):
    list_display = ["username", "full_name", "role", "unit", "is_active", "is_staff"]
    list_filter = ["role", "is_active", "is_staff", "unit__kind"]
    list_select_related = ["unit"]
    search_fields = ["username", "full_name", "email"]
    autocomplete_fields = ["unit"]
    fieldsets = [
        *UserAdmin.fieldsets,
        (_("Organisation"), {"fields": ["full_name", "title", "unit", "role"]}),
    ]
    add_fieldsets = [
        *UserAdmin.add_fieldsets,
        (_("Organisation"), {"fields": ["full_name", "unit", "role"]}),
    ]

    def save_model(self, request, obj, form, change):
        if change and "unit" in form.changed_data:
            new_unit = obj.unit
            super().save_model(request, obj, form, change)
            released = services.move_person(obj, new_unit)
            for unit in released:
                messages.warning(
                    request,
                    _("%(person)s no longer manages %(unit)s.") % {"person": obj, "unit": unit},
                )
            return
        super().save_model(request, obj, form, change)


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    list_display = ["date", "is_working_day", "name"]
    list_filter = ["is_working_day"]
    date_hierarchy = "date"
    search_fields = ["name"]
