"""Validators that forms and serializers share."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

EARLIEST = dt.date(2000, 1, 1)
LATEST = dt.date(2100, 12, 31)


def plausible_date(value: dt.date | dt.datetime) -> None:
    """A date or date-time within the years a sales organisation plans in.

    Year 1 or 9999 is a typo, not a plan; and near either end of the calendar
    a time-zone shift overflows (a 500 where the database converts to UTC).
    """
    day = value.date() if isinstance(value, dt.datetime) else value
    if not EARLIEST <= day <= LATEST:
        raise ValidationError(
            _("Give a date between %(earliest)s and %(latest)s."),
            code="out_of_range",
            params={"earliest": EARLIEST.isoformat(), "latest": LATEST.isoformat()},
        )


MAX_UPLOAD_BYTES = 5 * 1024 * 1024


def small_file(upload) -> None:
    """An imported file of at most 5 MB (the import pages say the same)."""
    if upload.size > MAX_UPLOAD_BYTES:
        raise ValidationError(_("The file is larger than 5 MB."), code="too_large")
