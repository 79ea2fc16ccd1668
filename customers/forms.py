from django import forms
from django.utils.translation import gettext_lazy as _

from meetings.forms import LOCAL_INPUT, LocalDateTimeInput
from salesmeet.validators import plausible_date

from .models import Accompany, Brief, PipelineStage


class BriefForm(forms.ModelForm):
    """The rep's brief. Large fields, few of them: it is filled on a phone."""

    planned_visit_at = forms.DateTimeField(
        label=_("Planned visit"),
        required=False,
        widget=LocalDateTimeInput(),
        input_formats=[LOCAL_INPUT],
        validators=[plausible_date],
    )

    class Meta:
        model = Brief
        fields = [
            "needs",
            "blockers",
            "problems",
            "help_wanted",
            "stage",
            "next_step",
            "planned_visit_at",
            "wants_accompany",
        ]
        widgets = {
            "needs": forms.Textarea(attrs={"rows": 3}),
            "blockers": forms.Textarea(attrs={"rows": 2}),
            "problems": forms.Textarea(attrs={"rows": 2}),
            "help_wanted": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["stage"].queryset = PipelineStage.objects.all()


class DecisionForm(forms.Form):
    accompany = forms.ChoiceField(
        label=_("Accompany"), choices=Accompany.choices, widget=forms.RadioSelect
    )
    advice = forms.CharField(
        label=_("Advice"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_(
            "Columns: external_id, name, owner (login), stage (key or name), expected_value, "
            "last_contact (YYYY-MM-DD), unit (optional). UTF-8 or GBK."
        ),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > 5 * 1024 * 1024:
            raise forms.ValidationError(_("The file is larger than 5 MB."))
        return upload
