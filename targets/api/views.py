"""The targets API as a CRM integration and the plan meeting use it:
periods, plans, targets (set and confirmed), actuals (recorded one by one,
upserted in bulk, imported from a file), the gap of a unit's tree and the
reviews the gap rule proposed. Every queryset is scoped by the visibility
rule; every write goes through ``services`` or ``importing``, like the pages."""

from __future__ import annotations

import contextlib

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db.models import Q
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from meetings.models import Meeting
from org.models import Unit
from org.visibility import scope_for
from salesmeet.api import VisibleModelMixin
from salesmeet.parsers import JSONParser

from .. import figures, importing, rule, services
from ..models import Actual, GapReview, Metric, Period, Plan, Source, Target
from . import serializers as s
from .filtersets import (
    ActualFilterSet,
    GapReviewFilterSet,
    PeriodFilterSet,
    PlanFilterSet,
    TargetFilterSet,
)

NOT_FOUND = OpenApiResponse(description="Not found in the caller's part of the organisation.")
FORBIDDEN = OpenApiResponse(description="The caller may see this but not do it.")
IMPORT_REFUSED = OpenApiResponse(
    s.ActualImportErrorsSerializer,
    description="Nothing was written: `errors` lists every bad row with its line and reason.",
)
IMPORT_DONE = OpenApiResponse(
    s.ActualImportResultSerializer, description="Every row was applied: how many rows did what."
)


@contextlib.contextmanager
def service_errors():
    """Service errors in HTTP terms: not allowed → 403, bad input → 400."""
    try:
        yield
    except DjangoPermissionDenied as error:
        raise exceptions.PermissionDenied(str(error)) from None
    except ValueError as error:
        raise exceptions.ValidationError({"detail": str(error)}) from None


class UnitScopedMixin:
    """For models without ``for_user``: rows of units in the caller's tree."""

    def get_queryset(self):
        return super().get_queryset().filter(scope_for(self.request.user).units("unit"))


# --- Periods and plans ---------------------------------------------------------------------


@extend_schema_view(retrieve=extend_schema(responses={200: s.PeriodSerializer, 404: NOT_FOUND}))
class PeriodViewSet(viewsets.ReadOnlyModelViewSet):
    """Months, quarters and half-years that targets are set for, latest
    first. `current/` gives the one containing today (or `date`), creating
    it on first use."""

    queryset = Period.objects.order_by("-starts_on", "kind", "pk")
    serializer_class = s.PeriodSerializer
    filterset_class = PeriodFilterSet
    search_fields = []
    ordering_fields = ["starts_on"]

    @extend_schema(parameters=[s.CurrentPeriodQuerySerializer], responses={200: s.PeriodSerializer})
    @action(detail=False, filter_backends=[], pagination_class=None)
    def current(self, request):
        query = s.CurrentPeriodQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        day = query.validated_data.get("date") or timezone.localdate()
        period = services.period_for(query.validated_data["kind"], day)
        return Response(self.get_serializer(period).data)


@extend_schema_view(
    retrieve=extend_schema(responses={200: s.PlanSerializer, 404: NOT_FOUND}),
    create=extend_schema(responses={201: s.PlanSerializer, 403: FORBIDDEN}),
)
class PlanViewSet(
    UnitScopedMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """What plan meetings decided for units in the caller's tree, besides
    the numbers: the prospecting methods, regions and resources, and who set
    and confirmed the plan. Plans of other units answer 404.

    `POST` saves the plan of a unit for a period — replacing the one saved
    before — as managers do for their tree, sales ops and executives
    anywhere (others: 403)."""

    queryset = Plan.objects.select_related("unit", "period", "set_by", "confirmed_by").order_by(
        "-period__starts_on", "unit__path", "pk"
    )
    serializer_class = s.PlanSerializer
    filterset_class = PlanFilterSet
    search_fields = ["methods", "regions", "resources"]
    ordering_fields = ["period__starts_on"]

    def create(self, request, *args, **kwargs):
        body = self.get_serializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        with service_errors():
            plan = services.save_plan(
                request.user,
                data["unit"],
                data["period"],
                methods=data["methods"],
                regions=data["regions"],
                resources=data["resources"],
                meeting=data.get("meeting"),
            )
        plan = self.get_queryset().get(pk=plan.pk)
        return Response(self.get_serializer(plan).data, status=status.HTTP_201_CREATED)


# --- Targets ------------------------------------------------------------------------------


@extend_schema_view(
    retrieve=extend_schema(responses={200: s.TargetSerializer, 404: NOT_FOUND}),
    create=extend_schema(responses={201: s.TargetSerializer, 403: FORBIDDEN}),
    update=extend_schema(
        request=s.TargetValueSerializer,
        responses={200: s.TargetSerializer, 403: FORBIDDEN, 404: NOT_FOUND},
    ),
    partial_update=extend_schema(
        request=s.TargetValueSerializer,
        responses={200: s.TargetSerializer, 403: FORBIDDEN, 404: NOT_FOUND},
    ),
)
class TargetViewSet(
    VisibleModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Targets of units in the caller's tree, and the caller's own: one per
    unit (`rep` empty) or rep, period and metric. Anything else answers 404.

    Managers set targets in their tree, sales ops and executives anywhere
    (others: 403). `POST` sets the target of a unit or rep for a period and
    metric — replacing the value if one is set, which clears its
    confirmation; `PUT`/`PATCH` change only the `value`. Another manager
    than the one who set it confirms it with `…/{id}/confirm/`. A unit
    without a target of its own counts the sum of its teams' and reps'
    (see `/api/gaps/`).
    """

    queryset = Target.objects.select_related(
        "period", "unit", "rep", "set_by", "confirmed_by"
    ).order_by("-period__starts_on", "unit__path", "rep_id", "metric", "pk")
    serializer_class = s.TargetSerializer
    filterset_class = TargetFilterSet
    search_fields = []
    ordering_fields = ["value", "period__starts_on"]

    def create(self, request, *args, **kwargs):
        body = self.get_serializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        with service_errors():
            target = services.set_target(
                request.user,
                data["period"],
                data["unit"],
                data["metric"],
                data["value"],
                rep=data.get("rep"),
            )
        target = self.get_queryset().get(pk=target.pk)
        return Response(self.get_serializer(target).data, status=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        target = self.get_object()
        body = s.TargetValueSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        with service_errors():
            services.set_target(
                request.user,
                target.period,
                target.unit,
                target.metric,
                body.validated_data["value"],
                rep=target.rep,
            )
        return Response(self.get_serializer(self.get_queryset().get(pk=target.pk)).data)

    @extend_schema(
        request=None, responses={200: s.TargetSerializer, 403: FORBIDDEN, 404: NOT_FOUND}
    )
    @action(detail=True, methods=["post"], filter_backends=[])
    def confirm(self, request, pk=None):
        """Confirm the target: a manager who may plan the unit, other than
        the one who set it (others: 403)."""
        target = self.get_object()
        with service_errors():
            services.confirm_target(request.user, target)
        return Response(self.get_serializer(self.get_queryset().get(pk=target.pk)).data)


# --- Actuals ------------------------------------------------------------------------------


@extend_schema_view(
    retrieve=extend_schema(responses={200: s.ActualSerializer, 404: NOT_FOUND}),
    create=extend_schema(responses={201: s.ActualSerializer, 403: FORBIDDEN}),
)
class ActualViewSet(
    VisibleModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Results of units in the caller's tree, and the caller's own, latest
    first. Anything else answers 404.

    `POST` records one result: managers, sales ops and executives for their
    tree, a rep only their own (others: 403). To sync from a CRM, send its
    results to `bulk-upsert/` (JSON) or `import/` (CSV or Excel): rows are
    matched on `external_id`, the whole batch is checked before anything is
    written, sending the same batch again changes nothing, and a changed
    value updates the result, its history recording who changed it. Every
    change re-runs the gap rule, which proposes a review meeting when a unit
    falls too far behind its paced target.
    """

    queryset = Actual.objects.select_related("unit", "rep").order_by("-date", "-pk")
    serializer_class = s.ActualSerializer
    filterset_class = ActualFilterSet
    search_fields = ["external_id"]
    ordering_fields = ["date", "value", "updated_at"]

    def create(self, request, *args, **kwargs):
        body = self.get_serializer(data=request.data)
        body.is_valid(raise_exception=True)
        with service_errors():
            actual = services.record_actual(request.user, source=Source.API, **body.validated_data)
        actual = self.get_queryset().get(pk=actual.pk)
        return Response(self.get_serializer(actual).data, status=status.HTTP_201_CREATED)

    @staticmethod
    def import_answer(run) -> Response:
        try:
            result = run()
        except importing.ImportFailed as failure:
            return import_refused([error.as_dict() for error in failure.errors])
        return Response(s.ActualImportResultSerializer(result).data)

    @extend_schema(
        request=s.ActualRowSerializer(many=True),
        responses={200: IMPORT_DONE, 400: IMPORT_REFUSED},
    )
    @action(
        detail=False,
        methods=["post"],
        url_path="bulk-upsert",
        parser_classes=[JSONParser],
        filter_backends=[],
    )
    def bulk_upsert(self, request):
        """Create or update results from a list of rows with the file's
        columns, matched on `external_id`. `external_id`, `date`
        (YYYY-MM-DD), `metric` (a key, or its English or Chinese label) and
        `value` must not be empty; `rep` (a username) or `unit` (an id or a
        name) says whose result it is, `unit` defaulting to the rep's.
        Numbers may be sent as JSON numbers.

        All or nothing: if any row is wrong, nothing is written and the
        answer (400) lists every wrong row, `line` being its position in the
        list from 1 (0: the body as a whole). Sending the same rows again
        reports them `unchanged`. Reps, units and existing results must lie
        in the caller's part of the organisation. At most 20,000 rows per
        call."""
        if not isinstance(request.data, list):
            return import_refused([{"line": 0, "message": _("The body must be a list of rows.")}])
        if len(request.data) > importing.MAX_ROWS:
            message = _("At most %(max)d rows per call.") % {"max": importing.MAX_ROWS}
            return import_refused([{"line": 0, "message": message}])
        rows = importing.rows_from_json(request.data)
        return self.import_answer(
            lambda: importing.import_actual_rows(rows, request.user, source=Source.API)
        )

    @extend_schema(
        request={"multipart/form-data": s.ActualFileSerializer},
        responses={200: IMPORT_DONE, 400: IMPORT_REFUSED},
    )
    @action(
        detail=False,
        methods=["post"],
        url_path="import",
        url_name="import",
        parser_classes=[MultiPartParser],
        filter_backends=[],
    )
    def import_file(self, request):
        """Create or update results from a CSV or Excel (.xlsx) export
        (field `file`), as `bulk-upsert/` does from JSON: the header names
        the columns, `line` in the errors is the file's line (the header is
        line 1), and a file with a wrong row writes nothing. Excel's GBK and
        UTF-8 with or without a BOM are read; date cells are read as dates."""
        body = s.ActualFileSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        upload = body.validated_data["file"]
        data = upload.read()
        return self.import_answer(
            lambda: importing.import_actuals_file(data, upload.name, request.user)
        )


def import_refused(errors: list[dict]) -> Response:
    return Response(
        {
            "detail": _("Nothing was imported: fix these rows and send them again."),
            "errors": sorted(errors, key=lambda error: error["line"]),
        },
        status=status.HTTP_400_BAD_REQUEST,
    )


# --- Gaps ---------------------------------------------------------------------------------


def row_data(row: figures.Row) -> dict:
    return {
        "unit": row.unit.pk,
        "unit_name": row.unit.name,
        "rep": row.rep.pk if row.rep else None,
        "rep_name": row.rep.display_name if row.rep else None,
        "figures": [
            {
                "metric": metric.value,
                "label": metric.label,
                "target": figure.target,
                "expected": figure.expected,
                "actual": figure.actual,
                "gap": figure.gap,
                "behind": rule.is_behind(figure),
            }
            for metric in Metric
            for figure in [row.figures[metric.value]]
        ],
        "children": [row_data(child) for child in row.children],
    }


class GapView(APIView):
    """Plan against actual for a unit in the caller's tree and everything
    below it, for a period, as of a day: per metric the target (the unit's
    own, or the sum of its teams' and reps'), the target paced to date over
    the period's working days (`expected`), the actual to date and the gap
    (1 - actual / expected; empty while nothing is expected). `children`
    holds the units right below, then the unit's reps, each with their own
    `children`. A unit outside the caller's tree answers 404."""

    @extend_schema(
        parameters=[s.GapQuerySerializer], responses={200: s.GapReportSerializer, 404: NOT_FOUND}
    )
    def get(self, request):
        query = s.GapQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        units = Unit.objects.for_user(request.user)
        if "unit" in data:
            unit = get_object_or_404(units, pk=data["unit"])
        else:
            unit = get_object_or_404(units, pk=request.user.unit_id)
        today = data.get("date") or timezone.localdate()
        if "period" in data:
            period = get_object_or_404(Period.objects.all(), pk=data["period"])
        else:
            period = services.period_for("quarter", today)
        report = figures.build(unit, period, today)
        answer = {
            "period": period,
            "date": today,
            "elapsed": report.elapsed,
            "threshold": rule.threshold(),
            "min_elapsed": rule.min_elapsed(),
            "root": row_data(report.root),
        }
        return Response(s.GapReportSerializer(answer).data)


# --- Gap reviews --------------------------------------------------------------------------


@extend_schema_view(retrieve=extend_schema(responses={200: s.GapReviewSerializer, 404: NOT_FOUND}))
class GapReviewViewSet(viewsets.ReadOnlyModelViewSet):
    """The review meetings (复盘会) the gap rule proposed: one per unit and
    period, listing every metric that fell behind with the figures it fell
    behind with. The caller sees the reviews of units in their tree and of
    meetings they may see (invited, or chairing); others answer 404. The
    meeting's chair confirms its time on the meeting
    (`/api/meetings/{id}/`)."""

    queryset = GapReview.objects.select_related("unit", "period", "meeting").order_by(
        "-created_at", "-pk"
    )
    serializer_class = s.GapReviewSerializer
    filterset_class = GapReviewFilterSet
    search_fields = []
    ordering_fields = ["created_at"]

    def get_queryset(self):
        user = self.request.user
        meetings = Meeting.objects.for_user(user).values("pk")
        return (
            super().get_queryset().filter(scope_for(user).units("unit") | Q(meeting__in=meetings))
        )
