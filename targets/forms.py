from django import forms
from django.utils.translation import gettext_lazy as _

from org.models import Person, Unit

from .models import Metric, PeriodKind


class ReportFilterForm(forms.Form):
    unit = forms.ModelChoiceField(label=_("Unit"), queryset=Unit.objects.none(), required=False)
    kind = forms.ChoiceField(
        label=_("Period"), choices=PeriodKind.choices, initial=PeriodKind.QUARTER, required=False
    )
    date = forms.DateField(
        label=_("As of"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    metric = forms.ChoiceField(
        label=_("Chart"), choices=Metric.choices, initial=Metric.REVENUE, required=False
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = Unit.objects.for_user(user)


class ActualForm(forms.Form):
    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    metric = forms.ChoiceField(label=_("Metric"), choices=Metric.choices)
    value = forms.DecimalField(label=_("Value"), max_digits=16, decimal_places=2, min_value=0)
    rep = forms.ModelChoiceField(label=_("Rep"), queryset=Person.objects.none(), required=False)
    unit = forms.ModelChoiceField(label=_("Unit"), queryset=Unit.objects.none())

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = Unit.objects.for_user(user)
        self.fields["rep"].queryset = Person.objects.for_user(user).filter(role="rep")

    def clean(self):
        data = super().clean()
        rep, unit = data.get("rep"), data.get("unit")
        if rep and unit and rep.unit_id != unit.pk:
            self.add_error("rep", _("The rep does not belong to that unit."))
        return data


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV or Excel file"),
        help_text=_(
            "Columns: external_id, date, metric, value, rep (login, optional), unit (optional)."
        ),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > 5 * 1024 * 1024:
            raise forms.ValidationError(_("The file is larger than 5 MB."))
        return upload
