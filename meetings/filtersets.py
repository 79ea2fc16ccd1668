import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from org.models import Unit

from .kinds import Kind
from .models import Meeting, Status


def visible_units(request):
    return Unit.objects.for_user(request.user if request else None)


class MeetingListFilter(django_filters.FilterSet):
    """The filters of the meetings page."""

    kind = django_filters.MultipleChoiceFilter(label=_("Kind"), choices=Kind.choices)
    status = django_filters.MultipleChoiceFilter(label=_("Status"), choices=Status.choices)
    within = django_filters.ModelChoiceFilter(
        label=_("Unit"), queryset=visible_units, method="filter_within"
    )
    starts_after = django_filters.DateFilter(
        label=_("From"),
        field_name="starts_at",
        lookup_expr="date__gte",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    starts_before = django_filters.DateFilter(
        label=_("To"),
        field_name="starts_at",
        lookup_expr="date__lte",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    mine = django_filters.BooleanFilter(
        label=_("Only mine"), method="filter_mine", widget=forms.CheckboxInput
    )

    class Meta:
        model = Meeting
        fields = ["kind", "status"]

    def filter_within(self, queryset, name, unit):
        return queryset.filter(unit__path__startswith=unit.path)

    def filter_mine(self, queryset, name, value):
        return queryset.attended_by(self.request.user) if value else queryset
