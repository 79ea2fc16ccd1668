from __future__ import annotations

import datetime as dt

from crispy_forms.helper import FormHelper
from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from org.models import Person, Unit
from salesmeet.validators import plausible_date

from . import services
from .kinds import Kind, rule_for
from .models import Meeting
from .series import Repeat

LOCAL_INPUT = "%Y-%m-%dT%H:%M"


class LocalDateTimeInput(forms.DateTimeInput):
    """The browser's own date-and-time picker (large and native on phones)."""

    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format=LOCAL_INPUT, **kwargs)


class PersonChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, person: Person) -> str:
        unit = f" · {person.unit}" if person.unit_id else ""
        return f"{person} ({person.get_role_display()}{unit})"


class MeetingForm(forms.Form):
    """Schedule a meeting or a series. The rules live in ``services``: the
    form only collects the fields and shows what the rules answered."""

    kind = forms.ChoiceField(label=_("Kind"), choices=Kind.choices)
    unit = forms.ModelChoiceField(label=_("Unit"), queryset=Unit.objects.none())
    title = forms.CharField(label=_("Title"), max_length=200)
    starts_at = forms.DateTimeField(
        label=_("Starts"),
        widget=LocalDateTimeInput(),
        input_formats=[LOCAL_INPUT],
        validators=[plausible_date],
    )
    ends_at = forms.DateTimeField(
        label=_("Ends"),
        widget=LocalDateTimeInput(),
        input_formats=[LOCAL_INPUT],
        validators=[plausible_date],
    )
    repeat = forms.ChoiceField(label=_("Repeat"), choices=Repeat.choices, required=False)
    until = forms.DateField(
        label=_("Repeat until"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Leave empty to repeat with no end."),
        validators=[plausible_date],
    )
    location = forms.CharField(label=_("Place"), max_length=200, required=False)
    online_url = forms.URLField(label=_("Online link"), required=False, assume_scheme="https")
    customer_name = forms.CharField(
        label=_("Customer"),
        max_length=200,
        required=False,
        help_text=_("Required for customer special and customer issue meetings."),
    )
    customer_ref = forms.CharField(label=_("CRM customer id"), max_length=100, required=False)
    decision_maker = forms.ModelChoiceField(
        label=_("Decision maker"),
        queryset=Person.objects.none(),
        required=False,
        help_text=_("Resource coordination: approves the plan, in the meeting or after it."),
    )
    description = forms.CharField(
        label=_("Notes"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    invitees = PersonChoiceField(
        label=_("Invitees"),
        queryset=Person.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    draft = forms.BooleanField(label=_("Save as draft (nobody is notified yet)"), required=False)
    accept_warnings = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, user: Person, meeting: Meeting | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.meeting = meeting
        people = services.invitable_people(user)
        self.fields["unit"].queryset = Unit.objects.for_user(user)
        self.fields["invitees"].queryset = people
        self.fields["decision_maker"].queryset = people
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        if meeting is not None:
            for name in ("kind", "unit", "repeat", "until", "draft"):
                del self.fields[name]

    def clean(self):
        data = super().clean()
        starts, ends = data.get("starts_at"), data.get("ends_at")
        if starts and ends and ends <= starts:
            self.add_error("ends_at", _("The meeting must end after it starts."))
        if data.get("until") and starts and data["until"] < timezone.localtime(starts).date():
            self.add_error("until", _("The series must end after its first meeting."))
        return data

    def spec(self) -> services.MeetingSpec:
        data = self.cleaned_data
        return services.MeetingSpec(
            kind=data["kind"],
            unit=data["unit"],
            title=data["title"],
            starts_at=data["starts_at"],
            ends_at=data["ends_at"],
            invitees=[p for p in data["invitees"] if p.pk != self.user.pk],
            location=data["location"],
            online_url=data["online_url"],
            description=data["description"],
            customer_name=data["customer_name"],
            customer_ref=data["customer_ref"],
            decision_maker=data["decision_maker"],
        )

    def changes(self) -> dict:
        """For an existing meeting: the fields whose value differs."""
        fields = (
            "title",
            "starts_at",
            "ends_at",
            "location",
            "online_url",
            "description",
            "customer_name",
            "customer_ref",
            "decision_maker",
        )
        return {
            name: self.cleaned_data[name]
            for name in fields
            if self.cleaned_data[name] != getattr(self.meeting, name)
        }


def initial_for(user: Person, kind: str, unit: Unit | None) -> dict:
    """Sensible defaults: the kind's usual length, starting tomorrow at 09:00
    (a weekly meeting: next Friday at 15:00), with the kind's invitees."""
    rule = rule_for(kind)
    today = timezone.localdate()
    if kind == Kind.WEEKLY:
        day = today + dt.timedelta(days=(4 - today.weekday()) % 7 or 7)
        start_time = dt.time(15, 0)
    else:
        day, start_time = today + dt.timedelta(days=1), dt.time(9, 0)
    starts = timezone.make_aware(dt.datetime.combine(day, start_time))
    initial = {
        "kind": kind,
        "unit": unit,
        "title": f"{unit.name} · {rule.label}" if unit else str(rule.label),
        "starts_at": timezone.localtime(starts),
        "ends_at": timezone.localtime(starts + dt.timedelta(minutes=rule.duration_minutes)),
    }
    if unit is not None:
        initial["invitees"] = [p.pk for p in services.default_invitees(kind, unit, user)]
    return initial


class EditScopeForm(forms.Form):
    THIS, FOLLOWING = "this", "following"
    scope = forms.ChoiceField(
        label=_("Apply to"),
        choices=[(THIS, _("This meeting only")), (FOLLOWING, _("This and all following meetings"))],
        initial=THIS,
        widget=forms.RadioSelect,
    )


class ConfirmTimeForm(forms.Form):
    starts_at = forms.DateTimeField(
        label=_("Starts"),
        widget=LocalDateTimeInput(),
        input_formats=[LOCAL_INPUT],
        validators=[plausible_date],
    )
    ends_at = forms.DateTimeField(
        label=_("Ends"),
        widget=LocalDateTimeInput(),
        input_formats=[LOCAL_INPUT],
        validators=[plausible_date],
    )
