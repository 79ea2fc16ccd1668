"""Filters of the agendas API. Every related choice is scoped like the
results: a meeting, person or unit outside the caller's tree is "not a valid
choice", exactly like one that does not exist, and the browsable API's filter
forms list no one else's."""

import django_filters

from meetings.api.filtersets import ChoiceIdFilter
from meetings.models import Meeting
from org.api.filtersets import visible_people, visible_units

from ..models import (
    AgendaItem,
    Conclusion,
    Decision,
    FocusRep,
    MonthlyPlan,
    QuarterlySubmission,
    RepFeedback,
    StrategyRequirement,
)


def visible_meetings(request):
    return Meeting.objects.for_user(request.user if request else None)


class RecordFilterSet(django_filters.FilterSet):
    meeting = ChoiceIdFilter(queryset=visible_meetings, label="Records of this meeting")


class AgendaItemFilterSet(RecordFilterSet):
    class Meta:
        model = AgendaItem
        fields = ["meeting", "status"]


class DecisionFilterSet(RecordFilterSet):
    owner = ChoiceIdFilter(queryset=visible_people, label="Decisions this person owns")

    class Meta:
        model = Decision
        fields = ["meeting", "owner"]


class ConclusionFilterSet(RecordFilterSet):
    class Meta:
        model = Conclusion
        fields = ["meeting"]


class StrategyRequirementFilterSet(RecordFilterSet):
    class Meta:
        model = StrategyRequirement
        fields = ["meeting"]


class RepFeedbackFilterSet(RecordFilterSet):
    class Meta:
        model = RepFeedback
        fields = ["meeting"]


class FocusRepFilterSet(RecordFilterSet):
    class Meta:
        model = FocusRep
        fields = ["meeting"]


class MonthlyPlanFilterSet(RecordFilterSet):
    rep = ChoiceIdFilter(queryset=visible_people, label="This rep's plans")

    class Meta:
        model = MonthlyPlan
        fields = ["meeting", "rep"]


class QuarterlySubmissionFilterSet(RecordFilterSet):
    unit = ChoiceIdFilter(queryset=visible_units, label="Submissions from this unit")

    class Meta:
        model = QuarterlySubmission
        fields = ["meeting", "theme", "unit"]
