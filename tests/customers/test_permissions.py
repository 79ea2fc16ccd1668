"""Who sees which briefs and customers: a rep their own briefs, the team
lead the team's, other teams none (404 on pages, absent from lists); and
nobody changes a brief once its meeting has concluded."""

import pytest
import time_machine
from django.urls import reverse

from customers import services
from customers.models import Accompany, Brief, Customer
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

HTMX = {"HX-Request": "true"}


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def colleague(org):
    return PersonFactory(username="rep2", full_name="陈静", unit=org.team_a)


@pytest.fixture
def briefs(org, colleague):
    """Tomorrow's morning meeting of 上海一组 with a brief each from ``rep``
    and 陈静, and 上海二组's with one from ``outsider``."""
    mine = CustomerFactory(owner=org.rep, name="宁波港务")
    theirs = CustomerFactory(owner=colleague, name="瑞金医院")
    other_team = CustomerFactory(owner=org.outsider, name="外组客户")
    for customer in (mine, theirs, other_team):
        VisitPlanFactory(customer=customer, day=TUESDAY.date())
    meeting = daily(org, invitees=[org.rep, colleague])
    other_meeting = daily(org, invitees=[org.outsider], unit=org.team_b)
    return {
        "rep": submit(meeting, mine, needs="我的简报", wants_accompany=True),
        "rep2": submit(meeting, theirs, needs="同事的简报", wants_accompany=True),
        "outsider": submit(other_meeting, other_team, needs="外组的简报"),
    }


def visible(user) -> set[str]:
    return {brief.rep.username for brief in Brief.objects.for_user(user)}


@pytest.mark.parametrize(
    ("who", "sees"),
    [
        ("rep", {"rep"}),
        ("outsider", {"outsider"}),
        ("rep_south", set()),
        ("lead", {"rep", "rep2"}),
        ("lead_b", {"outsider"}),
        ("director", {"rep", "rep2", "outsider"}),
        ("director_south", set()),
        ("exec", {"rep", "rep2", "outsider"}),
        ("ops", {"rep", "rep2", "outsider"}),
    ],
)
def test_who_sees_which_briefs(org, briefs, who, sees):
    assert visible(getattr(org, who)) == sees


def test_a_rep_sees_the_teams_customers_and_not_other_teams(org, briefs):
    names = set(Customer.objects.for_user(org.rep).values_list("name", flat=True))
    assert names == {"宁波港务", "瑞金医院"}
    assert set(Customer.objects.for_user(org.rep_south)) == set()


# --- Pages ----------------------------------------------------------------------------------


def brief_page(brief):
    return reverse("customers:brief", args=[brief.meeting_id, brief.customer_id])


def test_a_rep_opening_a_colleagues_customer_gets_their_own_brief(org, briefs, client):
    client.force_login(org.rep)
    response = client.get(brief_page(briefs["rep2"]))
    assert response.status_code == 200
    assert response.context["brief"].pk is None
    assert "同事的简报" not in response.content.decode()


@pytest.mark.parametrize(
    ("who", "brief"),
    [
        ("outsider", "rep"),  # another team's meeting and customer
        ("rep_south", "rep"),
        ("rep", "outsider"),
        ("lead_b", "rep"),
    ],
)
def test_another_teams_brief_page_is_not_found(org, briefs, client, who, brief):
    client.force_login(getattr(org, who))
    assert client.get(brief_page(briefs[brief])).status_code == 404
    assert client.post(brief_page(briefs[brief]), {"needs": "改"}).status_code == 404


def test_another_teams_customer_page_is_not_found(org, briefs, client):
    client.force_login(org.outsider)
    url = reverse("customers:detail", args=[briefs["rep"].customer_id])
    assert client.get(url).status_code == 404


def test_the_customer_list_shows_only_the_users_part_of_the_organisation(org, briefs, client):
    client.force_login(org.outsider)
    response = client.get(reverse("customers:list"))
    assert [c.name for c in response.context["customers"]] == ["外组客户"]
    client.force_login(org.director)
    response = client.get(reverse("customers:list"))
    assert {c.name for c in response.context["customers"]} == {"宁波港务", "瑞金医院", "外组客户"}


def test_the_customer_page_lists_only_the_briefs_the_user_may_see(org, briefs, colleague, client):
    shared = briefs["rep"].customer
    submit(briefs["rep"].meeting, shared, colleague, needs="同事也写了")
    url = reverse("customers:detail", args=[shared.pk])

    client.force_login(org.rep)
    assert [b.rep for b in client.get(url).context["briefs"]] == [org.rep]
    client.force_login(org.lead)
    assert {b.rep for b in client.get(url).context["briefs"]} == {org.rep, colleague}


def panel(meeting):
    return reverse("customers:brief-panel", args=[meeting.pk])


def test_in_the_panel_a_rep_sees_their_own_briefs_and_cannot_decide(org, briefs, client):
    meeting = briefs["rep"].meeting
    client.force_login(org.rep)

    response = client.get(panel(meeting), headers=HTMX)

    html = response.content.decode()
    assert "我的简报" in html and "同事的简报" not in html
    assert not response.context["can_decide"]
    assert 'name="accompany"' not in html
    decide = reverse("customers:decide", args=[meeting.pk, briefs["rep"].pk])
    assert client.post(decide, {"accompany": Accompany.YES}).status_code == 403
    assert (
        client.post(
            reverse("customers:decide", args=[meeting.pk, briefs["rep2"].pk]),
            {"accompany": Accompany.YES},
        ).status_code
        == 404
    )
    briefs["rep"].refresh_from_db()
    assert briefs["rep"].accompany == ""


def test_in_the_panel_the_lead_sees_the_teams_briefs(org, briefs, client):
    client.force_login(org.lead)
    response = client.get(panel(briefs["rep"].meeting), headers=HTMX)
    html = response.content.decode()
    assert "我的简报" in html and "同事的简报" in html
    assert response.context["can_decide"]


@pytest.mark.parametrize("who", ["outsider", "lead_b", "rep_south"])
def test_another_teams_panel_and_decisions_are_not_found(org, briefs, client, who):
    meeting = briefs["rep"].meeting
    client.force_login(getattr(org, who))
    assert client.get(panel(meeting)).status_code == 404
    decide = reverse("customers:decide", args=[meeting.pk, briefs["rep"].pk])
    assert client.post(decide, {"accompany": Accompany.YES}).status_code == 404
    stage = reverse("customers:confirm-stage", args=[meeting.pk, briefs["rep"].customer_id])
    assert client.post(stage, {"stage": 1}).status_code == 404
    visits = reverse("customers:visit-plan", args=[meeting.pk])
    assert client.get(visits).status_code == 404


def test_a_rep_cannot_confirm_a_stage_or_plan_a_colleagues_visits(org, briefs, colleague, client):
    meeting = briefs["rep"].meeting
    client.force_login(org.rep)
    customer = briefs["rep2"].customer
    stage = reverse("customers:confirm-stage", args=[meeting.pk, customer.pk])
    assert client.post(stage, {"stage": customer.stage_id}).status_code == 403
    visits = reverse("customers:visit-plan", args=[meeting.pk])
    cell = {"rep": colleague.pk, "customer": customer.pk, "day": "2026-11-30", "planned": "1"}
    assert client.post(visits, cell).status_code == 403


# --- Locked once the meeting concludes ------------------------------------------------------


def test_briefs_are_locked_once_the_meeting_concludes(org, briefs, client):
    brief = briefs["rep"]
    services.decide(brief, org.lead, accompany=Accompany.YES)
    services.decide(briefs["rep2"], org.lead, accompany=Accompany.NO)
    with time_machine.travel(brief.meeting.ends_at, tick=False):
        meeting_services.mark_concluded(brief.meeting, org.lead)

    with pytest.raises(services.BriefsLocked):
        services.save_brief(brief.meeting, brief.customer, org.rep, {"needs": "改了"})

    client.force_login(org.rep)
    response = client.get(brief_page(brief))
    assert response.context["locked"]
    assert 'data-testid="locked"' in response.content.decode()
    client.post(brief_page(brief), {"needs": "改了", "submit": "1"})
    brief.refresh_from_db()
    assert brief.needs == "我的简报"

    client.force_login(org.lead)
    response = client.get(panel(brief.meeting), headers=HTMX)
    assert not response.context["can_decide"]
    decide = reverse("customers:decide", args=[brief.meeting_id, brief.pk])
    client.post(decide, {"accompany": Accompany.NO})
    brief.refresh_from_db()
    assert brief.accompany == Accompany.YES
