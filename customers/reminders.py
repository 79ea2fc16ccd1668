"""The email side of brief reminders; the reminder row itself is the
in-app notice (shown on the prepare page until the brief is submitted)."""

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from meetings.ical import absolute

from .models import BriefReminder
from .services import deadline


def email(reminder_id: int) -> bool:
    """Email the reminder once: ``emailed`` is claimed with a conditional
    update first, and handed back if sending fails."""
    reminder = BriefReminder.objects.select_related("meeting", "customer", "rep").get(
        pk=reminder_id
    )
    if not reminder.rep.email:
        return False
    if not BriefReminder.objects.filter(pk=reminder.pk, emailed=False).update(emailed=True):
        return False
    try:
        with translation.override(settings.LANGUAGE_CODE):
            context = {
                "reminder": reminder,
                "deadline": deadline(reminder.meeting),
                "url": absolute(
                    reverse("customers:brief", args=[reminder.meeting_id, reminder.customer_id])
                ),
            }
            subject = render_to_string("customers/email/reminder_subject.txt", context).strip()
            body = render_to_string("customers/email/reminder.txt", context)
        send_mail(subject, body, None, [reminder.rep.email])
    except Exception:
        BriefReminder.objects.filter(pk=reminder.pk).update(emailed=False)
        raise
    return True
