"""Meetings for test set-ups, and the local times tests speak in.

``MeetingFactory`` writes a meeting straight to the database, past the
rules, for the meetings a test needs to exist already (the company's monthly
meeting, a concluded strategy meeting, a clash). Meetings under test are
made through ``meetings.services``, as users make them.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import factory

from meetings import services
from meetings.kinds import Kind
from meetings.models import Invitation, Meeting, Part, Rsvp, Status
from org.choices import Role
from tests.factories import PersonFactory

SHANGHAI = ZoneInfo("Asia/Shanghai")


def local(year: int, month: int, day: int, hour: int = 9, minute: int = 0) -> dt.datetime:
    """An instant in the organisation's time zone."""
    return dt.datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


def spec(kind: str, unit, starts_at: dt.datetime, *, hours: float = 1, **fields):
    """A ``MeetingSpec`` with a title and no invitees unless given."""
    fields.setdefault("title", f"{unit} {kind}")
    fields.setdefault("invitees", [])
    return services.MeetingSpec(
        kind=kind,
        unit=unit,
        starts_at=starts_at,
        ends_at=starts_at + dt.timedelta(hours=hours),
        **fields,
    )


class MeetingFactory(factory.django.DjangoModelFactory):
    """``MeetingFactory(unit=org.team_a, invitees=[org.rep])``: chaired by the
    unit's manager (or a new team lead), invited as chair as ``services``
    does; ``invitees__rsvp`` answers for the other invitees."""

    class Meta:
        model = Meeting
        skip_postgeneration_save = True

    kind = Kind.WEEKLY
    title = factory.Sequence(lambda n: f"会议{n}")
    chair = factory.LazyAttribute(
        lambda m: m.unit.manager or PersonFactory(unit=m.unit, role=Role.TEAM_LEAD)
    )
    starts_at = local(2026, 11, 27, 15)
    ends_at = factory.LazyAttribute(lambda m: m.starts_at + dt.timedelta(hours=1))
    status = Status.SCHEDULED
    created_by = factory.SelfAttribute("chair")
    concluded_at = factory.LazyAttribute(
        lambda m: m.ends_at if m.status == Status.CONCLUDED else None
    )

    @factory.post_generation
    def invitees(self, create, extracted, rsvp=Rsvp.PENDING, **kwargs):
        Invitation.objects.create(
            meeting=self, person=self.chair, part=Part.CHAIR, rsvp=Rsvp.ACCEPTED
        )
        for person in extracted or []:
            Invitation.objects.create(meeting=self, person=person, rsvp=rsvp)
