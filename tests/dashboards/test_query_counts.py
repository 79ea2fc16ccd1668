"""Each dashboard, page and API twin, takes the same number of queries at
10 and at 1,000 breached action items: the rows are written in bulk
(items, breached clocks, their escalations, and a meeting per ten items
today), and the bound is pinned with the queries listed."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from actions.models import ActionItem, ActionState, ClockState, Escalation, SlaClock, SlaPolicy
from meetings.kinds import Kind
from meetings.models import Invitation, Meeting, Part, Rsvp, Status
from tests.meetings.factories import local

from .conftest import NOW


@pytest.fixture(params=[10, 1000], ids=["10", "1000"])
def bulk(request, org, quarter) -> int:
    """``request.param`` open items across four owners in three teams, each
    with a clock breached in one of the last eight weeks and escalated to
    level 1 (every other one to level 2), and a daily or weekly meeting
    per ten items (and four more) today, with rep and lead invited."""
    n = request.param
    owners = [org.rep, org.lead, org.outsider, org.rep_south]
    policy = SlaPolicy.objects.get(key="decision")
    deadlines = [NOW - dt.timedelta(hours=1 + (i * 7) % (8 * 7 * 24)) for i in range(n)]
    items = ActionItem.objects.bulk_create(
        ActionItem(
            title=f"批量事项{i}",
            owner=owners[i % 4],
            unit_id=owners[i % 4].unit_id,
            due_at=deadlines[i],
            created_by=org.lead,
            state=ActionState.OPEN,
        )
        for i in range(n)
    )
    clocks = SlaClock.objects.bulk_create(
        SlaClock(
            action_item=item,
            policy=policy,
            policy_version=policy.version,
            started_at=deadline - dt.timedelta(hours=24),
            deadline=deadline,
            state=ClockState.BREACHED,
            breached_at=deadline,
            level=1 + i % 2,
        )
        for i, (item, deadline) in enumerate(zip(items, deadlines, strict=True))
    )
    Escalation.objects.bulk_create(
        Escalation(clock=clock, level=level, to_person=to, at=clock.deadline)
        for i, clock in enumerate(clocks)
        for level, to in [(1, org.lead), (2, org.director)][: 1 + i % 2]
    )
    # Spread over the day, so that at either size some are over (the trends
    # count them) and some to come (the rep prepares them), of both kinds.
    count = 4 + n // 10
    meetings = Meeting.objects.bulk_create(
        Meeting(
            kind=Kind.WEEKLY if i % 2 == 0 else Kind.DAILY,
            unit=org.team_a,
            title=f"批量会议{i}",
            chair=org.lead,
            created_by=org.lead,
            starts_at=local(2026, 11, 25, 6) + i * dt.timedelta(hours=16) / count,
            ends_at=local(2026, 11, 25, 6, 30) + i * dt.timedelta(hours=16) / count,
            status=Status.SCHEDULED,
        )
        for i in range(count)
    )
    Invitation.objects.bulk_create(
        Invitation(meeting=meeting, person=person, part=part, rsvp=Rsvp.ACCEPTED)
        for meeting in meetings
        for person, part in [(org.lead, Part.CHAIR), (org.rep, Part.PARTICIPANT)]
    )
    return n


def pages(client, person, url, **kwargs):
    client.force_login(person)
    client.get(url, **kwargs)  # warm up: per-process caches (translations, kinds)
    return client


# The queries of each page, in order, for the persona who needs the most
# (a manager of a unit: their scope reads their unit). Session and user are
# the login's; the bell is the menu's count of unread notifications.
LOGIN = ["session", "user"]
SCOPE = ["user's unit (their visibility scope)", "the unit asked for, or theirs"]
QUARTER = [
    "quarter (period_for)",
    "working calendar",
    "pacing curve",
    "units of the tree",
    "reps of the tree",
    "targets",
    "actuals",
]


def briefs_expected(what: str) -> list[str]:
    """customers.services.expected_for_meetings over ``what``."""
    return [
        what,
        "their invited reps",
        "those reps' visit plans",
        "their active customers",
        "their briefs",
    ]


def briefs_counted(what: str) -> list[str]:
    """customers.services.completion_by_meeting over ``what`` (loaded)."""
    return [what, f"expected, submitted and late briefs per meeting of {what}"]


CADENCE = ["meeting kind policies", "working calendar", "concluded meetings"]
EXECUTIVE_PAGE = [
    *LOGIN,
    *SCOPE,
    *QUARTER,  # built once, for the heat map and the loss chain
    "lineage",
    # headline
    "clock counts",
    "escalations by level",
    "open customer issues",
    "review meetings",
    "units behind plan",
    # heat map
    "child units",
    "open breaches per unit path",
    # trends
    "breaches per week",
    "finished clocks per week",
    "units of the tree",
    *briefs_counted("daily and weekly meetings of the eight weeks (id, start)"),
    # loss chain
    "quarter (period_for)",
    "units of the tree",
    "strategy requirement kinds",
    "units with targets",
    *CADENCE,
    # the teams' daily and weekly meetings of the quarter, a subquery
    "expected, submitted and late briefs per meeting",
    "finished clocks",
    # breach list
    "count",
    "bell",
    "page of breaches (item, owner, unit, policy joined)",
]


def test_the_executive_page_takes_the_same_queries_whatever_the_data(
    org, bulk, client, django_assert_max_num_queries
):
    url = reverse("dashboards:executive")
    htmx = {"headers": {"HX-Request": "true"}}
    for persona, extra in [("exec", {}), ("director", {}), ("rep", {}), ("director", htmx)]:
        client = pages(client, getattr(org, persona), url, **extra)
        with django_assert_max_num_queries(len(EXECUTIVE_PAGE)):
            response = client.get(url, **extra)
        unit = response.context["unit"]
        visible = SlaClock.objects.filter(action_item__unit__path__startswith=unit.path)
        assert response.context["headline"].breached_open == visible.count() >= bulk // 4


MANAGER_PAGE = [
    *LOGIN,
    *SCOPE,
    *briefs_counted("this week's meetings"),
    "people of the tree",
    "their invitations this week (meeting load)",
    *QUARTER,
    "teams",
    *CADENCE,
    "open action items (owner, unit joined)",
    "their clocks (policy joined)",
    "bell",
]


def test_the_managers_week_takes_the_same_queries_whatever_the_data(
    org, bulk, client, django_assert_max_num_queries
):
    url = reverse("dashboards:manager")
    for persona in ["exec", "director", "lead"]:
        client = pages(client, getattr(org, persona), url)
        with django_assert_max_num_queries(len(MANAGER_PAGE)):
            response = client.get(url)
        unit = response.context["unit"]
        visible = ActionItem.objects.filter(unit__path__startswith=unit.path).count()
        assert len(response.context["items"]) == min(30, visible)
        assert len(response.context["meetings"]) >= bulk // 10


REP_PAGE = [
    *LOGIN,
    "today's meetings",
    *briefs_expected("the next two days' daily and weekly meetings"),
    "user's unit",
    *QUARTER,
    "open action items (owner, unit joined)",
    "their clocks (policy joined)",
    "bell",
]


def test_the_reps_day_takes_the_same_queries_whatever_the_data(
    org, bulk, client, django_assert_max_num_queries
):
    url = reverse("dashboards:rep")
    for persona in ["rep", "lead", "exec"]:
        person = getattr(org, persona)
        client = pages(client, person, url)
        with django_assert_max_num_queries(len(REP_PAGE)):
            response = client.get(url)
        owned = ActionItem.objects.filter(owner=person).count()
        assert len(response.context["items"]) == min(20, owned)
    assert len(response.context["meetings"]) == 0  # exec is invited to none
    assert len(pages(client, org.rep, url).get(url).context["meetings"]) == 4 + bulk // 10


def test_the_breach_csv_takes_the_same_queries_whatever_the_data(
    org, bulk, client, django_assert_max_num_queries
):
    url = reverse("dashboards:breaches-csv")
    for persona in ["exec", "director", "rep"]:
        client = pages(client, getattr(org, persona), url)
        with django_assert_max_num_queries(len([*LOGIN, *SCOPE, "breaches (all joined)"])):
            response = client.get(url)
        assert len(response.content.decode("utf-8-sig").splitlines()) > bulk // 4


# --- The API twins -----------------------------------------------------------------------------

# The pages' queries but the login's and the bell: the API client is
# authenticated by force, and keeps the user (and the unit their scope read)
# from the warm-up call on.
NOT_IN_API = [*LOGIN, "user's unit (their visibility scope)", "bell"]
API = {
    "/api/dashboards/executive/": len(EXECUTIVE_PAGE) - len(NOT_IN_API) - 2,  # no breach list
    "/api/dashboards/breaches/": len(["the unit asked for, or theirs", "count", "page"]),
    "/api/dashboards/manager/": len(MANAGER_PAGE) - len(NOT_IN_API),
    "/api/dashboards/rep/": len(REP_PAGE) - len(NOT_IN_API),
}


def test_the_api_twins_take_the_same_queries_whatever_the_data(
    org, bulk, api_as, django_assert_max_num_queries
):
    for persona in ["exec", "director", "rep"]:
        client = api_as(getattr(org, persona))
        for url, queries in API.items():
            client.get(url)  # warm up
            with django_assert_max_num_queries(queries):
                response = client.get(url)
            assert response.status_code == 200
    assert response.json()["date"]  # the rep's day
