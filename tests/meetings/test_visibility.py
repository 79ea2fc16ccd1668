"""Which meetings each persona sees: their unit's subtree, plus any meeting
they chair or are invited to; executives and sales ops see all."""

import pytest
from django.contrib.auth.models import AnonymousUser

from meetings.kinds import Kind
from meetings.models import Meeting
from org.choices import Role, UnitKind
from tests.factories import PersonFactory, UnitFactory
from tests.meetings.factories import MeetingFactory


@pytest.fixture
def owner(org):
    """A resource owner in the presales department, outside the sales regions."""
    presales = UnitFactory(name="售前部", kind=UnitKind.DEPARTMENT, parent=org.company)
    return PersonFactory(username="owner", role=Role.RESOURCE_OWNER, unit=presales)


@pytest.fixture
def meetings(org, owner):
    MeetingFactory(unit=org.company, kind=Kind.MONTHLY, title="公司月会", invitees=[org.director])
    MeetingFactory(unit=org.east, kind=Kind.MONTHLY, title="华东月会")
    MeetingFactory(unit=org.team_a, title="一组周会", invitees=[org.rep])
    MeetingFactory(unit=org.team_b, title="二组周会", invitees=[org.outsider])
    MeetingFactory(unit=org.team_south, title="广州组周会", invitees=[org.rep_south])
    MeetingFactory(
        unit=org.east,
        kind=Kind.RESOURCE_COORDINATION,
        title="华东资源协同会",
        invitees=[owner, org.lead],
    )


def titles(user):
    return set(Meeting.objects.for_user(user).values_list("title", flat=True))


def test_a_rep_sees_their_teams_meetings_and_not_the_sibling_teams(org, meetings):
    assert titles(org.rep) == {"一组周会"}


def test_a_lead_also_sees_the_meetings_they_are_invited_to_above_their_team(org, meetings):
    assert titles(org.lead) == {"一组周会", "华东资源协同会"}


def test_a_director_sees_their_regions_and_both_teams_meetings(org, meetings):
    assert titles(org.director) == {
        "公司月会",
        "华东月会",
        "一组周会",
        "二组周会",
        "华东资源协同会",
    }


def test_a_resource_owner_elsewhere_sees_only_the_meetings_they_are_invited_to(owner, meetings):
    assert titles(owner) == {"华东资源协同会"}


def test_a_rep_invited_to_another_teams_meeting_sees_it(org, meetings):
    MeetingFactory(unit=org.team_south, title="跨区客户专项会", invitees=[org.rep])
    assert titles(org.rep) == {"一组周会", "跨区客户专项会"}


def test_a_chair_from_elsewhere_sees_the_meeting_they_chair(org, meetings):
    MeetingFactory(unit=org.team_south, title="华南复盘会", chair=org.director)
    assert "华南复盘会" in titles(org.director)


@pytest.mark.parametrize("persona", ["exec", "ops"])
def test_executives_and_sales_ops_see_every_meeting(org, meetings, persona):
    assert titles(getattr(org, persona)) == set(Meeting.objects.values_list("title", flat=True))


def test_anonymous_visitors_see_no_meetings(meetings):
    assert titles(AnonymousUser()) == set()


def test_a_meeting_with_many_invitees_is_listed_once(org, meetings):
    MeetingFactory(unit=org.team_a, title="一组月会", invitees=[org.rep, org.director])
    assert Meeting.objects.for_user(org.director).filter(title="一组月会").count() == 1
