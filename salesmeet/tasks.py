"""Project-wide tasks. Apps keep their own tasks in their ``tasks.py``."""

from celery import shared_task
from django.core.cache import cache
from django.utils import timezone

HEARTBEAT_KEY = "salesmeet:worker-heartbeat"


@shared_task(name="salesmeet.ping", ignore_result=True)
def ping() -> str:
    """Record that a worker is alive; beat sends one a minute and /healthz
    publishes one to prove the broker accepts messages."""
    cache.set(HEARTBEAT_KEY, timezone.now().isoformat(), timeout=None)
    return "pong"
