"""The notification outbox. :func:`notify` writes the in-app row and one
delivery row per channel in the caller's transaction; tasks deliver them
after commit, and a sweep re-sends what a crash left behind."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from .models import ActionItem, Channel, Delivery, DeliveryState, Notification, Webhook

MAX_ATTEMPTS = 8


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
    Delivery.objects.bulk_create(deliveries)
    _enqueue_after_commit([d.pk for d in Delivery.objects.filter(notification=notification)])
    return notification


def _enqueue_after_commit(delivery_ids: list[int]) -> None:
    from . import tasks

    for pk in delivery_ids:
        transaction.on_commit(lambda pk=pk: tasks.deliver.delay(pk))


def stuck_deliveries(now: dt.datetime | None = None, *, grace: dt.timedelta | None = None):
    """Pending deliveries whose next attempt is overdue by more than ``grace``
    (``SALESMEET_REDELIVER_GRACE_SECONDS``): their task was lost (a worker
    killed mid-send, a broker restart)."""
    now = now or timezone.now()
    if grace is None:
        grace = dt.timedelta(seconds=settings.SALESMEET_REDELIVER_GRACE_SECONDS)
    return Delivery.objects.filter(state=DeliveryState.PENDING, next_attempt_at__lte=now - grace)


def requeue_stuck(now: dt.datetime | None = None) -> int:
    """Queue a task again for each stuck delivery, oldest first, and mark it
    queued now, so that it is queued again once per grace period, not by
    every sweep; two sweeps at once (two beats) take different rows.

    A delivery whose first task still waits behind a backlog longer than the
    grace cannot be told from a lost one: its second task expires after the
    grace, so that a long backlog is not doubled by tasks that find their
    row sent (the consumer drops an expired task without running it)."""
    now = now or timezone.now()
    grace = dt.timedelta(seconds=settings.SALESMEET_REDELIVER_GRACE_SECONDS)
    with transaction.atomic():
        ids = list(
            stuck_deliveries(now, grace=grace)
            .order_by("next_attempt_at")
            .select_for_update(skip_locked=True)
            .values_list("pk", flat=True)[:1000]
        )
        Delivery.objects.filter(pk__in=ids).update(next_attempt_at=now)
    from . import tasks

    for pk in ids:
        tasks.deliver.apply_async((pk,), expires=grace.total_seconds())
    return len(ids)


def unread_count(person) -> int:
    return Notification.objects.filter(recipient=person, read_at__isnull=True).count()


def mark_read(person, ids: list[int] | None = None) -> int:
    rows = Notification.objects.filter(recipient=person, read_at__isnull=True)
    if ids is not None:
        rows = rows.filter(Q(pk__in=ids))
    return rows.update(read_at=timezone.now())
