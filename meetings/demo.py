"""Demo meetings: the rhythm of a sales organisation a few weeks in.

Every team gets a weekly series (Friday afternoon), 上海一组 also a daily
morning meeting, and the company a monthly series in the first week. The
past four weeks are filled in as concluded meetings, with one weekly
meeting skipped, so that cadence health has something to show.
Idempotent: a series is only created when its unit has none of that kind.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from org.choices import UnitKind
from org.demo import COMPANY, LEAD
from org.models import Person, Unit

from . import series, services
from .kinds import Kind
from .models import Invitation, Meeting, Series, Status


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def _next_weekday(day: dt.date, weekday: int) -> dt.date:
    return day + dt.timedelta(days=(weekday - day.weekday()) % 7 or 7)


def _start_series(
    unit: Unit, chair: Person, kind: str, repeat: str, first: dt.datetime, minutes: int
) -> None:
    if Series.objects.filter(unit=unit, kind=kind).exists():
        return
    spec = services.MeetingSpec(
        kind=kind,
        unit=unit,
        title=f"{unit.name} · {Kind(kind).label}",
        starts_at=first,
        ends_at=first + dt.timedelta(minutes=minutes),
        invitees=services.default_invitees(kind, unit, chair),
        chair=chair,
        location="会议室 A" if kind != Kind.DAILY else "",
    )
    series.create_series(spec, chair, repeat, accept_warnings=True)


def _history(unit: Unit, chair: Person, today: dt.date) -> int:
    """Four past weekly meetings, the third skipped, all concluded."""
    if Meeting.objects.filter(unit=unit, kind=Kind.WEEKLY, status=Status.CONCLUDED).exists():
        return 0
    members = list(Person.objects.filter(is_active=True, unit=unit))
    created = 0
    friday = _next_weekday(today, 4) - dt.timedelta(days=7)
    for weeks_ago in range(1, 5):
        if weeks_ago == 3:
            continue  # the missed week cadence health will point at
        day = friday - dt.timedelta(days=7 * weeks_ago)
        meeting = Meeting.objects.create(
            kind=Kind.WEEKLY,
            unit=unit,
            title=f"{unit.name} · {Kind.WEEKLY.label}",
            chair=chair,
            starts_at=_at(day, 16),
            ends_at=_at(day, 17, 30),
            status=Status.CONCLUDED,
            concluded_at=_at(day, 17, 30),
            created_by=chair,
        )
        services._set_invitees(meeting, [chair, *members], chair)
        created += 1
    return created


def _first_monday_of_next_month(today: dt.date) -> dt.date:
    first = (today.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return first + dt.timedelta(days=(0 - first.weekday()) % 7)


@transaction.atomic
def seed_meetings() -> int:
    """Returns how many meetings exist afterwards."""
    today = timezone.localdate()
    company = Unit.get_root_nodes().get(name=COMPANY)
    teams = company.get_descendants().filter(kind=UnitKind.TEAM, manager__isnull=False)
    for team in teams.select_related("manager"):
        _history(team, team.manager, today)
        friday = _at(_next_weekday(today, 4), 16)
        _start_series(team, team.manager, Kind.WEEKLY, series.Repeat.WEEKLY, friday, 90)
    lead = Person.objects.get(username=LEAD.username)
    tomorrow = _at(today + dt.timedelta(days=1), 8, 30)
    _start_series(lead.unit, lead, Kind.DAILY, series.Repeat.WORKING_DAYS, tomorrow, 30)
    if company.manager:
        monday = _at(_first_monday_of_next_month(today), 10)
        _start_series(company, company.manager, Kind.MONTHLY, series.Repeat.MONTHLY, monday, 120)
    # Demo invitations count as sent: a first `make run` should not print
    # hundreds of invitation emails. The notification tasks queued on commit
    # then find nothing left to send.
    Invitation.objects.filter(notified_sequence__lt=0).update(notified_sequence=0)
    return Meeting.objects.count()
