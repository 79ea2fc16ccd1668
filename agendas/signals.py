"""A new meeting gets its kind's agenda. Listening to the meetings app keeps
the dependency one way: meetings knows nothing of agendas."""

from django.db.models.signals import post_save
from django.dispatch import receiver

from meetings.models import Meeting

from . import services


@receiver(post_save, sender=Meeting, dispatch_uid="agendas.copy_template")
def copy_agenda_template(sender, instance: Meeting, created: bool, raw: bool = False, **kwargs):
    if created and not raw:
        services.copy_template(instance)
