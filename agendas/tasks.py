from celery import shared_task

from . import summary


@shared_task(name="agendas.send_summary")
def send_summary(meeting_id: int) -> int:
    return summary.send_summary(meeting_id)
