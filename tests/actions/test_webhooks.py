"""Webhook delivery against a real HTTP receiver on 127.0.0.1: each chat
format's message, the Idempotency-Key header, retries with backoff and a
delivery log when the receiver fails, the outbox sweep re-sending what was
lost, and a failing receiver that never stops the SLA sweep."""

from __future__ import annotations

import datetime as dt
import json
import socket
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import time_machine
from django.conf import settings
from django.utils import timezone

from actions import delivery, notify, services
from actions.defaults import install_default_policies
from actions.models import Channel, Delivery, DeliveryState, Escalation, SlaPolicy, Webhook

HOUR = dt.timedelta(hours=1)


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: dict


class Receiver:
    """A webhook receiver in a thread: records every POST and answers 200,
    or 500 on paths under ``/fail``."""

    def __init__(self):
        self.received: list[Received] = []
        received = self.received

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                body = json.loads(self.rfile.read(length).decode())
                received.append(Received(self.path, dict(self.headers.items()), body))
                status = 500 if self.path.startswith("/fail") else 200
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(b'{"errcode": 0}' if status == 200 else b'{"error": "boom"}')

            def log_message(self, format, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def url(self, path: str = "/hook") -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}{path}"

    def __enter__(self) -> Receiver:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


@pytest.fixture
def receiver(monkeypatch):
    # A proxy configured on the machine must not catch the local receiver.
    monkeypatch.setenv("no_proxy", "127.0.0.1")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    with Receiver() as running:
        yield running


@pytest.fixture
def item(org):
    install_default_policies(SlaPolicy)
    return services.create_action_item(
        title="给客户甲发报价",
        owner=org.rep,
        created_by=org.lead,
        due_at=timezone.now() + 4 * HOUR,
    )


def hook(org, url, fmt=Webhook.Format.GENERIC, unit=None) -> Webhook:
    return Webhook.objects.create(
        unit=unit or org.team_a, name=f"{fmt} 群", url=url, format=fmt, created_by=org.lead
    )


def warn(person, item, key="warning-1"):
    return notify.notify(
        person,
        kind="warning",
        title="即将到期:给客户甲发报价",
        body="4 小时内到期",
        url=item.get_absolute_url(),
        item=item,
        key=key,
    )


def webhook_row(notification) -> Delivery:
    return Delivery.objects.get(notification=notification, channel=Channel.WEBHOOK)


def free_port() -> int:
    """A port nothing listens on (taken from the system, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# --- Formats and headers ------------------------------------------------------------------------

LINK = "/actions/{pk}/"


def test_generic_json(org, item, receiver):
    hook(org, receiver.url(), Webhook.Format.GENERIC)
    notification = warn(org.rep, item)
    assert delivery.deliver(webhook_row(notification).pk) == DeliveryState.SENT
    [got] = receiver.received
    assert got.body == {
        "id": notification.pk,
        "idempotency_key": "warning-1",
        "kind": "warning",
        "title": "即将到期:给客户甲发报价",
        "body": "4 小时内到期",
        "url": f"{settings.SALESMEET_BASE_URL}{LINK.format(pk=item.pk)}",
        "recipient": "rep",
        "created_at": notification.created_at.isoformat(),
    }


def test_wecom_markdown(org, item, receiver):
    hook(org, receiver.url(), Webhook.Format.WECOM)
    delivery.deliver(webhook_row(warn(org.rep, item)).pk)
    [got] = receiver.received
    assert got.body["msgtype"] == "markdown"
    content = got.body["markdown"]["content"]
    assert content.startswith("**即将到期:给客户甲发报价**\n4 小时内到期")
    assert f"{settings.SALESMEET_BASE_URL}{LINK.format(pk=item.pk)}" in content


def test_dingtalk_markdown(org, item, receiver):
    hook(org, receiver.url(), Webhook.Format.DINGTALK)
    delivery.deliver(webhook_row(warn(org.rep, item)).pk)
    [got] = receiver.received
    assert got.body["msgtype"] == "markdown"
    assert got.body["markdown"]["title"] == "即将到期:给客户甲发报价"
    assert got.body["markdown"]["text"].startswith("### 即将到期:给客户甲发报价\n4 小时内到期")


def test_feishu_text(org, item, receiver):
    hook(org, receiver.url(), Webhook.Format.FEISHU)
    delivery.deliver(webhook_row(warn(org.rep, item)).pk)
    [got] = receiver.received
    assert got.body["msg_type"] == "text"
    assert got.body["content"]["text"] == (
        f"即将到期:给客户甲发报价\n4 小时内到期\n"
        f"{settings.SALESMEET_BASE_URL}{LINK.format(pk=item.pk)}"
    )


def test_slack_text(org, item, receiver):
    hook(org, receiver.url(), Webhook.Format.SLACK)
    delivery.deliver(webhook_row(warn(org.rep, item)).pk)
    [got] = receiver.received
    assert got.body["text"] == (
        f"*即将到期:给客户甲发报价*\n4 小时内到期\n"
        f"<{settings.SALESMEET_BASE_URL}{LINK.format(pk=item.pk)}>"
    )


@pytest.mark.parametrize("fmt", Webhook.Format.values)
def test_every_format_sends_json_with_the_idempotency_key(org, item, receiver, fmt):
    hook(org, receiver.url(), fmt)
    delivery.deliver(webhook_row(warn(org.rep, item, key=f"key-{fmt}")).pk)
    [got] = receiver.received
    assert got.path == "/hook"
    assert got.headers["Idempotency-Key"] == f"key-{fmt}"
    assert got.headers["Content-Type"] == "application/json; charset=utf-8"
    assert got.body["idempotency_key"] == f"key-{fmt}"


def test_a_breach_reaches_the_webhooks_of_the_unit_and_above(
    org, item, receiver, django_capture_on_commit_callbacks
):
    hook(org, receiver.url("/team"), unit=org.team_a)
    hook(org, receiver.url("/region"), unit=org.east)
    hook(org, receiver.url("/sibling"), unit=org.team_b)
    Webhook.objects.create(
        unit=org.team_a, name="停用", url=receiver.url("/off"), is_active=False, created_by=org.lead
    )
    # The deliveries are enqueued when the sweep's transactions commit (tasks run eagerly here).
    with django_capture_on_commit_callbacks(execute=True):
        report = services.sweep(item.due_at + dt.timedelta(seconds=1))
    assert report.breached == 1
    clock = item.clocks.get()
    # The lead's escalation and the rep's breach notice, each to both webhooks, once.
    assert sorted((r.path, r.headers["Idempotency-Key"]) for r in receiver.received) == [
        ("/region", f"clock-{clock.pk}-breach-owner"),
        ("/region", f"clock-{clock.pk}-level-1"),
        ("/team", f"clock-{clock.pk}-breach-owner"),
        ("/team", f"clock-{clock.pk}-level-1"),
    ]
    assert set(Delivery.objects.values_list("state", flat=True)) == {DeliveryState.SENT}
    # A redelivered task finds the row sent and posts nothing.
    for row in Delivery.objects.filter(channel=Channel.WEBHOOK):
        assert delivery.deliver(row.pk) == DeliveryState.SENT
    assert len(receiver.received) == 4


# --- Failures -------------------------------------------------------------------------------


def test_a_failing_receiver_is_retried_with_backoff_then_given_up(org, item, receiver):
    hook(org, receiver.url("/fail"))
    row = webhook_row(warn(org.rep, item))
    tried_at = timezone.now()
    for attempt in range(1, notify.MAX_ATTEMPTS + 1):
        state = delivery.deliver(row.pk, tried_at)
        row.refresh_from_db()
        assert row.attempts == attempt
        assert row.last_error == "HTTPError: HTTP Error 500: Internal Server Error"
        assert row.next_attempt_at == tried_at + delivery.backoff(attempt)
        if attempt < notify.MAX_ATTEMPTS:
            assert state == row.state == DeliveryState.PENDING
            # Backing off: a task that comes early sends nothing.
            early = row.next_attempt_at - dt.timedelta(seconds=1)
            assert delivery.deliver(row.pk, early) == DeliveryState.PENDING
            tried_at = row.next_attempt_at
    assert row.state == DeliveryState.FAILED
    assert row.delivered_at is None
    later = row.next_attempt_at + dt.timedelta(days=1)
    assert delivery.deliver(row.pk, later) == DeliveryState.FAILED  # given up: not tried again
    assert len(receiver.received) == notify.MAX_ATTEMPTS
    assert {r.headers["Idempotency-Key"] for r in receiver.received} == {"warning-1"}


def test_backoff_doubles_up_to_an_hour():
    assert [delivery.backoff(n).total_seconds() for n in (1, 2, 3, 8, 20)] == [
        30,
        60,
        120,
        3600,
        3600,
    ]


def test_an_unreachable_receiver_is_logged_as_a_failure(org, item):
    hook(org, f"http://127.0.0.1:{free_port()}/hook")
    row = webhook_row(warn(org.rep, item))
    assert delivery.deliver(row.pk) == DeliveryState.PENDING
    row.refresh_from_db()
    assert row.attempts == 1
    assert row.last_error.startswith("URLError")
    assert "refused" in row.last_error.lower()
    assert row.next_attempt_at > timezone.now()


@pytest.mark.django_db(transaction=True)
def test_a_failing_webhook_never_stops_the_sla_sweep(org, receiver):
    """Committed for real: each breach's deliveries run (eagerly) as its
    transaction commits, inside the sweep, against a receiver answering 500."""
    install_default_policies(SlaPolicy)
    hook(org, receiver.url("/fail"))
    items = [
        services.create_action_item(
            title=f"事项{n}", owner=org.rep, created_by=org.lead, due_at=timezone.now() + HOUR
        )
        for n in range(2)
    ]
    report = services.sweep(timezone.now() + 2 * HOUR)
    assert report.breached == 2
    assert Escalation.objects.filter(clock__action_item__in=items).count() == 2
    # Two notifications per breach (the lead's escalation, the rep's notice), each tried once.
    failed = Delivery.objects.filter(channel=Channel.WEBHOOK)
    assert failed.count() == len(receiver.received) == 4
    assert {(r.state, r.attempts) for r in failed} == {(DeliveryState.PENDING, 1)}
    assert all("500" in r.last_error for r in failed)
    emails = Delivery.objects.filter(channel=Channel.EMAIL)
    assert {r.state for r in emails} == {DeliveryState.SENT}


# --- The outbox sweep ---------------------------------------------------------------------------


def test_a_lost_delivery_is_resent_by_the_outbox_sweep(org, item, receiver):
    hook(org, receiver.url())
    # notify() enqueues on commit; the test's transaction never commits, so
    # the task is lost as if the worker had died before running it.
    row = webhook_row(warn(org.rep, item))
    assert notify.send_stuck() == 0  # within the grace period: its task may still run
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=3)):
        assert notify.send_stuck() == 2  # the webhook and the email
    row.refresh_from_db()
    assert row.state == DeliveryState.SENT
    assert [r.headers["Idempotency-Key"] for r in receiver.received] == ["warning-1"]
    assert notify.send_stuck(timezone.now() + HOUR) == 0


def test_a_failed_attempt_is_resent_after_its_backoff(org, item, receiver):
    webhook = hook(org, receiver.url("/fail"))
    row = webhook_row(warn(org.rep, item))
    delivery.deliver(row.pk)
    Delivery.objects.filter(channel=Channel.EMAIL).update(state=DeliveryState.SENT)
    webhook.url = receiver.url("/recovered")
    webhook.save()
    start = timezone.now()
    assert notify.send_stuck(start + dt.timedelta(minutes=1)) == 0  # backing off
    assert notify.send_stuck(start + dt.timedelta(minutes=3)) == 1
    row.refresh_from_db()
    assert (row.state, row.attempts, row.last_error) == (DeliveryState.SENT, 2, "")
    assert [r.path for r in receiver.received] == ["/fail", "/recovered"]


# --- The test button ---------------------------------------------------------------------------


def test_a_manager_sends_a_test_message(org, api_as, receiver):
    webhook = hook(org, receiver.url(), Webhook.Format.FEISHU)
    response = api_as(org.lead).post(f"/api/webhooks/{webhook.pk}/test/")
    assert response.status_code == 200
    assert response.json()["state"] == "sent"
    [got] = receiver.received
    assert got.body["msg_type"] == "text"
    assert "SalesMeet" in got.body["content"]["text"]
    assert got.headers["Idempotency-Key"].startswith(f"webhook-test-{webhook.pk}-")
    # The test message does not ring the lead's bell.
    assert notify.unread_count(org.lead) == 0


def test_a_failed_test_message_reports_the_error_and_is_not_retried(org, api_as, receiver):
    webhook = hook(org, receiver.url("/fail"))
    response = api_as(org.lead).post(f"/api/webhooks/{webhook.pk}/test/")
    assert response.status_code == 200
    body = response.json()
    assert body["state"] == "failed"
    assert "500" in body["last_error"]
    assert notify.send_stuck(timezone.now() + HOUR) == 0
