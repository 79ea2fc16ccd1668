from celery import shared_task

from . import rule


@shared_task(name="targets.check_gaps")
def check_gaps() -> int:
    return len(rule.check_all())
