"""Plan against actual, with a pace chart and drill-down to reps; recording
and importing actuals."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.db.models import Sum
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.generic import FormView, TemplateView

from org.models import Person, Unit
from org.workdays import WorkingCalendar

from . import figures, pacing, services
from .forms import ActualForm, ImportForm, ReportFilterForm
from .models import Actual, Metric, PeriodKind, Target


def pace_series(unit: Unit, period, metric: str, today: dt.date, target: Decimal) -> dict:
    """Cumulative actual per day against the expected pace, for the chart."""
    rows = dict(
        Actual.objects.filter(
            unit__path__startswith=unit.path,
            metric=metric,
            date__gte=period.starts_on,
            date__lte=period.ends_on,
        )
        .values_list("date")
        .annotate(total=Sum("value"))
        .values_list("date", "total")
    )
    curve = pacing.active_curve()
    calendar = WorkingCalendar.for_span(period.starts_on, period.ends_on)
    labels, expected, actual = [], [], []
    running = Decimal(0)
    day = period.starts_on
    while day <= period.ends_on:
        running += rows.get(day, Decimal(0))
        labels.append(day.isoformat())
        fraction = pacing.elapsed_fraction(period, day, calendar)
        expected.append(float(pacing.expected_to_date(target, fraction, curve)))
        actual.append(float(running) if day <= today else None)
        day += dt.timedelta(days=1)
    return {"labels": labels, "expected": expected, "actual": actual, "target": float(target)}


class ReportView(LoginRequiredMixin, TemplateView):
    template_name = "targets/report.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        form = ReportFilterForm(self.request.GET or None, user=user)
        form.is_valid()
        data = getattr(form, "cleaned_data", {}) or {}
        units = Unit.objects.for_user(user)
        unit = data.get("unit") or units.filter(pk=user.unit_id).first() or units.first()
        today = data.get("date") or timezone.localdate()
        kind = data.get("kind") or PeriodKind.QUARTER
        metric = data.get("metric") or Metric.REVENUE
        context = {
            "form": form,
            "unit": unit,
            "today": today,
            "metric": metric,
            "metrics": Metric.choices,
        }
        if unit is not None:
            period = services.period_for(kind, today)
            report = figures.build(unit, period, today)
            context.update(
                period=period,
                report=report,
                threshold=Decimal(str(self.request_settings("SALESMEET_GAP_THRESHOLD"))),
                chart=pace_series(unit, period, metric, today, report.root.figures[metric].target),
                reviews=unit.gap_reviews.filter(period=period).select_related("meeting"),
            )
        return {**super().get_context_data(**kwargs), **context}

    @staticmethod
    def request_settings(name):
        from django.conf import settings

        return getattr(settings, name)


class ActualCreateView(LoginRequiredMixin, FormView):
    template_name = "targets/actual_form.html"
    form_class = ActualForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def get_initial(self):
        return {"date": timezone.localdate(), "unit": self.request.user.unit}

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            services.record_actual(
                self.request.user,
                date=data["date"],
                unit=data["unit"],
                rep=data["rep"],
                metric=data["metric"],
                value=data["value"],
            )
        except PermissionDenied as error:
            form.add_error(None, str(error) or _("You cannot record results for this unit."))
            return self.form_invalid(form)
        messages.success(self.request, _("Result recorded; the gap rule runs again."))
        return redirect("targets:report")


class ImportView(LoginRequiredMixin, FormView):
    template_name = "targets/import.html"
    form_class = ImportForm

    def form_valid(self, form):
        from . import importing

        upload = form.cleaned_data["file"]
        try:
            result = importing.import_actuals_file(upload.read(), upload.name, self.request.user)
        except importing.ImportFailed as failure:
            return self.render_to_response(self.get_context_data(form=form, errors=failure.errors))
        messages.success(
            self.request,
            _("Import done: %(created)d created, %(updated)d updated, %(unchanged)d unchanged.")
            % {"created": result.created, "updated": result.updated, "unchanged": result.unchanged},
        )
        return redirect("targets:report")


class PlanGridView(LoginRequiredMixin, TemplateView):
    """The plan meeting's output screen: a unit's targets broken down to its
    teams and reps, a cell saved as it is typed (htmx), with a warning where
    the parts do not add up to the whole, and who set and confirmed each."""

    template_name = "targets/plan.html"

    def setup_plan(self):
        form = ReportFilterForm(
            self.request.GET or self.request.POST or None, user=self.request.user
        )
        form.is_valid()
        data = getattr(form, "cleaned_data", {}) or {}
        units = Unit.objects.for_user(self.request.user)
        self.unit = (
            data.get("unit") or units.filter(pk=self.request.user.unit_id).first() or units.first()
        )
        if self.unit is None:
            raise PermissionDenied
        self.period = services.period_for(
            data.get("kind") or PeriodKind.QUARTER, data.get("date") or timezone.localdate()
        )
        return form

    def get_context_data(self, **kwargs):
        form = self.setup_plan()
        from .models import Plan

        return super().get_context_data(
            form=form,
            unit=self.unit,
            period=self.period,
            grid=services.decomposition(self.unit, self.period),
            metrics=Metric.choices,
            can_plan=services.can_plan(self.request.user, self.unit),
            plan=Plan.objects.filter(unit=self.unit, period=self.period).first(),
            **kwargs,
        )

    def post(self, request):
        self.setup_plan()
        action = request.POST.get("action")
        try:
            if action == "cell":
                unit = get_object_or_404(
                    Unit.objects.for_user(request.user), pk=request.POST.get("cell_unit") or 0
                )
                rep = None
                if request.POST.get("cell_rep"):
                    rep = get_object_or_404(
                        Person.objects.for_user(request.user), pk=request.POST["cell_rep"]
                    )
                metric = request.POST.get("metric")
                if metric not in Metric.values:
                    raise ValueError(_("Unknown metric."))
                try:
                    value = Decimal(request.POST.get("value") or "0")
                except ArithmeticError:
                    raise ValueError(_("A target is a number.")) from None
                services.set_target(request.user, self.period, unit, metric, value, rep)
            elif action == "confirm":
                target = get_object_or_404(
                    Target.objects.for_user(request.user), pk=request.POST.get("target") or 0
                )
                services.confirm_target(request.user, target)
            elif action == "plan":
                services.save_plan(
                    request.user,
                    self.unit,
                    self.period,
                    methods=request.POST.get("methods", ""),
                    regions=request.POST.get("regions", ""),
                    resources=request.POST.get("resources", ""),
                )
                messages.success(request, _("Plan saved."))
        except (ValueError, PermissionDenied) as error:
            messages.error(request, str(error) or _("You cannot plan for this unit."))
        if request.headers.get("HX-Request") == "true":
            context = self.get_context_data()
            return render(request, "targets/includes/plan_grid.html", context)
        return redirect(
            f"{request.path}?unit={self.unit.pk}&kind={self.period.kind}&date={self.period.starts_on:%Y-%m-%d}"
        )
