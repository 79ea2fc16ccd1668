import django_filters
from drf_spectacular.utils import extend_schema_field

from meetings.api.filtersets import ChoiceIdFilter
from meetings.models import Meeting
from org.api.filtersets import visible_people, visible_units

from ..models import Accompany, Brief, Customer, PipelineStage, VisitPlan


# Choices scoped like the results: an id outside the caller's tree is "not a
# valid choice", exactly like one that does not exist.
def visible_customers(request):
    return Customer.objects.for_user(request.user if request else None)


def visible_meetings(request):
    return Meeting.objects.for_user(request.user if request else None)


class StageKeyFilter(django_filters.ModelMultipleChoiceFilter):
    """Pipeline stages named by key, documented as such."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        extend_schema_field({"type": "string", "description": str(self.label)})(self)


class CustomerFilterSet(django_filters.FilterSet):
    stage = StageKeyFilter(
        queryset=PipelineStage.objects.all(),
        field_name="stage__key",
        to_field_name="key",
        label="Customers at this stage (its key); repeat for several stages",
    )
    owner = ChoiceIdFilter(queryset=visible_people, label="Customers this person owns")
    unit = ChoiceIdFilter(queryset=visible_units, label="Customers of this unit only")
    within = ChoiceIdFilter(
        queryset=visible_units,
        method="filter_within",
        label="Customers of this unit and of every unit below it",
    )

    class Meta:
        model = Customer
        fields = ["stage", "owner", "unit"]

    def filter_within(self, queryset, name, unit):
        return queryset.filter(unit__path__startswith=unit.path)


class BriefFilterSet(django_filters.FilterSet):
    meeting = ChoiceIdFilter(queryset=visible_meetings, label="Briefs for this meeting")
    customer = ChoiceIdFilter(queryset=visible_customers, label="Briefs on this customer")
    rep = ChoiceIdFilter(queryset=visible_people, label="Briefs written by this rep")
    submitted = django_filters.BooleanFilter(
        method="filter_submitted", label="Submitted briefs (true) or drafts (false)"
    )
    accompany = django_filters.ChoiceFilter(
        choices=Accompany.choices, label="The team lead's accompany decision"
    )

    class Meta:
        model = Brief
        fields = ["meeting", "customer", "rep", "is_late", "wants_accompany", "accompany"]

    def filter_submitted(self, queryset, name, value):
        return queryset.filter(submitted_at__isnull=not value)


class VisitPlanFilterSet(django_filters.FilterSet):
    rep = ChoiceIdFilter(queryset=visible_people, label="Visits of this rep")
    customer = ChoiceIdFilter(queryset=visible_customers, label="Visits to this customer")
    day_after = django_filters.DateFilter(
        field_name="day", lookup_expr="gte", label="Visits on or after this day"
    )
    day_before = django_filters.DateFilter(
        field_name="day", lookup_expr="lte", label="Visits on or before this day"
    )

    class Meta:
        model = VisitPlan
        fields = ["rep", "customer", "day"]
