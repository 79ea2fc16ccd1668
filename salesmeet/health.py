"""``GET /healthz``: can this process reach its database and its broker?

Load balancers and docker-compose poll it, so it needs no login, touches no
user data and answers fast even when a service is down (short timeouts).
"""

from __future__ import annotations

import logging

from django.core.cache import cache
from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from .celery import app as celery_app
from .tasks import HEARTBEAT_KEY, ping

logger = logging.getLogger(__name__)


def check_database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as exc:
        logger.warning("health: database unreachable: %s", exc)
        return "unavailable"
    return "ok"


def check_broker() -> str:
    """Publish a ``ping`` task: proves the broker is up and accepts messages.
    It expires within a minute, so a stopped worker does not pile them up."""
    try:
        with celery_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, timeout=2)
            # send_task always goes through the broker, even where tasks
            # otherwise run eagerly (the test settings).
            celery_app.send_task(ping.name, connection=conn, retry=False, expires=60)
    except Exception as exc:  # kombu raises transport-specific errors
        logger.warning("health: broker unreachable: %s", exc)
        return "unavailable"
    return "ok"


def last_worker_heartbeat() -> str | None:
    try:
        return cache.get(HEARTBEAT_KEY)
    except Exception:  # a cache outage must not fail the health check itself
        return None


@never_cache
@require_GET
def healthz(request):
    checks = {"database": check_database(), "broker": check_broker()}
    healthy = all(state == "ok" for state in checks.values())
    body = {
        "status": "ok" if healthy else "unavailable",
        **checks,
        # Informational: a worker that stopped does not make the web tier unhealthy.
        "worker_heartbeat": last_worker_heartbeat(),
    }
    return JsonResponse(body, status=200 if healthy else 503)
