from django import forms
from django.utils.translation import gettext_lazy as _

from meetings.forms import LOCAL_INPUT, LocalDateTimeInput
from org.models import Person

from .models import AgendaTemplate, AgendaTemplateItem, RequirementKind, Theme


class ItemForm(forms.Form):
    title = forms.CharField(label=_("Item"), max_length=200)
    minutes = forms.IntegerField(label=_("Minutes"), min_value=1, max_value=600, initial=10)


class DecisionForm(forms.Form):
    text = forms.CharField(label=_("Decision"), widget=forms.Textarea(attrs={"rows": 2}))
    owner = forms.ModelChoiceField(label=_("Owner"), queryset=Person.objects.none())
    due_at = forms.DateTimeField(
        label=_("Due"), widget=LocalDateTimeInput(), input_formats=[LOCAL_INPUT]
    )
    agenda_item = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, owners, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = owners


class RequirementForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=RequirementKind.choices)
    text = forms.CharField(label=_("Requirement"), widget=forms.Textarea(attrs={"rows": 2}))


class PersonTextForm(forms.Form):
    person = forms.ModelChoiceField(label=_("Rep"), queryset=Person.objects.none())
    text = forms.CharField(
        label=_("Text"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )

    def __init__(self, *args, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = people


class SubmissionForm(forms.Form):
    theme = forms.ChoiceField(label=_("Theme"), choices=Theme.choices)
    text = forms.CharField(
        label=_("What you want the quarterly meeting to know"),
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class PlanForm(forms.Form):
    text = forms.CharField(
        label=_("My plan for this month"), widget=forms.Textarea(attrs={"rows": 6})
    )


class TemplateForm(forms.ModelForm):
    class Meta:
        model = AgendaTemplate
        fields = ["name"]


TemplateItemFormSet = forms.inlineformset_factory(
    AgendaTemplate,
    AgendaTemplateItem,
    fields=["position", "title", "minutes", "guidance"],
    extra=2,
    can_delete=True,
    widgets={"guidance": forms.Textarea(attrs={"rows": 1})},
)
