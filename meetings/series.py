"""Recurring meetings: a series stores an RFC 5545 rule (python-dateutil
reads it) and materialises its occurrences as ordinary meetings for a
horizon ahead; a daily beat task pushes the horizon on.

Occurrences are computed in the organisation's local time, so "every Friday
at 15:00" stays at 15:00. Non-working days (public holidays, weekends that
are not make-up days) follow the series' holiday policy.
"""

from __future__ import annotations

import datetime as dt

from dateutil.rrule import rrulestr
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import F, TextChoices
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from org.models import Person
from org.workdays import WorkingCalendar

from . import services
from .models import HolidayPolicy, Meeting, Series, Status

WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


class Repeat(TextChoices):
    NONE = "", _("Does not repeat")
    WORKING_DAYS = "working_days", _("Every working day")
    WEEKLY = "weekly", _("Every week on this weekday")
    MONTHLY = "monthly", _("Monthly, in the first week (this weekday)")
    QUARTERLY = "quarterly", _("Quarterly, in the first week after quarter end (this weekday)")


# The holiday policy each repetition starts with: a daily or weekly meeting
# on a holiday is simply not held; a monthly or quarterly one moves on.
DEFAULT_HOLIDAY_POLICY = {
    Repeat.WORKING_DAYS: HolidayPolicy.SKIP,
    Repeat.WEEKLY: HolidayPolicy.SKIP,
    Repeat.MONTHLY: HolidayPolicy.NEXT_WORKING_DAY,
    Repeat.QUARTERLY: HolidayPolicy.NEXT_WORKING_DAY,
}


def rrule_for(repeat: str, first: dt.datetime) -> str:
    day = WEEKDAYS[timezone.localtime(first).weekday()]
    return {
        # Every calendar day, then filtered to working days: this keeps the
        # make-up Saturdays (调休) that a Monday-to-Friday rule would miss.
        Repeat.WORKING_DAYS: "FREQ=DAILY",
        Repeat.WEEKLY: f"FREQ=WEEKLY;BYDAY={day}",
        Repeat.MONTHLY: f"FREQ=MONTHLY;BYDAY=+1{day}",
        Repeat.QUARTERLY: f"FREQ=MONTHLY;BYMONTH=1,4,7,10;BYDAY=+1{day}",
    }[Repeat(repeat)]


def horizon() -> dt.datetime:
    return timezone.now() + dt.timedelta(days=settings.SALESMEET_SERIES_HORIZON_DAYS)


def occurrences(series: Series, start: dt.datetime, end: dt.datetime) -> list[dt.datetime]:
    """The series' starts in [start, end), as aware datetimes, after the
    holiday policy. A rule that names working days always skips the others."""
    tz = timezone.get_current_timezone()
    first_local = timezone.localtime(series.starts_at, tz).replace(tzinfo=None)
    rule = rrulestr(series.rrule, dtstart=first_local)
    last = dt.datetime.combine(series.until, dt.time.max) if series.until else None
    local_start = timezone.localtime(max(start, series.starts_at), tz).replace(tzinfo=None)
    local_end = timezone.localtime(end, tz).replace(tzinfo=None)
    if last:
        local_end = min(local_end, last + dt.timedelta(microseconds=1))
    naive = rule.between(local_start, local_end, inc=True)
    naive = [moment for moment in naive if moment < local_end]
    if not naive:
        return []
    calendar = WorkingCalendar.for_span(naive[0].date(), naive[-1].date() + dt.timedelta(days=14))
    policy = HolidayPolicy.SKIP if series.rrule == "FREQ=DAILY" else series.holiday_policy
    result = []
    for moment in naive:
        if not calendar.is_working_day(moment.date()):
            if policy == HolidayPolicy.SKIP:
                continue
            if policy == HolidayPolicy.NEXT_WORKING_DAY:
                moment = dt.datetime.combine(
                    calendar.next_working_day(moment.date()), moment.time()
                )
        result.append(timezone.make_aware(moment, tz))
    return result


@transaction.atomic
def create_series(
    spec: services.MeetingSpec,
    caller: Person,
    repeat: str,
    *,
    until: dt.date | None = None,
    holiday_policy: str | None = None,
    accept_warnings: bool = False,
    draft: bool = False,
) -> tuple[Series, Meeting]:
    """Create a series whose first occurrence is ``spec``: that one is checked
    against the rules like any meeting; the rest follow the same rule."""
    series = Series.objects.create(
        kind=spec.kind,
        unit=spec.unit,
        title=spec.title,
        chair=spec.chair or caller,
        rrule=rrule_for(repeat, spec.starts_at),
        starts_at=spec.starts_at,
        duration=spec.ends_at - spec.starts_at,
        until=until,
        holiday_policy=holiday_policy or DEFAULT_HOLIDAY_POLICY[Repeat(repeat)],
        location=spec.location,
        online_url=spec.online_url,
        created_by=caller,
    )
    series.invitees.set(spec.invitees)
    first = occurrences(series, spec.starts_at, spec.starts_at + dt.timedelta(days=400))
    if not first:
        raise services.SchedulingError(
            services.rules.Verdict(
                refusals=[
                    services.rules.Problem(
                        "series_empty", str(_("This series has no occurrence: check its end date."))
                    )
                ]
            )
        )
    series.starts_at = first[0]
    series.save(update_fields=["starts_at"])
    spec.starts_at, spec.ends_at = first[0], first[0] + series.duration
    meeting, _verdict = services.schedule_meeting(
        spec,
        caller,
        accept_warnings=accept_warnings,
        draft=draft,
        series=series,
        original_start=first[0],
    )
    materialise(series, horizon(), draft=draft)
    return series, meeting


def materialise(series: Series, until: dt.datetime, *, draft: bool = False) -> int:
    """Create the occurrences up to ``until`` that do not exist yet.
    Idempotent: the (series, original start) constraint turns a second run,
    or a concurrent one, into a no-op. Returns how many it created."""
    if not series.is_active:
        return 0
    start = series.materialised_until or series.starts_at
    created = 0
    invitees = list(series.invitees.all())
    existing = set(
        series.occurrences.filter(original_start__gte=start).values_list(
            "original_start", flat=True
        )
    )
    for moment in occurrences(series, start, until):
        if moment in existing:
            continue
        spec = services.MeetingSpec(
            kind=series.kind,
            unit=series.unit,
            title=series.title,
            starts_at=moment,
            ends_at=moment + series.duration,
            invitees=invitees,
            chair=series.chair,
            location=series.location,
            online_url=series.online_url,
        )
        try:
            with transaction.atomic():
                services.schedule_meeting(
                    spec,
                    series.created_by,
                    draft=draft,
                    series=series,
                    original_start=moment,
                    checked=False,
                )
        except IntegrityError:  # materialised meanwhile by another worker
            continue
        created += 1
    Series.objects.filter(pk=series.pk).update(materialised_until=until)
    series.materialised_until = until
    return created


@transaction.atomic
def edit_following(
    meeting: Meeting, caller: Person, changes: dict, *, accept_warnings=False
) -> Series:
    """Change this occurrence and every later one: the old series ends
    before it, and a new series with the changes starts from it. Later
    occurrences that were edited or cancelled on their own are kept as they
    are, in the new series."""
    old = meeting.series
    if old is None:
        raise ValueError("not part of a series")
    if not services.can_manage(caller, meeting):
        raise PermissionDenied(_("Only the chair or a manager of this unit may change the series."))
    shift = changes.get("starts_at", meeting.starts_at) - meeting.starts_at
    duration = changes.get("ends_at", meeting.ends_at) - changes.get("starts_at", meeting.starts_at)
    later = old.occurrences.filter(original_start__gt=meeting.original_start)
    replaced = later.filter(is_exception=False).exclude(
        status__in=[Status.CONCLUDED, Status.CANCELLED]
    )
    kept = list(later.exclude(pk__in=replaced).values_list("pk", flat=True))
    # Cancel, not delete: invitees and calendars learn the old times are gone.
    for occurrence in replaced:
        services.cancel_meeting(occurrence, caller)
    Series.objects.filter(pk=old.pk).update(
        until=timezone.localtime(meeting.original_start).date() - dt.timedelta(days=1)
    )
    new = Series.objects.create(
        kind=old.kind,
        unit=old.unit,
        title=changes.get("title", old.title),
        chair=changes.get("chair", old.chair),
        rrule=old.rrule,
        starts_at=meeting.original_start + shift,
        duration=duration,
        until=old.until,
        holiday_policy=old.holiday_policy,
        location=changes.get("location", old.location),
        online_url=changes.get("online_url", old.online_url),
        created_by=caller,
    )
    new.invitees.set(old.invitees.all())
    # The kept ones take their slot in the new series, so that it does not
    # hold that week's (or month's) meeting a second time.
    Meeting.objects.filter(pk__in=kept).update(
        series=new, original_start=F("original_start") + shift
    )
    if new.rrule != "FREQ=DAILY":
        new.rrule = rrule_for_existing(new.rrule, new.starts_at)
        new.save(update_fields=["rrule"])
    services.update_meeting(meeting, caller, changes, accept_warnings=accept_warnings)
    Meeting.objects.filter(pk=meeting.pk).update(
        series=new, original_start=new.starts_at, is_exception=False
    )
    materialise(new, horizon())
    return new


def rrule_for_existing(rule: str, first: dt.datetime) -> str:
    """The same rule with its weekday moved to ``first``'s weekday."""
    day = WEEKDAYS[timezone.localtime(first).weekday()]
    parts = []
    for part in rule.split(";"):
        if part.startswith("BYDAY="):
            value = part.removeprefix("BYDAY=")
            prefix = value[:-2]
            part = f"BYDAY={prefix}{day}"
        parts.append(part)
    return ";".join(parts)


@transaction.atomic
def cancel_series(series: Series, caller: Person, *, from_meeting: Meeting | None = None) -> int:
    """Stop the series and cancel its open occurrences (from ``from_meeting``
    on, or all upcoming ones). Returns how many were cancelled."""
    start = from_meeting.original_start if from_meeting else timezone.now()
    open_ones = series.occurrences.filter(
        original_start__gte=start, status__in=[Status.DRAFT, Status.SCHEDULED]
    )
    count = 0
    for occurrence in open_ones:
        services.cancel_meeting(occurrence, caller)
        count += 1
    Series.objects.filter(pk=series.pk).update(is_active=False)
    return count


def extend_all(until: dt.datetime | None = None) -> int:
    """Materialise every active series up to the horizon (beat, daily)."""
    until = until or horizon()
    total = 0
    for series in Series.objects.filter(is_active=True).exclude(materialised_until__gte=until):
        total += materialise(series, until)
    return total
