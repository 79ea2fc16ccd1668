import django_filters
from django.db.models import Exists, OuterRef
from drf_spectacular.utils import extend_schema_field

from org.api.filtersets import visible_people, visible_units

from ..kinds import Kind
from ..models import Invitation, Meeting, Status


class DocumentedId:
    """A filter on an id, documented as an integer with its label."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        extend_schema_field({"type": "integer", "description": str(self.label)})(self)


class ChoiceIdFilter(DocumentedId, django_filters.ModelChoiceFilter):
    """An id among a scoped queryset; any other id is "not a valid choice"."""


class IdFilter(DocumentedId, django_filters.NumberFilter):
    """A plain id; the results stay scoped, so an unknown id finds nothing."""


class MeetingFilterSet(django_filters.FilterSet):
    kind = django_filters.MultipleChoiceFilter(choices=Kind.choices)
    status = django_filters.MultipleChoiceFilter(choices=Status.choices)
    # Choices scoped like the results: a unit or person outside the caller's
    # tree is "not a valid choice", exactly like one that does not exist.
    unit = ChoiceIdFilter(queryset=visible_units, label="Meetings of this unit only")
    within = ChoiceIdFilter(
        queryset=visible_units,
        method="filter_within",
        label="Meetings of this unit and of every unit below it",
    )
    starts_after = django_filters.DateFilter(
        field_name="starts_at",
        lookup_expr="date__gte",
        label="Starting on or after this date (organisation's time zone)",
    )
    starts_before = django_filters.DateFilter(
        field_name="starts_at",
        lookup_expr="date__lte",
        label="Starting on or before this date (organisation's time zone)",
    )
    invitee = ChoiceIdFilter(
        queryset=visible_people,
        method="filter_invitee",
        label="Meetings this person is invited to (chairs included)",
    )
    series = IdFilter(field_name="series", label="Occurrences of this meeting series")

    class Meta:
        model = Meeting
        fields = ["kind", "status", "unit", "series"]

    def filter_within(self, queryset, name, unit):
        return queryset.filter(unit__path__startswith=unit.path)

    def filter_invitee(self, queryset, name, person):
        return queryset.filter(
            Exists(Invitation.objects.filter(meeting=OuterRef("pk"), person=person))
        )
