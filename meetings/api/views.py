from django.db.models import Prefetch
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import exceptions, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from salesmeet.api import VisibleModelViewSet

from .. import services
from ..kinds import Kind, all_rules, rule_for
from ..models import Invitation, Meeting
from .filtersets import MeetingFilterSet
from .serializers import (
    ApprovalSerializer,
    AttendanceSerializer,
    CancelSerializer,
    InvitationSerializer,
    MeetingKindSerializer,
    MeetingSerializer,
    RsvpSerializer,
    SchedulingProblemsSerializer,
)


class SchedulingProblems(exceptions.APIException):
    """A :class:`services.SchedulingError` in the API's terms: 403 when the
    caller's role may not call the kind at all, else 400."""

    status_code = status.HTTP_400_BAD_REQUEST

    def __init__(self, error: services.SchedulingError):
        verdict = error.verdict
        if any(p.code == "caller_role" for p in verdict.refusals):
            self.status_code = status.HTTP_403_FORBIDDEN
        if verdict.refusals:
            detail = _("The meeting rules refuse this change.")
        else:
            detail = _(
                "The meeting rules advise against this change: re-send with "
                "accept_warnings=true to make it anyway."
            )
        super().__init__(
            {
                "detail": detail,
                "refusals": [p.as_dict() for p in verdict.refusals],
                "warnings": [p.as_dict() for p in verdict.warnings],
            }
        )


PROBLEMS_400 = OpenApiResponse(
    SchedulingProblemsSerializer,
    description="Refused by the rules (`refusals`), or held back by `warnings` that "
    "`accept_warnings` was not set to accept. Invalid fields answer "
    '`{"field": ["message"]}` instead.',
)
PROBLEMS_403 = OpenApiResponse(
    SchedulingProblemsSerializer,
    description="The caller's role may not call this kind of meeting (refusal `caller_role`), "
    'or may not manage this meeting (`{"detail": "..."}`).',
)
FORBIDDEN = OpenApiResponse(description="The caller may see the meeting but not do this.")
NOT_FOUND = OpenApiResponse(description="No such meeting in the caller's part of the tree.")
KIND = OpenApiParameter(
    "kind", OpenApiTypes.STR, OpenApiParameter.PATH, enum=Kind.values, description="Kind key"
)


def invitations(meeting=None):
    """Invitations as the API lists them, with their people joined."""
    rows = Invitation.objects.select_related("person").order_by("pk")
    return rows.filter(meeting=meeting) if meeting is not None else rows


class MeetingKindViewSet(viewsets.ViewSet):
    """The meeting taxonomy: every kind's methodology as data, with the
    organisation's tuning (durations, windows, slots) applied.

    Who may call a kind (`callers`) and who may attend it (`attendees`) are
    hard rules: scheduling refuses anything else. The timing fields
    (`slots`, `window_days`, `min_interval_days`) are advice: scheduling
    outside them answers with warnings that the caller may accept.
    `may_call` tells whether the requesting user's role may call the kind.
    """

    lookup_field = "kind"
    lookup_value_regex = "[a-z_]+"

    @extend_schema(responses=MeetingKindSerializer(many=True))
    def list(self, request):
        serializer = MeetingKindSerializer(all_rules(), many=True, context={"request": request})
        return Response(serializer.data)

    @extend_schema(parameters=[KIND], responses={200: MeetingKindSerializer, 404: NOT_FOUND})
    def retrieve(self, request, kind=None):
        if kind not in Kind.values:
            raise Http404
        return Response(MeetingKindSerializer(rule_for(kind), context={"request": request}).data)


@extend_schema_view(
    retrieve=extend_schema(responses={200: MeetingSerializer, 404: NOT_FOUND}),
    create=extend_schema(
        responses={201: MeetingSerializer, 400: PROBLEMS_400, 403: PROBLEMS_403},
    ),
    update=extend_schema(
        responses={200: MeetingSerializer, 400: PROBLEMS_400, 403: PROBLEMS_403, 404: NOT_FOUND}
    ),
    partial_update=extend_schema(
        responses={200: MeetingSerializer, 400: PROBLEMS_400, 403: PROBLEMS_403, 404: NOT_FOUND}
    ),
    destroy=extend_schema(
        description="Cancel the meeting (the same as `POST …/cancel/` without a reason). "
        "The record stays, with status `cancelled`; invitees and subscribed calendars "
        "are told.",
        responses={204: None, 403: FORBIDDEN, 404: NOT_FOUND},
    ),
)
class MeetingViewSet(VisibleModelViewSet):
    """Meetings the caller may see: those of units in their part of the org
    tree, and any meeting they chair or are invited to. Anything else answers
    404.

    **Scheduling rules.** Every create and update is checked against the
    kind's rules (see `/api/meeting-kinds/`) and answers in one of three ways:

    - *Refusals* are what the methodology forbids: a role that may not call
      the kind (403, code `caller_role`), an invitee whose role may not attend
      (`attendee_role`), a missing customer, an end before the start
      (400). Nothing is written; fix the request.
    - *Warnings* are what it advises against: a weekly meeting outside Friday
      afternoon or Monday morning (`weekly_slot`), a monthly meeting late in the
      month, an invitee already booked (`invitee_busy`)… Nothing is written
      and the answer is 400 with the `warnings`; send the same request again
      with `accept_warnings: true` to go ahead. The accepted codes are kept in
      `accepted_warnings`, and an update only asks about new ones.
    - Otherwise the meeting is saved (201 on create) and the answer lists in
      `warnings` any warning that was accepted.

    Without `invitees`, a new meeting invites the kind's default invitees;
    the chair is always invited. `repeat` creates a series (its first
    occurrence is checked, the next ones follow the same rule); `draft`
    notifies nobody until `publish`. `DELETE` cancels but keeps the record.
    Times are ISO 8601; without an offset they are read in the organisation's
    time zone. Date filters use that time zone too.
    """

    queryset = (
        Meeting.objects.select_related("unit", "chair")
        .prefetch_related(Prefetch("invitations", queryset=invitations()))
        .order_by("starts_at", "pk")
    )
    serializer_class = MeetingSerializer
    filterset_class = MeetingFilterSet
    search_fields = ["title", "customer_name", "customer_ref"]
    ordering_fields = ["starts_at", "created_at", "updated_at"]

    def handle_exception(self, exc):
        if isinstance(exc, services.SchedulingError):
            exc = SchedulingProblems(exc)
        return super().handle_exception(exc)

    def perform_destroy(self, meeting):
        services.cancel_meeting(meeting, self.request.user)

    def meeting_response(self, meeting):
        return Response(self.get_serializer(meeting).data)

    @extend_schema(
        request=None,
        responses={200: MeetingSerializer, 403: FORBIDDEN, 404: NOT_FOUND},
    )
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        """Turn a draft into a scheduled meeting and send the invitations.
        Publishing a meeting that is not a draft changes nothing."""
        return self.meeting_response(services.publish_meeting(self.get_object(), request.user))

    @extend_schema(
        request=CancelSerializer,
        responses={200: MeetingSerializer, 403: FORBIDDEN, 404: NOT_FOUND},
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        """Cancel the meeting, keeping the record; invitees get the reason.
        Cancelling twice changes nothing."""
        meeting = self.get_object()
        body = CancelSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        meeting = services.cancel_meeting(meeting, request.user, body.validated_data["reason"])
        return self.meeting_response(meeting)

    @extend_schema(
        request=RsvpSerializer,
        responses={
            200: InvitationSerializer,
            404: OpenApiResponse(description="No such meeting, or the caller is not invited."),
        },
    )
    @action(detail=True, methods=["post"])
    def rsvp(self, request, pk=None):
        """Answer the caller's own invitation."""
        meeting = self.get_object()
        body = RsvpSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        invitation = Invitation.objects.filter(meeting=meeting, person=request.user).first()
        if invitation is None:
            raise exceptions.NotFound(_("You are not invited to this meeting."))
        invitation = services.set_rsvp(invitation, body.validated_data["answer"])
        return Response(InvitationSerializer(invitation).data)

    @extend_schema(
        methods=["GET"],
        request=None,
        responses={200: InvitationSerializer(many=True), 404: NOT_FOUND},
        description="The invitations with their answers and attendance.",
    )
    @extend_schema(
        methods=["POST"],
        request=AttendanceSerializer,
        responses={200: InvitationSerializer(many=True), 403: FORBIDDEN, 404: NOT_FOUND},
        description="Record who was there (chair and managers of the meeting). An id that is "
        "not an invitee answers 400 and nothing is written.",
    )
    @action(detail=True, methods=["get", "post"], filter_backends=[], pagination_class=None)
    def attendance(self, request, pk=None):
        """Who was invited, what they answered, and who attended."""
        meeting = self.get_object()
        if request.method == "POST":
            body = AttendanceSerializer(data=request.data)
            body.is_valid(raise_exception=True)
            try:
                services.record_attendance(meeting, request.user, body.validated_data["present"])
            except ValueError as error:
                raise exceptions.ValidationError({"present": [str(error)]}) from None
            return Response(InvitationSerializer(invitations(meeting), many=True).data)
        return Response(InvitationSerializer(meeting.invitations.all(), many=True).data)

    @extend_schema(
        request=ApprovalSerializer,
        responses={200: MeetingSerializer, 403: FORBIDDEN, 404: NOT_FOUND},
    )
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        """The decision maker of a resource-coordination meeting approves its
        plan, during the meeting or after it. Anyone else: 403; another kind
        of meeting: 400. Approving twice keeps the first approval."""
        meeting = self.get_object()
        body = ApprovalSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            meeting = services.record_approval(meeting, request.user, body.validated_data["note"])
        except ValueError as error:
            raise exceptions.ValidationError({"kind": [str(error)]}) from None
        return self.meeting_response(meeting)
