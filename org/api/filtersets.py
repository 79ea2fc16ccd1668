import django_filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from ..choices import Role, UnitKind
from ..models import Person, Unit


def visible_units(request):
    # Choices scoped like the results: a unit id outside the caller's tree is
    # "not a valid choice", exactly like one that does not exist.
    return Unit.objects.for_user(request.user if request else None)


def visible_people(request):
    return Person.objects.for_user(request.user if request else None)


@extend_schema_field(OpenApiTypes.INT)
class UnitIdFilter(django_filters.ModelChoiceFilter):
    """A unit given by id, and documented as one."""


class UnitFilterSet(django_filters.FilterSet):
    kind = django_filters.MultipleChoiceFilter(choices=UnitKind.choices)
    manager = django_filters.ModelChoiceFilter(queryset=visible_people)
    within = UnitIdFilter(
        queryset=visible_units,
        method="filter_within",
        label="Units in the subtree of this unit (itself included)",
    )

    class Meta:
        model = Unit
        fields = ["kind", "manager", "depth"]

    def filter_within(self, queryset, name, unit):
        return queryset.subtree(unit)


class PersonFilterSet(django_filters.FilterSet):
    role = django_filters.MultipleChoiceFilter(choices=Role.choices)
    unit = django_filters.ModelChoiceFilter(queryset=visible_units)
    within = UnitIdFilter(
        queryset=visible_units,
        method="filter_within",
        label="People in the subtree of this unit (itself included)",
    )

    class Meta:
        model = Person
        fields = ["role", "unit", "is_active"]

    def filter_within(self, queryset, name, unit):
        return queryset.in_subtree(unit)
