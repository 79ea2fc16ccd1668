"""Reminders of missing briefs: a configurable time before the meeting, once
per brief however often the beat task runs, in the app and by email after
commit; the in-app notice goes once the brief is handed in."""

import datetime as dt

import pytest
import time_machine

from customers import reminders, services, tasks
from customers.models import BriefReminder
from meetings import services as meeting_services
from tests.customers.factories import (
    NOW,
    TUESDAY,
    CustomerFactory,
    VisitPlanFactory,
    daily,
    submit,
)
from tests.factories import PersonFactory
from tests.meetings.factories import local

EARLY = local(2026, 11, 24, 7, 30)  # 90 minutes before Tuesday's morning meeting


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def colleague(org):
    return PersonFactory(username="rep2", full_name="陈静", unit=org.team_a)


@pytest.fixture
def customers(org, colleague):
    """Tuesday's visits: ``rep`` to 宁波港务 and 华东电力, 陈静 to 瑞金医院."""
    made = {
        "港务": CustomerFactory(owner=org.rep, name="宁波港务"),
        "电力": CustomerFactory(owner=org.rep, name="华东电力"),
        "医院": CustomerFactory(owner=colleague, name="瑞金医院"),
    }
    for customer in made.values():
        VisitPlanFactory(customer=customer, day=TUESDAY.date())
    return made


@pytest.fixture
def meeting(org, colleague, customers):
    return daily(org, invitees=[org.rep, colleague])


def remind(at=EARLY):
    with time_machine.travel(at, tick=False):
        return services.remind_missing_briefs()


def test_missing_briefs_are_reminded_once_in_the_app_and_by_email(
    org, colleague, customers, meeting, mailoutbox, django_capture_on_commit_callbacks
):
    services.save_brief(meeting, customers["电力"], org.rep, {"needs": "草稿"})  # a draft
    submit(meeting, customers["医院"], colleague, needs="扩容")

    with django_capture_on_commit_callbacks(execute=True):
        assert remind() == 2

    reminded = BriefReminder.objects.order_by("customer__name")
    assert [(r.rep, r.customer.name, r.emailed) for r in reminded] == [
        (org.rep, "华东电力", True),
        (org.rep, "宁波港务", True),
    ]
    assert sorted(mail.to[0] for mail in mailoutbox) == ["rep@example.com"] * 2
    subjects = " ".join(mail.subject for mail in mailoutbox)
    assert "宁波港务" in subjects and "华东电力" in subjects
    港务 = next(mail for mail in mailoutbox if "宁波港务" in mail.subject)
    assert f"/meetings/{meeting.pk}/briefs/{customers['港务'].pk}/" in 港务.body
    assert "11-24 09:00" in 港务.body  # the deadline

    with django_capture_on_commit_callbacks(execute=True):
        assert remind(EARLY + dt.timedelta(minutes=10)) == 0
    assert len(mailoutbox) == 2
    assert BriefReminder.objects.count() == 2


def test_the_email_waits_for_the_commit(
    customers, meeting, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        remind()
    assert len(callbacks) == 3
    assert mailoutbox == []


def test_the_beat_task_reminds_at_its_time(customers, meeting, mailoutbox):
    with time_machine.travel(EARLY, tick=False):
        assert tasks.remind_missing_briefs.delay().get() == 3


def test_nothing_is_reminded_when_every_brief_is_in(
    org, colleague, customers, meeting, mailoutbox, django_capture_on_commit_callbacks
):
    submit(meeting, customers["港务"], needs="扩容")
    submit(meeting, customers["电力"], needs="续约")
    submit(meeting, customers["医院"], colleague, needs="培训")
    with django_capture_on_commit_callbacks(execute=True):
        assert remind() == 0
    assert mailoutbox == []


@pytest.mark.parametrize(
    "at",
    [
        local(2026, 11, 24, 6, 59),  # more than two hours before
        TUESDAY,  # the meeting has started
        local(2026, 11, 24, 9, 15),
    ],
)
def test_meetings_outside_the_window_are_not_reminded(customers, meeting, at):
    assert remind(at) == 0
    assert not BriefReminder.objects.exists()


def test_the_window_is_configurable(settings, customers, meeting):
    settings.SALESMEET_BRIEF_REMINDER_MINUTES = 30
    assert remind(EARLY) == 0
    assert remind(local(2026, 11, 24, 8, 30)) == 3


def test_cancelled_meetings_are_not_reminded(org, customers, meeting):
    meeting_services.cancel_meeting(meeting, org.lead)
    assert remind() == 0


def test_a_rep_without_an_email_is_reminded_in_the_app(
    org, customers, meeting, mailoutbox, django_capture_on_commit_callbacks
):
    type(org.rep).objects.filter(pk=org.rep.pk).update(email="")
    with django_capture_on_commit_callbacks(execute=True):
        remind()
    assert [m.to for m in mailoutbox] == [["rep2@example.com"]]
    assert services.open_reminders(org.rep).count() == 2


def test_a_failed_email_is_handed_back_for_the_next_try(org, customers, meeting, monkeypatch):
    def broken(*args, **kwargs):
        raise ConnectionRefusedError("smtp down")

    remind()
    reminder = BriefReminder.objects.filter(rep=org.rep).first()
    monkeypatch.setattr(reminders, "send_mail", broken)
    with pytest.raises(ConnectionRefusedError):
        reminders.email(reminder.pk)
    reminder.refresh_from_db()
    assert not reminder.emailed

    monkeypatch.undo()
    assert reminders.email(reminder.pk) is True
    assert reminders.email(reminder.pk) is False  # once


def test_the_in_app_reminder_goes_once_the_brief_is_handed_in(org, customers, meeting):
    remind()
    assert sorted(r.customer.name for r in services.open_reminders(org.rep)) == [
        "华东电力",
        "宁波港务",
    ]

    with time_machine.travel(EARLY, tick=False):
        submit(meeting, customers["港务"], needs="扩容")
    assert [r.customer.name for r in services.open_reminders(org.rep)] == ["华东电力"]

    with time_machine.travel(meeting.ends_at, tick=False):
        meeting_services.mark_concluded(meeting, org.lead)
    assert list(services.open_reminders(org.rep)) == []


def test_the_in_app_reminder_goes_once_the_meeting_is_over_even_if_never_concluded(
    org, customers, meeting
):
    remind()
    with time_machine.travel(meeting.ends_at - dt.timedelta(minutes=1), tick=False):
        meeting_services.start_meeting(meeting, org.lead)
        assert services.open_reminders(org.rep).count() == 2
    with time_machine.travel(meeting.ends_at + dt.timedelta(minutes=1), tick=False):
        assert services.open_reminders(org.rep).count() == 0
