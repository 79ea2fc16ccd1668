"""The notification outbox: a Notification and its Delivery rows are written
in the transaction that caused them; delivery tasks are enqueued only when
it commits; a delivery left pending by a crash is sent again by the sweep."""

import datetime as dt

import pytest
from django.db import transaction

from actions import delivery, notify, services, tasks
from actions.models import (
    Channel,
    ClockState,
    Delivery,
    DeliveryState,
    Escalation,
    Notification,
    Webhook,
)
from tests.actions.helpers import HOUR, MONDAY, at, clock_of, item, policies

MINUTE = dt.timedelta(minutes=1)


@pytest.fixture(autouse=True)
def frozen(db):
    policies()
    with at(MONDAY):
        yield


@pytest.fixture
def action(org):
    return item(org.rep, org.lead, due_at=MONDAY + HOUR)


def tell(person, action, key="test-1"):
    return notify.notify(
        person,
        kind="test",
        title="请处理",
        body="客户在等",
        url=action.get_absolute_url(),
        item=action,
        key=key,
    )


# --- Writing ---------------------------------------------------------------------------------


def test_a_notification_is_a_row_with_a_delivery_per_channel(org, action):
    hooks = {
        "company": Webhook.objects.create(
            unit=org.company, name="全公司", url="http://127.0.0.1:1/all", created_by=org.exec
        ),
        "team_a": Webhook.objects.create(
            unit=org.team_a, name="一组群", url="http://127.0.0.1:1/a", created_by=org.lead
        ),
    }
    Webhook.objects.create(
        unit=org.team_b, name="二组群", url="http://127.0.0.1:1/b", created_by=org.lead_b
    )
    Webhook.objects.create(
        unit=org.east,
        name="停用",
        url="http://127.0.0.1:1/e",
        created_by=org.director,
        is_active=False,
    )
    notification = tell(org.lead, action)
    assert notification.read_at is None
    rows = Delivery.objects.filter(notification=notification)
    assert {(d.channel, d.webhook_id) for d in rows} == {
        (Channel.EMAIL, None),
        (Channel.WEBHOOK, hooks["company"].pk),
        (Channel.WEBHOOK, hooks["team_a"].pk),
    }
    assert {d.state for d in rows} == {DeliveryState.PENDING}


def test_the_same_key_notifies_once(org, action):
    assert tell(org.lead, action) is not None
    assert tell(org.lead, action) is None
    assert Notification.objects.count() == 1
    assert Delivery.objects.count() == 1


def test_a_person_without_email_gets_the_bell_only(org, action):
    type(org.lead).objects.filter(pk=org.lead.pk).update(email="")
    org.lead.refresh_from_db()
    tell(org.lead, action)
    assert Notification.objects.count() == 1
    assert not Delivery.objects.exists()


def test_unread_count_and_mark_read(org, action):
    tell(org.lead, action, key="a")
    tell(org.lead, action, key="b")
    tell(org.rep, action, key="c")
    assert notify.unread_count(org.lead) == 2
    first = Notification.objects.get(idempotency_key="a")
    assert notify.mark_read(org.lead, [first.pk]) == 1
    assert notify.unread_count(org.lead) == 1
    assert notify.mark_read(org.lead) == 1
    assert notify.unread_count(org.lead) == 0
    assert notify.unread_count(org.rep) == 1


# --- In the transaction that caused it --------------------------------------------------------


def test_an_escalation_writes_its_notifications_and_deliveries_in_the_breach_transaction(
    org, action
):
    with at(MONDAY + 2 * HOUR):
        services.sweep()
    clock = clock_of(action)
    escalation = Escalation.objects.get(clock=clock)
    notification = Notification.objects.get(kind="escalation")
    assert notification.recipient == escalation.to_person == org.lead
    assert notification.deliveries.get().channel == Channel.EMAIL
    assert Notification.objects.get(kind="breach").deliveries.count() == 1


def test_a_failure_while_notifying_rolls_back_the_breach_and_its_escalation(
    org, action, monkeypatch
):
    real = services.notify

    def fail_on_the_owner(recipient, **kwargs):
        real(recipient, **kwargs)
        if kwargs["kind"] == "breach":
            raise RuntimeError("the database went away")

    monkeypatch.setattr(services, "notify", fail_on_the_owner)
    with at(MONDAY + 2 * HOUR), pytest.raises(RuntimeError):
        services.sweep()
    assert clock_of(action).state == ClockState.RUNNING
    assert not Escalation.objects.exists()
    assert not Notification.objects.exists()
    assert not Delivery.objects.exists()

    monkeypatch.setattr(services, "notify", real)  # the next sweep does it all, once
    with at(MONDAY + 3 * HOUR):
        assert services.sweep().breached == 1
    assert clock_of(action).breached_at == MONDAY + HOUR
    assert Notification.objects.count() == 2


def test_delivery_is_enqueued_when_the_transaction_commits(
    org, action, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with transaction.atomic():
            tell(org.lead, action)
        assert mailoutbox == []  # nothing leaves before the commit
    assert len(callbacks) == 1
    assert [m.to for m in mailoutbox] == [[org.lead.email]]
    assert mailoutbox[0].subject == "请处理"
    assert action.get_absolute_url() in mailoutbox[0].body
    sent = Delivery.objects.get()
    assert (sent.state, sent.attempts, sent.delivered_at) == (DeliveryState.SENT, 1, MONDAY)


def test_nothing_is_enqueued_from_a_rolled_back_transaction(
    org, action, django_capture_on_commit_callbacks, mailoutbox
):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        tell(org.lead, action)
        assert Delivery.objects.count() == 1
        raise RuntimeError("the caller's transaction fails after notifying")
    assert callbacks == []
    assert mailoutbox == []
    assert not Notification.objects.exists()
    assert not Delivery.objects.exists()


def test_the_sweep_sends_its_escalations_after_commit(
    org, action, django_capture_on_commit_callbacks, mailoutbox
):
    with at(MONDAY + 2 * HOUR), django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.sweep()
    assert len(callbacks) == 2
    assert sorted(m.to[0] for m in mailoutbox) == sorted([org.lead.email, org.rep.email])
    assert set(Delivery.objects.values_list("state", flat=True)) == {DeliveryState.SENT}


def test_a_failing_receiver_never_blocks_the_sweep(org, action, django_capture_on_commit_callbacks):
    Webhook.objects.create(
        unit=org.team_a, name="坏掉的群", url="http://127.0.0.1:1/hook", created_by=org.lead
    )
    with at(MONDAY + 2 * HOUR), django_capture_on_commit_callbacks(execute=True):
        report = services.sweep()
    assert report.breached == 1
    failed = Delivery.objects.filter(channel=Channel.WEBHOOK)
    assert failed.count() == 2  # the escalation and the owner's breach notice
    assert {(d.state, d.attempts) for d in failed} == {(DeliveryState.PENDING, 1)}
    assert all(d.last_error for d in failed)


# --- Re-sending what a crash left behind ------------------------------------------------------


def test_a_delivery_whose_task_was_lost_is_sent_again_after_the_grace(
    org, action, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=False):  # the task never ran
        tell(org.lead, action)
    pending = Delivery.objects.get()
    assert (pending.state, pending.attempts) == (DeliveryState.PENDING, 0)

    with at(MONDAY + MINUTE):
        assert notify.send_stuck() == 0  # it may still be in the queue
    with at(MONDAY + 3 * MINUTE):
        assert notify.send_stuck() == 1
        assert notify.send_stuck() == 0
    pending.refresh_from_db()
    assert (pending.state, pending.attempts) == (DeliveryState.SENT, 1)
    assert len(mailoutbox) == 1


def test_the_sweep_sends_a_stuck_delivery_itself_and_its_late_task_sends_nothing(
    org, action, django_capture_on_commit_callbacks, mailoutbox, monkeypatch
):
    """A task waiting behind a long queue looks lost to the sweep: the sweep
    sends the row instead of queueing a second task, and the first task,
    when it runs at last, finds the row sent."""
    with django_capture_on_commit_callbacks(execute=False) as queued:
        tell(org.lead, action)
    pending = Delivery.objects.get()
    monkeypatch.setattr(tasks.deliver, "delay", lambda *a: pytest.fail("queued again"))
    monkeypatch.setattr(tasks.deliver, "apply_async", lambda *a, **k: pytest.fail("queued"))
    with at(MONDAY + 3 * MINUTE):
        assert tasks.redeliver_stuck() == 1
    monkeypatch.undo()
    for late_task in queued:
        late_task()
    pending.refresh_from_db()
    assert (pending.state, pending.attempts) == (DeliveryState.SENT, 1)
    assert len(mailoutbox) == 1


def test_of_two_tasks_for_one_row_only_the_first_sends(org, action, mailoutbox, monkeypatch):
    """A broker may hand the same task out twice (a worker lost mid-task, a
    re-sent one): the row is claimed before it is sent."""
    tell(org.lead, action)
    pending = Delivery.objects.get()
    states = []

    def send_mail_while_a_second_task_runs(*args, **kwargs):
        states.append(delivery.deliver(pending.pk))  # the duplicate, mid-send of the first
        mailoutbox.append(args)

    monkeypatch.setattr(delivery, "send_mail", send_mail_while_a_second_task_runs)
    assert delivery.deliver(pending.pk) == DeliveryState.SENT
    assert states == [DeliveryState.PENDING]  # claimed by the first: nothing sent
    assert len(mailoutbox) == 1
    pending.refresh_from_db()
    assert pending.attempts == 1


def test_a_delivery_killed_mid_send_is_sent_again(
    org, action, django_capture_on_commit_callbacks, mailoutbox, monkeypatch
):
    with django_capture_on_commit_callbacks(execute=False):
        tell(org.lead, action)
    pending = Delivery.objects.get()

    def killed(*args, **kwargs):
        raise SystemExit("worker killed")  # not an Exception: nothing in deliver() catches it

    monkeypatch.setattr(delivery, "send_mail", killed)
    with pytest.raises(SystemExit):
        tasks.deliver(pending.pk)
    pending.refresh_from_db()
    assert (pending.state, pending.attempts) == (DeliveryState.PENDING, 1)

    monkeypatch.undo()
    with at(MONDAY + 3 * MINUTE):
        assert tasks.redeliver_stuck() == 1
    pending.refresh_from_db()
    assert (pending.state, pending.attempts) == (DeliveryState.SENT, 2)
    assert len(mailoutbox) == 1


def test_a_failed_send_is_logged_and_retried_with_backoff(
    org, action, django_capture_on_commit_callbacks, mailoutbox, monkeypatch
):
    def refused(*args, **kwargs):
        raise ConnectionRefusedError("SMTP server down")

    monkeypatch.setattr(delivery, "send_mail", refused)
    with django_capture_on_commit_callbacks(execute=True):
        tell(org.lead, action)
    row = Delivery.objects.get()
    assert (row.state, row.attempts) == (DeliveryState.PENDING, 1)
    assert row.last_error == "ConnectionRefusedError: SMTP server down"
    assert row.next_attempt_at == MONDAY + 30 * dt.timedelta(seconds=1)

    monkeypatch.undo()
    with at(MONDAY + 2 * MINUTE):
        assert notify.send_stuck() == 0  # backoff, then the grace
    with at(MONDAY + 3 * MINUTE):
        assert notify.send_stuck() == 1
    row.refresh_from_db()
    assert (row.state, row.attempts, row.last_error) == (DeliveryState.SENT, 2, "")
    assert len(mailoutbox) == 1


def test_a_delivery_gives_up_after_the_last_attempt(org, action, monkeypatch):
    def refused(*args, **kwargs):
        raise ConnectionRefusedError("SMTP server down")

    monkeypatch.setattr(delivery, "send_mail", refused)
    tell(org.lead, action)
    row = Delivery.objects.get()
    Delivery.objects.filter(pk=row.pk).update(attempts=notify.MAX_ATTEMPTS - 1)
    assert delivery.deliver(row.pk) == DeliveryState.FAILED
    with at(MONDAY + 48 * HOUR):
        assert notify.send_stuck() == 0
    assert delivery.deliver(row.pk) == DeliveryState.FAILED  # a late task changes nothing
    assert Delivery.objects.get().attempts == notify.MAX_ATTEMPTS
