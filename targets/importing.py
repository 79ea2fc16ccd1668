"""Actuals import from a CSV or Excel file (and the API's bulk upsert): all
or nothing.

Every row is checked before anything is written; a batch with a bad row
writes nothing and reports every bad row with its line and reason. Rows are
matched on ``external_id`` (the CRM's id): importing the same file twice
changes nothing the second time, and a changed value updates the result,
which its history records. CSV is read as UTF-8 (with or without a BOM) or
GBK, as Excel in China saves it; Excel workbooks (.xlsx) are read from
their first sheet. A batch that changed anything re-runs the gap rule once
it is committed.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import translation
from django.utils.translation import gettext as _

from org.choices import Role
from org.models import Person, Unit
from salesmeet.validators import plausible_date

from . import services
from .models import Actual, Metric, Source

COLUMNS = ("external_id", "date", "metric", "value", "rep", "unit")
REQUIRED = ("external_id", "date", "metric", "value")
MAX_ROWS = 20_000
CENT = Decimal("0.01")
MAX_VALUE = Decimal("1e14")  # Actual.value: 16 digits, 2 of them decimals
EXCEL_SUFFIXES = (".xlsx", ".xlsm")
ZIP_MAGIC = b"PK\x03\x04"


@dataclass(frozen=True)
class RowError:
    line: int
    message: str

    def as_dict(self) -> dict:
        return {"line": self.line, "message": self.message}


class ImportFailed(Exception):
    def __init__(self, errors: list[RowError]):
        self.errors = errors
        super().__init__("; ".join(f"{e.line}: {e.message}" for e in errors[:5]))


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)


# --- Reading files ------------------------------------------------------------------------


def decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ImportFailed([RowError(1, _("The file is neither UTF-8 nor GBK text."))])


def _rows_from_table(lines: Iterable[tuple[int, list]]) -> list[dict]:
    """Rows as dicts of the known columns, each with its line in the file
    under ``_line``, from (line, cells) pairs whose first one is the header."""
    lines = iter(lines)
    first = next(lines, None)
    header = [str(name or "").strip().lower() for name in (first[1] if first else [])]
    missing = [column for column in REQUIRED if column not in header]
    if missing:
        raise ImportFailed(
            [RowError(1, _("Missing columns: %(columns)s.") % {"columns": ", ".join(missing)})]
        )
    rows = []
    for line, cells in lines:
        if all(_blank(cell) for cell in cells):
            continue
        if len(rows) >= MAX_ROWS:
            raise ImportFailed(
                [RowError(line, _("Files are limited to %(max)d rows.") % {"max": MAX_ROWS})]
            )
        row = {name: cell for name, cell in zip(header, cells, strict=False) if name in COLUMNS}
        rows.append({**row, "_line": line})
    return rows


def read_csv(data: bytes) -> list[dict]:
    reader = csv.reader(io.StringIO(decode(data)))
    try:
        # line_num after reading a row is the file line it ended on (a
        # quoted newline makes a row span two lines).
        return _rows_from_table((reader.line_num, cells) for cells in reader)
    except csv.Error as error:
        raise ImportFailed(
            [RowError(reader.line_num, _("Not a CSV file: %(error)s.") % {"error": error})]
        ) from None


def read_xlsx(data: bytes) -> list[dict]:
    """The first sheet of a workbook; date cells come back as dates."""
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError):
        raise ImportFailed([RowError(1, _("The file is not a readable Excel workbook."))]) from None
    try:
        sheet = workbook.worksheets[0]
        return _rows_from_table(
            (line, list(cells))
            for line, cells in enumerate(sheet.iter_rows(values_only=True), start=1)
        )
    finally:
        workbook.close()


def read_file(data: bytes, filename: str) -> list[dict]:
    """A CSV or Excel (.xlsx) file's rows, told apart by the name's suffix
    (or, failing that, by the zip signature every .xlsx starts with)."""
    name = (filename or "").lower()
    if name.endswith(".xls"):
        raise ImportFailed(
            [RowError(1, _("Old Excel files (.xls) are not read: save as .xlsx or CSV."))]
        )
    if name.endswith(EXCEL_SUFFIXES) or data.startswith(ZIP_MAGIC):
        return read_xlsx(data)
    return read_csv(data)


# --- Reading cells -------------------------------------------------------------------------


class BadCell(Exception):
    pass


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _text(value) -> str:
    """A cell as text: numbers without a spurious ``.0`` (Excel stores
    every number as a float)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        raise BadCell
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, str | int | float | Decimal) and "\x00" not in str(value):
        return str(value).strip()
    raise BadCell  # a list, an object, a boolean; or a NUL, which no database column takes


def _date(value) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(_text(value))


def _amount(value) -> Decimal:
    if isinstance(value, bool):
        raise InvalidOperation
    if isinstance(value, float):
        value = repr(value)
    # Stored to the cent: rounding here keeps a re-import "unchanged".
    amount = Decimal(str(value).strip().replace(",", "")).quantize(CENT, rounding=ROUND_HALF_UP)
    if not amount.is_finite() or amount < 0 or amount >= MAX_VALUE:
        raise InvalidOperation
    return amount


def metric_names() -> dict[str, str]:
    """Each metric by its key and by its English and Chinese labels."""
    names = {}
    for language in ("en", "zh-hans"):
        with translation.override(language):
            names.update({str(metric.label).casefold(): metric.value for metric in Metric})
    names.update({metric.value: metric.value for metric in Metric})
    return names


def _may_record_for_others(user: Person) -> bool:
    """services.can_plan without its query: planners may record any result
    in their part of the organisation; anyone else only their own."""
    return user.is_superuser or user.role in (Role.SALES_OPS, Role.EXECUTIVE) or user.is_manager


# --- Importing -------------------------------------------------------------------------------


@dataclass
class _Lookups:
    """What the rows refer to, read in a fixed number of queries."""

    user: Person
    people: dict[str, Person]
    units: dict[str, Unit]
    units_by_name: dict[str, list[Unit]]
    metrics: dict[str, str]
    existing: dict[str, Actual]
    visible: set[int]
    for_others: bool

    @classmethod
    def load(cls, user: Person, rows: list[dict]) -> _Lookups:
        usernames, external_ids = set(), set()
        for row in rows:
            for column, found in (("rep", usernames), ("external_id", external_ids)):
                with contextlib.suppress(BadCell):
                    found.add(_text(row.get(column)))
        people = {
            p.username: p
            for p in Person.objects.for_user(user)
            .filter(username__in=usernames - {""})
            .select_related("unit")
        }
        units = {str(u.pk): u for u in Unit.objects.for_user(user)}
        units_by_name: dict[str, list[Unit]] = {}
        for unit in units.values():
            units_by_name.setdefault(unit.name, []).append(unit)
        existing = {
            a.external_id: a for a in Actual.objects.filter(external_id__in=external_ids - {""})
        }
        visible = set(
            Actual.objects.for_user(user)
            .filter(pk__in=[a.pk for a in existing.values()])
            .values_list("pk", flat=True)
        )
        return cls(
            user=user,
            people=people,
            units=units,
            units_by_name=units_by_name,
            metrics=metric_names(),
            existing=existing,
            visible=visible,
            for_others=_may_record_for_others(user),
        )

    def unit_named(self, name: str, problems: list[str]) -> Unit | None:
        if name in self.units:
            return self.units[name]
        named = self.units_by_name.get(name, [])
        if len(named) == 1:
            return named[0]
        if named:
            problems.append(_("more than one unit is named %(unit)s: give its id") % {"unit": name})
        else:
            problems.append(_("no unit %(unit)s in your part of the organisation") % {"unit": name})
        return None


def _check_row(row: dict, lookups: _Lookups, problems: list[str]) -> dict:
    """The row's values for an Actual; what is wrong with it goes to ``problems``."""
    text, unreadable = {}, set()
    for column in COLUMNS:
        value = row.get(column)
        try:
            text[column] = value.isoformat() if isinstance(value, dt.date) else _text(value)
        except BadCell:
            problems.append(_("%(column)s is not text or a number") % {"column": column})
            text[column] = ""
            unreadable.add(column)
    for column in REQUIRED:
        if not text[column] and column not in unreadable:
            problems.append(_("%(column)s is empty") % {"column": column})
    if len(text["external_id"]) > 100:
        problems.append(_("external_id is longer than 100 characters"))

    day = None
    if text["date"]:
        try:
            day = _date(row["date"])
            plausible_date(day)
        except (ValueError, ValidationError):
            problems.append(
                _("date %(value)s is not a date (YYYY-MM-DD)") % {"value": text["date"]}
            )
    metric = lookups.metrics.get(text["metric"].casefold())
    if text["metric"] and metric is None:
        problems.append(_("unknown metric %(metric)s") % {"metric": text["metric"]})
    value = None
    if text["value"]:
        try:
            value = _amount(row["value"])
        except (InvalidOperation, ValueError):
            problems.append(_("value %(value)s is not an amount") % {"value": text["value"]})

    rep = lookups.people.get(text["rep"])
    if text["rep"] and rep is None:
        problems.append(
            _("no person %(rep)s in your part of the organisation") % {"rep": text["rep"]}
        )
    unit = rep.unit if rep else None
    if text["unit"]:
        unit = lookups.unit_named(text["unit"], problems)
        if unit is not None and rep is not None and rep.unit_id != unit.pk:
            problems.append(_("%(rep)s is not in unit %(unit)s") % {"rep": rep, "unit": unit})
    elif rep is not None and rep.unit_id is None:
        problems.append(_("%(rep)s has no unit: give one in the unit column") % {"rep": rep})
    elif not text["rep"] and "rep" not in unreadable:
        problems.append(_("give a rep or a unit"))
    if not lookups.for_others and (rep is None or rep.pk != lookups.user.pk):
        problems.append(_("you may record only your own results"))
    return {
        "external_id": text["external_id"],
        "date": day,
        "metric": metric,
        "value": value,
        "unit": unit,
        "rep": rep,
    }


def rows_from_json(items: list) -> list[dict | None]:
    """The body of a bulk upsert as rows: the known columns of each object,
    its position from 1 as its line; anything but an object as None."""
    return [
        {**{k: v for k, v in item.items() if k in COLUMNS}, "_line": line}
        if isinstance(item, dict)
        else None
        for line, item in enumerate(items, start=1)
    ]


def import_actual_rows(
    rows: list[dict | None], user: Person, *, source: str = Source.IMPORT
) -> ImportResult:
    """Upsert results by ``external_id`` from rows with the file's columns
    (text, numbers, or dates for ``date``; each row's line under ``_line``,
    else its position from 1; a row that is None is malformed). Units, reps
    and the results a row replaces must lie in the importing user's part of
    the organisation, and someone who does not plan records only their own
    results. Raises ImportFailed with every bad row, having written nothing."""
    lines = [
        row.get("_line", index) if row is not None else index
        for index, row in enumerate(rows, start=1)
    ]
    lookups = _Lookups.load(user, [row for row in rows if row is not None])
    errors: list[RowError] = []
    seen: dict[str, int] = {}
    planned: list[tuple[Actual | None, dict]] = []
    for line, row in zip(lines, rows, strict=True):
        if row is None:
            errors.append(RowError(line, _("A row must be an object.")))
            continue
        problems: list[str] = []
        values = _check_row(row, lookups, problems)
        external_id = values["external_id"]
        if external_id in seen:
            problems.append(
                _("external_id %(id)s is also on line %(line)d")
                % {"id": external_id, "line": seen[external_id]}
            )
        elif external_id:
            seen[external_id] = line
        current = lookups.existing.get(external_id)
        if current is not None and current.pk not in lookups.visible:
            problems.append(
                _("external_id %(id)s belongs to a result outside your part of the organisation")
                % {"id": external_id}
            )
        own_only = _("you may record only your own results")
        if (
            current is not None
            and not lookups.for_others
            and current.rep_id != user.pk
            and own_only not in problems
        ):
            problems.append(own_only)  # nor rewrite a colleague's
        if problems:
            errors.append(RowError(line, "; ".join(problems)))
        else:
            planned.append((current, values))
    if errors:
        raise ImportFailed(errors)
    return _write(planned, user, source)


def _write(planned: list[tuple[Actual | None, dict]], user: Person, source: str) -> ImportResult:
    result = ImportResult()
    try:
        with transaction.atomic():
            for current, values in planned:
                if current is None:
                    actual = Actual(**values, source=source, created_by=user)
                    actual._history_user = user
                    actual.save()
                    result.created += 1
                    continue
                changed = [n for n, value in values.items() if getattr(current, n) != value]
                if not changed:
                    result.unchanged += 1
                    continue
                for name in changed:
                    setattr(current, name, values[name])
                current._history_user = user
                current.save()
                result.updated += 1
            if result.created or result.updated:
                services.check_gaps_after_commit()
    except IntegrityError:
        # Another import created one of these external ids since they were checked.
        raise ImportFailed(
            [RowError(0, _("Another import wrote some of these rows meanwhile: send them again."))]
        ) from None
    return result


def import_actuals_file(
    data: bytes, filename: str, user: Person, *, source: str = Source.IMPORT
) -> ImportResult:
    """Import a CSV or Excel (.xlsx) file; see :func:`import_actual_rows`.
    ``line`` in the errors is the file's line, the header being line 1."""
    return import_actual_rows(read_file(data, filename), user, source=source)
