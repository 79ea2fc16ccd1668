"""The rep sees an action item counting down; once its deadline has passed
and the sweep has run, the lead sees the escalation."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone

from actions import services
from actions.models import ActionItem, Escalation
from org.models import Person
from tests.browser.test_login import log_in

pytestmark = pytest.mark.browser


@pytest.fixture
def item(transactional_db):
    call_command("seed_demo", verbosity=0)
    rep = Person.objects.get(username="rep")
    lead = Person.objects.get(username="lead")
    return services.create_action_item(
        title="给客户甲发正式报价",
        owner=rep,
        created_by=lead,
        due_at=timezone.now() + dt.timedelta(hours=2),
    )


def test_rep_counts_down_and_the_lead_sees_the_escalation(live_server, item, page, browser):
    log_in(page, live_server.url, "rep")
    page.wait_for_url(f"{live_server.url}/")
    page.goto(f"{live_server.url}/actions/")
    row = page.get_by_test_id("action-item").filter(has_text="给客户甲发正式报价")
    countdown = row.locator(".countdown")
    # The page renders the deadline; the script turns it into time left.
    assert countdown.inner_text().startswith(("1h 5", "2h 0"))

    # Time moves on: the deadline passes and the worker's sweep runs.
    later = timezone.now() + dt.timedelta(hours=3)
    report = services.sweep(later)
    assert report.breached == 1
    escalation = Escalation.objects.get(clock__action_item=item)
    assert escalation.to_person.username == "lead"

    lead_context = browser.new_context(locale="zh-CN")
    lead_page = lead_context.new_page()
    log_in(lead_page, live_server.url, "lead")
    lead_page.wait_for_url(f"{live_server.url}/")
    assert lead_page.get_by_test_id("unread").inner_text() == "1"
    lead_page.goto(f"{live_server.url}/actions/escalations/")
    lead_page.get_by_test_id("escalation-list").get_by_text("给客户甲发正式报价").click()
    lead_page.get_by_test_id("breached").wait_for()
    assert "张伟" in lead_page.get_by_test_id("escalations").inner_text()
    assert ActionItem.objects.get(pk=item.pk).state == "open"
    lead_context.close()
