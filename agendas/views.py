"""The meeting room and the pages around it. Every view finds the meeting
through the visibility rule, calls one service, and answers with the part
of the page that changed (htmx) or a redirect back to the room."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin, UserPassesTestMixin
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import DetailView, ListView, TemplateView

from meetings import services as meeting_services
from meetings.kinds import Kind
from meetings.models import Meeting
from meetings.views import visible_meeting
from org.choices import ORGANISATION_WIDE_ROLES
from org.models import Person

from . import outputs, services
from .forms import (
    DecisionForm,
    ItemForm,
    PersonTextForm,
    PlanForm,
    RequirementForm,
    SubmissionForm,
    TemplateForm,
    TemplateItemFormSet,
)
from .models import AgendaItem, AgendaTemplate, MonthlyPlan


def is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


def invitees_of(meeting: Meeting):
    return Person.objects.filter(invitations__meeting=meeting).order_by("full_name")


def room_context(request, meeting: Meeting, unsaved_notes: dict | None = None, **extra) -> dict:
    """Everything the room shows. ``unsaved_notes`` maps item ids to minutes
    a user typed but could not save because someone else saved first."""
    user = request.user
    items = list(meeting.agenda_items.select_related("updated_by").order_by("position", "pk"))
    for item in items:
        item.unsaved_notes = (unsaved_notes or {}).get(item.pk)
    owners = meeting_services.invitable_people(user)
    context = {
        "meeting": meeting,
        "items": items,
        "backlog": AgendaItem.objects.backlog_for(meeting).select_related("meeting"),
        "decisions": meeting.decisions.select_related("owner", "agenda_item").order_by(
            "created_at"
        ),
        "invitations": meeting.invitations.select_related("person").order_by(
            "part", "person__full_name"
        ),
        "can_edit": services.can_take_minutes(user, meeting) and meeting.is_open,
        "overrun": services.timebox_overrun(meeting),
        "planned_minutes": sum(i.minutes for i in items if i.status != "moved"),
        "item_form": ItemForm(),
        "decision_form": DecisionForm(owners=owners),
        "missing": outputs.missing_outputs(meeting) if meeting.is_open else [],
        "next_meeting": services.next_meeting(meeting),
        "conclusion": getattr(meeting, "conclusion", None),
        "has_briefs": meeting.kind in (Kind.DAILY, Kind.WEEKLY),
        "now": timezone.now(),
    }
    if meeting.kind == Kind.STRATEGY:
        context["requirements"] = meeting.strategy_requirements.order_by("kind", "created_at")
        context["requirement_form"] = RequirementForm()
        context["feedback"] = meeting.rep_feedback.select_related("rep")
        context["feedback_form"] = PersonTextForm(people=invitees_of(meeting))
    if meeting.kind == Kind.MONTHLY:
        context["focus_reps"] = meeting.focus_reps.select_related("rep")
        context["focus_form"] = PersonTextForm(people=invitees_of(meeting))
        context["plans"] = meeting.monthly_plans.select_related("rep", "confirmed_by")
    if meeting.kind == Kind.QUARTERLY:
        opens, closes = services.collection_window(meeting)
        context.update(
            window_opens=opens,
            window_closes=closes,
            window_open=opens <= timezone.now() < closes,
            submissions=services.submissions_by_unit_and_theme(meeting),
            submission_form=SubmissionForm(),
        )
    context.update(extra)
    return context


class RoomView(LoginRequiredMixin, TemplateView):
    template_name = "agendas/room.html"

    def get_context_data(self, meeting_pk, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            **room_context(self.request, visible_meeting(self.request, meeting_pk)),
        }


class RoomActionView(LoginRequiredMixin, View):
    """A POST from the room. Errors become messages; htmx requests get the
    fragment named by ``fragment``, others are sent back to the room."""

    http_method_names = ["post"]
    fragment = "agendas/includes/room_body.html"

    def post(self, request, meeting_pk, **kwargs):
        self.meeting = visible_meeting(request, meeting_pk)
        try:
            response = self.act(request, self.meeting, **kwargs)
        except (ValueError, services.MinutesLocked) as error:
            messages.error(
                request, str(error) if not hasattr(error, "messages") else " ".join(error.messages)
            )
            response = None
        if response is not None:
            return response
        if is_htmx(request):
            self.meeting.refresh_from_db()
            return render(request, self.fragment, room_context(request, self.meeting))
        return redirect("agendas:room", meeting_pk=self.meeting.pk)

    def act(self, request, meeting, **kwargs):  # pragma: no cover - abstract
        raise NotImplementedError

    def item(self, meeting, item_pk) -> AgendaItem:
        return get_object_or_404(AgendaItem, meeting=meeting, pk=item_pk)


class AddItemView(RoomActionView):
    def act(self, request, meeting):
        form = ItemForm(request.POST)
        if not form.is_valid():
            raise ValueError(_("Give the item a title and a timebox in minutes."))
        services.add_item(
            meeting, request.user, form.cleaned_data["title"], form.cleaned_data["minutes"]
        )


class UpdateItemView(RoomActionView):
    """Save one field of an item. With htmx the answer updates only the
    item's version and saved-at marks, so the text being typed stays put;
    a conflict shows what the other person saved next to it."""

    def act(self, request, meeting, item_pk):
        item = self.item(meeting, item_pk)
        fields = {}
        for name in ("title", "notes", "status"):
            if name in request.POST:
                fields[name] = request.POST[name]
        if "minutes" in request.POST:
            try:
                fields["minutes"] = max(1, min(600, int(request.POST["minutes"])))
            except ValueError:
                raise ValueError(_("The timebox is a number of minutes.")) from None
        if fields.get("status") not in (None, "open", "done"):
            raise ValueError(_("An item is open or done."))
        try:
            version = int(request.POST.get("version", ""))
        except ValueError:
            raise ValueError(_("The page is out of date: reload it.")) from None
        try:
            item = services.update_item(item, request.user, version=version, **fields)
            conflict = None
        except services.EditConflict as error:
            item, conflict = error.current, error.current
        if is_htmx(request) and "notes" in fields and len(fields) == 1:
            return render(
                request,
                "agendas/includes/item_saved.html",
                {"item": item, "conflict": conflict, "now": timezone.now()},
            )
        if conflict is None:
            return None
        messages.warning(
            request,
            _("Someone else saved “%(title)s” meanwhile: check the item and save again.")
            % {"title": item.title},
        )
        if "notes" not in fields:
            return None
        # The room again, with this user's unsaved minutes kept in the box
        # and the other person's shown next to them: nothing is lost.
        return render(
            request,
            self.fragment if is_htmx(request) else "agendas/room.html",
            room_context(request, meeting, unsaved_notes={item.pk: fields["notes"]}),
        )


class MoveItemView(RoomActionView):
    def act(self, request, meeting, item_pk):
        services.move(
            self.item(meeting, item_pk),
            request.user,
            -1 if request.POST.get("direction") == "up" else 1,
        )


class ReorderView(RoomActionView):
    def act(self, request, meeting):
        ids = [int(pk) for pk in request.POST.getlist("item") if pk.isdigit()]
        services.reorder(meeting, request.user, ids)


class RemoveItemView(RoomActionView):
    def act(self, request, meeting, item_pk):
        services.remove_item(self.item(meeting, item_pk), request.user)


class TimerView(RoomActionView):
    def act(self, request, meeting, item_pk):
        services.toggle_timer(self.item(meeting, item_pk), request.user)


class NextMeetingView(RoomActionView):
    def act(self, request, meeting, item_pk):
        services.move_to_next_meeting(self.item(meeting, item_pk), request.user)
        messages.success(request, _("Moved to the next meeting."))


class CloseBacklogItemView(RoomActionView):
    """Close an item carried over from an earlier meeting of the series."""

    def act(self, request, meeting, item_pk):
        item = get_object_or_404(AgendaItem.objects.backlog_for(meeting), pk=item_pk)
        services.close_backlog_item(meeting, item, request.user)


class DecisionView(RoomActionView):
    def act(self, request, meeting):
        form = DecisionForm(request.POST, owners=meeting_services.invitable_people(request.user))
        if not form.is_valid():
            raise ValueError(_("A decision needs its text, an owner and a due time."))
        item = None
        if form.cleaned_data["agenda_item"]:
            item = self.item(meeting, form.cleaned_data["agenda_item"])
        services.add_decision(
            meeting,
            request.user,
            text=form.cleaned_data["text"],
            owner=form.cleaned_data["owner"],
            due_at=form.cleaned_data["due_at"],
            agenda_item=item,
        )


class CheckInView(RoomActionView):
    def act(self, request, meeting):
        person = get_object_or_404(invitees_of(meeting), pk=request.POST.get("person") or 0)
        services.check_in(meeting, request.user, person, request.POST.get("present") != "0")


class ConcludeView(RoomActionView):
    def act(self, request, meeting):
        try:
            services.conclude(
                meeting, request.user, override_reason=request.POST.get("override_reason", "")
            )
        except services.OutputsMissing as error:
            messages.warning(
                request, _("This meeting has not produced what its kind requires yet.")
            )
            if is_htmx(request):
                return render(
                    request,
                    self.fragment,
                    room_context(request, meeting, missing=error.missing, ask_override=True),
                )
            return None
        messages.success(
            request, _("Meeting concluded; the minutes are locked and the summary is on its way.")
        )
        if is_htmx(request):
            response = render(request, self.fragment, room_context(request, meeting))
            response["HX-Redirect"] = reverse("agendas:room", kwargs={"meeting_pk": meeting.pk})
            return response
        return None


class OutputView(RoomActionView):
    def act(self, request, meeting, output):
        user = request.user
        if output == "requirement":
            form = RequirementForm(request.POST)
            if not form.is_valid():
                raise ValueError(_("Choose the kind of requirement and write it."))
            services.add_strategy_requirement(
                meeting, user, form.cleaned_data["kind"], form.cleaned_data["text"]
            )
        elif output in ("feedback", "focus"):
            form = PersonTextForm(request.POST, people=invitees_of(meeting))
            if not form.is_valid():
                raise ValueError(_("Choose a rep from the invitees."))
            rep, text = form.cleaned_data["person"], form.cleaned_data["text"]
            if output == "feedback":
                if not text:
                    raise ValueError(_("Write the rep's feedback."))
                services.add_rep_feedback(meeting, user, rep, text)
            else:
                services.add_focus_rep(meeting, user, rep, text)
        elif output == "submission":
            form = SubmissionForm(request.POST)
            if not form.is_valid():
                raise ValueError(_("Choose a theme and write your submission."))
            try:
                services.submit_quarterly(
                    meeting, user, form.cleaned_data["theme"], form.cleaned_data["text"]
                )
            except PermissionDenied as error:
                raise ValueError(str(error)) from None
            messages.success(request, _("Submitted for the quarterly meeting."))
        else:
            raise ValueError(output)


class MinutesView(LoginRequiredMixin, DetailView):
    """The minutes on one printable page."""

    template_name = "agendas/minutes.html"
    context_object_name = "meeting"

    def get_object(self, queryset=None):
        return visible_meeting(self.request, self.kwargs["meeting_pk"])

    def get_context_data(self, **kwargs):
        from .summary import summary_context

        return {
            **super().get_context_data(**kwargs),
            **summary_context(self.object),
            "invitations": self.object.invitations.select_related("person"),
        }


class MonthlyPlanView(LoginRequiredMixin, TemplateView):
    """After a monthly meeting: each rep drafts a plan; the manager confirms
    each one in a 1:1."""

    template_name = "agendas/monthly_plans.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.meeting = visible_meeting(request, kwargs["meeting_pk"])
            if self.meeting.kind != Kind.MONTHLY:
                from django.http import Http404

                raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        mine = self.meeting.monthly_plans.filter(rep=self.request.user).first()
        return super().get_context_data(
            meeting=self.meeting,
            plans=self.meeting.monthly_plans.select_related("rep", "confirmed_by").order_by(
                "rep__full_name"
            ),
            my_plan=mine,
            plan_form=PlanForm(initial={"text": mine.text if mine else ""}),
            invited=self.meeting.invitations.filter(person=self.request.user).exists(),
            can_confirm=meeting_services.can_manage(self.request.user, self.meeting),
            **kwargs,
        )

    def post(self, request, meeting_pk):
        if "confirm" in request.POST:
            pk = request.POST["confirm"]
            plan = get_object_or_404(
                MonthlyPlan, meeting=self.meeting, pk=pk if pk.isdigit() else 0
            )
            services.confirm_monthly_plan(plan, request.user, request.POST.get("note", ""))
            messages.success(request, _("Plan confirmed in the 1:1."))
        else:
            form = PlanForm(request.POST)
            if form.is_valid():
                try:
                    services.draft_monthly_plan(
                        self.meeting, request.user, form.cleaned_data["text"]
                    )
                    messages.success(
                        request, _("Your plan is saved; your manager confirms it in your 1:1.")
                    )
                except services.MinutesLocked as error:
                    messages.error(request, str(error))
        return redirect("agendas:monthly-plans", meeting_pk=self.meeting.pk)


class TemplateEditorMixin(LoginRequiredMixin, UserPassesTestMixin):
    """Sales ops, executives and superusers maintain the templates."""

    def test_func(self):
        user = self.request.user
        return user.is_superuser or user.role in ORGANISATION_WIDE_ROLES


class TemplateListView(TemplateEditorMixin, ListView):
    template_name = "agendas/template_list.html"
    context_object_name = "templates"

    def get_queryset(self):
        return AgendaTemplate.objects.prefetch_related(Prefetch("items"))


class TemplateEditView(TemplateEditorMixin, View):
    def get(self, request, pk):
        template = get_object_or_404(AgendaTemplate, pk=pk)
        return self.render(
            request,
            template,
            TemplateForm(instance=template),
            TemplateItemFormSet(instance=template),
        )

    def post(self, request, pk):
        template = get_object_or_404(AgendaTemplate, pk=pk)
        form = TemplateForm(request.POST, instance=template)
        formset = TemplateItemFormSet(request.POST, instance=template)
        if form.is_valid() and formset.is_valid():
            services.save_template(form, formset)
            messages.success(
                request,
                _(
                    "Template saved. Meetings scheduled from now on use it; past meetings "
                    "keep their agenda."
                ),
            )
            return redirect("agendas:templates")
        return self.render(request, template, form, formset)

    def render(self, request, template, form, formset):
        return render(
            request,
            "agendas/template_form.html",
            {"template": template, "form": form, "formset": formset},
        )
