import django_filters

from meetings.api.filtersets import ChoiceIdFilter, IdFilter
from org.api.filtersets import visible_people, visible_units

from ..models import Actual, GapReview, Metric, Period, PeriodKind, Plan, Source, Target


class WithinFilterSet(django_filters.FilterSet):
    """`unit` for rows of one unit, `within` for a unit and every unit below it."""

    unit = ChoiceIdFilter(queryset=visible_units, label="Rows of this unit only")
    within = ChoiceIdFilter(
        queryset=visible_units,
        method="filter_within",
        label="Rows of this unit and of every unit below it",
    )

    def filter_within(self, queryset, name, unit):
        return queryset.filter(unit__path__startswith=unit.path)


class PeriodFilterSet(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=PeriodKind.choices)
    contains = django_filters.DateFilter(
        method="filter_contains", label="Periods that contain this day"
    )

    class Meta:
        model = Period
        fields = ["kind"]

    def filter_contains(self, queryset, name, day):
        return queryset.filter(starts_on__lte=day, ends_on__gte=day)


class PlanFilterSet(WithinFilterSet):
    period = IdFilter(field_name="period", label="Plans for this period")

    class Meta:
        model = Plan
        fields = ["unit", "period"]


class TargetFilterSet(WithinFilterSet):
    period = IdFilter(field_name="period", label="Targets for this period")
    rep = ChoiceIdFilter(queryset=visible_people, label="This rep's own targets")
    metric = django_filters.MultipleChoiceFilter(choices=Metric.choices)
    unit_only = django_filters.BooleanFilter(
        field_name="rep", lookup_expr="isnull", label="Units' targets (true) or reps' (false)"
    )
    confirmed = django_filters.BooleanFilter(
        field_name="confirmed_at",
        lookup_expr="isnull",
        exclude=True,
        label="Confirmed targets (true) or not yet (false)",
    )

    class Meta:
        model = Target
        fields = ["unit", "period", "rep", "metric"]


class ActualFilterSet(WithinFilterSet):
    rep = ChoiceIdFilter(queryset=visible_people, label="This rep's results")
    metric = django_filters.MultipleChoiceFilter(choices=Metric.choices)
    source = django_filters.MultipleChoiceFilter(choices=Source.choices)
    period = ChoiceIdFilter(
        queryset=Period.objects.all(),
        method="filter_period",
        label="Results dated in this period",
    )
    date_after = django_filters.DateFilter(
        field_name="date", lookup_expr="gte", label="Results on or after this day"
    )
    date_before = django_filters.DateFilter(
        field_name="date", lookup_expr="lte", label="Results on or before this day"
    )

    class Meta:
        model = Actual
        fields = ["unit", "rep", "metric", "source", "external_id", "date"]

    def filter_period(self, queryset, name, period):
        return queryset.filter(date__gte=period.starts_on, date__lte=period.ends_on)


class GapReviewFilterSet(WithinFilterSet):
    period = IdFilter(field_name="period", label="Reviews for this period")

    class Meta:
        model = GapReview
        fields = ["unit", "period"]
