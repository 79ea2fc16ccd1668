from django.core.exceptions import ObjectDoesNotExist
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from org.choices import Role
from org.models import Unit
from salesmeet.api import IdField, ModelSerializer
from salesmeet.validators import plausible_date

from .. import series, services
from ..kinds import Cadence, Direction, Invite, Kind
from ..models import Invitation, Meeting, Rsvp

# --- The kind registry ------------------------------------------------------------


class SlotSerializer(serializers.Serializer):
    weekday = serializers.IntegerField(help_text="0 = Monday … 6 = Sunday.")
    start = serializers.TimeField()
    end = serializers.TimeField()


class RoleListField(serializers.ListField):
    """A set of roles, listed in the order of the role choices."""

    child = serializers.ChoiceField(choices=Role.choices)

    def to_representation(self, roles):
        return [role.value for role in Role if role in roles]


class MeetingKindSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Kind.choices)
    label = serializers.CharField()
    direction = serializers.ChoiceField(choices=Direction.choices)
    cadence = serializers.ChoiceField(choices=Cadence.choices)
    is_recurring = serializers.BooleanField()
    callers = RoleListField(help_text="The roles that may call this kind of meeting.")
    attendees = RoleListField(help_text="The roles that may be invited to it.")
    default_invitees = serializers.ChoiceField(
        source="invite",
        choices=Invite.choices,
        help_text="Whom scheduling invites when no invitees are given.",
    )
    preparation = serializers.CharField()
    outputs = serializers.ListField(child=serializers.CharField())
    clocks = serializers.ListField(
        child=serializers.CharField(),
        help_text="The SLA clocks that concluding the meeting starts.",
    )
    agenda_template = serializers.CharField()
    duration_minutes = serializers.IntegerField()
    slots = SlotSerializer(
        many=True, help_text="Preferred weekly windows (weekly meetings); empty means any time."
    )
    window_days = serializers.IntegerField(
        allow_null=True,
        help_text="Monthly: the first N days of the month. "
        "Quarterly: the first N days after quarter end.",
    )
    min_interval_days = serializers.IntegerField(
        allow_null=True,
        help_text="Strategy: fewer days than this since the unit's previous one is a warning.",
    )
    customer_required = serializers.BooleanField()
    may_call = serializers.SerializerMethodField(
        help_text="Whether the caller's role may call this kind of meeting."
    )

    def get_may_call(self, rule) -> bool:
        user = self.context["request"].user
        return user.is_superuser or rule.may_call(user.role)


# --- Problems the rules raise -------------------------------------------------------


class ProblemSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Stable identifier, e.g. `weekly_slot`.")
    message = serializers.CharField(help_text="Explanation in the caller's language.")


class SchedulingProblemsSerializer(serializers.Serializer):
    """The body of a change the rules did not let through."""

    detail = serializers.CharField()
    refusals = ProblemSerializer(
        many=True, help_text="What the methodology forbids: fix the request."
    )
    warnings = ProblemSerializer(
        many=True,
        help_text="What it advises against: re-send with `accept_warnings: true` to go ahead.",
    )


# --- Meetings ---------------------------------------------------------------------------


class ScopedChoiceField(serializers.PrimaryKeyRelatedField):
    """An id chosen among what the caller may pick. Any other id, existing
    or not, is "not a valid choice": the answer never tells which."""

    default_error_messages = {
        "invalid_choice": serializers.ChoiceField.default_error_messages["invalid_choice"],
    }

    def to_internal_value(self, data):
        try:
            return self.get_queryset().get(pk=data)
        except (ObjectDoesNotExist, TypeError, ValueError):
            self.fail("invalid_choice", input=data)


class VisibleUnitField(ScopedChoiceField):
    def get_queryset(self):
        return Unit.objects.for_user(self.context["request"].user)


class InvitablePersonField(ScopedChoiceField):
    def get_queryset(self):
        return services.invitable_people(self.context["request"].user)


class InvitationSerializer(serializers.ModelSerializer):
    person = serializers.IntegerField(source="person_id", read_only=True)
    name = serializers.CharField(source="person.display_name", read_only=True)

    class Meta:
        model = Invitation
        fields = ["person", "name", "part", "rsvp", "answered_at", "attended", "checked_in_at"]
        read_only_fields = fields


CREATE_ONLY = ("repeat", "until", "draft")


# Writes go through meetings.services, which check the rules; the serializer
# only turns the request into their arguments.
class MeetingSerializer(ModelSerializer):
    """A meeting, with its invitations. Fields marked write-only steer the
    write (warnings, drafts, series) and are not stored as such."""

    kind_label = serializers.CharField(read_only=True)
    unit = VisibleUnitField(help_text="A unit in the caller's part of the organisation.")
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    chair = InvitablePersonField(required=False, help_text="Defaults to the caller.")
    chair_name = serializers.CharField(source="chair.display_name", read_only=True)
    decision_maker = InvitablePersonField(required=False, allow_null=True)
    invitees = serializers.ListField(
        child=IdField(),
        write_only=True,
        required=False,
        help_text="Ids of the people to invite besides the chair; each must be someone the "
        "caller may invite. Omitted when creating: the kind's default invitees. "
        "Given when updating: the new invitation list (answers of those who stay are kept).",
    )
    invitations = InvitationSerializer(many=True, read_only=True)
    accepted_warnings = serializers.ListField(
        child=serializers.CharField(),
        read_only=True,
        help_text="Codes of every warning accepted for this meeting so far.",
    )
    warnings = serializers.SerializerMethodField(
        help_text="In the answer to a create or update: the warnings that apply to the "
        "meeting as written, all accepted. Empty on reads; `accepted_warnings` keeps the codes."
    )
    accept_warnings = serializers.BooleanField(
        write_only=True,
        default=False,
        help_text="Go ahead despite warnings (never despite refusals).",
    )
    draft = serializers.BooleanField(
        write_only=True,
        default=False,
        help_text="Create as a draft: nobody is notified until it is published.",
    )
    repeat = serializers.ChoiceField(
        choices=[(value, label) for value, label in series.Repeat.choices if value],
        write_only=True,
        required=False,
        help_text="Create a series whose first occurrence is this meeting.",
    )
    until = serializers.DateField(
        write_only=True,
        required=False,
        allow_null=True,
        help_text="With `repeat`: the last day of the series (none: no end).",
        validators=[plausible_date],
    )

    class Meta:
        model = Meeting
        fields = [
            "id",
            "kind",
            "kind_label",
            "unit",
            "unit_name",
            "title",
            "chair",
            "chair_name",
            "starts_at",
            "ends_at",
            "location",
            "online_url",
            "status",
            "description",
            "customer_name",
            "customer_ref",
            "decision_maker",
            "approved_at",
            "series",
            "is_exception",
            "sequence",
            "invitees",
            "invitations",
            "warnings",
            "accepted_warnings",
            "accept_warnings",
            "draft",
            "repeat",
            "until",
        ]
        read_only_fields = [
            "status",
            "approved_at",
            "series",
            "is_exception",
            "sequence",
        ]
        extra_kwargs = {
            "sequence": {
                "help_text": "iCalendar SEQUENCE: grows with every change calendars "
                "must pick up (time, place, cancellation)."
            },
        }

    @extend_schema_field(ProblemSerializer(many=True))
    def get_warnings(self, meeting):
        verdict = getattr(self, "verdict", None)
        return [w.as_dict() for w in verdict.warnings] if verdict else []

    @property
    def user(self):
        return self.context["request"].user

    def validate_invitees(self, ids):
        people = services.invitable_people(self.user).in_bulk(ids)
        message = serializers.ChoiceField.default_error_messages["invalid_choice"]
        errors = {
            index: [message.format(input=pk)] for index, pk in enumerate(ids) if pk not in people
        }
        if errors:
            raise serializers.ValidationError(errors)
        return list({pk: people[pk] for pk in ids}.values())

    def validate(self, attrs):
        if self.instance is None:
            if attrs.get("until") and not attrs.get("repeat"):
                raise serializers.ValidationError({"until": _("Only with repeat.")})
            return attrs
        errors = {}
        for name in ("kind", "unit"):
            if name in attrs and attrs[name] != getattr(self.instance, name):
                errors[name] = _("Cannot be changed: cancel this meeting and schedule another.")
        for name in CREATE_ONLY:
            if attrs.get(name):
                errors[name] = _("Only when scheduling a meeting.")
        if errors:
            raise serializers.ValidationError(errors)
        return attrs

    def create(self, data):
        chair = data.get("chair") or self.user
        if "invitees" in data:
            invitees = data["invitees"]
        else:
            invitees = services.default_invitees(data["kind"], data["unit"], self.user)
            invitees = [p for p in invitees if p.pk != self.user.pk]
        spec = services.MeetingSpec(
            kind=data["kind"],
            unit=data["unit"],
            title=data["title"],
            starts_at=data["starts_at"],
            ends_at=data["ends_at"],
            invitees=[p for p in invitees if p.pk != chair.pk],
            chair=data.get("chair"),
            location=data.get("location", ""),
            online_url=data.get("online_url", ""),
            description=data.get("description", ""),
            customer_name=data.get("customer_name", ""),
            customer_ref=data.get("customer_ref", ""),
            decision_maker=data.get("decision_maker"),
        )
        options = {"accept_warnings": data["accept_warnings"], "draft": data["draft"]}
        if not data.get("repeat"):
            meeting, self.verdict = services.schedule_meeting(spec, self.user, **options)
            return meeting
        _series, meeting = series.create_series(
            spec, self.user, data["repeat"], until=data.get("until"), **options
        )
        # The series checked its first occurrence; ask again which warnings it accepted.
        verdict = services.preview(spec, self.user, meeting)
        verdict.warnings = [w for w in verdict.warnings if w.code in meeting.accepted_warnings]
        self.verdict = verdict
        return meeting

    def update(self, meeting, data):
        changes = {
            name: data[name]
            for name in services.CHANGEABLE
            if name in data and data[name] != getattr(meeting, name)
        }
        invitees = data.get("invitees")
        if invitees is not None:
            chair = changes.get("chair", meeting.chair)
            invitees = [p for p in invitees if p.pk != chair.pk]
        meeting, self.verdict = services.update_meeting(
            meeting,
            self.user,
            changes,
            invitees=invitees,
            accept_warnings=data.get("accept_warnings", False),
        )
        return meeting


# --- Actions ------------------------------------------------------------------------------


class CancelSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500, required=False, default="", allow_blank=True)


class RsvpSerializer(serializers.Serializer):
    answer = serializers.ChoiceField(
        choices=[(value, label) for value, label in Rsvp.choices if value != Rsvp.PENDING]
    )


class AttendanceSerializer(serializers.Serializer):
    present = serializers.DictField(
        child=serializers.BooleanField(),
        help_text='Person id → whether they were there, e.g. `{"12": true, "15": false}`. '
        "Every id must be an invitee of the meeting.",
    )

    def validate_present(self, present):
        try:
            return {int(pk): attended for pk, attended in present.items()}
        except ValueError:
            raise serializers.ValidationError(_("Keys must be person ids.")) from None


class ApprovalSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, default="", allow_blank=True)
