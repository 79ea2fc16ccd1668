"""The notification outbox. :func:`notify` writes the in-app row and one
delivery row per channel in the caller's transaction; tasks deliver them
after commit, and a sweep re-sends what a crash left behind."""

from __future__ import annotations

import datetime as dt
import time

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from .models import ActionItem, Channel, Delivery, DeliveryState, Notification, Webhook

MAX_ATTEMPTS = 8
# One outbox sweep sends for at most this long, and at most this many rows:
# it holds a worker process meanwhile, which the SLA sweeps may be waiting for.
SEND_STUCK_BUDGET = dt.timedelta(seconds=10)
SEND_STUCK_BATCH = 5000


def webhooks_for(item: ActionItem | None):
    """Active webhooks of the item's unit and of every unit above it."""
    if item is None:
        return Webhook.objects.none()
    path = item.unit.path
    step = type(item.unit).steplen
    lineage = [path[:end] for end in range(step, len(path) + 1, step)]
    return Webhook.objects.filter(is_active=True, unit__path__in=lineage)


def notify(
    recipient,
    *,
    kind: str,
    title: str,
    body: str = "",
    url: str = "",
    item: ActionItem | None = None,
    key: str,
) -> Notification | None:
    """Record a notification once per ``key``. Returns None when it exists
    already (the event was handled before), so callers can run twice."""
    try:
        with transaction.atomic():
            notification = Notification.objects.create(
                recipient=recipient,
                kind=kind,
                title=title,
                body=body,
                url=url,
                action_item=item,
                idempotency_key=key,
            )
    except IntegrityError:
        return None
    deliveries = []
    if recipient.email:
        deliveries.append(Delivery(notification=notification, channel=Channel.EMAIL))
    deliveries += [
        Delivery(notification=notification, channel=Channel.WEBHOOK, webhook=hook)
        for hook in webhooks_for(item)
    ]
    # PostgreSQL and SQLite return the new rows' ids from the insert.
    _enqueue_after_commit([d.pk for d in Delivery.objects.bulk_create(deliveries)])
    return notification


def _enqueue_after_commit(delivery_ids: list[int]) -> None:
    from . import tasks

    for pk in delivery_ids:
        transaction.on_commit(lambda pk=pk: tasks.deliver.delay(pk))


def stuck_deliveries(now: dt.datetime | None = None, *, grace: dt.timedelta | None = None):
    """Pending deliveries whose next attempt is overdue by more than ``grace``
    (``SALESMEET_REDELIVER_GRACE_SECONDS``): their task was lost (a worker
    killed mid-send, a broker restart), waits behind a backlog, or failed and
    has backed off."""
    now = now or timezone.now()
    if grace is None:
        grace = dt.timedelta(seconds=settings.SALESMEET_REDELIVER_GRACE_SECONDS)
    return Delivery.objects.filter(state=DeliveryState.PENDING, next_attempt_at__lte=now - grace)


def send_stuck(now: dt.datetime | None = None, *, budget: dt.timedelta = SEND_STUCK_BUDGET) -> int:
    """Send the stuck deliveries here, oldest first, for at most ``budget``;
    the next sweep takes the rest. Returns how many this sweep tried.

    Sending here rather than queueing a task per row keeps a backlog from
    growing: a lost task cannot be told from one still waiting behind a long
    queue, and re-queueing every such row each sweep doubled that queue.
    Each row is claimed before it is sent (delivery.claim), so the row's own
    task, arriving later, or a second sweep (two beats) sends nothing twice."""
    from . import delivery

    now = now or timezone.now()
    give_up = time.monotonic() + budget.total_seconds()
    tried = 0
    for pk in (
        stuck_deliveries(now)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:SEND_STUCK_BATCH]
    ):
        if time.monotonic() > give_up:
            break
        if delivery.attempt(pk, now) is not None:
            tried += 1
    return tried


def unread_count(person) -> int:
    return Notification.objects.filter(recipient=person, read_at__isnull=True).count()


def mark_read(person, ids: list[int] | None = None) -> int:
    rows = Notification.objects.filter(recipient=person, read_at__isnull=True)
    if ids is not None:
        rows = rows.filter(Q(pk__in=ids))
    return rows.update(read_at=timezone.now())
