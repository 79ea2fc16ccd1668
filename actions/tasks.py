"""Celery tasks. Deadlines live in the database; these tasks only look at
them (never an ETA task per deadline, which Redis would redeliver)."""

from celery import shared_task

from . import delivery, notify, services


@shared_task(name="actions.sla_sweep")
def sla_sweep() -> str:
    return str(services.sweep())


@shared_task(name="actions.deliver")
def deliver(delivery_id: int) -> str:
    return delivery.deliver(delivery_id)


@shared_task(name="actions.redeliver_stuck")
def redeliver_stuck() -> int:
    return notify.send_stuck()
