"""My action items with live countdowns, the item page with its clock
history, and the notification bell."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import DetailView, ListView

from meetings.forms import LOCAL_INPUT
from salesmeet.validators import plausible_date

from . import notify, services
from .models import ActionItem, ActionState, ClockState, Escalation, Notification, SlaClock


def running_clocks():
    return Prefetch("clocks", queryset=SlaClock.objects.select_related("policy").order_by("pk"))


class MyActionsView(LoginRequiredMixin, ListView):
    """What I promised, soonest due first; done and cancelled ones below."""

    template_name = "actions/my_actions.html"
    context_object_name = "items"
    paginate_by = 50

    def get_queryset(self):
        state = self.request.GET.get("state", ActionState.OPEN)
        items = ActionItem.objects.filter(owner=self.request.user)
        if state in ActionState.values:
            items = items.filter(state=state)
        return (
            items.select_related("meeting", "customer")
            .prefetch_related(running_clocks())
            .order_by("due_at")
        )

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            state=self.request.GET.get("state", ActionState.OPEN),
            now=timezone.now(),
            title=_("My action items"),
            **kwargs,
        )


class TeamActionsView(MyActionsView):
    """Open items of everyone in the user's tree."""

    def get_queryset(self):
        return (
            ActionItem.objects.for_user(self.request.user)
            .open()
            .select_related("meeting", "customer", "owner")
            .prefetch_related(running_clocks())
            .order_by("due_at")
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(title=_("Team action items"), team=True)
        return context


class EscalationsView(LoginRequiredMixin, ListView):
    """Breaches that reached me."""

    template_name = "actions/escalations.html"
    context_object_name = "escalations"
    paginate_by = 50

    def get_queryset(self):
        return (
            Escalation.objects.filter(to_person=self.request.user)
            .select_related("clock__action_item__owner", "clock__policy")
            .order_by("clock__action_item__state", "-at")
        )


class ActionDetailView(LoginRequiredMixin, DetailView):
    template_name = "actions/action_detail.html"
    context_object_name = "item"

    def get_queryset(self):
        return ActionItem.objects.for_user(self.request.user).select_related(
            "owner", "meeting", "customer", "unit"
        )

    def get_context_data(self, **kwargs):
        item = self.object
        clocks = (
            item.clocks.select_related("policy")
            .prefetch_related("events__actor", "escalations__to_person")
            .order_by("pk")
        )
        return super().get_context_data(
            clocks=clocks,
            can_complete=item.state == ActionState.OPEN
            and (
                self.request.user.pk == item.owner_id
                or services.can_supervise(self.request.user, item)
            ),
            can_supervise=services.can_supervise(self.request.user, item),
            now=timezone.now(),
            history=item.history.select_related("history_user").order_by("-history_date")[:20],
            **kwargs,
        )


class ItemActionView(LoginRequiredMixin, View):
    http_method_names = ["post"]

    def post(self, request, pk, **kwargs):
        item = get_object_or_404(ActionItem.objects.for_user(request.user), pk=pk)
        try:
            self.act(request, item, **kwargs)
        except ValueError as error:
            messages.error(request, str(error))
        return redirect(item)


class CompleteView(ItemActionView):
    def act(self, request, item):
        services.complete(item, request.user, evidence=request.POST.get("evidence", ""))
        messages.success(request, _("Marked done."))


class ClockActionView(ItemActionView):
    def act(self, request, item, clock_pk):
        clock = get_object_or_404(SlaClock, action_item=item, pk=clock_pk)
        self.clock_act(request, clock)


class PauseView(ClockActionView):
    def clock_act(self, request, clock):
        services.pause(clock, request.user, reason=request.POST.get("reason", ""))
        messages.success(request, _("Clock paused."))


class ResumeView(ClockActionView):
    def clock_act(self, request, clock):
        services.resume(clock, request.user, reason=request.POST.get("reason", ""))
        messages.success(request, _("Clock running again."))


class MoveView(ClockActionView):
    def clock_act(self, request, clock):
        try:
            deadline = forms.DateTimeField(
                input_formats=[LOCAL_INPUT], validators=[plausible_date]
            ).clean(request.POST.get("deadline", ""))
        except forms.ValidationError:
            raise ValueError(_("Give the new deadline as a date and time.")) from None
        if clock.state != ClockState.RUNNING:
            raise ValueError(_("Only a running clock's deadline can be moved."))
        services.move_deadline(clock, request.user, deadline, reason=request.POST.get("reason", ""))
        messages.success(request, _("Deadline moved."))


class NotificationsView(LoginRequiredMixin, ListView):
    template_name = "actions/notifications.html"
    context_object_name = "notifications"
    paginate_by = 50

    def get_queryset(self):
        return Notification.objects.filter(recipient=self.request.user).order_by("-created_at")


class MarkReadView(LoginRequiredMixin, View):
    def post(self, request):
        ids = [int(pk) for pk in request.POST.getlist("id") if pk.isdigit()] or None
        notify.mark_read(request.user, ids)
        target = request.POST.get("next", "")
        if not url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            target = "actions:notifications"  # nowhere, or off this site
        if ids and len(ids) == 1 and not request.POST.get("next"):
            note = Notification.objects.filter(recipient=request.user, pk=ids[0]).first()
            if note and note.url:
                return redirect(note.url)
        return redirect(target)


def bell(request):
    """Context processor: the unread count for the navigation bar's bell."""
    if not getattr(request, "user", None) or not request.user.is_authenticated:
        return {}
    return {"unread_notifications": notify.unread_count(request.user)}
