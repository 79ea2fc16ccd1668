"""A team lead schedules a weekly meeting on a Wednesday, is warned, schedules
it anyway and finds it in the calendar; the invited rep finds it in theirs."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone

from tests.browser.test_login import log_in

pytestmark = pytest.mark.browser


@pytest.fixture
def demo(transactional_db):
    call_command("seed_demo", verbosity=0)


def next_wednesday() -> dt.date:
    today = timezone.localdate()
    return today + dt.timedelta(days=(2 - today.weekday()) % 7 or 7)


def test_lead_schedules_on_a_wednesday_anyway_and_the_rep_sees_it(live_server, demo, page, browser):
    wednesday = next_wednesday()
    log_in(page, live_server.url, "lead")
    page.wait_for_url(f"{live_server.url}/")
    page.get_by_role("link", name="会议").first.click()
    page.get_by_test_id("new-meeting").click()

    page.get_by_label("类型").select_option("weekly")
    page.get_by_label("标题").fill("周三客户复盘")
    page.get_by_label("开始").fill(f"{wednesday:%Y-%m-%d}T15:00")
    page.get_by_label("结束").fill(f"{wednesday:%Y-%m-%d}T16:00")
    picker = page.get_by_test_id("invitee-picker")
    assert picker.get_by_label("陈静", exact=False).is_checked()
    page.get_by_test_id("save-meeting").click()

    warnings = page.get_by_test_id("warnings")
    warnings.wait_for()
    assert "周五下午或周一上午" in warnings.inner_text()
    page.get_by_test_id("schedule-anyway").click()
    page.wait_for_url(f"{live_server.url}/meetings/*/")
    assert "周三客户复盘" in page.locator("h1").inner_text()

    page.goto(f"{live_server.url}/meetings/calendar/?date={wednesday:%Y-%m-%d}")
    assert page.get_by_test_id("calendar").get_by_text("周三客户复盘").is_visible()

    rep_context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844})
    rep_page = rep_context.new_page()
    log_in(rep_page, live_server.url, "rep")
    rep_page.wait_for_url(f"{live_server.url}/")
    rep_page.goto(f"{live_server.url}/meetings/calendar/?mine=1&date={wednesday:%Y-%m-%d}")
    meeting = rep_page.get_by_test_id("calendar").get_by_text("周三客户复盘")
    assert meeting.is_visible()
    meeting.click()
    rep_page.get_by_test_id("my-answer").get_by_role("button", name="接受").click()
    assert "接受" in rep_page.get_by_test_id("my-answer").inner_text()
    rep_context.close()
