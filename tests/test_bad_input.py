"""Bad input never breaks SalesMeet: imports of malformed, duplicated,
oversized and wrongly encoded files answer with clear per-row errors and
write nothing; forms and the API answer out-of-range dates, time zones and
awkward Unicode (emoji, CJK, right-to-left, very long strings, NUL bytes,
lone surrogates) with a clear error or a faithful round trip, never a 500.

Every case goes through HTTP, the HTML form and the API alike, so that the
view, the form or serializer and the database (SQLite or PostgreSQL, which
refuses NUL in text) all take part.
"""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from actions.defaults import install_default_policies
from actions.models import ActionItem, SlaPolicy
from customers.models import Brief, Customer
from meetings.kinds import Kind
from meetings.models import Meeting
from targets.models import Actual
from tests.customers.factories import CustomerFactory, daily, stage
from tests.meetings.factories import local

NOW = local(2026, 11, 23, 9)  # a Monday morning
FRIDAY = local(2026, 11, 27, 15)  # in the weekly meeting's slot
HOUR = dt.timedelta(hours=1)
MB = 1024 * 1024


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def csv_bytes(*lines: str, encoding: str = "utf-8") -> bytes:
    return "\r\n".join([*lines, ""]).encode(encoding)


def upload(data: bytes, name: str = "export.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


def send_json(client, method: str, url: str, body):
    """JSON as any client may send it: ``\\uXXXX`` escapes for whatever is not
    ASCII, lone surrogates included (DRF's test client refuses to encode those)."""
    return client.generic(method, url, json.dumps(body), content_type="application/json")


def assert_row_errors(body: dict) -> list[dict]:
    """The import's refusal: a sentence, and every bad row with its line."""
    assert body["detail"]
    assert body["errors"]
    for error in body["errors"]:
        assert isinstance(error["line"], int)
        assert error["message"].strip()
    return body["errors"]


# --- Files ------------------------------------------------------------------------------------

CUSTOMER_HEADER = "external_id,name,owner,stage,expected_value,last_contact"
ACTUAL_HEADER = "external_id,date,metric,value,rep,unit"


def customer_file(*rows: str, encoding: str = "utf-8") -> bytes:
    return csv_bytes(CUSTOMER_HEADER, *rows, encoding=encoding)


def actual_file(*rows: str, encoding: str = "utf-8") -> bytes:
    return csv_bytes(ACTUAL_HEADER, *rows, encoding=encoding)


def xlsx(*rows: tuple) -> bytes:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(list(row))
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


# Files every import must refuse as a whole or row by row, writing nothing.
BAD_CUSTOMER_FILES = {
    "empty": b"",
    "binary junk": bytes(range(256)) * 8,
    "latin-1 garbage": customer_file("C-1,Café Zoë Ñandú,rep,lead,,", encoding="latin-1"),
    "utf-16 (Excel's 'Unicode text')": customer_file("C-1,华信电子,rep,lead,,", encoding="utf-16"),
    "no header": csv_bytes("C-1,华信电子,rep,lead,,"),
    "unterminated quote": customer_file('C-1,"华信电子,rep,lead,,', "C-2,长城物流,rep,lead,,"),
    "a field past the csv module's limit": customer_file(f"C-1,{'长' * 140_000},rep,lead,,"),
    "duplicated ids": customer_file("C-1,华信电子,rep,lead,,", "C-1,长城物流,rep,lead,,"),
    "NUL byte in a name": customer_file("C-1,华信\x00电子,rep,lead,,"),
    "NUL byte in an id": customer_file("C-\x001,华信电子,rep,lead,,"),
    "an id longer than the column": customer_file(f"{'C' * 101},华信电子,rep,lead,,"),
    "a good row and a bad one": customer_file(
        "C-1,华信电子,rep,lead,,", "C-2,长城物流,nobody,lead,,"
    ),
    "out-of-range date": customer_file("C-1,华信电子,rep,lead,,0000-01-01"),
    "huge amount": customer_file("C-1,华信电子,rep,lead,1e400,"),
    "amount NaN": customer_file("C-1,华信电子,rep,lead,NaN,"),
}

BAD_ACTUAL_FILES = {
    "empty": b"",
    "binary junk": bytes(range(256)) * 8,
    "latin-1 garbage": actual_file("A-1,2026-11-02,revenue,100,Zoë Ñandú,", encoding="latin-1"),
    "utf-16 (Excel's 'Unicode text')": actual_file(
        "A-1,2026-11-02,revenue,100,rep,", encoding="utf-16"
    ),
    "no header": csv_bytes("A-1,2026-11-02,revenue,100,rep,"),
    "unterminated quote": actual_file('A-1,2026-11-02,revenue,"100,rep,'),
    "a field past the csv module's limit": actual_file(
        f"A-1,2026-11-02,revenue,100,{'x' * 140_000},"
    ),
    "duplicated ids": actual_file(
        "A-1,2026-11-02,revenue,100,rep,", "A-1,2026-11-03,revenue,5,rep,"
    ),
    "NUL byte in an id": actual_file("A-\x001,2026-11-02,revenue,100,rep,"),
    "an id longer than the column": actual_file(f"{'A' * 101},2026-11-02,revenue,100,rep,"),
    "a good row and a bad one": actual_file(
        "A-1,2026-11-02,revenue,100,rep,", "A-2,2026-13-45,revenue,100,rep,"
    ),
    "year 1 and year 9999": actual_file(
        "A-1,0001-01-01,revenue,100,rep,", "A-2,9999-12-31,revenue,100,rep,"
    ),
    "huge amount": actual_file("A-1,2026-11-02,revenue,1e400,rep,"),
    "amount Infinity": actual_file("A-1,2026-11-02,revenue,Infinity,rep,"),
}
BAD_WORKBOOKS = {
    "a zip that is no workbook": (b"PK\x03\x04" + bytes(range(256)), "actuals.xlsx"),
    "an old .xls": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(64), "actuals.xls"),
    "a workbook with a bad row": (
        xlsx(
            ("external_id", "date", "metric", "value", "rep"),
            ("A-1", dt.date(2026, 11, 2), "revenue", 100, "rep"),
            ("A-2", "not a date", "revenue", 100, "rep"),
        ),
        "actuals.xlsx",
    ),
    "a workbook with only a header": (
        xlsx(("no", "such", "columns")),
        "actuals.xlsx",
    ),
}


@pytest.fixture
def importer(org):
    """The lead of 上海一组 imports; ``rep`` is in the team."""
    stage("lead")  # the default pipeline
    return org.lead


# --- Customer import -----------------------------------------------------------------------


@pytest.mark.parametrize("data", BAD_CUSTOMER_FILES.values(), ids=BAD_CUSTOMER_FILES.keys())
def test_the_customer_import_api_refuses_a_bad_file_and_writes_nothing(api_as, importer, data):
    response = api_as(importer).post(
        "/api/customers/import/", {"file": upload(data)}, format="multipart"
    )
    assert response.status_code == 400, response.content
    body = response.json()
    if "file" in body:  # refused before it was read: DRF's own answer (an empty file)
        assert body["file"][0]
    else:
        assert_row_errors(body)
    assert not Customer.objects.exists()


@pytest.mark.parametrize("data", BAD_CUSTOMER_FILES.values(), ids=BAD_CUSTOMER_FILES.keys())
def test_the_customer_import_page_shows_what_is_wrong_and_writes_nothing(client, importer, data):
    client.force_login(importer)
    response = client.post("/customers/import/", {"file": upload(data)})
    assert response.status_code == 200
    errors = response.context.get("errors")
    assert errors or response.context["form"].errors
    for error in errors or []:
        assert error.message.strip()
    assert not Customer.objects.exists()


def test_duplicated_customer_ids_name_both_lines(api_as, importer):
    data = customer_file(
        "C-1,华信电子,rep,lead,,", "C-2,长城物流,rep,lead,,", "C-1,瑞丰,rep,lead,,"
    )
    response = api_as(importer).post(
        "/api/customers/import/",
        {"file": upload(data)},
        format="multipart",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    errors = assert_row_errors(response.json())
    assert [(e["line"], e["message"]) for e in errors] == [(4, "external_id C-1 is also on line 2")]


@pytest.mark.parametrize(
    "encoding", ["gbk", "utf-8-sig", "utf-8"], ids=["GBK", "UTF-8 with BOM", "UTF-8"]
)
def test_chinese_excel_encodings_import_alike(api_as, importer, encoding):
    data = customer_file(
        "C-1,华信电子(上海)有限公司,rep,lead,1200.50,2026-11-20", encoding=encoding
    )
    response = api_as(importer).post(
        "/api/customers/import/", {"file": upload(data)}, format="multipart"
    )
    assert response.json() == {"created": 1, "updated": 0, "unchanged": 0}
    assert Customer.objects.get().name == "华信电子(上海)有限公司"


def test_a_header_only_file_imports_nothing_and_says_so(api_as, importer):
    response = api_as(importer).post(
        "/api/customers/import/", {"file": upload(customer_file())}, format="multipart"
    )
    assert response.json() == {"created": 0, "updated": 0, "unchanged": 0}


def test_an_oversized_file_is_refused_before_it_is_read(api_as, client, importer):
    data = customer_file(*[f"C-{n},{'华信电子' * 10},rep,lead,," for n in range(40_000)])
    assert len(data) > 5 * MB
    response = api_as(importer).post(
        "/api/customers/import/",
        {"file": upload(data)},
        format="multipart",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    assert "5 MB" in json.dumps(response.json())
    client.force_login(importer)
    response = client.post("/customers/import/", {"file": upload(data)}, HTTP_ACCEPT_LANGUAGE="en")
    assert "5 MB" in str(response.context["form"].errors)
    assert not Customer.objects.exists()


BAD_BULK_BODIES = {
    "not a list": {"external_id": "C-1"},
    "a list of scalars": [1, "two", None],
    "nested junk": [{"external_id": ["C-1"], "name": {"x": 1}, "owner": 3, "stage": True}],
    "NUL bytes": [{"external_id": "C-\x001", "name": "华信\x00", "owner": "rep", "stage": "lead"}],
    "duplicated ids": [
        {"external_id": "C-1", "name": "华信电子", "owner": "rep", "stage": "lead"},
        {"external_id": "C-1", "name": "长城物流", "owner": "rep", "stage": "lead"},
    ],
    "huge numbers": [
        {
            "external_id": "C-1",
            "name": "华信电子",
            "owner": "rep",
            "stage": "lead",
            "expected_value": 10**400,
        }
    ],
}


@pytest.mark.parametrize("body", BAD_BULK_BODIES.values(), ids=BAD_BULK_BODIES.keys())
def test_customer_bulk_upsert_refuses_bad_rows_and_writes_nothing(api_as, importer, body):
    response = send_json(api_as(importer), "POST", "/api/customers/bulk-upsert/", body)
    assert response.status_code == 400, response.content
    assert_row_errors(response.json())
    assert not Customer.objects.exists()


# --- Actuals import --------------------------------------------------------------------------


@pytest.mark.parametrize("data", BAD_ACTUAL_FILES.values(), ids=BAD_ACTUAL_FILES.keys())
def test_the_actuals_import_api_refuses_a_bad_file_and_writes_nothing(api_as, importer, data):
    response = api_as(importer).post(
        "/api/actuals/import/", {"file": upload(data)}, format="multipart"
    )
    assert response.status_code == 400, response.content
    body = response.json()
    if "file" in body:
        assert body["file"][0]
    else:
        assert_row_errors(body)
    assert not Actual.objects.exists()


@pytest.mark.parametrize("case", BAD_WORKBOOKS.values(), ids=BAD_WORKBOOKS.keys())
def test_the_actuals_import_refuses_a_bad_workbook_and_writes_nothing(api_as, importer, case):
    data, name = case
    response = api_as(importer).post(
        "/api/actuals/import/", {"file": upload(data, name)}, format="multipart"
    )
    assert response.status_code == 400, response.content
    assert_row_errors(response.json())
    assert not Actual.objects.exists()


@pytest.mark.parametrize("data", BAD_ACTUAL_FILES.values(), ids=BAD_ACTUAL_FILES.keys())
def test_the_actuals_import_page_shows_what_is_wrong_and_writes_nothing(client, importer, data):
    client.force_login(importer)
    response = client.post("/targets/actuals/import/", {"file": upload(data)})
    assert response.status_code == 200
    errors = response.context.get("errors")
    assert errors or response.context["form"].errors
    assert not Actual.objects.exists()


@pytest.mark.parametrize(
    "encoding", ["gbk", "utf-8-sig", "utf-8"], ids=["GBK", "UTF-8 with BOM", "UTF-8"]
)
def test_actuals_in_chinese_excel_encodings_import_alike(api_as, importer, encoding):
    data = actual_file('A-1,2026-11-02,收入,"120,000.50",rep,', encoding=encoding)
    response = api_as(importer).post(
        "/api/actuals/import/", {"file": upload(data)}, format="multipart"
    )
    assert response.json() == {"created": 1, "updated": 0, "unchanged": 0}


def test_an_oversized_actuals_file_is_refused(api_as, importer):
    data = actual_file(*[f"A-{n:07d},2026-11-02,revenue,{'9' * 12},rep," for n in range(160_000)])
    assert len(data) > 5 * MB
    response = api_as(importer).post(
        "/api/actuals/import/",
        {"file": upload(data)},
        format="multipart",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    assert "5 MB" in json.dumps(response.json())
    assert not Actual.objects.exists()


# --- Dates and time zones --------------------------------------------------------------------


def meeting_body(org, starts_at: str, ends_at: str, **fields) -> dict:
    return {
        "kind": Kind.WEEKLY,
        "unit": org.team_a.pk,
        "title": "上海一组周会",
        "starts_at": starts_at,
        "ends_at": ends_at,
        "invitees": [org.rep.pk],
        "accept_warnings": True,
        **fields,
    }


OUT_OF_RANGE = {
    "year 1": ("0001-01-01T09:00:00", "0001-01-01T10:00:00"),
    "year 1 with an offset": ("0001-01-01T00:30:00+08:00", "0001-01-01T01:00:00+08:00"),
    "year 9999": ("9999-12-31T09:00:00", "9999-12-31T10:00:00"),
    "past year 9999 in Shanghai": ("9999-12-31T20:00:00-05:00", "9999-12-31T21:00:00-05:00"),
    "end before start": ("2026-11-27T16:00:00", "2026-11-27T15:00:00"),
    "end at start": ("2026-11-27T15:00:00", "2026-11-27T15:00:00"),
    "month 13": ("2026-13-01T15:00:00", "2026-13-01T16:00:00"),
    "February 30": ("2026-02-30T15:00:00", "2026-02-30T16:00:00"),
    "hour 24": ("2026-11-27T24:00:00", "2026-11-27T25:00:00"),
    "offset past 24 hours": ("2026-11-27T15:00:00+25:00", "2026-11-27T16:00:00+25:00"),
    "not a date": ("next friday", "friday after"),
}


@pytest.mark.parametrize("moments", OUT_OF_RANGE.values(), ids=OUT_OF_RANGE.keys())
def test_the_meetings_api_refuses_impossible_times(org, api_as, moments):
    response = send_json(api_as(org.lead), "POST", "/api/meetings/", meeting_body(org, *moments))
    assert response.status_code == 400, response.content
    assert response.json()
    assert not Meeting.objects.exists()


# The form's picker sends local times without an offset.
FORM_OUT_OF_RANGE = {
    name: (starts_at[:16], ends_at[:16])
    for name, (starts_at, ends_at) in OUT_OF_RANGE.items()
    if "offset" not in name and "Shanghai" not in name
}


@pytest.mark.parametrize("moments", FORM_OUT_OF_RANGE.values(), ids=FORM_OUT_OF_RANGE.keys())
def test_the_meeting_form_refuses_impossible_times(org, client, moments):
    client.force_login(org.lead)
    starts_at, ends_at = moments
    data = {
        "kind": Kind.WEEKLY,
        "unit": org.team_a.pk,
        "title": "周会",
        "starts_at": starts_at,
        "ends_at": ends_at,
        "invitees": [org.rep.pk],
        "accept_warnings": "True",
    }
    response = client.post("/meetings/new/", data)
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors
    assert not Meeting.objects.exists()


SAME_INSTANT = {
    "naive, in the organisation's zone": "2026-11-27T15:00:00",
    "UTC with Z": "2026-11-27T07:00:00Z",
    "UTC with +00:00": "2026-11-27T07:00:00+00:00",
    "New York": "2026-11-27T02:00:00-05:00",
    "Kathmandu, a quarter-hour offset": "2026-11-27T12:45:00+05:45",
    "Kiribati, +14:00": "2026-11-27T21:00:00+14:00",
    "with microseconds": "2026-11-27T15:00:00.000000+08:00",
}


@pytest.mark.parametrize("starts_at", SAME_INSTANT.values(), ids=SAME_INSTANT.keys())
def test_the_api_reads_an_offset_as_the_instant_it_names(org, api_as, starts_at):
    body = meeting_body(org, starts_at, "2026-11-27T16:00:00+08:00")
    response = send_json(api_as(org.lead), "POST", "/api/meetings/", body)
    assert response.status_code == 201, response.content
    assert response.json()["starts_at"] == "2026-11-27T15:00:00+08:00"
    assert Meeting.objects.get().starts_at == FRIDAY


@pytest.fixture
def policies(db):
    install_default_policies(SlaPolicy)


@pytest.mark.parametrize(
    "due_at",
    [
        "0001-01-01T00:00:00",
        "0001-01-01T00:00:00+08:00",
        "9999-12-31T23:59:59-12:00",
        "2026-02-30T12:00:00",
        "",
    ],
    ids=["year 1", "year 1 with an offset", "past year 9999", "February 30", "empty"],
)
def test_the_action_item_api_refuses_impossible_due_times(org, api_as, policies, due_at):
    body = {"title": "回访客户", "owner": org.rep.pk, "due_at": due_at}
    response = send_json(api_as(org.lead), "POST", "/api/action-items/", body)
    assert response.status_code == 400, response.content
    assert "due_at" in response.json()
    assert not ActionItem.objects.exists()


def test_an_action_item_due_at_an_offset_keeps_its_instant(org, api_as, policies):
    body = {"title": "回访客户", "owner": org.rep.pk, "due_at": "2026-11-27T07:00:00Z"}
    response = send_json(api_as(org.lead), "POST", "/api/action-items/", body)
    assert response.status_code == 201, response.content
    assert response.json()["due_at"] == "2026-11-27T15:00:00+08:00"


@pytest.fixture
def customer(org):
    return CustomerFactory(owner=org.rep, name="宁波港务集团", stage=stage("proposal"))


@pytest.fixture
def brief_meeting(org):
    """Tomorrow's morning meeting of 上海一组, ``rep`` invited."""
    return daily(org)


def draft(org, api_as, brief_meeting, customer, **fields):
    body = {"meeting": brief_meeting.pk, "customer": customer.pk, **fields}
    return send_json(api_as(org.rep), "PUT", "/api/briefs/draft/", body)


@pytest.mark.parametrize(
    "planned_visit_at",
    ["0001-01-01T00:00:00", "9999-12-31T23:00:00-05:00", "2026-11-31T10:00:00", "soon"],
    ids=["year 1", "past year 9999", "November 31", "not a date"],
)
def test_the_brief_api_refuses_impossible_visit_times(
    org, api_as, brief_meeting, customer, planned_visit_at
):
    response = draft(org, api_as, brief_meeting, customer, planned_visit_at=planned_visit_at)
    assert response.status_code == 400, response.content
    assert "planned_visit_at" in response.json()
    assert not Brief.objects.exists()


@pytest.mark.parametrize(
    "planned_visit_at",
    ["0001-01-01T00:00", "2026-11-31T10:00", "soon"],
    ids=["year 1", "November 31", "not a date"],
)
def test_the_brief_form_refuses_impossible_visit_times(
    org, client, brief_meeting, customer, planned_visit_at
):
    client.force_login(org.rep)
    url = f"/meetings/{brief_meeting.pk}/briefs/{customer.pk}/"
    response = client.post(url, {"needs": "演示", "planned_visit_at": planned_visit_at})
    assert response.status_code == 200
    assert "planned_visit_at" in response.context["form"].errors
    assert not Brief.objects.exists()


@pytest.mark.parametrize(
    "last_contact",
    ["0000-01-01", "10000-01-01", "2026-02-29", "2026-11-23T10:00:00+08:00", "yesterday"],
    ids=["year 0", "year 10000", "February 29 of 2026", "a date-time", "not a date"],
)
def test_the_customer_api_refuses_impossible_dates(org, api_as, last_contact):
    stage("lead")
    body = {"name": "华信电子", "owner": org.rep.pk, "stage": "lead", "last_contact": last_contact}
    response = send_json(api_as(org.lead), "POST", "/api/customers/", body)
    assert response.status_code == 400, response.content
    assert "last_contact" in response.json()
    assert not Customer.objects.exists()


# --- Unicode ---------------------------------------------------------------------------------

FAITHFUL = {
    "emoji": "📈 周会 🚀 👩‍👩‍👧 🇨🇳",
    "CJK with full-width punctuation": "华东大区·上海一组:周会(第47周)",
    "right-to-left": "اجتماع المبيعات الأسبوعي",
    "mixed directions": "周会 שלום meeting",
    "combining marks": "Zoë Ñandú e\u0301",
    "zero-width and BOM characters": "周\u200b会\ufeff",
    "supplementary-plane CJK": "𠀀𪚥𰻞",
}
# Text no database may hold, or no column: a 400, never a 500.
REFUSED = {
    "NUL byte": "周会\x00",
    "only a NUL byte": "\x00",
    "lone surrogate": "周会\ud800",
    "past the column's length": "长" * 201,
}


def text_round_trips(client, url: str, field: str, value: str):
    response = client.get(url)
    assert response.status_code == 200
    assert response.json()[field] == value


@pytest.mark.parametrize("title", FAITHFUL.values(), ids=FAITHFUL.keys())
def test_the_meetings_api_keeps_unicode_titles_as_sent(org, api_as, title):
    client = api_as(org.lead)
    body = meeting_body(
        org, "2026-11-27T15:00:00", "2026-11-27T16:00:00", title=title, description=title * 500
    )
    response = send_json(client, "POST", "/api/meetings/", body)
    assert response.status_code == 201, response.content
    url = f"/api/meetings/{response.json()['id']}/"
    text_round_trips(client, url, "title", title)
    text_round_trips(client, url, "description", title * 500)


@pytest.mark.parametrize("title", REFUSED.values(), ids=REFUSED.keys())
def test_the_meetings_api_refuses_text_it_cannot_store(org, api_as, title):
    body = meeting_body(org, "2026-11-27T15:00:00", "2026-11-27T16:00:00", title=title)
    response = send_json(api_as(org.lead), "POST", "/api/meetings/", body)
    assert response.status_code == 400, response.content
    assert not Meeting.objects.exists()


@pytest.mark.parametrize("title", REFUSED.values(), ids=REFUSED.keys())
def test_the_meetings_api_refuses_it_in_any_text_field(org, api_as, title):
    body = meeting_body(
        org, "2026-11-27T15:00:00", "2026-11-27T16:00:00", location=title, description=title
    )
    response = send_json(api_as(org.lead), "POST", "/api/meetings/", body)
    assert response.status_code == 400, response.content
    assert not Meeting.objects.exists()


@pytest.mark.parametrize(
    "title",
    [*FAITHFUL.values(), "周会\x00", "长" * 201],
    ids=[*FAITHFUL.keys(), "NUL byte", "past the column's length"],
)
def test_the_meeting_form_keeps_unicode_or_says_what_is_wrong(org, client, title):
    client.force_login(org.lead)
    data = {
        "kind": Kind.WEEKLY,
        "unit": org.team_a.pk,
        "title": title,
        "starts_at": "2026-11-27T15:00",
        "ends_at": "2026-11-27T16:00",
        "invitees": [org.rep.pk],
        "description": title,
    }
    response = client.post("/meetings/new/", data)
    if "\x00" in title or len(title) > 200:
        assert response.status_code == 200
        assert "title" in response.context["form"].errors
        assert not Meeting.objects.exists()
    else:
        assert response.status_code == 302, response.context["form"].errors
        assert Meeting.objects.get().title == title
        assert client.get(response.url).status_code == 200


@pytest.mark.parametrize("text", FAITHFUL.values(), ids=FAITHFUL.keys())
def test_the_brief_api_keeps_unicode_as_sent(org, api_as, brief_meeting, customer, text):
    response = draft(org, api_as, brief_meeting, customer, needs=text * 300, next_step=text)
    assert response.status_code == 200, response.content
    brief = Brief.objects.get()
    assert (brief.needs, brief.next_step) == (text * 300, text)
    text_round_trips(api_as(org.rep), f"/api/briefs/{brief.pk}/", "next_step", text)


@pytest.mark.parametrize("text", REFUSED.values(), ids=REFUSED.keys())
def test_the_brief_api_refuses_text_it_cannot_store(org, api_as, brief_meeting, customer, text):
    response = draft(org, api_as, brief_meeting, customer, needs=text, blockers=text)
    if len(text) > 200:  # the brief's fields are long texts: 201 characters are fine
        assert response.status_code == 200, response.content
        return
    assert response.status_code == 400, response.content
    assert not Brief.objects.exists()


@pytest.mark.parametrize(
    "text",
    [*FAITHFUL.values(), "演示\x00"],
    ids=[*FAITHFUL.keys(), "NUL byte"],
)
def test_the_brief_form_keeps_unicode_or_says_what_is_wrong(
    org, client, brief_meeting, customer, text
):
    client.force_login(org.rep)
    url = f"/meetings/{brief_meeting.pk}/briefs/{customer.pk}/"
    response = client.post(url, {"needs": text, "next_step": text})
    if "\x00" in text:
        assert response.status_code == 200
        assert "needs" in response.context["form"].errors
        assert not Brief.objects.exists()
    else:
        assert response.status_code in (200, 302)
        assert Brief.objects.get().needs == text
        assert client.get(url).status_code == 200


@pytest.mark.parametrize("text", [*FAITHFUL.values(), *REFUSED.values()], ids=[*FAITHFUL, *REFUSED])
def test_the_action_item_api_keeps_unicode_or_refuses_it(org, api_as, policies, text):
    client = api_as(org.lead)
    body = {
        "title": text,
        "owner": org.rep.pk,
        "due_at": "2026-11-27T15:00:00+08:00",
        "description": text,
    }
    response = send_json(client, "POST", "/api/action-items/", body)
    if text in REFUSED.values() and len(text) <= 200:
        assert response.status_code == 400, response.content
        assert not ActionItem.objects.exists()
        return
    assert response.status_code == 201, response.content
    text_round_trips(client, f"/api/action-items/{response.json()['id']}/", "title", text)


@pytest.mark.parametrize("text", [*FAITHFUL.values(), *REFUSED.values()], ids=[*FAITHFUL, *REFUSED])
def test_the_customer_api_keeps_unicode_or_refuses_it(org, api_as, text):
    stage("lead")
    client = api_as(org.lead)
    body = {"name": text, "owner": org.rep.pk, "stage": "lead", "external_id": text[:100]}
    response = send_json(client, "POST", "/api/customers/", body)
    if text in REFUSED.values():
        assert response.status_code == 400, response.content
        assert not Customer.objects.exists()
        return
    assert response.status_code == 201, response.content
    text_round_trips(client, f"/api/customers/{response.json()['id']}/", "name", text)


def test_a_blank_crm_id_is_no_crm_id(org, api_as):
    """Two customers without a CRM id: blank is stored as none, not as a
    second empty id the unique constraint refuses (a 500)."""
    stage("lead")
    client = api_as(org.lead)
    for name in ("华信电子", "长城物流"):
        body = {"name": name, "owner": org.rep.pk, "stage": "lead", "external_id": ""}
        assert send_json(client, "POST", "/api/customers/", body).status_code == 201
    assert list(Customer.objects.values_list("external_id", flat=True)) == [None, None]


# --- Query strings and raw bodies ----------------------------------------------------------

LISTS = [
    "/api/meetings/",
    "/api/customers/",
    "/api/briefs/",
    "/api/action-items/",
    "/api/people/",
    "/api/actuals/",
]
QUERIES = {
    "NUL in a search": {"search": "周\x00会"},
    "an encoded surrogate in a search": "search=%ED%A0%80",
    "invalid UTF-8 in a search": "search=%FF%FE%00",
    "NUL in an ordering": {"ordering": "\x00"},
    "a huge page": {"page": str(10**30)},
    "a huge page size": {"page_size": str(10**30)},
    "a huge id filter": {"owner": str(10**30), "unit": str(10**30)},
    "NUL in a filter": {"owner": "\x00", "unit": "\x00", "meeting": "\x00"},
    "year 1 dates": {"starts_after": "0001-01-01", "due_after": "0001-01-01"},
    "year 9999 dates": {"starts_before": "9999-12-31", "due_before": "9999-12-31"},
}


@pytest.mark.parametrize("query", QUERIES.values(), ids=QUERIES.keys())
@pytest.mark.parametrize("url", LISTS)
def test_lists_answer_any_query_without_a_server_error(org, api_as, url, query):
    client = api_as(org.lead)
    response = client.get(f"{url}?{query}") if isinstance(query, str) else client.get(url, query)
    assert response.status_code in (200, 400, 404), response.content


RAW_BODIES = {
    "not JSON": b"{'title': 1",
    "NUL": b"\x00",
    "invalid UTF-8": b'{"title": "\xff\xfe"}',
    "a lone surrogate escape": b'{"title": "\\ud800"}',
    "deeply nested": b"[" * 10_000 + b"]" * 10_000,
    "a huge number": b'{"title": 1e999999}',
}


@pytest.mark.parametrize("body", RAW_BODIES.values(), ids=RAW_BODIES.keys())
@pytest.mark.parametrize("url", ["/api/meetings/", "/api/action-items/", "/api/customers/"])
def test_unreadable_json_bodies_are_a_bad_request(org, api_as, url, body):
    response = api_as(org.lead).generic("POST", url, body, content_type="application/json")
    assert response.status_code == 400, response.content


PAGES = {
    "/meetings/new/": ["unit=abc", "unit=%00", "unit=%C2%B2", f"unit={10**30}", "kind=%00&unit=-1"],
    "/meetings/new/invitees/": ["unit=abc&kind=weekly", "unit=%00&kind=weekly"],
    "/meetings/calendar/": [
        "date=0001-01-01",
        "date=9999-12-31",
        "date=0001-01-01&view=month",
        "date=9999-12-31&view=month",
        "date=%00",
    ],
    "/meetings/": ["page=abc", f"page={10**30}", "mine=%00"],
    "/actions/": ["state=%00", "state=abc"],
    "/actions/team/": ["state=%00", "unit=abc"],
    "/dashboard/": ["unit=abc", "unit=%00", "unit=%C2%B2", f"unit={10**30}", "page=%00"],
    "/targets/": ["period=%00", "unit=abc", f"unit={10**30}", "metric=%00"],
    "/customers/": ["q=%00", "q=%ED%A0%80", "stage=%00", "page=-1"],
}


@pytest.mark.parametrize(
    "url", [f"{page}?{query}" for page, queries in PAGES.items() for query in queries]
)
def test_pages_answer_any_query_string_without_a_server_error(org, client, url):
    client.force_login(org.director)
    response = client.get(url)
    assert response.status_code in (200, 302, 400, 404), response.status_code
