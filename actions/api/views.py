"""The actions API: action items, their SLA clocks and escalations, the
caller's notifications, unit webhooks and the SLA policies. Querysets are
scoped by the visibility rule; every write goes through ``services`` (or
``notify`` and ``delivery`` for the outbox), like the pages."""

from __future__ import annotations

import contextlib

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db import transaction
from django.db.models import Prefetch, Q
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, permissions, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from org.choices import ORGANISATION_WIDE_ROLES, Role
from org.visibility import scope_for
from salesmeet.api import VisibleModelMixin, VisibleReadOnlyViewSet

from .. import delivery, notify, services
from ..models import (
    ActionItem,
    ClockEvent,
    ClockState,
    Escalation,
    Notification,
    SlaClock,
    SlaPolicy,
    Webhook,
    visible_items,
)
from . import serializers as s
from .filtersets import (
    ActionItemFilterSet,
    EscalationFilterSet,
    NotificationFilterSet,
    SlaClockFilterSet,
    WebhookFilterSet,
)

NOT_FOUND = OpenApiResponse(description="Not found in the caller's part of the organisation.")
FORBIDDEN = OpenApiResponse(description="The caller may see this but not do it.")
INVALID = OpenApiResponse(description='Invalid input: `{"field": ["message"]}`.')


@contextlib.contextmanager
def service_errors():
    """Service errors in HTTP terms: not allowed → 403, bad input → 400."""
    try:
        yield
    except DjangoPermissionDenied as error:
        raise exceptions.PermissionDenied(str(error)) from None
    except ValueError as error:
        raise exceptions.ValidationError({"detail": str(error)}) from None


def require_supervisor(user, item: ActionItem, message: str) -> None:
    if not services.can_supervise(user, item):
        raise exceptions.PermissionDenied(message)


def require_state(clock: SlaClock, state: str, message: str) -> None:
    if clock.state != state:
        raise exceptions.ValidationError({"state": [message]})


# --- Action items -------------------------------------------------------------------------


@extend_schema_view(
    retrieve=extend_schema(responses={200: s.ActionItemSerializer, 404: NOT_FOUND}),
    create=extend_schema(responses={201: s.ActionItemSerializer, 400: INVALID}),
)
class ActionItemViewSet(VisibleModelMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Action items the caller may see: those of units in their part of the
    org tree, their own, and any escalated to them. Anything else answers 404.

    Each item lists its SLA clocks (`/api/clocks/` has their history). An
    item created here runs under the `decision` policy: its clock's deadline
    is `due_at`, and the owner, someone the caller may assign, is warned
    before it and the breach escalated up the tree after it."""

    queryset = (
        ActionItem.objects.select_related("owner", "unit", "customer")
        .prefetch_related(
            Prefetch("clocks", queryset=SlaClock.objects.select_related("policy").order_by("pk"))
        )
        .order_by("due_at", "pk")
    )
    serializer_class = s.ActionItemSerializer
    filterset_class = ActionItemFilterSet
    search_fields = ["title", "description"]
    ordering_fields = ["due_at", "created_at", "done_at"]

    def perform_create(self, serializer):
        with service_errors():
            serializer.save()

    def item_response(self, item):
        return Response(self.get_serializer(self.get_queryset().get(pk=item.pk)).data)

    @extend_schema(
        request=s.EvidenceSerializer,
        responses={200: s.ActionItemSerializer, 400: INVALID, 403: FORBIDDEN, 404: NOT_FOUND},
    )
    @action(detail=True, methods=["post"])
    def complete(self, request, pk=None):
        """Mark the item done, saying what was done (the owner or their
        manager). Its running or paused clocks are met; a breached clock stays
        breached. An item no longer open is returned unchanged."""
        item = self.get_object()
        body = s.EvidenceSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        with service_errors():
            item = services.complete(item, request.user, evidence=body.validated_data["evidence"])
        return self.item_response(item)

    @extend_schema(
        request=s.ReasonSerializer,
        responses={200: s.ActionItemSerializer, 400: INVALID, 403: FORBIDDEN, 404: NOT_FOUND},
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        """Cancel the item and stop its clocks, with the reason (the owner's
        manager only). An item no longer open is returned unchanged."""
        item = self.get_object()
        require_supervisor(request.user, item, _("The owner's manager cancels an action item."))
        body = s.ReasonSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        with service_errors():
            item = services.cancel(item, request.user, reason=body.validated_data["reason"])
        return self.item_response(item)


# --- Clocks and escalations ---------------------------------------------------------------


CLOCK_CHANGED = {200: s.ClockSerializer, 400: INVALID, 403: FORBIDDEN, 404: NOT_FOUND}


@extend_schema_view(retrieve=extend_schema(responses={200: s.ClockSerializer, 404: NOT_FOUND}))
class ClockViewSet(VisibleReadOnlyViewSet):
    """SLA clocks of the action items the caller may see, with every
    transition (`events`: who, when, why, and the deadline before and after).

    The owner's managers pause a running clock (waiting for the customer),
    resume it (the time left is kept) and move its deadline; each needs a
    reason and is logged. Anyone else: 403. A clock not in the state the
    change needs answers 400."""

    queryset = (
        SlaClock.objects.select_related("policy", "action_item__unit")
        .prefetch_related(Prefetch("events", queryset=ClockEvent.objects.select_related("actor")))
        .order_by("deadline", "pk")
    )
    serializer_class = s.ClockSerializer
    filterset_class = SlaClockFilterSet
    search_fields = ["action_item__title"]
    ordering_fields = ["deadline", "started_at", "breached_at"]

    def supervised_clock(self, message: str) -> SlaClock:
        clock = self.get_object()
        require_supervisor(self.request.user, clock.action_item, message)
        return clock

    def clock_response(self, clock):
        return Response(self.get_serializer(self.get_queryset().get(pk=clock.pk)).data)

    @extend_schema(request=s.ReasonSerializer, responses=CLOCK_CHANGED)
    @action(detail=True, methods=["post"])
    def pause(self, request, pk=None):
        """Stop a running clock; the time left is kept until it resumes."""
        clock = self.supervised_clock(_("The owner's manager pauses a clock."))
        body = s.ReasonSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        require_state(clock, ClockState.RUNNING, _("Only a running clock can be paused."))
        with service_errors():
            clock = services.pause(clock, request.user, reason=body.validated_data["reason"])
        return self.clock_response(clock)

    @extend_schema(request=s.OptionalReasonSerializer, responses=CLOCK_CHANGED)
    @action(detail=True, methods=["post"])
    def resume(self, request, pk=None):
        """Run a paused clock again: its deadline is now plus the time left."""
        clock = self.supervised_clock(_("The owner's manager resumes a clock."))
        body = s.OptionalReasonSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        require_state(clock, ClockState.PAUSED, _("Only a paused clock can be resumed."))
        with service_errors():
            clock = services.resume(clock, request.user, reason=body.validated_data["reason"])
        return self.clock_response(clock)

    @extend_schema(request=s.MoveSerializer, responses=CLOCK_CHANGED)
    @action(detail=True, methods=["post"])
    def move(self, request, pk=None):
        """Move a running clock's deadline (and the item's due time)."""
        clock = self.supervised_clock(_("The owner's manager moves a deadline."))
        body = s.MoveSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        require_state(clock, ClockState.RUNNING, _("Only a running clock's deadline can be moved."))
        with service_errors():
            clock = services.move_deadline(
                clock,
                request.user,
                body.validated_data["deadline"],
                reason=body.validated_data["reason"],
            )
        return self.clock_response(clock)


@extend_schema_view(retrieve=extend_schema(responses={200: s.EscalationSerializer, 404: NOT_FOUND}))
class EscalationViewSet(viewsets.ReadOnlyModelViewSet):
    """Breaches escalated up the org tree: those of action items in the
    caller's part of the tree, and those that reached the caller. Level 1 is
    the owner's manager, each further level one unit higher."""

    queryset = Escalation.objects.select_related("clock__action_item__owner", "to_person").order_by(
        "-at", "pk"
    )
    serializer_class = s.EscalationSerializer
    filterset_class = EscalationFilterSet
    search_fields = ["clock__action_item__title"]
    ordering_fields = ["at", "level"]

    def get_queryset(self):
        user = self.request.user
        scope = scope_for(user)
        if scope.everything:
            return super().get_queryset()
        visible = visible_items(scope, "clock__action_item")
        return super().get_queryset().filter(visible | Q(to_person=user))


# --- Notifications ----------------------------------------------------------------------------


@extend_schema_view(
    retrieve=extend_schema(responses={200: s.NotificationSerializer, 404: NOT_FOUND})
)
class NotificationViewSet(viewsets.ReadOnlyModelViewSet):
    """The caller's own notifications (the bell), newest first; nobody
    else's, whoever the caller is."""

    queryset = Notification.objects.order_by("-created_at", "-pk")
    serializer_class = s.NotificationSerializer
    filterset_class = NotificationFilterSet
    search_fields = ["title", "body"]
    ordering_fields = ["created_at", "read_at"]

    def get_queryset(self):
        return super().get_queryset().filter(recipient=self.request.user)

    @extend_schema(request=s.MarkReadSerializer, responses={200: s.MarkedSerializer})
    @action(
        detail=False,
        methods=["post"],
        url_path="mark-read",
        filter_backends=[],
        pagination_class=None,
    )
    def mark_read(self, request):
        """Mark the given notifications read (ids not the caller's are
        ignored), or all of them when `ids` is left out."""
        body = s.MarkReadSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        marked = notify.mark_read(request.user, body.validated_data["ids"])
        return Response(s.MarkedSerializer({"marked": marked}).data)

    @extend_schema(responses={200: s.UnreadCountSerializer})
    @action(
        detail=False,
        methods=["get"],
        url_path="unread-count",
        filter_backends=[],
        pagination_class=None,
    )
    def unread_count(self, request):
        """How many of the caller's notifications are unread (the bell's number)."""
        return Response(s.UnreadCountSerializer({"unread": notify.unread_count(request.user)}).data)


# --- Webhooks -----------------------------------------------------------------------------------


def manages_webhooks(user) -> bool:
    """Managers, sales ops and executives configure the webhooks of the units
    in their tree."""
    return user.is_superuser or user.is_manager or user.role == Role.SALES_OPS


class WebhookManagers(permissions.BasePermission):
    def has_permission(self, request, view):
        return request.method in permissions.SAFE_METHODS or manages_webhooks(request.user)


@extend_schema_view(
    retrieve=extend_schema(responses={200: s.WebhookSerializer, 404: NOT_FOUND}),
    create=extend_schema(responses={201: s.WebhookSerializer, 400: INVALID, 403: FORBIDDEN}),
    update=extend_schema(
        responses={200: s.WebhookSerializer, 400: INVALID, 403: FORBIDDEN, 404: NOT_FOUND}
    ),
    partial_update=extend_schema(
        responses={200: s.WebhookSerializer, 400: INVALID, 403: FORBIDDEN, 404: NOT_FOUND}
    ),
    destroy=extend_schema(responses={204: None, 403: FORBIDDEN, 404: NOT_FOUND}),
)
class WebhookViewSet(viewsets.ModelViewSet):
    """Webhooks that post a unit's notifications to a group chat or another
    system, in its own format (generic JSON, WeCom, DingTalk, Feishu/Lark,
    Slack). A webhook receives the notifications about action items of its
    unit and of every unit below it; each carries an `Idempotency-Key`
    header so a receiver can drop a redelivery.

    Everyone sees the webhooks of the units in their tree; managers, sales
    ops and executives create, change and delete them, for units in their
    tree only (anyone else: 403), and only they see the whole URL."""

    queryset = Webhook.objects.select_related("unit").order_by("unit__path", "name", "pk")
    serializer_class = s.WebhookSerializer
    permission_classes = [permissions.IsAuthenticated, WebhookManagers]
    filterset_class = WebhookFilterSet
    search_fields = ["name"]
    ordering_fields = ["name", "created_at"]

    def get_queryset(self):
        return super().get_queryset().filter(scope_for(self.request.user).units("unit"))

    def get_serializer_context(self):
        context = super().get_serializer_context()
        context["may_manage_webhooks"] = manages_webhooks(self.request.user)
        return context

    def perform_create(self, serializer):
        serializer.save(created_by=self.request.user)

    @extend_schema(
        request=None,
        responses={
            200: OpenApiResponse(
                s.DeliverySerializer,
                description="The test message's delivery: `sent`, or `failed` with "
                "`last_error` (a test is not retried).",
            ),
            403: FORBIDDEN,
            404: NOT_FOUND,
        },
    )
    @action(detail=True, methods=["post"])
    def test(self, request, pk=None):
        """Send a test message to the webhook now (active or not) and report
        how the receiver answered."""
        sent = delivery.send_test(self.get_object(), request.user)
        return Response(s.DeliverySerializer(sent).data)


# --- SLA policies -----------------------------------------------------------------------------


class PolicyEditors(permissions.BasePermission):
    def has_permission(self, request, view):
        if request.method in permissions.SAFE_METHODS:
            return True
        user = request.user
        return user.is_superuser or user.role in ORGANISATION_WIDE_ROLES


@extend_schema_view(
    retrieve=extend_schema(responses={200: s.SlaPolicySerializer, 404: NOT_FOUND}),
    update=extend_schema(
        responses={200: s.SlaPolicySerializer, 400: INVALID, 403: FORBIDDEN, 404: NOT_FOUND}
    ),
    partial_update=extend_schema(
        responses={200: s.SlaPolicySerializer, 400: INVALID, 403: FORBIDDEN, 404: NOT_FOUND}
    ),
)
class SlaPolicyViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """How long each kind of promise may take. Everyone may read them; sales
    ops and executives edit them. Saving a policy bumps its `version` and
    recomputes the deadlines of its running clocks (each change logged on the
    clock); clocks already met or breached keep the version they ran under."""

    queryset = SlaPolicy.objects.order_by("key")
    serializer_class = s.SlaPolicySerializer
    permission_classes = [permissions.IsAuthenticated, PolicyEditors]
    search_fields = ["key", "name"]
    ordering_fields = ["key", "name", "updated_at"]

    @transaction.atomic
    def perform_update(self, serializer):
        changed = serializer.save()
        services.apply_policy_change(changed, self.request.user)
