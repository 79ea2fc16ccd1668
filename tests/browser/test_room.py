"""A team lead runs today's daily meeting in the room: minutes on two items,
a decision with an owner, conclude; the attendees get the summary."""

import datetime as dt

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from meetings import services
from meetings.kinds import Kind
from org.models import Person
from tests.browser.test_login import log_in

pytestmark = pytest.mark.browser


@pytest.fixture
def todays_daily(transactional_db):
    call_command("seed_demo", verbosity=0)
    lead = Person.objects.get(username="lead")
    start = timezone.now().replace(second=0, microsecond=0) + dt.timedelta(minutes=5)
    meeting, _ = services.schedule_meeting(
        services.MeetingSpec(
            kind=Kind.DAILY,
            unit=lead.unit,
            title="今日晨会",
            starts_at=start,
            ends_at=start + dt.timedelta(minutes=30),
            invitees=services.default_invitees(Kind.DAILY, lead.unit, lead),
        ),
        lead,
        accept_warnings=True,
    )
    mail.outbox.clear()
    return meeting


def test_lead_runs_the_daily_meeting_and_concludes(live_server, todays_daily, page):
    log_in(page, live_server.url, "lead")
    page.wait_for_url(f"{live_server.url}/")
    page.goto(f"{live_server.url}{todays_daily.get_absolute_url()}")
    page.get_by_test_id("open-room").click()
    page.get_by_test_id("room").wait_for()

    items = page.get_by_test_id("agenda-item")
    for index, text in [(0, "客户甲:需要报价支持,下午拜访"), (1, "客户乙:组长陪访")]:
        notes = items.nth(index).locator("textarea")
        notes.fill(text)
        notes.blur()
        items.nth(index).get_by_text("已保存").wait_for()

    decision = page.get_by_test_id("decision-form")
    decision.get_by_label("决策").fill("周五前给客户甲发正式报价")
    decision.get_by_label("负责人").select_option(label="陈静")
    due = timezone.localtime(timezone.now() + dt.timedelta(days=1))
    decision.get_by_label("截止时间").fill(due.strftime("%Y-%m-%dT%H:%M"))
    decision.get_by_role("button", name="记录决议").click()
    page.get_by_test_id("decisions").get_by_text("周五前给客户甲发正式报价").wait_for()

    page.get_by_test_id("conclude-button").click()
    page.get_by_test_id("concluded").wait_for()
    assert page.get_by_test_id("agenda-item").first.locator("textarea").count() == 0  # locked

    todays_daily.refresh_from_db()
    assert todays_daily.status == "concluded"
    summaries = [m for m in mail.outbox if m.subject.startswith("会议纪要")]
    assert len(summaries) == 1
    assert "客户甲:需要报价支持" in summaries[0].body
    assert "周五前给客户甲发正式报价" in summaries[0].body
    assert Person.objects.get(username="rep").email in summaries[0].to
