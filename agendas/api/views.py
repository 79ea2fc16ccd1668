"""The agendas API: templates, agenda items and minutes, decisions,
conclusions and each kind's outputs. Querysets are scoped by the meeting's
visibility; every write goes through ``agendas.services``, like the room."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from org.choices import ORGANISATION_WIDE_ROLES

from .. import services
from ..models import (
    AgendaItem,
    AgendaTemplate,
    AgendaTemplateItem,
    Conclusion,
    Decision,
    FocusRep,
    MonthlyPlan,
    QuarterlySubmission,
    RepFeedback,
    StrategyRequirement,
)
from . import filtersets as f
from . import serializers as s


def translate_errors(call):
    """Service errors in HTTP terms: locked or not allowed → 403, bad input → 400."""
    try:
        return call()
    except (DjangoPermissionDenied, services.MinutesLocked) as error:
        raise exceptions.PermissionDenied(str(error)) from None
    except ValueError as error:
        raise exceptions.ValidationError({"detail": str(error)}) from None


class ScopedViewSet(viewsets.GenericViewSet):
    def get_queryset(self):
        return self.queryset.for_user(self.request.user)


class TemplateEditors(permissions.BasePermission):
    def has_permission(self, request, view):
        if request.method in permissions.SAFE_METHODS:
            return True
        user = request.user
        return user.is_superuser or user.role in ORGANISATION_WIDE_ROLES


class AgendaTemplateViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """The agenda each kind of meeting starts from. Everyone may read them;
    sales ops and executives edit them. Saving replaces the item list;
    meetings already scheduled keep the agenda they copied."""

    queryset = AgendaTemplate.objects.prefetch_related("items")
    serializer_class = s.AgendaTemplateSerializer
    permission_classes = [permissions.IsAuthenticated, TemplateEditors]
    filterset_fields = ["kind"]

    @transaction.atomic
    def perform_update(self, serializer):
        items = serializer.validated_data.pop("items", None)
        template = serializer.save()
        if items is not None:
            template.items.all().delete()
            AgendaTemplateItem.objects.bulk_create(
                AgendaTemplateItem(template=template, **item) for item in items
            )


class AgendaItemViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    ScopedViewSet,
):
    """A meeting's agenda items with their minutes (`notes`). Updates need the
    `version` you read: if someone saved in between, the answer is 409 with
    the stored item and nothing is written, so concurrent minute-takers lose
    nothing. Items of a concluded meeting are locked (403)."""

    queryset = AgendaItem.objects.select_related("meeting").order_by("meeting", "position", "pk")
    serializer_class = s.AgendaItemSerializer
    filterset_class = f.AgendaItemFilterSet

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = translate_errors(
            lambda: services.add_item(
                data["meeting"],
                self.request.user,
                data["title"],
                data.get("minutes", 10),
                data.get("guidance", ""),
            )
        )

    @extend_schema(responses={200: s.AgendaItemSerializer, 409: s.AgendaItemSerializer})
    def update(self, request, *args, **kwargs):
        item = self.get_object()
        serializer = self.get_serializer(
            item, data=request.data, partial=kwargs.pop("partial", False)
        )
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        version = data.pop("version", None)
        if version is None:
            raise exceptions.ValidationError({"version": _("Send the version you read.")})
        if data.pop("meeting", item.meeting) != item.meeting:
            raise exceptions.ValidationError(
                {"meeting": _("An item cannot move to another meeting this way.")}
            )
        try:
            item = translate_errors(
                lambda: services.update_item(item, request.user, version=version, **data)
            )
        except services.EditConflict as conflict:
            return Response(
                self.get_serializer(conflict.current).data, status=status.HTTP_409_CONFLICT
            )
        return Response(self.get_serializer(item).data)

    def perform_destroy(self, instance):
        translate_errors(lambda: services.remove_item(instance, self.request.user))

    @extend_schema(request=s.ReorderSerializer, responses={204: None})
    @action(detail=False, methods=["post"])
    def reorder(self, request):
        serializer = s.ReorderSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        translate_errors(
            lambda: services.reorder(
                serializer.validated_data["meeting"],
                request.user,
                serializer.validated_data["items"],
            )
        )
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=None, responses=s.AgendaItemSerializer)
    @action(detail=True, methods=["post"])
    def timer(self, request, pk=None):
        """Start the item's timer, or stop it and add the time spent."""
        item = translate_errors(lambda: services.toggle_timer(self.get_object(), request.user))
        return Response(self.get_serializer(item).data)

    @extend_schema(request=None, responses={201: s.AgendaItemSerializer})
    @action(detail=True, methods=["post"], url_path="move-to-next-meeting")
    def move_to_next_meeting(self, request, pk=None):
        """Hand the item on to the next meeting of the series; returns the new item."""
        moved = translate_errors(
            lambda: services.move_to_next_meeting(self.get_object(), request.user)
        )
        return Response(self.get_serializer(moved).data, status=status.HTTP_201_CREATED)


class DecisionViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, ScopedViewSet
):
    """Decisions (决议) of meetings: what, who, by when."""

    queryset = Decision.objects.select_related("meeting").order_by("meeting", "created_at")
    serializer_class = s.DecisionSerializer
    filterset_class = f.DecisionFilterSet

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = translate_errors(
            lambda: services.add_decision(
                data["meeting"],
                self.request.user,
                text=data["text"],
                owner=data["owner"],
                due_at=data["due_at"],
                agenda_item=data.get("agenda_item"),
            )
        )


class ConclusionViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, ScopedViewSet
):
    """Concluding a meeting locks its minutes and emails the summary to the
    attendees. A meeting lacking an output its kind requires answers 400
    with `missing_outputs`, unless `override_reason` says why to conclude
    anyway (recorded)."""

    queryset = Conclusion.objects.select_related("meeting").order_by("-concluded_at")
    serializer_class = s.ConclusionSerializer
    filterset_class = f.ConclusionFilterSet

    @extend_schema(
        responses={201: s.ConclusionSerializer, 400: OpenApiResponse(s.MissingOutputsSerializer)}
    )
    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        meeting = serializer.validated_data["meeting"]
        reason = serializer.validated_data.get("override_reason", "")
        try:
            conclusion = translate_errors(
                lambda: services.conclude(meeting, request.user, override_reason=reason)
            )
        except services.OutputsMissing as error:
            return Response(
                {
                    "detail": _("This meeting has not produced what its kind requires yet."),
                    "missing_outputs": error.missing,
                },
                status=status.HTTP_400_BAD_REQUEST,
            )
        return Response(self.get_serializer(conclusion).data, status=status.HTTP_201_CREATED)


class OutputViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, ScopedViewSet
):
    create_service = None

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = translate_errors(lambda: self.create_service(self.request.user, data))


class StrategyRequirementViewSet(OutputViewSet):
    """Strategy meetings' target, indicator and action requirements."""

    queryset = StrategyRequirement.objects.order_by("meeting", "kind", "created_at")
    serializer_class = s.StrategyRequirementSerializer
    filterset_class = f.StrategyRequirementFilterSet

    def create_service(self, user, data):
        return services.add_strategy_requirement(data["meeting"], user, data["kind"], data["text"])


class RepFeedbackViewSet(OutputViewSet):
    """The reps' feedback recorded in strategy meetings."""

    queryset = RepFeedback.objects.order_by("meeting", "created_at")
    serializer_class = s.RepFeedbackSerializer
    filterset_class = f.RepFeedbackFilterSet

    def create_service(self, user, data):
        return services.add_rep_feedback(data["meeting"], user, data["rep"], data["text"])


class FocusRepViewSet(OutputViewSet):
    """The reps a monthly meeting decided to focus on and help."""

    queryset = FocusRep.objects.order_by("meeting", "pk")
    serializer_class = s.FocusRepSerializer
    filterset_class = f.FocusRepFilterSet

    def create_service(self, user, data):
        return services.add_focus_rep(data["meeting"], user, data["rep"], data.get("reason", ""))


class MonthlyPlanViewSet(OutputViewSet):
    """Monthly plans: a rep drafts (POST again to redraft) their plan after
    the monthly meeting; the manager confirms it in a 1:1 (`confirm`)."""

    queryset = MonthlyPlan.objects.order_by("meeting", "rep")
    serializer_class = s.MonthlyPlanSerializer
    filterset_class = f.MonthlyPlanFilterSet

    def create_service(self, user, data):
        return services.draft_monthly_plan(data["meeting"], user, data["text"])

    @extend_schema(request=s.ConfirmPlanSerializer, responses=s.MonthlyPlanSerializer)
    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None):
        serializer = s.ConfirmPlanSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        plan = translate_errors(
            lambda: services.confirm_monthly_plan(
                self.get_object(), request.user, serializer.validated_data["note"]
            )
        )
        return Response(self.get_serializer(plan).data)


class QuarterlySubmissionViewSet(OutputViewSet):
    """Information every level submits for a quarterly meeting, from two
    weeks before quarter end until the meeting starts."""

    queryset = QuarterlySubmission.objects.order_by("meeting", "unit", "theme", "submitted_at")
    serializer_class = s.QuarterlySubmissionSerializer
    filterset_class = f.QuarterlySubmissionFilterSet

    def create_service(self, user, data):
        return services.submit_quarterly(data["meeting"], user, data["theme"], data["text"])
