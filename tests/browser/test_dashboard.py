"""The executive opens the escalation dashboard and drills from the company
to a team to a breached action item."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone

from actions import services
from org.models import Person
from tests.browser.test_login import log_in

pytestmark = pytest.mark.browser


@pytest.fixture
def breached(transactional_db):
    call_command("seed_demo", verbosity=0)
    rep = Person.objects.get(username="rep")
    item = services.create_action_item(
        title="三天内回复客户投诉",
        owner=rep,
        created_by=Person.objects.get(username="lead"),
        due_at=timezone.now() + dt.timedelta(minutes=1),
    )
    services.sweep(timezone.now() + dt.timedelta(minutes=2))
    return item


def test_exec_drills_down_to_the_breached_item(live_server, breached, page):
    log_in(page, live_server.url, "exec")
    page.wait_for_url(f"{live_server.url}/")
    page.get_by_role("link", name="看板").first.click()
    assert page.get_by_test_id("breached-count").inner_text() == "1"
    heat = page.get_by_test_id("heat-map")
    heat.get_by_text("华东大区").click()
    page.get_by_test_id("heat-map").get_by_text("上海一组").click()
    page.get_by_test_id("breaches").get_by_text("三天内回复客户投诉").click()
    page.wait_for_url(f"{live_server.url}{breached.get_absolute_url()}")
    page.get_by_test_id("breached").wait_for()
    assert "张伟" in page.get_by_test_id("escalations").inner_text()


def test_dashboard_in_english(live_server, breached, page):
    log_in(page, live_server.url, "exec")
    page.wait_for_url(f"{live_server.url}/")
    page.goto(f"{live_server.url}/dashboard/")
    with page.expect_navigation():
        page.get_by_label("语言").select_option("en")
    page.get_by_role("heading", name="Escalation dashboard").wait_for()
