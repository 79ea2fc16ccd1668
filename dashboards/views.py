"""The executive escalation dashboard, the manager's week and the rep's day."""

from __future__ import annotations

import csv

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.views import View
from django.views.generic import TemplateView

from org.models import Unit

from . import queries


def chosen_unit(request) -> Unit:
    """The unit of ``?unit=`` if the user may see it (404 if not), else their own."""
    raw = request.GET.get("unit")
    return queries.visible_unit(request.user, (int(raw) if raw.isdecimal() else 0) if raw else None)


class ExecutiveView(LoginRequiredMixin, TemplateView):
    """Breaches, gaps and reviews for a unit's tree, drilled down unit by
    unit; refreshed every minute (htmx)."""

    template_name = "dashboards/executive.html"

    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        # The page and its htmx fragment share a URL: caches must tell them apart.
        patch_vary_headers(response, ["HX-Request"])
        return response

    def get_template_names(self):
        if self.request.headers.get("HX-Request") == "true":
            return ["dashboards/includes/executive_body.html"]
        return [self.template_name]

    def get_context_data(self, **kwargs):
        unit = chosen_unit(self.request)
        now = timezone.now()
        user = self.request.user
        figures = queries.executive(user, unit, now)
        breach_page = Paginator(queries.breaches(user, unit), 25).get_page(
            self.request.GET.get("page")
        )
        return super().get_context_data(
            unit=unit,
            lineage=figures.lineage,
            headline=figures.headline,
            breach_page=breach_page,
            heat=figures.heat,
            weeks=figures.weeks,
            loss=figures.loss,
            now=now,
            **kwargs,
        )


def text_cell(value) -> str:
    """Text a spreadsheet shows as text: one starting like a formula (a
    title such as "=HYPERLINK(…)") gets a leading apostrophe."""
    text = str(value)
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


class BreachCsvView(LoginRequiredMixin, View):
    def get(self, request):
        unit = chosen_unit(request)
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="breaches-{unit.pk}.csv"'
        response.write("\ufeff")  # Excel in China opens UTF-8 CSV correctly only with a BOM
        writer = csv.writer(response)
        writer.writerow(
            ["item", "owner", "unit", "policy", "deadline", "breached_at", "level", "age_hours"]
        )
        now = timezone.now()
        for clock in queries.breaches(request.user, unit).iterator(chunk_size=1000):
            item = clock.action_item
            writer.writerow(
                [
                    text_cell(item.title),
                    text_cell(item.owner),
                    text_cell(item.unit),
                    text_cell(clock.policy.name),
                    timezone.localtime(clock.deadline).isoformat(),
                    timezone.localtime(clock.breached_at).isoformat(),
                    clock.level,
                    round((now - clock.breached_at).total_seconds() / 3600, 1),
                ]
            )
        return response


class LossCsvView(LoginRequiredMixin, View):
    def get(self, request):
        unit = chosen_unit(request)
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="loss-{unit.pk}.csv"'
        response.write("\ufeff")
        writer = csv.writer(response)
        writer.writerow(["step", "label", "done", "total", "rate"])
        for step in queries.loss_chain(request.user, unit, timezone.localdate()):
            writer.writerow(
                [
                    step.key,
                    step.label,
                    step.done,
                    step.total,
                    "" if step.rate is None else round(step.rate, 4),
                ]
            )
        return response


class ManagerWeekView(LoginRequiredMixin, TemplateView):
    """This week for a manager's unit: meetings with brief completion, open
    action items, reps who need help, cadence health and meeting load."""

    template_name = "dashboards/manager.html"

    def get_context_data(self, **kwargs):
        week = queries.manager_week(
            self.request.user, chosen_unit(self.request), timezone.localdate()
        )
        return super().get_context_data(
            unit=week.unit,
            meetings=week.meetings,
            items=week.items,
            load=week.load,
            behind=week.behind,
            cadence=week.cadence,
            **kwargs,
        )


class RepDayView(LoginRequiredMixin, TemplateView):
    """Today for a rep: meetings, briefs to fill, action items counting
    down, targets against pace."""

    template_name = "dashboards/rep.html"

    def get_context_data(self, **kwargs):
        day = queries.rep_day(self.request.user, timezone.localdate())
        return super().get_context_data(
            meetings=day.meetings,
            briefs=day.briefs_to_fill,
            items=day.items,
            figures=day.figures,
            **kwargs,
        )
