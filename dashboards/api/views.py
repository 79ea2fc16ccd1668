"""The dashboards as JSON for BI tools and mini-programs: the same figures
as the pages, from the same ``dashboards.queries``, scoped by the
visibility rule. A unit outside the caller's tree answers 404."""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from org.models import Unit

from .. import queries
from . import serializers as s

NOT_FOUND = OpenApiResponse(description="The unit is not in the caller's part of the organisation.")


def requested_unit(request) -> Unit:
    query = s.DashboardQuerySerializer(data=request.query_params)
    query.is_valid(raise_exception=True)
    return queries.visible_unit(request.user, query.validated_data.get("unit"))


class ExecutiveDashboardView(APIView):
    """The escalation dashboard of a unit's tree: headline figures (clocks
    running, at risk and breached, escalations by level, open customer
    issues and the oldest one's age, units behind plan, reviews), the units
    right below it with their open breaches and worst gap to plan, eight
    weeks of trends and the loss chain from strategy to actuals with the
    counts behind each rate. The breaches themselves: `breaches/`."""

    @extend_schema(
        parameters=[s.DashboardQuerySerializer],
        responses={200: s.ExecutiveSerializer, 404: NOT_FOUND},
    )
    def get(self, request):
        unit = requested_unit(request)
        now = timezone.now()
        figures = queries.executive(request.user, unit, now)
        return Response(s.ExecutiveSerializer({**vars(figures), "generated_at": now}).data)


class BreachListView(ListAPIView):
    """Breached SLA clocks of open action items in a unit's tree, the item
    due first: the item, its owner and unit, the policy, the deadline, when
    it was breached and how far up it has been escalated."""

    serializer_class = s.BreachSerializer
    filter_backends = []

    def get_queryset(self):
        return queries.breaches(self.request.user, requested_unit(self.request))

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "now": timezone.now()}

    @extend_schema(
        parameters=[s.DashboardQuerySerializer],
        responses={200: s.BreachSerializer(many=True), 404: NOT_FOUND},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class ManagerWeekView(APIView):
    """This week for a unit (the manager's own by default): its meetings with
    brief completion, open action items with their clocks, the reps
    furthest behind pace, cadence health of its teams over the last four
    weeks, and the hours each person spent in meetings."""

    @extend_schema(
        parameters=[s.DashboardQuerySerializer],
        responses={200: s.ManagerWeekSerializer, 404: NOT_FOUND},
    )
    def get(self, request):
        week = queries.manager_week(request.user, requested_unit(request), timezone.localdate())
        return Response(s.ManagerWeekSerializer(week).data)


class RepDayView(APIView):
    """Today for the caller: their meetings, the briefs still to fill for the
    next two days with their deadlines, their open action items with the
    clocks counting down, and (for reps) their targets against pace."""

    @extend_schema(responses={200: s.RepDaySerializer})
    def get(self, request):
        return Response(
            s.RepDaySerializer(queries.rep_day(request.user, timezone.localdate())).data
        )
