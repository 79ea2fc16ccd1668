"""The executive escalation dashboard, the manager's week and the rep's day."""

from __future__ import annotations

import csv
import datetime as dt

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.views import View
from django.views.generic import TemplateView

from actions.models import ActionItem, ActionState
from customers import services as customer_services
from meetings.cadence import cadence_health_for_units
from meetings.models import Meeting, Status
from org.models import Person, Unit
from org.services import ancestor_paths
from targets import figures as target_figures
from targets import services as target_services

from . import queries


def chosen_unit(request) -> Unit:
    units = Unit.objects.for_user(request.user)
    if request.GET.get("unit"):
        return get_object_or_404(
            units, pk=request.GET["unit"] if request.GET["unit"].isdigit() else 0
        )
    own = units.filter(pk=request.user.unit_id).first()
    unit = own or units.order_by("depth", "path").first()
    if unit is None:
        raise Http404
    return unit


class ExecutiveView(LoginRequiredMixin, TemplateView):
    """Breaches, gaps and reviews for a unit's tree, drilled down unit by
    unit; refreshed every minute (htmx)."""

    template_name = "dashboards/executive.html"

    def get_template_names(self):
        if self.request.headers.get("HX-Request") == "true":
            return ["dashboards/includes/executive_body.html"]
        return [self.template_name]

    def get_context_data(self, **kwargs):
        unit = chosen_unit(self.request)
        now = timezone.now()
        today = timezone.localdate(now)
        user = self.request.user
        breach_page = Paginator(queries.breaches(user, unit), 25).get_page(
            self.request.GET.get("page")
        )
        visible = Unit.objects.for_user(user)
        return super().get_context_data(
            unit=unit,
            lineage=list(visible.filter(path__in=ancestor_paths(unit)).order_by("depth")),
            headline=queries.headline(user, unit, now),
            breach_page=breach_page,
            heat=queries.heat_map(user, unit, today),
            weeks=queries.trends(user, unit, today),
            loss=queries.loss_chain(user, unit, today),
            now=now,
            **kwargs,
        )


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
                    item.title,
                    item.owner,
                    item.unit,
                    clock.policy.name,
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
        unit = chosen_unit(self.request)
        user = self.request.user
        today = timezone.localdate()
        monday = today - dt.timedelta(days=today.weekday())
        start = queries._day_start(monday)
        end = queries._day_start(monday + dt.timedelta(days=7))
        meetings = list(
            Meeting.objects.for_user(user)
            .filter(unit__path__startswith=unit.path, starts_at__gte=start, starts_at__lt=end)
            .exclude(status=Status.CANCELLED)
            .select_related("unit")
            .order_by("starts_at")
        )
        expected = customer_services.expected_for_meetings(meetings)
        rows = [(m, customer_services.completion(expected.get(m.pk, []))) for m in meetings]
        people = list(
            Person.objects.filter(is_active=True, unit__path__startswith=unit.path).order_by(
                "full_name"
            )
        )
        load = queries.meeting_load(people, start, end)
        report = target_figures.build(unit, target_services.period_for("quarter", today), today)
        behind = sorted(
            (
                row
                for key, row in report.rows.items()
                if key[1] is not None
                and any(f.gap is not None and f.gap > 0 for f in row.figures.values())
            ),
            key=lambda r: max((f.gap for f in r.figures.values() if f.gap is not None), default=0),
            reverse=True,
        )[:10]
        teams = list(Unit.objects.filter(path__startswith=unit.path, kind="team"))
        cadence = cadence_health_for_units(
            teams, monday - dt.timedelta(weeks=4), today + dt.timedelta(days=1), today=today
        )
        return super().get_context_data(
            unit=unit,
            meetings=rows,
            items=ActionItem.objects.for_user(user)
            .filter(unit__path__startswith=unit.path, state=ActionState.OPEN)
            .select_related("owner")
            .prefetch_related("clocks")
            .order_by("due_at")[:30],
            load=sorted(
                ((p, round(load.get(p.pk, 0), 1)) for p in people), key=lambda pair: -pair[1]
            ),
            behind=behind,
            cadence=[(team, cadence[team.pk]) for team in teams],
            **kwargs,
        )


class RepDayView(LoginRequiredMixin, TemplateView):
    """Today for a rep: meetings, briefs to fill, action items counting down, targets against pace."""

    template_name = "dashboards/rep.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        today = timezone.localdate()
        start = queries._day_start(today)
        meetings = list(
            Meeting.objects.attended_by(user)
            .filter(starts_at__gte=start, starts_at__lt=start + dt.timedelta(days=1))
            .exclude(status__in=[Status.CANCELLED, Status.PROPOSED])
            .order_by("starts_at")
        )
        upcoming = customer_services.upcoming_for_rep(user, days=2)
        figures = None
        if user.unit_id:
            report = target_figures.build(
                user.unit, target_services.period_for("quarter", today), today
            )
            row = report.rows.get((user.unit_id, user.pk))
            figures = row.figures if row else None
        return super().get_context_data(
            meetings=meetings,
            briefs=[
                (m, [e for e in items if e.status in ("missing", "draft")]) for m, items in upcoming
            ],
            items=ActionItem.objects.filter(owner=user, state=ActionState.OPEN)
            .prefetch_related("clocks")
            .order_by("due_at")[:20],
            figures=figures,
            **kwargs,
        )
