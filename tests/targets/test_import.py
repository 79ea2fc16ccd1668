"""Importing results from the CRM's CSV or Excel export: all or nothing,
every bad row reported with its line and reason, matched on the CRM id so
the same file twice changes nothing, limited to the importer's part of the
organisation, and the gap rule re-run once it is committed."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.utils import translation
from openpyxl import Workbook

from targets.importing import (
    ImportFailed,
    import_actual_rows,
    import_actuals_file,
    rows_from_json,
)
from targets.models import Actual, Source
from tests.factories import UnitFactory

from .helpers import MID_Q4, at

HEADER = "external_id,date,metric,value,rep,unit"


@pytest.fixture(autouse=True)
def frozen():
    with at(MID_Q4), translation.override("en"):
        yield


def csv(*lines: str, header: str = HEADER, encoding: str = "utf-8") -> bytes:
    return "\r\n".join([header, *lines, ""]).encode(encoding)


def good(org) -> bytes:
    return csv(
        'CRM-1,2026-11-02,revenue,"120,000.50",rep,',
        "CRM-2,2026-11-03,签约客户数,2,rep,",
        f"CRM-3,2026-11-03,New customers prospected,5,,{org.team_b.pk}",
        "CRM-4,2026-11-04,收入,800,outsider,上海二组",
    )


def failure(data: bytes, user, filename: str = "actuals.csv") -> list[tuple[int, str]]:
    with pytest.raises(ImportFailed) as failed:
        import_actuals_file(data, filename, user)
    return [(error.line, error.message) for error in failed.value.errors]


def test_a_clean_file_creates_the_results(org):
    result = import_actuals_file(good(org), "actuals.csv", org.director)

    assert (result.created, result.updated, result.unchanged, result.errors) == (4, 0, 0, [])
    rows = {
        a.external_id: (a.date, a.metric, a.value, a.rep, a.unit, a.source, a.created_by)
        for a in Actual.objects.all()
    }
    day = dt.date.fromisoformat
    assert rows == {
        "CRM-1": (
            day("2026-11-02"),
            "revenue",
            Decimal("120000.50"),
            org.rep,
            org.team_a,  # the rep's unit
            Source.IMPORT,
            org.director,
        ),
        "CRM-2": (day("2026-11-03"), "signed", 2, org.rep, org.team_a, "import", org.director),
        "CRM-3": (day("2026-11-03"), "prospected", 5, None, org.team_b, "import", org.director),
        "CRM-4": (
            day("2026-11-04"),
            "revenue",
            800,
            org.outsider,
            org.team_b,
            "import",
            org.director,
        ),
    }
    assert {record.history_user for record in Actual.history.all()} == {org.director}


def test_a_file_with_bad_rows_writes_nothing_and_reports_each_of_them(org):
    data = csv(
        "CRM-1,2026-11-02,revenue,100,rep,",
        "CRM-2,02.11.2026,profit,-5,rep,",
        ",2026-11-02,revenue,,,",
        "CRM-1,2026-11-02,signed,1,nobody,上海九组",
        "CRM-5,2026-11-02,revenue,1e400,outsider,上海一组",
        "CRM-6,2026-11-02,revenue,abc,rep_south,",
    )

    errors = failure(data, org.director)

    assert errors == [
        (
            3,
            "date 02.11.2026 is not a date (YYYY-MM-DD); unknown metric profit; "
            "value -5 is not an amount",
        ),
        (4, "external_id is empty; value is empty; give a rep or a unit"),
        (
            5,
            "no person nobody in your part of the organisation; "
            "no unit 上海九组 in your part of the organisation; "
            "external_id CRM-1 is also on line 2",
        ),
        (6, f"value 1e400 is not an amount; {org.outsider} is not in unit 上海一组"),
        (7, "value abc is not an amount; no person rep_south in your part of the organisation"),
    ]
    assert not Actual.objects.exists()
    assert not Actual.history.exists()


def test_a_file_without_the_required_columns_is_refused_at_its_header(org):
    assert failure(csv("CRM-1,revenue,1", header="external_id,metric,amount"), org.exec) == [
        (1, "Missing columns: date, value.")
    ]


def test_importing_the_same_file_twice_changes_nothing_the_second_time(
    org, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as first:
        import_actuals_file(good(org), "actuals.csv", org.director)
    updated_at = dict(Actual.objects.values_list("external_id", "updated_at"))

    with at(MID_Q4 + dt.timedelta(days=1)), django_capture_on_commit_callbacks() as second:
        result = import_actuals_file(good(org), "actuals.csv", org.director)

    assert (result.created, result.updated, result.unchanged) == (0, 0, 4)
    assert Actual.history.count() == 4
    assert dict(Actual.objects.values_list("external_id", "updated_at")) == updated_at
    assert len(first) == 1  # the gap rule, after commit
    assert second == []  # nothing changed: nothing to check


def test_a_changed_value_updates_the_result_and_its_history(org):
    import_actuals_file(good(org), "actuals.csv", org.director)
    changed = good(org).replace(b'"120,000.50"', b"130000")

    with at(MID_Q4 + dt.timedelta(days=1)):
        result = import_actuals_file(changed, "actuals.csv", org.exec)

    assert (result.created, result.updated, result.unchanged) == (0, 1, 3)
    revenue = Actual.objects.get(external_id="CRM-1")
    assert revenue.value == Decimal("130000")
    latest = revenue.history.latest()
    assert latest.history_user == org.exec
    assert latest.diff_against(latest.prev_record).changed_fields == ["value"]
    assert revenue.created_by == org.director


def test_gbk_and_utf8_with_a_bom_read_alike(org):
    lines = ["CRM-1,2026-11-02,收入,100,rep,上海一组", "CRM-2,2026-11-02,在途客户数,3,rep,"]

    import_actuals_file(csv(*lines, encoding="gbk"), "导出.csv", org.lead)
    result = import_actuals_file(csv(*lines, encoding="utf-8-sig"), "导出.csv", org.lead)

    assert (result.created, result.unchanged) == (0, 2)
    assert dict(Actual.objects.values_list("external_id", "metric")) == {
        "CRM-1": "revenue",
        "CRM-2": "pipeline",
    }


def test_an_excel_workbook_is_read_with_its_date_cells(org):
    book = Workbook()
    sheet = book.active
    sheet.append(["External_ID", "Date", "Metric", "Value", "Rep", "Unit"])
    sheet.append([1001, dt.date(2026, 11, 2), "Revenue", 1200.5, "rep", None])
    sheet.append([None, None, None, None, None, None])
    sheet.append(["1002", "2026-11-03", "signed", 2, None, org.team_a.pk])
    sheet.append([1003, "tomorrow", "signed", True, "rep", None])
    buffer = io.BytesIO()
    book.save(buffer)
    data = buffer.getvalue()

    assert failure(data, org.lead, "results.xlsx") == [
        (5, "value is not text or a number; date tomorrow is not a date (YYYY-MM-DD)")
    ]
    sheet.delete_rows(5)
    buffer = io.BytesIO()
    book.save(buffer)

    result = import_actuals_file(buffer.getvalue(), "results.xlsx", org.lead)

    assert result.created == 2
    first = Actual.objects.get(external_id="1001")
    assert (first.date, first.metric, first.value, first.rep, first.unit) == (
        dt.date(2026, 11, 2),
        "revenue",
        Decimal("1200.50"),
        org.rep,
        org.team_a,
    )
    assert Actual.objects.get(external_id="1002").rep is None


def test_files_that_are_not_csv_or_xlsx_are_refused(org):
    assert failure(b"\xd0\xcf\x11\xe0", org.exec, "old.xls") == [
        (1, "Old Excel files (.xls) are not read: save as .xlsx or CSV.")
    ]
    assert failure(b"PK\x03\x04broken", org.exec, "broken.xlsx") == [
        (1, "The file is not a readable Excel workbook.")
    ]


def test_rows_outside_the_importers_tree_are_refused(org):
    import_actuals_file(csv("CRM-9,2026-11-02,revenue,10,rep_south,"), "x.csv", org.exec)
    data = csv(
        "CRM-1,2026-11-02,revenue,10,,华南",
        f"CRM-2,2026-11-02,revenue,10,,{org.team_south.pk}",
        "CRM-3,2026-11-02,revenue,10,outsider,",
        "CRM-4,2026-11-02,revenue,10,rep,",
        "CRM-9,2026-11-02,revenue,10,rep,",
    )

    assert failure(data, org.lead) == [
        (2, "no unit 华南 in your part of the organisation"),
        (3, f"no unit {org.team_south.pk} in your part of the organisation"),
        (4, "no person outsider in your part of the organisation"),
        (6, "external_id CRM-9 belongs to a result outside your part of the organisation"),
    ]
    assert list(Actual.objects.values_list("external_id", flat=True)) == ["CRM-9"]


def test_a_rep_imports_only_their_own_results(org):
    data = csv("CRM-1,2026-11-02,revenue,10,rep,", "CRM-2,2026-11-02,revenue,10,,上海一组")

    assert failure(data, org.rep) == [(3, "you may record only your own results")]
    result = import_actuals_file(csv("CRM-1,2026-11-02,revenue,10,rep,"), "x.csv", org.rep)
    assert result.created == 1


def test_a_unit_name_two_units_share_must_be_given_by_id(org):
    UnitFactory(name="上海一组", parent=org.south)

    assert failure(csv("CRM-1,2026-11-02,revenue,10,,上海一组"), org.exec) == [
        (2, "more than one unit is named 上海一组: give its id")
    ]
    import_actuals_file(csv(f"CRM-1,2026-11-02,revenue,10,,{org.team_a.pk}"), "x.csv", org.exec)
    assert Actual.objects.get().unit == org.team_a


def test_json_rows_are_checked_like_a_files(org):
    rows = rows_from_json(
        [
            {
                "external_id": "CRM-1",
                "date": "2026-11-02",
                "metric": "revenue",
                "value": 10.5,
                "rep": "rep",
                "_line": 99,
            },
            "not a row",
            {
                "external_id": ["CRM-3"],
                "date": "2026-11-02",
                "metric": "revenue",
                "value": 1,
                "unit": org.team_a.pk,
            },
        ]
    )

    with pytest.raises(ImportFailed) as failed:
        import_actual_rows(rows, org.lead, source=Source.API)

    assert [e.as_dict() for e in failed.value.errors] == [
        {"line": 2, "message": "A row must be an object."},
        {"line": 3, "message": "external_id is not text or a number"},
    ]
    result = import_actual_rows(rows[:1], org.lead, source=Source.API)
    assert result.created == 1
    assert Actual.objects.get().source == Source.API
