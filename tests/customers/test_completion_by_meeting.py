"""Brief completion counted in SQL (``completion_by_meeting``) gives the
same figures as building the expected briefs in Python
(``expected_for_meetings`` + ``completion``), meeting by meeting, on a mix
that exercises every rule: daily meetings expect the visit plans of the
meeting's local day, weekly meetings the active customers; only invited,
active reps brief; a brief counts when submitted, and as late when late."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from customers import services
from customers.models import Brief
from meetings.kinds import Kind
from meetings.models import Invitation, Meeting, Status
from org.choices import Role
from tests.customers.factories import (
    NOW,
    CustomerFactory,
    VisitPlanFactory,
    daily,
    stage,
    weekly,
)
from tests.factories import PersonFactory
from tests.meetings.factories import local

MONDAY = dt.date(2026, 11, 23)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def python_path(meetings) -> dict[int, tuple[int, int, int]]:
    expected = services.expected_for_meetings(meetings)
    return {
        pk: (done.expected, done.submitted, done.late)
        for pk, done in ((pk, services.completion(items)) for pk, items in expected.items())
    }


def day_of(meeting) -> dt.date:
    return timezone.localtime(meeting.starts_at).date()


def raw_brief(meeting, customer, rep, *, submitted: bool, late: bool = False) -> Brief:
    """A brief written as the seed or an import would, past the service's checks."""
    return Brief.objects.create(
        meeting=meeting,
        customer=customer,
        rep=rep,
        submitted_at=local(2026, 11, 23, 8) if submitted else None,
        is_late=late,
    )


@pytest.fixture
def mix(org):
    """上海一组 with three reps of its own (one inactive), the sibling team's
    rep, customers at every stage, visit plans on the days around each
    meeting (the local day and the UTC day differ for the early ones), and
    daily and weekly meetings over two weeks, some near midnight."""
    colleague = PersonFactory(username="rep2", full_name="陈静", unit=org.team_a)
    gone = PersonFactory(username="rep3", full_name="王磊", unit=org.team_a)
    assert {org.rep.role, colleague.role, gone.role} == {Role.REP}
    customers = {
        rep.username: [
            CustomerFactory(owner=rep, stage=stage(key))
            for key in ("lead", "qualified", "proposal", "negotiation", "signed", "lost")
        ]
        for rep in (org.rep, colleague, gone, org.outsider)
    }
    # Visit plans on every day of two weeks for some customers (including a
    # signed and a lost one: a plan is expected whatever the stage), on
    # alternate days for others, so that each day has its own set.
    for rep, book in customers.items():
        for n in range(14):
            day = MONDAY + dt.timedelta(days=n)
            for i, customer in enumerate(book):
                if (n + i + len(rep)) % 3 == 0:
                    VisitPlanFactory(customer=customer, day=day)
    meetings = []
    for n in range(1, 11):
        day = MONDAY + dt.timedelta(days=n)
        # 09:00, and the small hours (the previous day in UTC) on alternate days.
        hour, minute = (9, 0) if n % 2 == 0 else (0, 15)
        invitees = [org.rep, colleague, gone, org.lead] if n % 3 else [org.rep, org.director]
        meetings.append(daily(org, local(day.year, day.month, day.day, hour, minute), invitees))
    meetings.append(daily(org, local(2026, 11, 24, 23, 45), [org.rep, colleague]))
    meetings.append(daily(org, local(2026, 11, 25, 7, 59), [colleague, gone]))
    meetings.append(weekly(org, local(2026, 11, 27, 15), [org.rep, colleague, gone]))
    meetings.append(weekly(org, local(2026, 12, 4, 15), [colleague]))
    meetings.append(weekly(org, local(2026, 11, 28, 0, 30), [org.rep]))
    meetings.append(weekly(org, local(2026, 12, 1, 15), [org.lead]))  # no rep invited
    meetings.append(daily(org, local(2026, 11, 26, 9), [org.outsider], unit=org.team_b))
    # Briefs: missing, drafts, submitted on time and late, by turns; and
    # briefs nobody expects (a customer not planned that day, a signed or
    # lost one at a weekly meeting, a rep not invited), which count for nothing.
    written = 0
    for meeting in meetings:
        for invitation in meeting.invitations.filter(person__role=Role.REP):
            rep = invitation.person
            for i, customer in enumerate(customers[rep.username]):
                what = (meeting.pk + i) % 4  # 0 missing, 1 draft, 2 on time, 3 late
                if what:
                    raw_brief(meeting, customer, rep, submitted=what >= 2, late=what == 3)
                    written += 1
    raw_brief(meetings[0], customers["outsider"][0], org.outsider, submitted=True)
    # A colleague's brief on rep's customers, at meetings both were invited to.
    for meeting in (meetings[1], meetings[10], meetings[12]):
        for customer in customers["rep"]:
            raw_brief(meeting, customer, colleague, submitted=True, late=customer.pk % 2 == 0)
    # The inactive rep leaves after the meetings were set up.
    gone.is_active = False
    gone.save(update_fields=["is_active"])
    assert written > 50
    return meetings


def test_completion_by_meeting_equals_the_python_path_for_every_meeting(org, mix):
    counted = services.completion_by_meeting(mix)
    python = python_path(mix)

    assert counted == python
    assert set(counted) == {m.pk for m in mix}
    # Not vacuous: expected, submitted and late briefs, meetings of both
    # kinds expecting some, and meetings expecting none.
    totals = [sum(column) for column in zip(*counted.values(), strict=True)]
    assert totals[0] > totals[1] > totals[2] > 0
    for kind in (Kind.DAILY, Kind.WEEKLY):
        assert any(counted[m.pk][0] for m in mix if m.kind == kind)
    assert any(counted[m.pk] == (0, 0, 0) for m in mix)


def test_the_daily_meetings_day_is_its_local_day_near_midnight(org, mix):
    """Before 08:00 in Shanghai it is the previous day in UTC: the plans of
    the local day count, not those of the UTC day."""
    early = [
        m
        for m in mix
        if m.kind == Kind.DAILY and m.starts_at.astimezone(dt.UTC).date() != day_of(m)
    ]
    assert len(early) >= 5
    counted = services.completion_by_meeting(early)
    assert counted == python_path(early)
    assert any(expected for expected, _submitted, _late in counted.values())


def test_other_kinds_are_left_out_and_nothing_costs_no_query(org, django_assert_num_queries):
    monthly = Meeting.objects.create(
        kind=Kind.MONTHLY,
        unit=org.team_a,
        title="月会",
        chair=org.lead,
        created_by=org.lead,
        starts_at=local(2026, 11, 30, 9),
        ends_at=local(2026, 11, 30, 10),
        status=Status.SCHEDULED,
    )
    Invitation.objects.create(meeting=monthly, person=org.rep)
    with django_assert_num_queries(0):
        assert services.completion_by_meeting([monthly]) == {}
        assert services.completion_by_meeting([]) == {}


@pytest.mark.parametrize("kinds", [[Kind.DAILY], [Kind.WEEKLY], [Kind.DAILY, Kind.WEEKLY]])
def test_one_query_whatever_the_number_of_meetings(org, mix, kinds, django_assert_num_queries):
    chosen = [m for m in mix if m.kind in kinds]
    with django_assert_num_queries(1):
        counted = services.completion_by_meeting(chosen)
    assert counted == python_path(chosen)


def test_a_queryset_is_counted_as_a_subquery_without_the_meetings_expecting_nothing(
    org, mix, django_assert_num_queries
):
    meetings = Meeting.objects.filter(pk__in=[m.pk for m in mix])
    with django_assert_num_queries(1):
        counted = services.completion_by_meeting(meetings)
    assert counted == {pk: done for pk, done in python_path(mix).items() if done[0]}


def test_completion_for_units_counts_as_the_python_path(org, mix):
    start, end = local(2026, 11, 23, 0), local(2026, 12, 7, 0)
    result = services.completion_for_units([org.team_a.pk, org.team_b.pk], start, end)
    for unit in (org.team_a, org.team_b):
        meetings = [m for m in mix if m.unit_id == unit.pk]
        figures = list(zip(*python_path(meetings).values(), strict=True))
        done = result[unit.pk]
        assert (done.expected, done.submitted, done.late) == tuple(sum(f) for f in figures)
