"""The director imports results that put a team 20% behind pace; the
executive above sees the proposed review with its figures and confirms a time."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone

from meetings.models import Meeting
from org.models import Person
from targets import figures, pacing, services
from targets.models import GapReview
from tests.browser.test_login import log_in

pytestmark = pytest.mark.browser


@pytest.fixture
def planned_team(transactional_db, tmp_path):
    call_command("seed_demo", verbosity=0)
    director = Person.objects.get(username="director")
    team = Person.objects.get(username="lead").unit
    today = timezone.localdate()
    period = services.period_for("quarter", today)
    services.set_target(director, period, team, "revenue", Decimal(1_000_000))
    expected = figures.build(team, period, today).root.figures["revenue"].expected
    assert pacing.elapsed_fraction(period, today) >= Decimal("0.2"), (
        "the rule waits for 20% of the quarter"
    )
    behind = (expected * Decimal("0.8")).quantize(Decimal(1))
    rep = Person.objects.get(username="rep")
    csv = tmp_path / "actuals.csv"
    csv.write_text(
        "external_id,date,metric,value,rep\n"
        f"CRM-1,{today:%Y-%m-%d},revenue,{behind},{rep.username}\n",
        encoding="utf-8",
    )
    return team, period, csv


def test_director_imports_results_and_the_executive_confirms_the_review(
    live_server, planned_team, page, browser
):
    team, period, csv = planned_team
    log_in(page, live_server.url, "director")
    page.wait_for_url(f"{live_server.url}/")
    page.goto(f"{live_server.url}/targets/actuals/import/")
    page.get_by_test_id("import-form").locator("input[type=file]").set_input_files(str(csv))
    page.get_by_test_id("import-form").get_by_role("button", name="导入").click()
    page.wait_for_url(f"{live_server.url}/targets/")

    review = GapReview.objects.get(unit=team, period=period)
    assert review.meeting.status == "proposed"
    assert Decimal(review.figures["revenue"]["gap"]) > Decimal("0.15")

    exec_context = browser.new_context(locale="zh-CN")
    exec_page = exec_context.new_page()
    log_in(exec_page, live_server.url, "exec")
    exec_page.wait_for_url(f"{live_server.url}/")
    exec_page.goto(f"{live_server.url}{review.meeting.get_absolute_url()}")
    figures_table = exec_page.get_by_test_id("gap-figures")
    assert team.name in figures_table.inner_text()
    confirm = exec_page.get_by_test_id("confirm-proposed")
    start = timezone.localtime(timezone.now() + dt.timedelta(days=2)).replace(hour=10, minute=0)
    confirm.locator("#id_starts_at").fill(start.strftime("%Y-%m-%dT%H:%M"))
    confirm.locator("#id_ends_at").fill((start + dt.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"))
    confirm.get_by_test_id("confirm-time").click()
    exec_page.wait_for_load_state()
    meeting = Meeting.objects.get(pk=review.meeting_id)
    assert meeting.status == "scheduled"
    assert timezone.localtime(meeting.starts_at).hour == 10
    exec_context.close()
