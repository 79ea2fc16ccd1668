"""Customers, the rep's prepare page and brief form, and the brief panel
that the meeting room loads. Thin: find through the visibility rule, call
``services``, render."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import DetailView, FormView, TemplateView
from django_filters.views import FilterView

from meetings import services as meeting_services
from meetings.kinds import Kind
from meetings.views import visible_meeting
from org.models import Person

from . import importing, services
from .filtersets import CustomerFilter
from .forms import BriefForm, DecisionForm, ImportForm
from .models import Brief, Customer, PipelineStage, VisitPlan


def is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


class CustomerListView(LoginRequiredMixin, FilterView):
    template_name = "customers/customer_list.html"
    filterset_class = CustomerFilter
    paginate_by = 50
    context_object_name = "customers"

    def get_queryset(self):
        return Customer.objects.for_user(self.request.user).select_related("owner", "unit", "stage")


class CustomerDetailView(LoginRequiredMixin, DetailView):
    template_name = "customers/customer_detail.html"
    context_object_name = "customer"

    def get_queryset(self):
        return Customer.objects.for_user(self.request.user).select_related("owner", "unit", "stage")

    def get_context_data(self, **kwargs):
        customer = self.object
        return super().get_context_data(
            history=customer.history.select_related("history_user").order_by("-history_date")[:20],
            briefs=Brief.objects.for_user(self.request.user)
            .filter(customer=customer)
            .select_related("meeting", "rep", "stage")
            .order_by("-meeting__starts_at")[:10],
            **kwargs,
        )


class ImportView(LoginRequiredMixin, FormView):
    """Managers and sales ops import customers from the CRM's CSV export."""

    template_name = "customers/import.html"
    form_class = ImportForm

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not (
            request.user.is_manager or request.user.role == "sales_ops" or request.user.is_superuser
        ):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def form_valid(self, form):
        try:
            result = importing.import_csv(form.cleaned_data["file"].read(), self.request.user)
        except importing.ImportFailed as failure:
            return self.render_to_response(self.get_context_data(form=form, errors=failure.errors))
        messages.success(
            self.request,
            _("Import done: %(created)d created, %(updated)d updated, %(unchanged)d unchanged.")
            % {"created": result.created, "updated": result.updated, "unchanged": result.unchanged},
        )
        return redirect("customers:list")


class PrepareView(LoginRequiredMixin, TemplateView):
    """The rep's preparation: the briefs each coming meeting expects from
    them, with what is done and what is due when."""

    template_name = "customers/prepare.html"

    def get_context_data(self, **kwargs):
        upcoming = services.upcoming_for_rep(self.request.user)
        rows = []
        for meeting, expected in upcoming:
            done = sum(1 for e in expected if e.status in ("submitted", "late"))
            rows.append(
                {
                    "meeting": meeting,
                    "expected": expected,
                    "done": done,
                    "total": len(expected),
                    "percent": int(100 * done / len(expected)) if expected else 100,
                    "deadline": services.deadline(meeting),
                }
            )
        return super().get_context_data(
            rows=rows,
            reminders=services.open_reminders(self.request.user),
            now=timezone.now(),
            **kwargs,
        )


class BriefView(LoginRequiredMixin, View):
    """The rep's own brief on one customer for one meeting, pre-filled.
    "Save draft" keeps it; "Submit" hands it in. With htmx, a draft is saved
    as the rep types; the page also keeps a copy in the phone's storage
    until the server has it, so a dropped connection loses nothing."""

    template = "customers/brief_form.html"

    def setup_objects(self, request, meeting_pk, customer_pk):
        self.meeting = visible_meeting(request, meeting_pk)
        self.customer = get_object_or_404(
            Customer.objects.for_user(request.user).select_related("stage"), pk=customer_pk
        )
        self.brief = services.brief_for(self.meeting, self.customer, request.user)

    def get(self, request, meeting_pk, customer_pk):
        self.setup_objects(request, meeting_pk, customer_pk)
        return self.render(request, BriefForm(instance=self.brief))

    def post(self, request, meeting_pk, customer_pk):
        self.setup_objects(request, meeting_pk, customer_pk)
        form = BriefForm(request.POST, instance=self.brief)
        submit = "submit" in request.POST
        if not form.is_valid():
            if is_htmx(request):
                return HttpResponse(status=204)
            return self.render(request, form)
        data = {name: form.cleaned_data[name] for name in services.BRIEF_FIELDS}
        try:
            brief = services.save_brief(
                self.meeting, self.customer, request.user, data, submit=submit
            )
        except (PermissionDenied, ValueError) as error:
            if is_htmx(request):
                return render(request, "customers/includes/autosave.html", {"error": str(error)})
            messages.error(request, str(error))
            return self.render(request, form)
        if is_htmx(request) and not submit:
            return render(
                request, "customers/includes/autosave.html", {"brief": brief, "now": timezone.now()}
            )
        if submit:
            messages.success(
                request,
                _("Brief on %(customer)s submitted.") % {"customer": self.customer}
                if not brief.is_late
                else _("Brief on %(customer)s submitted, after the deadline.")
                % {"customer": self.customer},
            )
            return redirect("customers:prepare")
        messages.success(request, _("Draft saved."))
        return redirect("customers:brief", meeting_pk=self.meeting.pk, customer_pk=self.customer.pk)

    def render(self, request, form):
        return render(
            request,
            self.template,
            {
                "form": form,
                "meeting": self.meeting,
                "customer": self.customer,
                "brief": self.brief,
                "deadline": services.deadline(self.meeting),
                "locked": not self.meeting.is_open,
            },
        )


def panel_context(request, meeting) -> dict:
    manages = meeting_services.can_manage(request.user, meeting)
    expected = services.expected_briefs_seen_by(meeting, request.user)
    submitted = [e for e in expected if e.brief is not None and e.brief.is_submitted]
    context = {
        "meeting": meeting,
        "expected": expected,
        "completion": services.completion(expected),
        "can_decide": manages and meeting.is_open,
        "decision_form": DecisionForm(),
        "submitted": submitted,
    }
    if meeting.kind == Kind.WEEKLY:
        customers = sorted(
            {e.customer.pk: e.customer for e in expected}.values(), key=lambda c: c.name
        )
        context["changes"] = services.changes_since_last_weekly(meeting, customers)
        context["stages"] = PipelineStage.objects.all()
    return context


class BriefPanelView(LoginRequiredMixin, View):
    """The brief panel of the meeting room (loaded by htmx)."""

    def get(self, request, meeting_pk):
        meeting = visible_meeting(request, meeting_pk)
        return render(
            request, "customers/includes/brief_panel.html", panel_context(request, meeting)
        )


class DecideView(LoginRequiredMixin, View):
    def post(self, request, meeting_pk, brief_pk):
        meeting = visible_meeting(request, meeting_pk)
        brief = get_object_or_404(
            Brief.objects.for_user(request.user), meeting=meeting, pk=brief_pk
        )
        form = DecisionForm(request.POST)
        if form.is_valid():
            try:
                services.decide(
                    brief,
                    request.user,
                    accompany=form.cleaned_data["accompany"],
                    advice=form.cleaned_data["advice"],
                )
            except services.BriefsLocked as error:
                messages.error(request, str(error))
        return self.answer(request, meeting)

    @staticmethod
    def answer(request, meeting):
        if is_htmx(request):
            return render(
                request, "customers/includes/brief_panel.html", panel_context(request, meeting)
            )
        return redirect("agendas:room", meeting_pk=meeting.pk)


class ConfirmStageView(LoginRequiredMixin, View):
    def post(self, request, meeting_pk, customer_pk):
        meeting = visible_meeting(request, meeting_pk)
        customer = get_object_or_404(Customer.objects.for_user(request.user), pk=customer_pk)
        stage = get_object_or_404(PipelineStage, pk=request.POST.get("stage") or 0)
        services.confirm_stage(customer, request.user, stage)
        return DecideView.answer(request, meeting)


class VisitPlanView(LoginRequiredMixin, View):
    """Next week's visit plan per rep (customers by days), built in the weekly
    meeting: each ticked cell tells that day's daily meeting to expect a brief."""

    def days(self, meeting) -> list[dt.date]:
        start = timezone.localtime(meeting.starts_at).date()
        monday = (
            start + dt.timedelta(days=(7 - start.weekday()) % 7 or 7)
            if start.weekday() >= 3
            else start - dt.timedelta(days=start.weekday())
        )
        return [monday + dt.timedelta(days=i) for i in range(5)]

    def get(self, request, meeting_pk):
        meeting = visible_meeting(request, meeting_pk)
        days = self.days(meeting)
        reps = list(
            Person.objects.filter(invitations__meeting=meeting, role="rep").order_by("full_name")
        )
        customers = (
            Customer.objects.for_user(request.user).active().filter(owner__in=reps).order_by("name")
        )
        planned = set(
            VisitPlan.objects.filter(rep__in=reps, day__in=days).values_list(
                "rep_id", "customer_id", "day"
            )
        )
        by_rep = {rep.pk: [] for rep in reps}
        for customer in customers:
            by_rep.setdefault(customer.owner_id, []).append(customer)
        grid = [
            (
                rep,
                [
                    (customer, [(day, (rep.pk, customer.pk, day) in planned) for day in days])
                    for customer in by_rep.get(rep.pk, [])
                ],
            )
            for rep in reps
        ]
        return render(
            request,
            "customers/visit_plan.html",
            {
                "meeting": meeting,
                "days": days,
                "grid": grid,
                "can_plan": meeting_services.can_manage(request.user, meeting),
            },
        )

    def post(self, request, meeting_pk):
        meeting = visible_meeting(request, meeting_pk)
        rep = get_object_or_404(
            Person.objects.for_user(request.user), pk=request.POST.get("rep") or 0
        )
        customer = get_object_or_404(
            Customer.objects.for_user(request.user), pk=request.POST.get("customer") or 0
        )
        try:
            day = dt.date.fromisoformat(request.POST.get("day", ""))
        except ValueError:
            return HttpResponse(status=400)
        planned = request.POST.get("planned") == "1"
        services.set_visit(rep, customer, day, planned, request.user, meeting)
        if is_htmx(request):
            return render(
                request,
                "customers/includes/visit_cell.html",
                {
                    "meeting": meeting,
                    "rep": rep,
                    "customer": customer,
                    "day": day,
                    "planned": planned,
                    "can_plan": True,
                },
            )
        return redirect("customers:visit-plan", meeting_pk=meeting.pk)
