"""The dashboards' figures as JSON: read-only, built from ``dashboards.queries``
exactly as the pages are."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from actions.api.serializers import ClockSummarySerializer
from actions.models import ActionItem, SlaClock
from meetings.models import Meeting
from org.models import Unit
from targets.models import Metric


class DashboardQuerySerializer(serializers.Serializer):
    unit = serializers.IntegerField(
        required=False,
        help_text=_(
            "A unit in the caller's tree (its whole subtree is counted); empty: the caller's "
            "unit. Any other unit answers 404."
        ),
    )


# Kinds, statuses and metrics are plain strings here: their choice sets are
# named once, by the apps' own APIs (`/api/units/`, `/api/meetings/`, …).
def kind_field(values: str, **kwargs) -> serializers.CharField:
    return serializers.CharField(help_text=values, **kwargs)


METRIC = "`signed`, `pipeline`, `prospected` or `revenue`."


class UnitRefSerializer(serializers.ModelSerializer):
    kind = kind_field("`company`, `region`, `business_line`, `team` or `department`.")

    class Meta:
        model = Unit
        fields = ["id", "name", "kind"]
        read_only_fields = fields


def gap_field(**kwargs) -> serializers.DecimalField:
    return serializers.DecimalField(
        max_digits=8,
        decimal_places=4,
        allow_null=True,
        help_text=_("1 - actual / expected to date; empty while nothing is expected."),
        **kwargs,
    )


def rate_field(**kwargs) -> serializers.FloatField:
    return serializers.FloatField(allow_null=True, **kwargs)


# --- Executive --------------------------------------------------------------------------------


class LevelCountSerializer(serializers.Serializer):
    level = serializers.IntegerField(help_text=_("1 = the owner's manager, 2 = one above…"))
    count = serializers.IntegerField()


class HeadlineSerializer(serializers.Serializer):
    running = serializers.IntegerField(help_text=_("SLA clocks running."))
    at_risk = serializers.IntegerField(
        help_text=_("Running clocks with a warning sent or due: the deadline is near.")
    )
    breached_open = serializers.IntegerField(
        help_text=_("Breached clocks whose action item is still open.")
    )
    escalations_by_level = serializers.SerializerMethodField(
        help_text=_("Escalations of items still open, per level of the org tree.")
    )
    open_issues = serializers.IntegerField(help_text=_("Customer issues not resolved yet."))
    oldest_issue_age_hours = serializers.SerializerMethodField(
        help_text=_("How long the oldest open customer issue has been open; empty: none open.")
    )
    units_behind_plan = serializers.IntegerField(
        help_text=_("Units with a review proposed by the gap rule in a current period.")
    )
    reviews_proposed = serializers.IntegerField(
        help_text=_("Review meetings proposed, scheduled or in progress.")
    )
    reviews_held = serializers.IntegerField(help_text=_("Review meetings concluded."))

    @extend_schema_field(LevelCountSerializer(many=True))
    def get_escalations_by_level(self, headline) -> list[dict]:
        return [{"level": level, "count": n} for level, n in headline.escalations_by_level.items()]

    def get_oldest_issue_age_hours(self, headline) -> float | None:
        age = headline.oldest_issue_age
        return None if age is None else round(age.total_seconds() / 3600, 1)


class HeatCellSerializer(serializers.Serializer):
    unit = serializers.IntegerField(source="unit.pk")
    unit_name = serializers.CharField(source="unit.name")
    unit_kind = kind_field("See `unit.kind`.", source="unit.kind")
    breaches = serializers.IntegerField(help_text=_("Open breaches in the unit's subtree."))
    worst_gap = gap_field()
    worst_metric = kind_field(f"The metric of the worst gap: {METRIC}", allow_null=True)


class WeekSerializer(serializers.Serializer):
    starts = serializers.DateField(help_text=_("The week's Monday."))
    breaches = serializers.IntegerField(help_text=_("Clocks breached that week."))
    finished = serializers.IntegerField(help_text=_("Clocks due that week, met or breached."))
    met = serializers.IntegerField(help_text=_("Of those, the ones met."))
    on_time_rate = rate_field(help_text=_("met / finished; empty when none was due."))
    briefs_expected = serializers.IntegerField()
    briefs_submitted = serializers.IntegerField()
    brief_rate = rate_field(help_text=_("briefs_submitted / briefs_expected."))


class LossStepSerializer(serializers.Serializer):
    key = serializers.CharField(
        help_text="`strategy`, `plan`, `cadence`, `briefs`, `actions` or `actuals`."
    )
    label = serializers.CharField()
    done = serializers.IntegerField()
    total = serializers.IntegerField()
    rate = rate_field(help_text=_("done / total; empty when total is 0."))


class ExecutiveSerializer(serializers.Serializer):
    unit = UnitRefSerializer()
    lineage = UnitRefSerializer(
        many=True, help_text=_("The units above it the caller may see, top first, and it.")
    )
    generated_at = serializers.DateTimeField()
    headline = HeadlineSerializer()
    heat_map = HeatCellSerializer(
        source="heat", many=True, help_text=_("The units right below it.")
    )
    trends = WeekSerializer(source="weeks", many=True, help_text=_("Oldest week first."))
    loss_chain = LossStepSerializer(
        source="loss",
        many=True,
        help_text=_("From strategy to actuals, this quarter so far: where the chain leaks."),
    )


class BreachSerializer(serializers.ModelSerializer):
    clock = serializers.IntegerField(source="pk")
    action_item = serializers.IntegerField(source="action_item_id")
    title = serializers.CharField(source="action_item.title")
    owner = serializers.IntegerField(source="action_item.owner_id")
    owner_name = serializers.CharField(source="action_item.owner.display_name")
    unit = serializers.IntegerField(source="action_item.unit_id")
    unit_name = serializers.CharField(source="action_item.unit.name")
    policy = serializers.CharField(source="policy.key")
    policy_name = serializers.CharField(source="policy.name")
    age_hours = serializers.SerializerMethodField(help_text=_("Hours since the breach."))

    class Meta:
        model = SlaClock
        fields = [
            "clock",
            "action_item",
            "title",
            "owner",
            "owner_name",
            "unit",
            "unit_name",
            "policy",
            "policy_name",
            "deadline",
            "breached_at",
            "level",
            "age_hours",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "level": {"help_text": _("How far up the org tree the breach has been escalated.")}
        }

    def get_age_hours(self, clock) -> float:
        return round((self.context["now"] - clock.breached_at).total_seconds() / 3600, 1)


# --- Manager's week ---------------------------------------------------------------------------


class MeetingSummarySerializer(serializers.ModelSerializer):
    status = kind_field(
        "`proposed`, `draft`, `scheduled`, `in_progress`, `concluded` or `cancelled`."
    )
    unit_name = serializers.CharField(source="unit.name")

    class Meta:
        model = Meeting
        fields = ["id", "title", "kind", "status", "starts_at", "ends_at", "unit", "unit_name"]
        read_only_fields = fields


class MeetingBriefsSerializer(serializers.Serializer):
    meeting = MeetingSummarySerializer()
    briefs_expected = serializers.IntegerField(source="briefs.expected")
    briefs_submitted = serializers.IntegerField(source="briefs.submitted")
    briefs_late = serializers.IntegerField(source="briefs.late")
    briefs_missing = serializers.IntegerField(source="briefs.missing")


class ItemSummarySerializer(serializers.ModelSerializer):
    kind = kind_field("An action item kind, as in `/api/action-items/`.")
    owner_name = serializers.CharField(source="owner.display_name")
    unit_name = serializers.CharField(source="unit.name")
    clocks = ClockSummarySerializer(many=True)

    class Meta:
        model = ActionItem
        fields = [
            "id",
            "title",
            "kind",
            "owner",
            "owner_name",
            "unit",
            "unit_name",
            "due_at",
            "clocks",
        ]
        read_only_fields = fields


class NeedsHelpSerializer(serializers.Serializer):
    rep = serializers.IntegerField(source="rep.pk")
    rep_name = serializers.CharField(source="name")
    unit = serializers.IntegerField(source="unit.pk")
    unit_name = serializers.CharField(source="unit.name")
    worst_gap = gap_field()
    worst_metric = kind_field(METRIC)


class CadenceRowSerializer(serializers.Serializer):
    kind = serializers.CharField(help_text=_("The meeting kind."))
    label = serializers.CharField(source="rule.label")
    expected = serializers.IntegerField(help_text=_("Cadence periods ended in the span."))
    held = serializers.IntegerField(help_text=_("Of those, periods with a concluded meeting."))
    missing = serializers.IntegerField()


class TeamCadenceSerializer(serializers.Serializer):
    unit = serializers.IntegerField(source="unit.pk")
    unit_name = serializers.CharField(source="unit.name")
    rows = CadenceRowSerializer(many=True)


class PersonLoadSerializer(serializers.Serializer):
    person = serializers.IntegerField(source="person.pk")
    person_name = serializers.CharField(source="person.display_name")
    hours = serializers.FloatField(help_text=_("Hours in meetings this week (one decimal)."))


class ManagerWeekSerializer(serializers.Serializer):
    unit = UnitRefSerializer()
    week_starts = serializers.DateField(source="starts", help_text=_("This week's Monday."))
    meetings = MeetingBriefsSerializer(many=True, help_text=_("This week's, not cancelled."))
    action_items = ItemSummarySerializer(
        source="items", many=True, help_text=_("Open items, soonest due first (at most 30).")
    )
    reps_needing_help = NeedsHelpSerializer(
        source="behind",
        many=True,
        help_text=_("Reps furthest behind pace this quarter (at most 10)."),
    )
    cadence = TeamCadenceSerializer(
        many=True, help_text=_("Cadence health of each team, the last four weeks.")
    )
    meeting_load = PersonLoadSerializer(
        source="load",
        many=True,
        help_text=_("Everyone in the unit's tree, most hours in meetings first."),
    )


# --- Rep's day --------------------------------------------------------------------------------


class BriefToFillSerializer(serializers.Serializer):
    meeting = serializers.IntegerField(source="meeting.pk")
    meeting_title = serializers.CharField(source="meeting.title")
    meeting_starts_at = serializers.DateTimeField(source="meeting.starts_at")
    customer = serializers.IntegerField(source="customer.pk")
    customer_name = serializers.CharField(source="customer.name")
    status = kind_field("`missing` (not started) or `draft` (not handed in).")
    deadline = serializers.DateTimeField()


class TargetFigureSerializer(serializers.Serializer):
    metric = serializers.ChoiceField(choices=Metric.choices)
    target = serializers.DecimalField(max_digits=20, decimal_places=2)
    expected = serializers.DecimalField(
        max_digits=20, decimal_places=4, help_text=_("The target paced to date.")
    )
    actual = serializers.DecimalField(max_digits=20, decimal_places=2)
    gap = gap_field()


class RepDaySerializer(serializers.Serializer):
    date = serializers.DateField(source="day")
    meetings = MeetingSummarySerializer(many=True, help_text=_("Today's meetings."))
    briefs_to_fill = BriefToFillSerializer(
        many=True, help_text=_("Briefs missing or in draft for the next two days' meetings.")
    )
    action_items = ItemSummarySerializer(
        source="items", many=True, help_text=_("The caller's open items (at most 20).")
    )
    targets = serializers.SerializerMethodField(
        help_text=_("The caller's targets this quarter against pace (reps only).")
    )

    @extend_schema_field(TargetFigureSerializer(many=True))
    def get_targets(self, day) -> list[dict]:
        rows = [
            {"metric": metric, **vars(figure), "gap": figure.gap}
            for metric, figure in (day.figures or {}).items()
            if figure.target
        ]
        return TargetFigureSerializer(rows, many=True).data
