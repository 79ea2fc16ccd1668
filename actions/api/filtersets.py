import django_filters

from meetings.api.filtersets import ChoiceIdFilter, IdFilter
from org.api.filtersets import visible_people, visible_units

from ..models import (
    ActionItem,
    ActionKind,
    ActionState,
    ClockState,
    Escalation,
    Notification,
    SlaClock,
    Webhook,
)


class ActionItemFilterSet(django_filters.FilterSet):
    state = django_filters.MultipleChoiceFilter(choices=ActionState.choices)
    kind = django_filters.MultipleChoiceFilter(choices=ActionKind.choices)
    # Choices scoped like the results: a person or unit outside the caller's
    # tree is "not a valid choice", exactly like one that does not exist.
    owner = ChoiceIdFilter(queryset=visible_people, label="Items owned by this person")
    unit = ChoiceIdFilter(queryset=visible_units, label="Items of this unit only")
    within = ChoiceIdFilter(
        queryset=visible_units,
        method="filter_within",
        label="Items of this unit and of every unit below it",
    )
    meeting = IdFilter(field_name="meeting", label="Items decided in this meeting")
    customer = IdFilter(field_name="customer", label="Items about this customer")
    due_after = django_filters.DateFilter(
        field_name="due_at",
        lookup_expr="date__gte",
        label="Due on or after this date (organisation's time zone)",
    )
    due_before = django_filters.DateFilter(
        field_name="due_at",
        lookup_expr="date__lte",
        label="Due on or before this date (organisation's time zone)",
    )

    class Meta:
        model = ActionItem
        fields = ["state", "kind", "owner", "unit", "meeting", "customer"]

    def filter_within(self, queryset, name, unit):
        return queryset.filter(unit__path__startswith=unit.path)


class SlaClockFilterSet(django_filters.FilterSet):
    state = django_filters.MultipleChoiceFilter(choices=ClockState.choices)
    action_item = IdFilter(field_name="action_item", label="Clocks of this action item")
    policy = django_filters.CharFilter(field_name="policy__key", label="Policy key")
    deadline_before = django_filters.IsoDateTimeFilter(
        field_name="deadline", lookup_expr="lte", label="Deadline at or before this moment"
    )

    class Meta:
        model = SlaClock
        fields = ["state", "action_item"]


class EscalationFilterSet(django_filters.FilterSet):
    action_item = IdFilter(field_name="clock__action_item", label="Escalations of this item")
    to_person = ChoiceIdFilter(
        queryset=visible_people, label="Escalations that reached this person"
    )
    level = django_filters.NumberFilter()
    open = django_filters.BooleanFilter(
        method="filter_open", label="Only those whose action item is still open (or not)"
    )

    class Meta:
        model = Escalation
        fields = ["level"]

    def filter_open(self, queryset, name, value):
        lookup = {"clock__action_item__state": ActionState.OPEN}
        return queryset.filter(**lookup) if value else queryset.exclude(**lookup)


class NotificationFilterSet(django_filters.FilterSet):
    unread = django_filters.BooleanFilter(
        field_name="read_at", lookup_expr="isnull", label="Only unread ones (or only read ones)"
    )
    kind = django_filters.CharFilter(label="e.g. `warning`, `breach`, `escalation`")

    class Meta:
        model = Notification
        fields = ["kind"]


class WebhookFilterSet(django_filters.FilterSet):
    unit = ChoiceIdFilter(queryset=visible_units, label="Webhooks of this unit only")
    format = django_filters.MultipleChoiceFilter(choices=Webhook.Format.choices)

    class Meta:
        model = Webhook
        fields = ["unit", "format", "is_active"]
