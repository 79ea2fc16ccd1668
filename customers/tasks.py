from celery import shared_task

from . import reminders, services


@shared_task(name="customers.remind_missing_briefs")
def remind_missing_briefs() -> int:
    return services.remind_missing_briefs()


@shared_task(name="customers.email_brief_reminder")
def email_brief_reminder(reminder_id: int) -> bool:
    return reminders.email(reminder_id)
