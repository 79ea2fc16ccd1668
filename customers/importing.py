"""Customer import from CSV (and the API's bulk upsert): all or nothing.

Every row is checked before anything is written; a file with a bad row
writes nothing and reports every bad row with its line number and reason.
Rows are matched on ``external_id`` (the CRM's id), so importing the same
file twice changes nothing the second time. Excel in China saves CSV as
GBK, other tools as UTF-8 with or without a BOM: all three are read.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from org.models import Person, Unit
from salesmeet.validators import plausible_date

from .models import Customer, PipelineStage

COLUMNS = ("external_id", "name", "owner", "stage", "expected_value", "last_contact", "unit")
REQUIRED = ("external_id", "name", "owner", "stage")
MAX_ROWS = 20_000
CENT = Decimal("0.01")


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


def decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ImportFailed([RowError(1, _("The file is neither UTF-8 nor GBK text."))])


def read_csv(data: bytes) -> list[dict]:
    """Rows as dicts, each with its line number in the file under ``_line``."""
    text = decode(data)
    reader = csv.DictReader(io.StringIO(text))
    header = [name.strip().lower() for name in (reader.fieldnames or [])]
    missing = [column for column in REQUIRED if column not in header]
    if missing:
        raise ImportFailed(
            [RowError(1, _("Missing columns: %(columns)s.") % {"columns": ", ".join(missing)})]
        )
    reader.fieldnames = header
    rows = []
    try:
        for row in reader:
            if reader.line_num > MAX_ROWS + 1:
                raise ImportFailed(
                    [
                        RowError(
                            reader.line_num,
                            _("Files are limited to %(max)d rows.") % {"max": MAX_ROWS},
                        )
                    ]
                )
            if not any((value or "").strip() for value in row.values() if isinstance(value, str)):
                continue  # blank line
            rows.append(
                {
                    **{k: (v or "").strip() for k, v in row.items() if k in COLUMNS},
                    "_line": reader.line_num,
                }
            )
    except csv.Error as error:  # a field past the csv module's size limit
        raise ImportFailed(
            [RowError(reader.line_num, _("Not a CSV file: %(error)s.") % {"error": error})]
        ) from None
    return rows


def import_rows(rows: list[dict], user: Person) -> ImportResult:
    """Upsert customers by ``external_id``. Owners and units must lie in the
    importing user's part of the organisation."""
    # A value with a NUL is refused row by row below; PostgreSQL refuses it even in a lookup.
    owners = _storable(r.get("owner", "") for r in rows)
    people = {
        p.username: p
        for p in Person.objects.for_user(user).filter(username__in=owners).select_related("unit")
    }
    units = {str(u.pk): u for u in Unit.objects.for_user(user)}
    units_by_name = {u.name: u for u in units.values()}
    stages = {s.key: s for s in PipelineStage.objects.all()} | {
        s.name: s for s in PipelineStage.objects.all()
    }
    existing = {
        c.external_id: c
        for c in Customer.objects.filter(
            external_id__in=_storable(r.get("external_id", "") for r in rows)
        ).select_related("owner", "unit", "stage")
    }
    visible = set(
        Customer.objects.for_user(user)
        .filter(pk__in=[c.pk for c in existing.values()])
        .values_list("pk", flat=True)
    )
    errors: list[RowError] = []
    seen: dict[str, int] = {}
    planned: list[tuple[Customer | None, dict]] = []
    for row in rows:
        line = row["_line"]
        problems = []
        external_id = row.get("external_id", "")
        for column in COLUMNS:
            if "\x00" in row.get(column, ""):  # no database column takes a NUL
                problems.append(_("%(column)s is not text or a number") % {"column": column})
        for column in REQUIRED:
            if not row.get(column):
                problems.append(_("%(column)s is empty") % {"column": column})
        if len(external_id) > 100:
            problems.append(_("external_id is longer than 100 characters"))
        if external_id and external_id in seen:
            problems.append(
                _("external_id %(id)s is also on line %(line)d")
                % {"id": external_id, "line": seen[external_id]}
            )
        seen.setdefault(external_id, line)
        owner = people.get(row.get("owner", ""))
        if row.get("owner") and owner is None:
            problems.append(
                _("no person %(owner)s in your part of the organisation") % {"owner": row["owner"]}
            )
        stage = stages.get(row.get("stage", ""))
        if row.get("stage") and stage is None:
            problems.append(_("unknown stage %(stage)s") % {"stage": row["stage"]})
        value = Decimal(0)
        if row.get("expected_value"):
            try:
                # Stored to the cent: rounding here keeps a re-import "unchanged".
                value = Decimal(row["expected_value"].replace(",", "")).quantize(
                    CENT, rounding=ROUND_HALF_UP
                )
                if value < 0 or value >= Decimal("1e12"):
                    raise InvalidOperation
            except InvalidOperation:
                problems.append(
                    _("expected_value %(value)s is not an amount")
                    % {"value": row["expected_value"]}
                )
        last_contact = None
        if row.get("last_contact"):
            try:
                last_contact = dt.date.fromisoformat(row["last_contact"])
                plausible_date(last_contact)
            except (ValueError, ValidationError):
                problems.append(
                    _("last_contact %(value)s is not a date (YYYY-MM-DD)")
                    % {"value": row["last_contact"]}
                )
        unit = owner.unit if owner else None
        if row.get("unit"):
            unit = units.get(row["unit"]) or units_by_name.get(row["unit"])
            if unit is None:
                problems.append(
                    _("no unit %(unit)s in your part of the organisation") % {"unit": row["unit"]}
                )
        elif owner is not None and owner.unit is None:
            problems.append(
                _("%(owner)s has no unit: give one in the unit column") % {"owner": row["owner"]}
            )
        if len(row.get("name", "")) > 200:
            problems.append(_("name is longer than 200 characters"))
        current = existing.get(external_id)
        if current is not None and current.pk not in visible:
            problems.append(
                _("external_id %(id)s belongs to a customer outside your part of the organisation")
                % {"id": external_id}
            )
        if problems:
            errors.append(RowError(line, "; ".join(problems)))
            continue
        planned.append(
            (
                current,
                {
                    "name": row["name"],
                    "owner": owner,
                    "unit": unit,
                    "stage": stage,
                    "expected_value": value,
                    "last_contact": last_contact,
                    "external_id": external_id,
                },
            )
        )
    if errors:
        raise ImportFailed(errors)
    result = ImportResult()
    with transaction.atomic():
        for current, values in planned:
            if current is None:
                customer = Customer(**values)
                customer._history_user = user
                customer.save()
                result.created += 1
                continue
            changed = [name for name, value in values.items() if getattr(current, name) != value]
            if not changed:
                result.unchanged += 1
                continue
            for name in changed:
                setattr(current, name, values[name])
            current._history_user = user
            current.save()
            result.updated += 1
    return result


def _storable(values) -> set[str]:
    return {value for value in values if "\x00" not in value}


def import_csv(data: bytes, user: Person) -> ImportResult:
    return import_rows(read_csv(data), user)
