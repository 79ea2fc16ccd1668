"""HTML pages for meetings. Each view parses the request, calls a service
and renders; the rules and writes live in ``services`` and ``series``."""

from __future__ import annotations

import calendar as pycalendar
import datetime as dt

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import DetailView, FormView, TemplateView
from django_filters.views import FilterView

from org.models import Unit
from salesmeet.validators import plausible_date

from . import cadence, ical, notifications, series, services
from .filtersets import MeetingListFilter
from .forms import ConfirmTimeForm, EditScopeForm, MeetingForm, initial_for
from .kinds import Kind, rule_for
from .models import Invitation, Meeting, Rsvp, Status


def visible_meetings(request):
    return Meeting.objects.for_user(request.user).select_related("unit", "chair")


def visible_meeting(request, pk: int) -> Meeting:
    return get_object_or_404(visible_meetings(request), pk=pk)


class MeetingListView(LoginRequiredMixin, FilterView):
    template_name = "meetings/meeting_list.html"
    filterset_class = MeetingListFilter
    paginate_by = 50
    context_object_name = "meetings"

    def get_queryset(self):
        return visible_meetings(self.request).order_by("-starts_at")


def unit_id(request) -> int | None:
    """The id in ``?unit=``, if it is one (anything else: none, not a 500)."""
    raw = request.GET.get("unit", "")
    return int(raw) if raw.isdecimal() else None


class CalendarView(LoginRequiredMixin, TemplateView):
    """A week (default) or month of the meetings the user may see; ``mine=1``
    keeps those they chair or are invited to."""

    template_name = "meetings/calendar.html"

    def get_context_data(self, **kwargs):
        view = "month" if self.request.GET.get("view") == "month" else "week"
        try:
            anchor = dt.date.fromisoformat(self.request.GET.get("date", ""))
            plausible_date(anchor)  # near year 1 or 9999 the week's bounds overflow
        except (ValueError, ValidationError):
            anchor = timezone.localdate()
        if view == "week":
            first = anchor - dt.timedelta(days=anchor.weekday())
            days = [first + dt.timedelta(days=i) for i in range(7)]
            previous, following = first - dt.timedelta(days=7), first + dt.timedelta(days=7)
        else:
            weeks = pycalendar.Calendar().monthdatescalendar(anchor.year, anchor.month)
            days = [day for week in weeks for day in week]
            previous = (anchor.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
            following = (anchor.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
        tz = timezone.get_current_timezone()
        start = dt.datetime.combine(days[0], dt.time.min, tz)
        end = dt.datetime.combine(days[-1] + dt.timedelta(days=1), dt.time.min, tz)
        meetings = visible_meetings(self.request).between(start, end).order_by("starts_at")
        mine = self.request.GET.get("mine") == "1"
        if mine:
            meetings = meetings.attended_by(self.request.user)
        by_day: dict[dt.date, list[Meeting]] = {day: [] for day in days}
        for meeting in meetings:
            day = timezone.localtime(meeting.starts_at).date()
            if day in by_day:  # a meeting that began the evening before is shown there
                by_day[day].append(meeting)
        cells = [(day, by_day[day]) for day in days]
        return super().get_context_data(
            view=view,
            anchor=anchor,
            days=cells,
            weeks=[cells[i : i + 7] for i in range(0, len(cells), 7)],
            previous=previous,
            following=following,
            today=timezone.localdate(),
            mine=mine,
            **kwargs,
        )


class MeetingFormMixin:
    """Renders refusals as errors and warnings as a confirmation step."""

    def problems_response(self, form, error: services.SchedulingError):
        if error.verdict.refusals:
            for problem in error.verdict.refusals:
                form.add_error(None, problem.message)
            return self.render_to_response(self.get_context_data(form=form))
        data = form.data.copy()
        data["accept_warnings"] = "on"
        confirm = self.get_form_class()(data, **self.get_form_kwargs_without_data())
        confirm.is_valid()
        return self.render_to_response(
            self.get_context_data(form=confirm, warnings=error.verdict.warnings)
        )


class MeetingCreateView(LoginRequiredMixin, MeetingFormMixin, FormView):
    template_name = "meetings/meeting_form.html"
    form_class = MeetingForm

    def get_form_kwargs_without_data(self):
        return {"user": self.request.user}

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def get_initial(self):
        kind = self.request.GET.get("kind", Kind.WEEKLY)
        if kind not in Kind.values:
            kind = Kind.WEEKLY
        units = Unit.objects.for_user(self.request.user)
        unit = units.filter(pk=unit_id(self.request) or self.request.user.unit_id).first()
        return initial_for(self.request.user, kind, unit)

    def get_context_data(self, **kwargs):
        form = kwargs.get("form") or self.get_form()
        kind = form.data.get("kind") or form.initial.get("kind") or Kind.WEEKLY
        rule = rule_for(kind if kind in Kind.values else Kind.WEEKLY)
        return super().get_context_data(rule=rule, creating=True, **kwargs)

    def form_valid(self, form):
        spec = form.spec()
        accept = form.cleaned_data["accept_warnings"]
        draft = form.cleaned_data["draft"]
        try:
            if form.cleaned_data["repeat"]:
                _series, meeting = series.create_series(
                    spec,
                    self.request.user,
                    form.cleaned_data["repeat"],
                    until=form.cleaned_data["until"],
                    accept_warnings=accept,
                    draft=draft,
                )
            else:
                meeting, _verdict = services.schedule_meeting(
                    spec, self.request.user, accept_warnings=accept, draft=draft
                )
        except services.SchedulingError as error:
            return self.problems_response(form, error)
        messages.success(
            self.request,
            _("Saved as a draft: nobody has been notified.")
            if draft
            else _("Meeting scheduled; invitations are on their way."),
        )
        return redirect(meeting)


class InviteePickerView(LoginRequiredMixin, View):
    """htmx: the invitee checkboxes for a kind and unit, defaults ticked."""

    def get(self, request):
        kind = request.GET.get("kind", Kind.WEEKLY)
        if kind not in Kind.values:
            raise Http404
        unit = Unit.objects.for_user(request.user).filter(pk=unit_id(request) or 0).first()
        form = MeetingForm(user=request.user, initial=initial_for(request.user, kind, unit))
        return render(
            request,
            "meetings/includes/invitee_picker.html",
            {"form": form, "rule": rule_for(kind)},
        )


class MeetingDetailView(LoginRequiredMixin, DetailView):
    template_name = "meetings/meeting_detail.html"
    context_object_name = "meeting"

    def get_object(self, queryset=None):
        return visible_meeting(self.request, self.kwargs["pk"])

    def get_context_data(self, **kwargs):
        meeting = self.object
        invitations = list(
            meeting.invitations.select_related("person__unit").order_by("part", "person__full_name")
        )
        mine = next((i for i in invitations if i.person_id == self.request.user.pk), None)
        return super().get_context_data(
            invitations=invitations,
            my_invitation=mine,
            can_manage=services.can_manage(self.request.user, meeting),
            rule=meeting.rule,
            confirm_form=ConfirmTimeForm(
                initial={
                    "starts_at": timezone.localtime(meeting.starts_at),
                    "ends_at": timezone.localtime(meeting.ends_at),
                }
            ),
            answers=[
                (Rsvp.ACCEPTED, _("Accept")),
                (Rsvp.TENTATIVE, _("Maybe")),
                (Rsvp.DECLINED, _("Decline")),
            ],
            **kwargs,
        )


class MeetingUpdateView(LoginRequiredMixin, MeetingFormMixin, FormView):
    template_name = "meetings/meeting_form.html"
    form_class = MeetingForm

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.meeting = visible_meeting(request, kwargs["pk"])
        if not services.can_manage(request.user, self.meeting):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs_without_data(self):
        return {"user": self.request.user, "meeting": self.meeting}

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), **self.get_form_kwargs_without_data()}

    def get_initial(self):
        m = self.meeting
        return {
            "title": m.title,
            "starts_at": timezone.localtime(m.starts_at),
            "ends_at": timezone.localtime(m.ends_at),
            "location": m.location,
            "online_url": m.online_url,
            "description": m.description,
            "customer_name": m.customer_name,
            "customer_ref": m.customer_ref,
            "decision_maker": m.decision_maker,
            "invitees": list(
                m.invitations.exclude(person=m.chair).values_list("person_id", flat=True)
            ),
        }

    def get_context_data(self, **kwargs):
        scope = EditScopeForm(self.request.POST or None) if self.meeting.series_id else None
        return super().get_context_data(meeting=self.meeting, scope_form=scope, **kwargs)

    def form_valid(self, form):
        accept = form.cleaned_data["accept_warnings"]
        invitees = [p for p in form.cleaned_data["invitees"] if p.pk != self.meeting.chair_id]
        following = (
            self.meeting.series_id and self.request.POST.get("scope") == EditScopeForm.FOLLOWING
        )
        try:
            if following:
                series.edit_following(
                    self.meeting, self.request.user, form.changes(), accept_warnings=accept
                )
            else:
                services.update_meeting(
                    self.meeting,
                    self.request.user,
                    form.changes(),
                    invitees=invitees,
                    accept_warnings=accept,
                )
        except services.SchedulingError as error:
            return self.problems_response(form, error)
        messages.success(
            self.request, _("Meeting updated; invitees are told of any change of time or place.")
        )
        return redirect(self.meeting)


class MeetingActionView(LoginRequiredMixin, View):
    """A POST that changes one meeting and returns to its page."""

    http_method_names = ["post"]

    def post(self, request, pk):
        meeting = visible_meeting(request, pk)
        self.act(request, meeting)
        return redirect(meeting)

    def act(self, request, meeting):  # pragma: no cover - abstract
        raise NotImplementedError


class CancelMeetingView(MeetingActionView):
    def act(self, request, meeting):
        if request.POST.get("series") == "1" and meeting.series_id:
            count = series.cancel_series(meeting.series, request.user, from_meeting=meeting)
            messages.success(
                request, _("%(count)d meetings of the series cancelled.") % {"count": count}
            )
        else:
            services.cancel_meeting(meeting, request.user, request.POST.get("reason", "")[:500])
            messages.success(request, _("Meeting cancelled; invitees are told."))


class PublishMeetingView(MeetingActionView):
    def act(self, request, meeting):
        services.publish_meeting(meeting, request.user)
        messages.success(request, _("Meeting scheduled; invitations are on their way."))


class AnswerView(MeetingActionView):
    def act(self, request, meeting):
        invitation = get_object_or_404(Invitation, meeting=meeting, person=request.user)
        try:
            services.set_rsvp(invitation, request.POST.get("answer", ""))
        except ValueError:
            messages.error(request, _("Choose accept, maybe or decline."))
            return
        messages.success(request, _("Your answer is recorded."))


class AttendanceView(MeetingActionView):
    def act(self, request, meeting):
        present = {int(pk) for pk in request.POST.getlist("present") if pk.isdigit()}
        invited = meeting.invitations.values_list("person_id", flat=True)
        services.record_attendance(meeting, request.user, {pk: pk in present for pk in invited})
        messages.success(request, _("Attendance recorded."))


class ApproveView(MeetingActionView):
    def act(self, request, meeting):
        try:
            services.record_approval(meeting, request.user, request.POST.get("note", ""))
        except ValueError as error:
            messages.error(request, str(error))
            return
        messages.success(request, _("Approval recorded."))


class MeetingIcsView(LoginRequiredMixin, View):
    def get(self, request, pk):
        meeting = get_object_or_404(
            visible_meetings(request).prefetch_related("invitations__person"), pk=pk
        )
        response = HttpResponse(
            ical.meeting_calendar(meeting, method="PUBLISH"),
            content_type="text/calendar; charset=utf-8",
        )
        response["Content-Disposition"] = f'attachment; filename="meeting-{meeting.pk}.ics"'
        return response


class RsvpLinkView(View):
    """The accept/decline links in invitation emails. The signed token is the
    credential; GET only shows what the click will do, so that mail
    scanners that follow links do not answer for the invitee."""

    def dispatch(self, request, token):
        try:
            invitation_id, answer = notifications.read_rsvp_token(token)
        except signing.BadSignature:
            return render(request, "meetings/rsvp_invalid.html", status=400)
        self.invitation = get_object_or_404(
            Invitation.objects.select_related("meeting__chair", "person"), pk=invitation_id
        )
        self.answer = answer
        return super().dispatch(request, token)

    def get(self, request, token):
        return render(
            request,
            "meetings/rsvp.html",
            {
                "invitation": self.invitation,
                "meeting": self.invitation.meeting,
                "answer": self.answer,
                "answer_label": Rsvp(self.answer).label,
                "done": False,
            },
        )

    def post(self, request, token):
        services.set_rsvp(self.invitation, self.answer)
        return render(
            request,
            "meetings/rsvp.html",
            {
                "invitation": self.invitation,
                "meeting": self.invitation.meeting,
                "answer": self.answer,
                "answer_label": Rsvp(self.answer).label,
                "done": True,
            },
        )


class FeedView(View):
    """The private subscription feed; the token in the URL is the credential."""

    def get(self, request, token):
        person = services.person_for_feed_token(token)
        if person is None:
            raise Http404
        response = HttpResponse(ical.feed_for(person), content_type="text/calendar; charset=utf-8")
        response["Cache-Control"] = "private, max-age=300"
        return response


class SubscribeView(LoginRequiredMixin, TemplateView):
    template_name = "meetings/subscribe.html"

    def get_context_data(self, **kwargs):
        path = reverse("meetings:feed", args=[services.feed_token(self.request.user)])
        url = ical.absolute(path)
        return super().get_context_data(
            feed_url=url,
            webcal_url=url.replace("https://", "webcal://").replace("http://", "webcal://"),
            **kwargs,
        )

    def post(self, request):
        services.renew_feed_token(request.user)
        messages.success(
            request, _("A new subscription address was issued; the old one no longer works.")
        )
        return redirect("meetings:subscribe")


class CadenceView(LoginRequiredMixin, TemplateView):
    """Cadence health of a unit: this month, quarter or half-year so far."""

    template_name = "meetings/cadence.html"

    def get_context_data(self, unit_pk, **kwargs):
        unit = get_object_or_404(Unit.objects.for_user(self.request.user), pk=unit_pk)
        today = timezone.localdate()
        period = self.request.GET.get("period", "quarter")
        if period == "month":
            start = today.replace(day=1)
        elif period == "half":
            start = today.replace(month=1 if today.month <= 6 else 7, day=1)
        else:
            period = "quarter"
            start = today.replace(month=(today.month - 1) // 3 * 3 + 1, day=1)
        return super().get_context_data(
            unit=unit,
            period=period,
            start=start,
            today=today,
            rows=cadence.cadence_health(unit, start, today + dt.timedelta(days=1), today=today),
            fragment=self.request.headers.get("HX-Request") == "true",
            statuses=Status,
            **kwargs,
        )


class ConfirmProposedView(MeetingActionView):
    """The chair of a proposed meeting (the gap rule's review) confirms its time."""

    def act(self, request, meeting):
        form = ConfirmTimeForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Give the meeting's start and end."))
            return
        try:
            services.confirm_proposed(
                meeting, request.user, form.cleaned_data["starts_at"], form.cleaned_data["ends_at"]
            )
        except ValueError as error:
            messages.error(request, str(error))
            return
        messages.success(request, _("Meeting scheduled; invitations are on their way."))
