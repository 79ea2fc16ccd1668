"""The actions app listens to meetings and agendas (which know nothing of
it): decisions become action items, customer special meetings get their
same-day clock, and concluding a meeting starts its clocks."""

from django.db.models.signals import post_save
from django.dispatch import receiver

from agendas.models import Conclusion, Decision
from meetings.models import Meeting
from meetings.signals import status_changed

from . import services


@receiver(post_save, sender=Decision, dispatch_uid="actions.decision_to_item")
def decision_to_item(sender, instance, created, raw=False, **kwargs):
    if created and not raw:
        services.item_from_decision(instance)


@receiver(post_save, sender=Meeting, dispatch_uid="actions.same_day_conclusion")
def same_day_conclusion(sender, instance, created, raw=False, **kwargs):
    if not raw and instance.kind == "customer_special":
        services.track_same_day_conclusion(instance)


@receiver(post_save, sender=Conclusion, dispatch_uid="actions.clocks_at_conclusion")
def clocks_at_conclusion(sender, instance, created, raw=False, **kwargs):
    if created and not raw:
        instance.meeting.refresh_from_db()
        services.start_clocks_at_conclusion(instance.meeting, instance.concluded_by)


@receiver(status_changed, sender=Meeting, dispatch_uid="actions.same_day_conclusion_on_status")
def same_day_conclusion_on_status(sender, meeting, **kwargs):
    if meeting.kind == "customer_special":
        services.track_same_day_conclusion(meeting)
