"""On a phone, the rep fills a pre-filled brief for tomorrow's daily meeting
and asks to be accompanied; in the meeting room the lead sees it and
decides to accompany."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone

from customers.models import Brief, Customer, VisitPlan
from meetings import services
from meetings.kinds import Kind
from org.models import Person
from tests.browser.test_login import log_in

pytestmark = pytest.mark.browser


@pytest.fixture
def tomorrows_daily(transactional_db):
    call_command("seed_demo", verbosity=0)
    lead = Person.objects.get(username="lead")
    rep = Person.objects.get(username="rep")
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    start = timezone.make_aware(dt.datetime.combine(tomorrow, dt.time(8, 0)))
    meeting, _ = services.schedule_meeting(
        services.MeetingSpec(
            kind=Kind.DAILY,
            unit=lead.unit,
            title="明日晨会",
            starts_at=start,
            ends_at=start + dt.timedelta(minutes=30),
            invitees=services.default_invitees(Kind.DAILY, lead.unit, lead),
        ),
        lead,
        accept_warnings=True,
    )
    customer = Customer.objects.filter(owner=rep).active().order_by("external_id").first()
    VisitPlan.objects.filter(rep=rep, day=tomorrow).delete()
    VisitPlan.objects.create(rep=rep, customer=customer, day=tomorrow, planned_by=rep)
    return meeting, customer


def test_rep_briefs_on_a_phone_and_the_lead_decides(live_server, tomorrows_daily, phone, page):
    meeting, customer = tomorrows_daily
    log_in(phone, live_server.url, "rep")
    phone.wait_for_url(f"{live_server.url}/")
    phone.goto(f"{live_server.url}/prepare/")
    section = phone.get_by_test_id("prepare-meeting").filter(has_text="明日晨会")
    section.get_by_test_id("expected-brief").filter(has_text=customer.name).click()

    form = phone.get_by_test_id("brief-form")
    assert form.get_by_label("阶段").input_value() == str(
        customer.stage_id
    )  # pre-filled from the CRM record
    form.get_by_label("客户需求").fill("希望下周看到分期付款方案")
    form.get_by_label("卡点").fill("财务总监尚未表态")
    form.get_by_label("需要的支持").fill("需要组长一起拜访财务总监")
    form.get_by_label("请组长陪访").check()
    form.get_by_test_id("submit-brief").click()
    phone.wait_for_url(f"{live_server.url}/prepare/")
    assert (
        "已提交" in phone.get_by_test_id("prepare-meeting").filter(has_text="明日晨会").inner_text()
    )

    brief = Brief.objects.get(meeting=meeting, customer=customer)
    assert brief.wants_accompany and brief.submitted_at and not brief.is_late

    log_in(page, live_server.url, "lead")
    page.wait_for_url(f"{live_server.url}/")
    page.goto(f"{live_server.url}/meetings/{meeting.pk}/room/")
    card = page.get_by_test_id("panel-brief").filter(has_text=customer.name)
    card.get_by_text("申请陪访").wait_for()
    assert "财务总监尚未表态" in card.inner_text()
    card.get_by_text("陪访", exact=True).click()
    card.get_by_placeholder("建议").fill("周三上午一起去")
    card.get_by_role("button", name="决定").click()
    page.get_by_test_id("panel-brief").filter(has_text=customer.name).get_by_test_id(
        "decision"
    ).wait_for()

    brief.refresh_from_db()
    assert brief.accompany == "yes"
    assert brief.advice == "周三上午一起去"
    assert brief.decided_by.username == "lead"
