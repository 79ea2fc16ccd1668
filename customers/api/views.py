"""The customers API as a CRM integration uses it: the pipeline, customers
(with CSV import and bulk upsert by CRM id), pre-meeting briefs, visit plans
and brief completion. Every queryset is scoped by the visibility rule; every
write goes through ``services`` or ``importing``, like the pages."""

from __future__ import annotations

import contextlib
import datetime as dt
from decimal import Decimal

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.forms.models import model_to_dict
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from meetings.models import Meeting
from org.choices import Role
from org.models import Unit
from org.visibility import scope_for
from salesmeet.api import VisibleModelMixin, VisibleReadOnlyViewSet
from salesmeet.parsers import JSONParser

from .. import importing, services
from ..models import Brief, Customer, PipelineStage, VisitPlan
from . import serializers as s
from .filtersets import BriefFilterSet, CustomerFilterSet, VisitPlanFilterSet

NOT_FOUND = OpenApiResponse(description="Not found in the caller's part of the organisation.")
FORBIDDEN = OpenApiResponse(description="The caller may see this but not do it.")
IMPORT_REFUSED = OpenApiResponse(
    s.ImportErrorsSerializer,
    description="Nothing was written: `errors` lists every bad row with its line and reason.",
)
IMPORT_DONE = OpenApiResponse(
    s.ImportResultSerializer, description="Every row was applied: how many rows did what."
)


@contextlib.contextmanager
def service_errors():
    """Service errors in HTTP terms: locked or not allowed → 403, bad input → 400."""
    try:
        yield
    except DjangoPermissionDenied as error:  # BriefsLocked included
        raise exceptions.PermissionDenied(str(error)) from None
    except ValueError as error:
        raise exceptions.ValidationError({"detail": str(error)}) from None


# --- Versions ---------------------------------------------------------------------------------

ACTIONS = {"+": "created", "~": "changed", "-": "deleted"}


def as_json(value):
    """A stored value as the API writes it: amounts as strings, times in
    the organisation's time zone."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.datetime):
        return serializers.DateTimeField().to_representation(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


class VersionsMixin:
    """``GET …/{id}/history/``: the object's versions, newest first, each
    with who saved it and what changed since the version before."""

    def history_response(self, instance):
        records = instance.history.select_related("history_user").order_by("-history_id")
        page = list(self.paginate_queryset(records))
        before = None
        if page and page[-1].history_type != "+":
            before = records.filter(history_id__lt=page[-1].history_id).first()
        stage_keys = None
        rows = []
        # An object saved without history (bulk-created) has no versions at all.
        previous_records = [*page[1:], before] if page else []
        for record, previous in zip(page, previous_records, strict=True):
            changes = self.changes(record, previous)
            if stage_keys is None and any(field == "stage" for field, _old, _new in changes):
                stage_keys = dict(PipelineStage.objects.values_list("pk", "key"))
            rows.append(
                {
                    "id": record.history_id,
                    "at": record.history_date,
                    "action": ACTIONS[record.history_type],
                    "by": record.history_user_id,
                    "by_name": record.history_user.display_name if record.history_user else None,
                    "changes": [
                        {
                            "field": field,
                            "old": as_json(stage_keys.get(old) if field == "stage" else old),
                            "new": as_json(stage_keys.get(new) if field == "stage" else new),
                        }
                        for field, old, new in changes
                    ],
                }
            )
        return self.get_paginated_response(s.HistoryRecordSerializer(rows, many=True).data)

    @staticmethod
    def changes(record, previous) -> list[tuple[str, object, object]]:
        if previous is not None and record.history_type != "+":
            return [(c.field, c.old, c.new) for c in record.diff_against(previous).changes]
        pk_name = record.instance_type._meta.pk.name
        fields = [f.name for f in record.tracked_fields if f.editable and f.name != pk_name]
        values = model_to_dict(record, fields=fields)
        return [
            (name, None, values[name]) for name in sorted(fields) if values[name] not in ("", None)
        ]


# --- Pipeline stages and customers -----------------------------------------------------------


class PipelineStageViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """The organisation's sales pipeline, in order. Customers and briefs name
    a stage by its `key`; `is_won` and `is_lost` mark the stages that end
    the pipeline (customers there are not active)."""

    queryset = PipelineStage.objects.order_by("position", "pk")
    serializer_class = s.PipelineStageSerializer
    pagination_class = None
    filter_backends = []


class CustomerEditors(permissions.BasePermission):
    """Managers, sales ops and superusers keep the customer records;
    everyone reads the customers they may see."""

    message = _("Only managers and sales ops change customer records.")

    def has_permission(self, request, view):
        if request.method in permissions.SAFE_METHODS:
            return True
        user = request.user
        return user.is_superuser or user.is_manager or user.role == Role.SALES_OPS


def rows_from_json(items: list) -> tuple[list[dict], dict[int, str]]:
    """The body of a bulk upsert as the importer's rows, each with its
    position from 1 as its line, and the rows too malformed to read. A
    malformed row goes to the importer empty, which refuses it (so nothing
    is written) while the other rows are still checked."""
    rows, malformed = [], {}
    for line, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            malformed[line] = _("A row must be an object.")
            rows.append({"_line": line})
            continue
        row, wrong = {"_line": line}, []
        for column in importing.COLUMNS:
            value = item.get(column)
            if value is None:
                value = ""
            if isinstance(value, bool) or not isinstance(value, str | int | float):
                wrong.append(column)
            row[column] = str(value).strip()
        if wrong:
            malformed[line] = _("not text or a number: %(columns)s") % {"columns": ", ".join(wrong)}
            row = {"_line": line}
        rows.append(row)
    return rows, malformed


@extend_schema_view(
    retrieve=extend_schema(responses={200: s.CustomerSerializer, 404: NOT_FOUND}),
    create=extend_schema(responses={201: s.CustomerSerializer, 403: FORBIDDEN}),
    update=extend_schema(responses={200: s.CustomerSerializer, 403: FORBIDDEN, 404: NOT_FOUND}),
    partial_update=extend_schema(
        responses={200: s.CustomerSerializer, 403: FORBIDDEN, 404: NOT_FOUND}
    ),
)
class CustomerViewSet(
    VisibleModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    VersionsMixin,
    viewsets.GenericViewSet,
):
    """Customers the caller may see: those of units in their part of the
    org tree, and those they own. Anything else answers 404.

    Everyone reads; managers, sales ops and superusers create and change
    customers (others: 403). The owner must be someone in the caller's
    tree and the unit a unit in it: any other id is "not a valid choice".
    The stage is named by its key (see `/api/pipeline-stages/`). Every
    change is kept: `…/{id}/history/` tells who changed what, when.

    To sync from a CRM, send its export to `bulk-upsert/` (JSON) or
    `import/` (CSV): rows are matched on `external_id`, the whole batch is
    checked before anything is written, and sending the same batch again
    changes nothing.
    """

    queryset = Customer.objects.select_related("owner", "unit", "stage").order_by("name", "pk")
    serializer_class = s.CustomerSerializer
    filterset_class = CustomerFilterSet
    permission_classes = [permissions.IsAuthenticated, CustomerEditors]
    search_fields = ["name", "external_id"]
    ordering_fields = ["name", "expected_value", "last_contact", "updated_at"]

    @staticmethod
    def import_answer(run, malformed: dict[int, str] | None = None) -> Response:
        try:
            result = run()
        except importing.ImportFailed as failure:
            messages = {error.line: error.message for error in failure.errors}
            messages.update(malformed or {})
            return import_refused(messages)
        return Response(s.ImportResultSerializer(result).data)

    @extend_schema(
        request=s.CustomerRowSerializer(many=True),
        responses={200: IMPORT_DONE, 400: IMPORT_REFUSED, 403: FORBIDDEN},
    )
    @action(detail=False, methods=["post"], url_path="bulk-upsert", filter_backends=[])
    def bulk_upsert(self, request):
        """Create or update customers from a list of rows with the CSV's
        columns, matched on `external_id`. `external_id`, `name`, `owner`
        (a username) and `stage` (a stage's key or name) must not be empty;
        `unit` (an id or a name) defaults to the owner's unit. Numbers may
        be sent as JSON numbers.

        All or nothing: if any row is wrong, nothing is written and the
        answer (400) lists every wrong row, `line` being its position in the
        list from 1 (0: the body as a whole). Sending the same rows again
        reports them `unchanged`. Owners, units and existing customers must
        lie in the caller's part of the organisation. At most 20,000 rows
        per call."""
        if not isinstance(request.data, list):
            return import_refused({0: _("The body must be a list of rows.")})
        if len(request.data) > importing.MAX_ROWS:
            return import_refused(
                {0: _("At most %(max)d rows per call.") % {"max": importing.MAX_ROWS}}
            )
        rows, malformed = rows_from_json(request.data)
        return self.import_answer(lambda: importing.import_rows(rows, request.user), malformed)

    @extend_schema(
        request={"multipart/form-data": s.CustomerFileSerializer},
        responses={200: IMPORT_DONE, 400: IMPORT_REFUSED, 403: FORBIDDEN},
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
        """Create or update customers from a CSV export (field `file`), as
        `bulk-upsert/` does from JSON: the header names the columns, `line`
        in the errors is the file's line (the header is line 1), and a file
        with a wrong row writes nothing. Excel's GBK and UTF-8 with or
        without a BOM are read."""
        body = s.CustomerFileSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data["file"].read()
        return self.import_answer(lambda: importing.import_csv(data, request.user))

    @extend_schema(responses={200: s.HistoryRecordSerializer(many=True), 404: NOT_FOUND})
    @action(detail=True, filter_backends=[])
    def history(self, request, pk=None):
        """The customer's versions, newest first: who saved each, when, and
        which fields changed from what to what."""
        return self.history_response(self.get_object())

    @extend_schema(
        request=s.ConfirmStageSerializer,
        responses={200: s.CustomerSerializer, 403: FORBIDDEN, 404: NOT_FOUND},
    )
    @action(
        detail=True,
        methods=["post"],
        url_path="confirm-stage",
        permission_classes=[permissions.IsAuthenticated],
        filter_backends=[],
    )
    def confirm_stage(self, request, pk=None):
        """The weekly meeting confirms the customer's signing stage: a
        manager of the customer's unit sets it (others: 403), and the
        customer's history records who did."""
        customer = self.get_object()
        body = s.ConfirmStageSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        with service_errors():
            customer = services.confirm_stage(customer, request.user, body.validated_data["stage"])
        return Response(self.get_serializer(customer).data)


def import_refused(messages: dict[int, str]) -> Response:
    return Response(
        {
            "detail": _("Nothing was imported: fix these rows and send them again."),
            "errors": [{"line": line, "message": messages[line]} for line in sorted(messages)],
        },
        status=status.HTTP_400_BAD_REQUEST,
    )


# --- Briefs ------------------------------------------------------------------------------------


@extend_schema_view(retrieve=extend_schema(responses={200: s.BriefSerializer, 404: NOT_FOUND}))
class BriefViewSet(VersionsMixin, VisibleReadOnlyViewSet):
    """Pre-meeting customer briefs: what a rep brings to a daily or weekly
    meeting about one customer — the customer's needs, blockers, problems
    to solve, help wanted, stage and next step, and whether the rep asks the
    team lead to accompany the visit (陪访).

    A rep sees and writes their own briefs; a manager sees those of the reps
    in their tree; nobody else sees them (404). There is one brief per
    meeting, customer and rep: `prefill/` shows it (pre-filled from the
    customer record and the rep's last brief on the customer when it does
    not exist yet), `draft/` saves it and `submit/` hands it in. A brief
    submitted after its `deadline` (the meeting's start, less the configured
    lead time) is marked `is_late`. The team lead records the accompany
    decision with `…/{id}/decide/`. When the meeting is concluded or
    cancelled its briefs are locked (403). Every version is kept
    (`…/{id}/history/`).
    """

    queryset = Brief.objects.select_related(
        "meeting", "customer", "rep", "stage", "decided_by"
    ).order_by("-meeting__starts_at", "customer__name", "pk")
    serializer_class = s.BriefSerializer
    filterset_class = BriefFilterSet
    search_fields = ["customer__name", "needs", "blockers"]
    ordering_fields = ["submitted_at", "updated_at", "meeting__starts_at"]

    def get_object(self):
        # OPTIONS on `draft/` (a PUT without an id) asks for the object too.
        if self.lookup_field not in self.kwargs:
            raise Http404
        return super().get_object()

    @extend_schema(
        parameters=[s.BriefQuerySerializer],
        responses={200: s.BriefSerializer, 404: NOT_FOUND},
    )
    @action(detail=False, filter_backends=[], pagination_class=None)
    def prefill(self, request):
        """The caller's brief on `customer` for `meeting`: the stored one, or
        a new one (`id` empty) pre-filled with the customer's current stage
        and the needs, blockers, problems, help wanted and next step of the
        caller's last submitted brief on the customer. Nothing is saved."""
        query = s.BriefQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        meeting = get_object_or_404(
            Meeting.objects.for_user(request.user), pk=query.validated_data["meeting"]
        )
        customer = get_object_or_404(
            Customer.objects.for_user(request.user).select_related("stage"),
            pk=query.validated_data["customer"],
        )
        if meeting.kind not in services.BRIEF_KINDS:
            raise exceptions.ValidationError(
                {"meeting": [_("Only daily and weekly meetings take customer briefs.")]}
            )
        brief = services.brief_for(meeting, customer, request.user)
        return Response(self.get_serializer(brief).data)

    def save_brief(self, request, *, submit: bool) -> Response:
        body = s.BriefBodySerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        with service_errors():
            brief = services.save_brief(
                body.validated_data["meeting"],
                body.validated_data["customer"],
                request.user,
                body.brief_data(),
                submit=submit,
            )
        return Response(self.get_serializer(brief).data)

    @extend_schema(
        request=s.BriefBodySerializer,
        responses={200: s.BriefSerializer, 403: FORBIDDEN},
    )
    @action(
        detail=False,
        methods=["put"],
        parser_classes=[JSONParser],
        filter_backends=[],
        pagination_class=None,
    )
    def draft(self, request):
        """Save the caller's brief without handing it in (autosave). Fields
        left out keep their value; a submitted brief stays submitted. 403
        when the caller is not invited to the meeting or the meeting is
        concluded or cancelled."""
        return self.save_brief(request, submit=False)

    @extend_schema(
        request=s.BriefBodySerializer,
        responses={200: s.BriefSerializer, 403: FORBIDDEN},
    )
    @action(
        detail=False,
        methods=["post"],
        parser_classes=[JSONParser],
        filter_backends=[],
        pagination_class=None,
    )
    def submit(self, request):
        """Save and hand in the caller's brief. After the deadline it is
        marked late; submitting again saves the changes and keeps the first
        submission time."""
        return self.save_brief(request, submit=True)

    @extend_schema(
        request=s.AccompanyDecisionSerializer,
        responses={200: s.BriefSerializer, 403: FORBIDDEN, 404: NOT_FOUND},
    )
    @action(detail=True, methods=["post"], filter_backends=[])
    def decide(self, request, pk=None):
        """The team lead's decision on the brief in the meeting: accompany
        the visit or not, with advice. Only those who manage the meeting
        decide (others: 403); deciding again replaces the decision."""
        brief = self.get_object()
        body = s.AccompanyDecisionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        with service_errors():
            brief = services.decide(brief, request.user, **body.validated_data)
        return Response(self.get_serializer(brief).data)

    @extend_schema(responses={200: s.HistoryRecordSerializer(many=True), 404: NOT_FOUND})
    @action(detail=True, filter_backends=[])
    def history(self, request, pk=None):
        """The brief's versions, newest first: who saved each (the rep, or
        the lead deciding), when, and which fields changed."""
        return self.history_response(self.get_object())


# --- Visit plans -------------------------------------------------------------------------------


@extend_schema_view(
    retrieve=extend_schema(responses={200: s.VisitPlanSerializer, 404: NOT_FOUND}),
    create=extend_schema(
        responses={
            201: s.VisitPlanSerializer,
            200: OpenApiResponse(s.VisitPlanSerializer, description="Already planned."),
            403: FORBIDDEN,
        }
    ),
    destroy=extend_schema(responses={204: None, 403: FORBIDDEN, 404: NOT_FOUND}),
)
class VisitPlanViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Which customer a rep visits on which day. The weekly meeting plans
    next week's visits; each plan tells that day's daily meeting to expect
    the rep's brief on the customer.

    The list holds the caller's own plans and those of the reps they may
    see. A rep plans their own visits; a manager plans those of the reps in
    their tree (others: 403). The customer must lie in the rep's part of the
    organisation. Planning a visit already planned answers 200 with it;
    `DELETE` unplans it.
    """

    queryset = VisitPlan.objects.select_related("rep", "customer", "planned_by").order_by(
        "day", "rep_id", "customer__name", "pk"
    )
    serializer_class = s.VisitPlanSerializer
    filterset_class = VisitPlanFilterSet
    search_fields = ["customer__name"]
    ordering_fields = ["day", "created_at"]

    def get_queryset(self):
        # Plans have no for_user of their own: they follow their rep's visibility.
        return super().get_queryset().filter(scope_for(self.request.user).people("rep"))

    def create(self, request, *args, **kwargs):
        body = self.get_serializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        with service_errors():
            created = services.set_visit(
                data["rep"],
                data["customer"],
                data["day"],
                True,
                request.user,
                data.get("planned_in"),
            )
        plan = self.get_queryset().get(rep=data["rep"], customer=data["customer"], day=data["day"])
        return Response(
            self.get_serializer(plan).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )

    def perform_destroy(self, plan):
        with service_errors():
            services.set_visit(plan.rep, plan.customer, plan.day, False, self.request.user)


# --- Completion --------------------------------------------------------------------------------


def counts(summary: services.Completion) -> dict:
    return {
        "expected": summary.expected,
        "submitted": summary.submitted,
        "late": summary.late,
        "missing": summary.missing,
        "rate": summary.rate,
    }


class BriefCompletionView(APIView):
    """Brief completion of one meeting: how many briefs it expects (daily:
    one per customer in each invited rep's visit plan for the day; weekly:
    one per active customer of each invited rep), how many are submitted,
    late and missing, per rep, and the status of each expected brief. Other
    kinds of meeting expect none. Those who run the meeting see every rep's
    briefs; anyone else invited, only their own."""

    @extend_schema(
        parameters=[s.MeetingCompletionQuerySerializer],
        responses={200: s.MeetingCompletionSerializer, 404: NOT_FOUND},
    )
    def get(self, request):
        query = s.MeetingCompletionQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        meeting = get_object_or_404(
            Meeting.objects.for_user(request.user), pk=query.validated_data["meeting"]
        )
        expected = services.expected_briefs_seen_by(meeting, request.user)
        summary = services.completion(expected)
        reps = {item.rep.pk: item.rep for item in expected}
        answer = {
            "meeting": meeting.pk,
            "deadline": services.deadline(meeting),
            **counts(summary),
            "reps": [
                {"rep": pk, "rep_name": reps[pk].display_name, **counts(part)}
                for pk, part in summary.by_rep.items()
            ],
            "briefs": expected,
        }
        return Response(s.MeetingCompletionSerializer(answer).data)


class UnitCompletionView(APIView):
    """Brief completion of a unit and of each unit right below it, over the
    daily and weekly meetings held from `start` to `end` (days in the
    organisation's time zone, both included; at most 366 days). Each row
    counts the meetings of that unit itself, not those of the units below it."""

    @extend_schema(
        parameters=[s.UnitCompletionQuerySerializer],
        responses={200: s.UnitCompletionSerializer(many=True), 404: NOT_FOUND},
    )
    def get(self, request):
        query = s.UnitCompletionQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        start, end = query.validated_data["start"], query.validated_data["end"]
        unit = get_object_or_404(
            Unit.objects.for_user(request.user), pk=query.validated_data["unit"]
        )
        units = [unit, *unit.get_children()]
        totals = services.completion_for_units(
            [u.pk for u in units], midnight(start), midnight(end + dt.timedelta(days=1))
        )
        rows = [{"unit": u.pk, "unit_name": u.name, **counts(totals[u.pk])} for u in units]
        return Response(s.UnitCompletionSerializer(rows, many=True).data)


def midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))
