"""The manager's and the rep's journeys, with the UI switched to English.

Each user switches the language the way a user does: with the language
switcher in the navigation bar (on a phone, behind the "菜单" menu button),
which posts to Django's ``set_language`` and keeps English in the language
cookie for the rest of the visit. The browser contexts themselves stay
``zh-CN``, so every English string on the way comes from the switch.

* A team lead schedules a daily meeting repeating every working day from
  today through next Friday, accepts the methodology's warning (a rep is
  already booked), finds the five occurrences in next week's calendar, then
  runs today's (the first) occurrence in the room: minutes, a decision with
  an owner, conclude.
* A rep prepares a brief for tomorrow's daily meeting on a phone and asks to
  be accompanied; the lead sees the request in the room and decides.
"""

import datetime as dt
import re

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from customers.models import Brief
from meetings import services
from meetings.kinds import Kind
from meetings.models import Meeting, Status
from org.models import CalendarDay, Person
from tests.browser import test_briefs
from tests.browser.test_login import log_in

pytestmark = pytest.mark.browser

# The rep's journey starts from the same meeting and planned visit as test_briefs.py.
tomorrows_daily = test_briefs.tomorrows_daily

# Generous: another process may be loading the machine.
TIMEOUT = 30_000
SERIES_TITLE = "Morning stand-up"
CLASH_TITLE = "Call with the customer's CFO"
DECISION = "Send customer A the formal quote by Friday"
EN_DASH = "\N{EN DASH}"  # the calendar's ranges


def switch_to_english(page) -> None:
    """Use the language switcher in the navigation bar, opening the collapsed
    menu first on a narrow screen."""
    switcher = page.get_by_label("语言")
    if not switcher.is_visible():
        page.get_by_role("button", name="菜单").click()
        switcher.wait_for(state="visible", timeout=TIMEOUT)
    with page.expect_navigation(timeout=TIMEOUT):
        switcher.select_option("en")
    page.get_by_label("Language").wait_for(state="attached", timeout=TIMEOUT)
    assert page.locator("html").get_attribute("lang") == "en"


def next_monday(today: dt.date) -> dt.date:
    return today + dt.timedelta(days=7 - today.weekday())


@pytest.fixture
def a_plain_week(transactional_db):
    """The demo organisation, with today and next Monday to Friday declared
    working days, so that public holidays (and weekends, for today) do not
    change how many occurrences the series has on the day the suite runs."""
    call_command("seed_demo", verbosity=0)
    today = timezone.localdate()
    monday = next_monday(today)
    week = [monday + dt.timedelta(days=offset) for offset in range(5)]
    for day in [today, *week]:
        CalendarDay.objects.update_or_create(
            date=day, defaults={"is_working_day": True, "name": "browser test"}
        )
    # The rep already has a customer meeting at 08:00 today: scheduling the
    # daily then warns that they are booked, and the lead schedules anyway.
    rep = Person.objects.get(username="rep")
    eight = timezone.make_aware(dt.datetime.combine(today, dt.time(8, 0)))
    services.schedule_meeting(
        services.MeetingSpec(
            kind=Kind.CUSTOMER_SPECIAL,
            unit=rep.unit,
            title=CLASH_TITLE,
            starts_at=eight,
            ends_at=eight + dt.timedelta(minutes=45),
            invitees=[],
            customer_name="华信电子",
        ),
        rep,
        accept_warnings=True,
    )
    mail.outbox.clear()
    return today, week


def test_lead_schedules_a_week_of_dailies_and_runs_one_in_the_room_in_english(
    live_server, a_plain_week, page
):
    today, week = a_plain_week
    page.set_default_timeout(TIMEOUT)
    log_in(page, live_server.url, "lead")
    page.wait_for_url(f"{live_server.url}/")
    switch_to_english(page)
    page.get_by_text("Your week: run the team's meetings").wait_for()

    # Schedule: a daily at 08:00 from today, every working day until next Friday.
    page.get_by_role("link", name="Meetings").first.click()
    page.get_by_test_id("new-meeting").click()
    page.get_by_role("heading", name="Schedule a meeting").wait_for()
    page.get_by_label("Kind").select_option("daily")
    picker = page.get_by_test_id("invitee-picker")
    picker.get_by_text("Daily meeting", exact=True).wait_for()  # the picker followed the kind
    assert picker.get_by_label("陈静", exact=False).is_checked()
    page.get_by_label("Title").fill(SERIES_TITLE)
    page.get_by_label(re.compile(r"^\W*Starts\W*$")).fill(f"{today:%Y-%m-%d}T08:00")
    page.get_by_label(re.compile(r"^\W*Ends\W*$")).fill(f"{today:%Y-%m-%d}T08:30")
    page.get_by_label(re.compile(r"^\W*Repeat\W*$")).select_option(label="Every working day")
    page.get_by_label("Repeat until").fill(f"{week[-1]:%Y-%m-%d}")
    page.get_by_test_id("save-meeting").click()

    # The rep is booked at 08:00 today: a warning, not a refusal. Accept it.
    warnings = page.get_by_test_id("warnings")
    warnings.or_(page.get_by_test_id("refusals")).wait_for()
    assert not page.get_by_test_id("refusals").is_visible()
    assert "The methodology advises against this" in warnings.inner_text()
    assert f"陈静 is already booked at that time: {CLASH_TITLE}" in warnings.inner_text()
    page.get_by_test_id("schedule-anyway").click()
    page.wait_for_url(re.compile(rf"^{re.escape(live_server.url)}/meetings/\d+/$"))
    assert SERIES_TITLE in page.locator("h1").inner_text()
    page.get_by_text("Meeting scheduled; invitations are on their way.").wait_for()

    occurrences = Meeting.objects.filter(title=SERIES_TITLE).order_by("starts_at")
    first = occurrences.first()
    assert timezone.localtime(first.starts_at).date() == today
    assert first.series is not None
    assert page.url == f"{live_server.url}{first.get_absolute_url()}"

    # Next week's calendar holds the five occurrences, Monday to Friday.
    page.get_by_role("link", name="Meetings").first.click()
    page.get_by_label("Next").click()
    page.get_by_text(f"{week[0]:%Y-%m-%d} {EN_DASH} ").wait_for()
    calendar = page.get_by_test_id("calendar")
    days = calendar.locator("section")
    assert days.count() == 7
    for index, day in enumerate(week):
        assert f"{day:%a} {day:%m-%d}" in days.nth(index).locator("h2").inner_text()
        cards = days.nth(index).locator("a.meeting-card", has_text=SERIES_TITLE)
        assert cards.count() == 1
        assert f"08:00{EN_DASH}08:30" in cards.inner_text()
        assert "Morning meeting" in cards.inner_text()  # a daily before noon
    assert calendar.locator("a.meeting-card", has_text=SERIES_TITLE).count() == 5
    assert occurrences.filter(series=first.series).count() >= 6  # today and next week

    # Run today's occurrence in the room.
    page.get_by_role("link", name="Today", exact=True).click()
    page.get_by_test_id("calendar").locator("section.is-today").get_by_text(SERIES_TITLE).click()
    page.wait_for_url(f"{live_server.url}{first.get_absolute_url()}")
    room_link = page.get_by_test_id("open-room")
    assert room_link.inner_text() == "Open the meeting room"
    room_link.click()
    page.get_by_test_id("room").wait_for()
    page.get_by_role("heading", name="Agenda").wait_for()

    minutes = "Customer A: needs pricing support, visit this afternoon"
    item = page.get_by_test_id("agenda-item").first
    notes = item.get_by_label("Minutes", exact=True)
    notes.fill(minutes)
    notes.blur()
    item.get_by_text("Saved", exact=False).wait_for()

    decision = page.get_by_test_id("decision-form")
    decision.get_by_label("Decision").fill(DECISION)
    decision.get_by_label("Owner").select_option(label="陈静")
    due = timezone.localtime(timezone.now() + dt.timedelta(days=1))
    decision.get_by_label("Due").fill(due.strftime("%Y-%m-%dT%H:%M"))
    decision.get_by_role("button", name="Record decision").click()
    page.get_by_test_id("decisions").get_by_text(DECISION).wait_for()

    page.get_by_test_id("conclude-button").click()
    concluded = page.get_by_test_id("concluded")
    concluded.wait_for()
    assert "the minutes are locked" in concluded.inner_text()
    assert page.get_by_test_id("agenda-item").first.locator("textarea").count() == 0  # locked

    first.refresh_from_db()
    assert first.status == Status.CONCLUDED
    decisions = list(first.decisions.select_related("owner"))
    assert [(d.text, d.owner.username) for d in decisions] == [(DECISION, "rep")]
    # Only today's occurrence was run; the others stay scheduled.
    assert not occurrences.exclude(pk=first.pk).filter(status=Status.CONCLUDED).exists()

    # The summary goes out once, in the organisation's language (LANGUAGE_CODE).
    summaries = [m for m in mail.outbox if minutes in m.body]
    assert len(summaries) == 1
    assert DECISION in summaries[0].body
    assert Person.objects.get(username="rep").email in summaries[0].to


def test_rep_briefs_on_a_phone_in_english(live_server, tomorrows_daily, phone, page):
    meeting, customer = tomorrows_daily
    phone.set_default_timeout(TIMEOUT)
    log_in(phone, live_server.url, "rep")
    phone.wait_for_url(f"{live_server.url}/")
    switch_to_english(phone)

    phone.get_by_role("button", name="Menu").click()
    phone.get_by_role("link", name="Prepare", exact=True).click()
    phone.wait_for_url(f"{live_server.url}/prepare/")
    phone.get_by_role("heading", name="Prepare your meetings").wait_for()
    section = phone.get_by_test_id("prepare-meeting").filter(has_text="明日晨会")
    expected = section.get_by_test_id("expected-brief").filter(has_text=customer.name)
    assert "To fill" in expected.inner_text()
    expected.click()

    form = phone.get_by_test_id("brief-form")
    form.wait_for()
    assert form.get_by_label("Stage").input_value() == str(customer.stage_id)  # from the CRM
    form.get_by_label("Customer's needs").fill("Wants to see an instalment plan next week")
    form.get_by_label("Blockers").fill("The CFO has not committed yet")
    form.get_by_label("Help wanted").fill("The team lead should meet the CFO with me")
    form.get_by_label("Ask the team lead to accompany", exact=False).check()
    form.get_by_test_id("submit-brief").click()
    phone.wait_for_url(f"{live_server.url}/prepare/")
    row = phone.get_by_test_id("prepare-meeting").filter(has_text="明日晨会")
    submitted = row.get_by_test_id("expected-brief").filter(has_text=customer.name)
    assert "Submitted" in submitted.inner_text()

    brief = Brief.objects.get(meeting=meeting, customer=customer)
    assert brief.wants_accompany and brief.submitted_at and not brief.is_late
    assert brief.needs == "Wants to see an instalment plan next week"
    assert brief.blockers == "The CFO has not committed yet"
    assert brief.help_wanted == "The team lead should meet the CFO with me"

    # The lead, on a desktop and in English too, sees the request and decides.
    page.set_default_timeout(TIMEOUT)
    log_in(page, live_server.url, "lead")
    page.wait_for_url(f"{live_server.url}/")
    switch_to_english(page)
    page.goto(f"{live_server.url}/meetings/{meeting.pk}/room/")
    card = page.get_by_test_id("panel-brief").filter(has_text=customer.name)
    card.get_by_text("Asks to be accompanied").wait_for()
    assert "The CFO has not committed yet" in card.inner_text()
    card.get_by_text("Accompany", exact=True).click()
    card.get_by_placeholder("Advice").fill("Wednesday morning, together")
    card.get_by_role("button", name="Decide").click()
    page.get_by_test_id("panel-brief").filter(has_text=customer.name).get_by_test_id(
        "decision"
    ).wait_for()
    assert "Accompany the visit" in (
        page.get_by_test_id("panel-brief").filter(has_text=customer.name).inner_text()
    )

    brief.refresh_from_db()
    assert brief.accompany == "yes"
    assert brief.advice == "Wednesday morning, together"
    assert brief.decided_by.username == "lead"
