"""Delivering one outbox row to its channel: email, or a webhook in the
receiver's own message format. Each attempt is logged on the row; a failure
schedules the next attempt with exponential backoff and never raises into
the task or sweep that tried it.

Whoever sends a row first claims it: a row may be tried by its own task, by
the outbox sweep (its task was lost, or waits behind a backlog), or by the
broker redelivering a task whose worker died, and only one of them sends."""

from __future__ import annotations

import datetime as dt
import json
import urllib.error
import urllib.parse
import urllib.request
import uuid

from django.conf import settings
from django.core.mail import send_mail
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from meetings.ical import absolute

from .models import Channel, Delivery, DeliveryState, Notification, Webhook

TIMEOUT_SECONDS = 5
# A claimed row is not tried again for this long: longer than a send can
# take. A worker killed mid-send leaves its row to the outbox sweep after
# this lease and the grace.
LEASE = dt.timedelta(seconds=6 * TIMEOUT_SECONDS)


def payload(notification: Notification, fmt: str) -> dict:
    """The message in the receiver's format; every format carries the
    idempotency key so a receiver can drop a redelivery."""
    url = absolute(notification.url) if notification.url else settings.SALESMEET_BASE_URL
    text = f"{notification.title}\n{notification.body}\n{url}".strip()
    key = notification.idempotency_key
    if fmt == Webhook.Format.WECOM:
        return {
            "msgtype": "markdown",
            "markdown": {"content": f"**{notification.title}**\n{notification.body}\n[→]({url})"},
            "idempotency_key": key,
        }
    if fmt == Webhook.Format.DINGTALK:
        return {
            "msgtype": "markdown",
            "markdown": {
                "title": notification.title,
                "text": f"### {notification.title}\n{notification.body}\n[→]({url})",
            },
            "idempotency_key": key,
        }
    if fmt == Webhook.Format.FEISHU:
        return {"msg_type": "text", "content": {"text": text}, "idempotency_key": key}
    if fmt == Webhook.Format.SLACK:
        return {
            "text": f"*{notification.title}*\n{notification.body}\n<{url}>",
            "idempotency_key": key,
        }
    return {
        "id": notification.pk,
        "idempotency_key": key,
        "kind": notification.kind,
        "title": notification.title,
        "body": notification.body,
        "url": url,
        "recipient": notification.recipient.username,
        "created_at": notification.created_at.isoformat(),
    }


WEBHOOK_SCHEMES = frozenset({"http", "https"})


def post_json(url: str, data: dict, key: str) -> None:
    # URLField also accepts ftp(s), and rows written without validation accept
    # anything: urllib would follow file: and ftp: as readily as https:.
    if urllib.parse.urlsplit(url).scheme.lower() not in WEBHOOK_SCHEMES:
        raise ValueError(f"webhook URL must be http or https: {url!r}")
    request = urllib.request.Request(  # noqa: S310 - scheme checked above
        url,
        data=json.dumps(data, ensure_ascii=False).encode(),
        headers={
            "Content-Type": "application/json; charset=utf-8",
            "Idempotency-Key": key,
            "User-Agent": "SalesMeet",
        },
        method="POST",
    )
    # bandit B310 (any scheme) does not apply: the scheme was checked above.
    with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310  # nosec B310
        if not 200 <= response.status < 300:
            raise urllib.error.HTTPError(
                url, response.status, "unexpected status", response.headers, None
            )


def backoff(attempts: int) -> dt.timedelta:
    return dt.timedelta(seconds=min(30 * 2 ** (attempts - 1), 3600))


def claim(delivery_id: int, now: dt.datetime) -> bool:
    """Take a pending row whose attempt is due, in one conditional UPDATE:
    of two callers at once, one gets it."""
    return (
        Delivery.objects.filter(
            pk=delivery_id, state=DeliveryState.PENDING, next_attempt_at__lte=now
        ).update(attempts=F("attempts") + 1, next_attempt_at=now + LEASE)
        == 1
    )


def deliver(delivery_id: int, now: dt.datetime | None = None) -> str:
    """Try one delivery unless it is sent, given up, backing off or being sent
    by someone else. Returns the state it is left in."""
    return attempt(delivery_id, now) or (
        Delivery.objects.filter(pk=delivery_id).values_list("state", flat=True).first() or "missing"
    )


def attempt(delivery_id: int, now: dt.datetime | None = None) -> str | None:
    """Claim the row and send it: the state it is left in, or None when it was
    not ours to send."""
    now = now or timezone.now()
    if not claim(delivery_id, now):
        return None
    delivery = Delivery.objects.select_related("notification__recipient", "webhook").get(
        pk=delivery_id
    )
    notification = delivery.notification
    attempts = delivery.attempts
    try:
        if delivery.channel == Channel.EMAIL:
            link = absolute(notification.url) if notification.url else ""
            body = f"{notification.body}\n\n{link}".strip()
            send_mail(notification.title, body, None, [notification.recipient.email])
        else:
            post_json(
                delivery.webhook.url,
                payload(notification, delivery.webhook.format),
                notification.idempotency_key,
            )
    except Exception as error:  # a receiver's failure is logged, never raised into the sweep
        from .notify import MAX_ATTEMPTS

        state = DeliveryState.FAILED if attempts >= MAX_ATTEMPTS else DeliveryState.PENDING
        Delivery.objects.filter(pk=delivery.pk).update(
            state=state,
            last_error=f"{type(error).__name__}: {error}"[:2000],
            next_attempt_at=now + backoff(attempts),
        )
        return state
    Delivery.objects.filter(pk=delivery.pk).update(
        state=DeliveryState.SENT, delivered_at=now, last_error=""
    )
    return DeliveryState.SENT


def send_test(webhook: Webhook, person) -> Delivery:
    """Send one test message to ``webhook`` now, whether it is active or not,
    and return its delivery row with the outcome. The message is an ordinary
    outbox row for ``person``, already read so that it does not ring their
    bell; a failed test is logged and not retried."""
    notification = Notification.objects.create(
        recipient=person,
        kind="webhook_test",
        title=_("SalesMeet test message"),
        body=_("The webhook “%(name)s” receives SalesMeet notifications.") % {"name": webhook.name},
        idempotency_key=f"webhook-test-{webhook.pk}-{uuid.uuid4().hex}",
        read_at=timezone.now(),
    )
    row = Delivery.objects.create(
        notification=notification, channel=Channel.WEBHOOK, webhook=webhook
    )
    deliver(row.pk)
    Delivery.objects.filter(pk=row.pk, state=DeliveryState.PENDING).update(
        state=DeliveryState.FAILED
    )
    row.refresh_from_db()
    return row
