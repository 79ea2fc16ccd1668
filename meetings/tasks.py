"""Celery tasks: thin, idempotent, given ids and re-fetching what they need."""

from celery import shared_task

from . import notifications, series


@shared_task(name="meetings.notify_invitees")
def notify_invitees(meeting_id: int) -> int:
    return notifications.send_invitations(meeting_id)


@shared_task(name="meetings.notify_uninvited")
def notify_uninvited(meeting_id: int, person_ids: list[int]) -> int:
    return notifications.send_uninvitations(meeting_id, person_ids)


@shared_task(name="meetings.extend_series")
def extend_series() -> int:
    return series.extend_all()
