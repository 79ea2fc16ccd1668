"""The customers pages as reps and leads use them: the prepare page, the
pre-filled brief form with its autosave, the brief panel in the meeting
room, the visit plan grid, the import page and a customer's history; and
query counts that do not grow with the number of customers."""

import datetime as dt

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from customers import services
from customers.models import Accompany, Brief, Customer, VisitPlan
from meetings import services as meeting_services
from tests.customers.factories import (
    NOW,
    TUESDAY,
    CustomerFactory,
    VisitPlanFactory,
    daily,
    stage,
    submit,
    weekly,
)
from tests.meetings.factories import MeetingFactory, local

HTMX = {"HX-Request": "true"}
TUESDAY_DATE = TUESDAY.date()


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False), translation.override("en"):
        yield


@pytest.fixture
def client(client):
    """A browser that asks for English."""
    client.cookies["django_language"] = "en"
    return client


@pytest.fixture
def customers(org):
    """``rep`` visits 宁波港务 and 浦发银行 tomorrow."""
    made = [
        CustomerFactory(owner=org.rep, name="宁波港务", stage=stage("proposal")),
        CustomerFactory(owner=org.rep, name="浦发银行", stage=stage("qualified")),
    ]
    for customer in made:
        VisitPlanFactory(customer=customer, day=TUESDAY_DATE)
    return made


@pytest.fixture
def meeting(org, customers):
    """Tomorrow's morning meeting."""
    return daily(org)


def brief_url(meeting, customer):
    return reverse("customers:brief", args=[meeting.pk, customer.pk])


def panel_url(meeting):
    return reverse("customers:brief-panel", args=[meeting.pk])


def section(html, testid):
    marker = f'data-testid="{testid}"'
    assert marker in html, f"no {marker}"
    return html[html.index(marker) :]


# --- Prepare --------------------------------------------------------------------------------


def test_the_prepare_page_lists_tomorrows_meeting_with_the_reps_briefs_and_progress(
    org, customers, meeting, client
):
    port, bank = customers
    submit(meeting, port, needs="扩容")
    client.force_login(org.rep)

    response = client.get(reverse("customers:prepare"))

    assert response.status_code == 200
    (row,) = response.context["rows"]
    assert (row["meeting"], row["done"], row["total"], row["percent"]) == (meeting, 1, 2, 50)
    html = section(response.content.decode(), "prepare-meeting")
    assert meeting.title in html
    assert "Due 11-24 09:00" in html
    assert "1/2" in html
    assert brief_url(meeting, port) in html and brief_url(meeting, bank) in html
    assert html.index("宁波港务") < html.index("Submitted") < html.index("浦发银行")


def test_the_prepare_page_shows_open_reminders(org, customers, meeting, client):
    with time_machine.travel(local(2026, 11, 24, 8), tick=False):
        services.remind_missing_briefs()
    submit(meeting, customers[0])
    client.force_login(org.rep)

    html = client.get(reverse("customers:prepare")).content.decode()

    reminders = section(html, "reminders").split("</div>")[0]
    assert "浦发银行" in reminders and "宁波港务" not in reminders


def test_a_rep_with_nothing_to_prepare_is_told_so(org, client):
    client.force_login(org.rep)
    response = client.get(reverse("customers:prepare"))
    assert response.context["rows"] == []
    assert "No daily or weekly meeting in the coming week" in response.content.decode()


# --- The brief form -------------------------------------------------------------------------


def test_the_brief_page_is_pre_filled(org, customers, meeting, client):
    port = customers[0]
    earlier = MeetingFactory(
        kind="daily", unit=org.team_a, starts_at=local(2026, 11, 20, 9), invitees=[org.rep]
    )
    submit(earlier, port, needs="私有化部署", blockers="预算未批", next_step="约CTO演示")
    client.force_login(org.rep)

    response = client.get(brief_url(meeting, port))

    assert response.status_code == 200
    form = response.context["form"]
    assert form["needs"].value() == "私有化部署"
    assert form["next_step"].value() == "约CTO演示"
    assert form["stage"].value() == stage("proposal").pk
    html = section(response.content.decode(), "brief-form")
    assert "私有化部署" in html and "预算未批" in html
    assert not Brief.objects.filter(meeting=meeting).exists()  # nothing saved by looking


def form_data(**fields):
    data = {
        "needs": "扩容到三百人",
        "blockers": "",
        "problems": "",
        "help_wanted": "",
        "stage": stage("proposal").pk,
        "next_step": "",
        "planned_visit_at": "2026-11-24T14:30",
    }
    data.update(fields)
    return data


def test_typing_saves_a_draft_through_htmx(org, customers, meeting, client):
    client.force_login(org.rep)

    response = client.post(brief_url(meeting, customers[0]), form_data(), headers=HTMX)

    assert response.status_code == 200
    assert "data-saved" in response.content.decode()
    assert "Draft saved 10:00:00" in response.content.decode()
    brief = Brief.objects.get()
    assert (brief.rep, brief.needs, brief.is_submitted) == (org.rep, "扩容到三百人", False)
    assert brief.planned_visit_at == local(2026, 11, 24, 14, 30)


def test_a_refused_autosave_says_why(org, customers, meeting, client):
    meeting_services.mark_concluded(meeting, org.lead)
    client.force_login(org.rep)

    response = client.post(brief_url(meeting, customers[0]), form_data(), headers=HTMX)

    assert "text-danger" in response.content.decode()
    assert not Brief.objects.exists()


def test_submitting_hands_the_brief_in_and_goes_back_to_prepare(org, customers, meeting, client):
    client.force_login(org.rep)

    response = client.post(
        brief_url(meeting, customers[0]), form_data(wants_accompany="on", submit="1")
    )

    assert response.status_code == 302
    assert response.url == reverse("customers:prepare")
    brief = Brief.objects.get()
    assert (brief.submitted_at, brief.is_late, brief.wants_accompany) == (NOW, False, True)


def test_saving_a_draft_without_htmx_stays_on_the_brief(org, customers, meeting, client):
    client.force_login(org.rep)
    response = client.post(brief_url(meeting, customers[0]), form_data(draft="1"))
    assert response.url == brief_url(meeting, customers[0])
    assert not Brief.objects.get().is_submitted


def test_a_brief_of_a_concluded_meeting_is_shown_locked(org, customers, meeting, client):
    submit(meeting, customers[0], needs="扩容")
    meeting_services.mark_concluded(meeting, org.lead)
    client.force_login(org.rep)

    html = client.get(brief_url(meeting, customers[0])).content.decode()

    assert "扩容" in section(html, "locked")
    assert 'data-testid="brief-form"' not in html


# --- The brief panel in the meeting room ----------------------------------------------------


def test_the_lead_sees_submitted_briefs_with_the_decide_form(org, customers, meeting, client):
    port, bank = customers
    brief = submit(meeting, port, needs="扩容到三百人", wants_accompany=True)
    services.save_brief(meeting, bank, org.rep, {"needs": "草稿不给看"})
    client.force_login(org.lead)

    response = client.get(panel_url(meeting), headers=HTMX)

    html = section(response.content.decode(), "brief-panel")
    assert "1 of 2 submitted, 0 late" in html
    assert "扩容到三百人" in html and "草稿不给看" not in html
    assert "Asks to be accompanied" in html
    assert reverse("customers:decide", args=[meeting.pk, brief.pk]) in html


def test_the_lead_decides_from_the_panel(org, customers, meeting, client):
    brief = submit(meeting, customers[0], wants_accompany=True)
    client.force_login(org.lead)

    response = client.post(
        reverse("customers:decide", args=[meeting.pk, brief.pk]),
        {"accompany": Accompany.YES, "advice": "带上售前"},
        headers=HTMX,
    )

    assert response.status_code == 200
    assert "带上售前" in section(response.content.decode(), "decision")
    brief.refresh_from_db()
    assert (brief.accompany, brief.advice, brief.decided_by) == (
        Accompany.YES,
        "带上售前",
        org.lead,
    )


def test_deciding_without_htmx_goes_back_to_the_room(org, customers, meeting, client):
    brief = submit(meeting, customers[0], wants_accompany=True)
    client.force_login(org.lead)
    response = client.post(
        reverse("customers:decide", args=[meeting.pk, brief.pk]), {"accompany": Accompany.NO}
    )
    assert response.url == reverse("agendas:room", args=[meeting.pk])


def test_the_weekly_panel_shows_changes_and_confirms_a_stage(org, client):
    port = CustomerFactory(owner=org.rep, name="宁波港务", stage=stage("proposal"))
    meeting = weekly(org)
    client.force_login(org.lead)

    html = client.get(panel_url(meeting)).content.decode()
    assert "宁波港务" in section(html, "weekly-changes")
    assert reverse("customers:visit-plan", args=[meeting.pk]) in html

    response = client.post(
        reverse("customers:confirm-stage", args=[meeting.pk, port.pk]),
        {"stage": stage("negotiation").pk},
        headers=HTMX,
    )

    assert response.status_code == 200
    assert Customer.objects.get(pk=port.pk).stage == stage("negotiation")
    assert port.history.latest().history_user == org.lead


# --- The visit plan grid --------------------------------------------------------------------


def test_the_visit_plan_grid_toggles_a_cell(org, client):
    port = CustomerFactory(owner=org.rep, name="宁波港务")
    CustomerFactory(owner=org.rep, name="已签客户", stage=stage("signed"))
    meeting = weekly(org)
    monday = dt.date(2026, 11, 30)
    client.force_login(org.lead)

    response = client.get(reverse("customers:visit-plan", args=[meeting.pk]))

    assert response.context["days"] == [monday + dt.timedelta(days=n) for n in range(5)]
    ((rep, rows),) = response.context["grid"]
    assert (rep, [customer for customer, _cells in rows]) == (org.rep, [port])
    html = response.content.decode()
    assert "已签客户" not in html

    cell = {"rep": org.rep.pk, "customer": port.pk, "day": "2026-11-30", "planned": "1"}
    url = reverse("customers:visit-plan", args=[meeting.pk])
    response = client.post(url, cell, headers=HTMX)

    assert 'aria-pressed="true"' in response.content.decode()
    assert 'name="planned" value="0"' in response.content.decode()
    plan = VisitPlan.objects.get()
    assert (plan.rep, plan.customer, plan.day, plan.planned_by, plan.planned_in) == (
        org.rep,
        port,
        monday,
        org.lead,
        meeting,
    )

    response = client.post(url, {**cell, "planned": "0"}, headers=HTMX)
    assert 'aria-pressed="false"' in response.content.decode()
    assert not VisitPlan.objects.exists()


def test_a_bad_day_is_a_bad_request(org, client):
    port = CustomerFactory(owner=org.rep)
    meeting = weekly(org)
    client.force_login(org.lead)
    response = client.post(
        reverse("customers:visit-plan", args=[meeting.pk]),
        {"rep": org.rep.pk, "customer": port.pk, "day": "next monday", "planned": "1"},
    )
    assert response.status_code == 400


# --- Customers ------------------------------------------------------------------------------


def upload(text: str) -> SimpleUploadedFile:
    return SimpleUploadedFile("customers.csv", text.encode(), content_type="text/csv")


def test_the_import_page_shows_every_bad_row(org, client):
    client.force_login(org.lead)
    data = (
        "external_id,name,owner,stage\n"
        "CRM-1,宁波港务,rep,lead\n"
        "CRM-2,浦发银行,rep,won\n"
        "CRM-3,瑞金医院,rep_south,lead\n"
    )

    response = client.post(reverse("customers:import"), {"file": upload(data)})

    assert response.status_code == 200
    errors = section(response.content.decode(), "import-errors").split("</div>")[0]
    assert "2 rows need fixing; nothing was imported." in errors
    assert "Line 3: unknown stage won" in errors
    assert "Line 4: no person rep_south in your part of the organisation" in errors
    assert not Customer.objects.exists()


def test_a_clean_import_goes_to_the_list(org, client):
    client.force_login(org.lead)
    response = client.post(
        reverse("customers:import"),
        {"file": upload("external_id,name,owner,stage\nCRM-1,宁波港务,rep,lead\n")},
        follow=True,
    )
    assert response.redirect_chain == [(reverse("customers:list"), 302)]
    assert "1 created, 0 updated, 0 unchanged" in response.content.decode()


def test_a_rep_may_not_import(org, client):
    client.force_login(org.rep)
    assert client.get(reverse("customers:import")).status_code == 403


def test_the_customer_page_shows_its_history(org, client):
    with time_machine.travel(local(2026, 11, 10, 10), tick=False):
        port = CustomerFactory(owner=org.rep, name="宁波港务", stage=stage("proposal"))
    services.confirm_stage(port, org.lead, stage("negotiation"))
    client.force_login(org.rep)

    response = client.get(reverse("customers:detail", args=[port.pk]))

    history = section(response.content.decode(), "history").split("</ul>")[0]
    assert "2026-11-23 10:00 · " + str(org.lead) in history
    assert "2026-11-10 10:00" in history


def test_the_customer_list_filters_by_stage(org, client):
    CustomerFactory(owner=org.rep, name="宁波港务", stage=stage("proposal"))
    CustomerFactory(owner=org.rep, name="浦发银行", stage=stage("lead"))
    client.force_login(org.rep)
    response = client.get(reverse("customers:list"), {"stage": stage("proposal").pk})
    assert [c.name for c in response.context["customers"]] == ["宁波港务"]


# --- Query counts ---------------------------------------------------------------------------


def book_of(org, count: int) -> list[Customer]:
    """``count`` customers of ``rep`` planned for tomorrow, half with submitted briefs."""
    made = [CustomerFactory(owner=org.rep, name=f"客户{n:02d}") for n in range(count)]
    for customer in made:
        VisitPlanFactory(customer=customer, day=TUESDAY_DATE)
    return made


# The prepare page costs, however many customers: the session and the user (2);
# the meetings with their unit (1); the invited reps, the visit plans with their
# customers, the active customers, the briefs (4); the unread notifications in
# the navigation bar (1); the user's unit for the visibility rule (1); the open
# reminders with their meetings and customers (1).
PREPARE_QUERIES = 10


@pytest.mark.parametrize("count", [3, 30])
def test_the_prepare_page_costs_the_same_queries_for_3_or_30_customers(
    org, client, django_assert_max_num_queries, count
):
    made = book_of(org, count)
    tuesday = daily(org)
    weekly(org)
    for customer in made[::2]:
        submit(tuesday, customer, needs="扩容")
    with time_machine.travel(local(2026, 11, 24, 8), tick=False):
        services.remind_missing_briefs()
    client.force_login(org.rep)

    with django_assert_max_num_queries(PREPARE_QUERIES):
        response = client.get(reverse("customers:prepare"))

    assert [row["total"] for row in response.context["rows"]] == [count, count]


# The brief panel costs, however many customers: the session, the user and
# the user's unit (3); the meeting with unit and chair (1); the invited reps,
# the visit plans with their customers (daily) or the active customers (weekly),
# the briefs (3); the unread notifications (1). The weekly meeting adds the
# previous weekly meeting, the stages, the customers' history, the old and the
# new blockers, and the stages again for the confirm <select> (6).
PANEL_QUERIES = {"daily": 8, "weekly": 14}


@pytest.mark.parametrize("kind", ["daily", "weekly"])
@pytest.mark.parametrize("count", [3, 30])
def test_the_brief_panel_costs_the_same_queries_for_3_or_30_customers(
    org, client, django_assert_max_num_queries, count, kind
):
    made = book_of(org, count)
    MeetingFactory(kind="weekly", unit=org.team_a, starts_at=local(2026, 11, 20, 15))
    meeting = daily(org) if kind == "daily" else weekly(org)
    for customer in made[::2]:
        submit(meeting, customer, needs="扩容", blockers="预算", wants_accompany=True)
    client.force_login(org.lead)

    with django_assert_max_num_queries(PANEL_QUERIES[kind]):
        response = client.get(panel_url(meeting), headers=HTMX)

    assert len(response.context["expected"]) == count
    assert response.content.decode().count('name="accompany" value="yes"') == len(made[::2])
