"""Importing customers from the CRM's CSV export: all or nothing, every bad
row reported with its line and reason, matched on the CRM id so the same
file twice changes nothing, and read whether Excel saved it as GBK or as
UTF-8 with a BOM."""

from decimal import Decimal

import pytest
import time_machine
from django.utils import translation

from customers.importing import ImportFailed, import_csv
from customers.models import Customer
from tests.customers.factories import NOW, CustomerFactory, stage
from tests.factories import PersonFactory

HEADER = "external_id,name,owner,stage,expected_value,last_contact"


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False), translation.override("en"):
        yield


def csv(*lines: str, header: str = HEADER, encoding: str = "utf-8") -> bytes:
    return "\r\n".join([header, *lines, ""]).encode(encoding)


GOOD = csv(
    'CRM-1,宁波港务集团,rep,proposal,"1,200,000",2026-11-20',
    "CRM-2,浦发银行,rep,商务谈判,350000.50,",
    "CRM-3,瑞金医院,outsider,lead,,2026-11-02",
)


def failure(data: bytes, user) -> list[tuple[int, str]]:
    with pytest.raises(ImportFailed) as failed:
        import_csv(data, user)
    return [(error.line, error.message) for error in failed.value.errors]


def test_a_clean_file_creates_the_customers(org):
    result = import_csv(GOOD, org.director)

    assert (result.created, result.updated, result.unchanged, result.errors) == (3, 0, 0, [])
    port = Customer.objects.get(external_id="CRM-1")
    assert (port.name, port.owner, port.unit, port.stage) == (
        "宁波港务集团",
        org.rep,
        org.team_a,
        stage("proposal"),
    )
    assert port.expected_value == Decimal("1200000")
    assert str(port.last_contact) == "2026-11-20"
    bank = Customer.objects.get(external_id="CRM-2")
    assert (bank.stage, bank.expected_value, bank.last_contact) == (
        stage("negotiation"),  # by its name as well as its key
        Decimal("350000.50"),
        None,
    )
    assert Customer.objects.get(external_id="CRM-3").unit == org.team_b
    assert {r.history_user for r in Customer.history.all()} == {org.director}


def test_a_file_with_bad_rows_writes_nothing_and_reports_each_of_them(org):
    data = csv(
        "CRM-1,宁波港务集团,rep,proposal,1200000,2026-11-20",
        "CRM-2,浦发银行,rep,won,350000,",
        "CRM-3,瑞金医院,rep,lead,,2026-11-02",
        "CRM-4,,nobody,lead,-5,20.11.2026",
    )

    errors = failure(data, org.director)

    assert errors == [
        (3, "unknown stage won"),
        (
            5,
            "name is empty; no person nobody in your part of the organisation; "
            "expected_value -5 is not an amount; last_contact 20.11.2026 is not a date "
            "(YYYY-MM-DD)",
        ),
    ]
    assert not Customer.objects.exists()
    assert not Customer.history.exists()


def test_importing_the_same_file_twice_changes_nothing_the_second_time(org):
    import_csv(GOOD, org.director)
    updated_at = dict(Customer.objects.values_list("external_id", "updated_at"))

    with time_machine.travel(NOW.replace(hour=11), tick=False):
        result = import_csv(GOOD, org.director)

    assert (result.created, result.updated, result.unchanged) == (0, 0, 3)
    assert Customer.history.count() == 3
    assert dict(Customer.objects.values_list("external_id", "updated_at")) == updated_at


def test_a_changed_row_updates_the_customer_with_its_history(org):
    import_csv(GOOD, org.director)
    changed = csv(
        'CRM-1,宁波港务集团,rep,negotiation,"1,200,000",2026-11-20',
        "CRM-2,浦发银行,rep,商务谈判,350000.50,",
        "CRM-3,瑞金医院,outsider,lead,,2026-11-02",
    )

    with time_machine.travel(NOW.replace(hour=11), tick=False):
        result = import_csv(changed, org.exec)

    assert (result.created, result.updated, result.unchanged) == (0, 1, 2)
    port = Customer.objects.get(external_id="CRM-1")
    assert port.stage == stage("negotiation")
    latest = port.history.latest()
    assert latest.history_user == org.exec
    assert latest.diff_against(latest.prev_record).changed_fields == ["stage"]
    assert Customer.history.count() == 4


def test_a_gbk_file_from_excel_is_read(org):
    data = csv("CRM-9,华东电力(上海),rep,线索,1000,", encoding="gbk")
    import_csv(data, org.lead)
    assert Customer.objects.get(external_id="CRM-9").name == "华东电力(上海)"


def test_a_utf8_file_with_a_bom_is_read(org):
    data = b"\xef\xbb\xbf" + csv("CRM-9,华东电力,rep,lead,1000,")
    import_csv(data, org.lead)
    assert Customer.objects.get(external_id="CRM-9").name == "华东电力"


def test_headers_are_matched_whatever_their_case_and_order(org):
    data = csv("lead, rep ,华东电力,CRM-9", header="Stage,Owner,Name,External_ID")
    import_csv(data, org.lead)
    assert Customer.objects.get(external_id="CRM-9").owner == org.rep


def test_a_file_missing_columns_is_refused_on_its_header(org):
    data = csv("CRM-9,华东电力", header="external_id,name")
    assert failure(data, org.lead) == [(1, "Missing columns: owner, stage.")]


def test_a_file_that_is_not_text_is_refused(org):
    assert failure(b"\x89PNG\r\n\x1a\n\xff\xfe\x00", org.lead)[0][0] == 1


def test_a_crm_id_twice_in_the_file_is_reported_on_its_second_line(org):
    data = csv(
        "CRM-1,宁波港务集团,rep,lead,,",
        "CRM-2,浦发银行,rep,lead,,",
        "CRM-1,宁波港务(重复),rep,proposal,,",
    )
    assert failure(data, org.lead) == [(4, "external_id CRM-1 is also on line 2")]
    assert not Customer.objects.exists()


def test_rows_without_a_crm_id_are_reported_as_such_not_as_duplicates(org):
    data = csv(",宁波港务集团,rep,lead,,", ",浦发银行,rep,lead,,")
    assert failure(data, org.lead) == [(2, "external_id is empty"), (3, "external_id is empty")]


def test_blank_lines_are_skipped_and_lines_counted_as_in_the_file(org):
    data = csv("CRM-1,宁波港务集团,rep,lead,,", "", ",,,,,", "CRM-2,浦发银行,rep,nope,,")
    assert failure(data, org.lead) == [(5, "unknown stage nope")]


def test_a_name_in_quotes_may_hold_commas_and_line_breaks(org):
    data = csv('CRM-1,"宁波港务集团, 北仑\n二期",rep,lead,,', "CRM-2,浦发银行,rep,nope,,")
    assert failure(data, org.lead) == [(4, "unknown stage nope")]


def test_an_owner_outside_the_importers_tree_is_refused(org):
    data = csv("CRM-1,宁波港务集团,rep,lead,,", "CRM-2,珠江啤酒,rep_south,lead,,")
    assert failure(data, org.lead) == [(3, "no person rep_south in your part of the organisation")]
    assert not Customer.objects.exists()


def test_a_crm_id_of_a_customer_outside_the_importers_tree_is_refused(org):
    CustomerFactory(owner=org.outsider, name="外组客户", external_id="CRM-7")
    data = csv("CRM-7,宁波港务集团,rep,lead,,")

    assert failure(data, org.lead) == [
        (2, "external_id CRM-7 belongs to a customer outside your part of the organisation")
    ]
    assert Customer.objects.get(external_id="CRM-7").owner == org.outsider


def test_the_unit_column_names_a_unit_in_the_importers_tree(org):
    header = f"{HEADER},unit"
    data = csv(
        f"CRM-1,宁波港务集团,rep,lead,,,{org.team_b.pk}",
        "CRM-2,浦发银行,rep,lead,,,上海一组",
        header=header,
    )
    import_csv(data, org.director)
    assert Customer.objects.get(external_id="CRM-1").unit == org.team_b
    assert Customer.objects.get(external_id="CRM-2").unit == org.team_a

    outside = csv("CRM-3,珠江啤酒,rep,lead,,,广州组", header=header)
    assert failure(outside, org.director) == [
        (2, "no unit 广州组 in your part of the organisation")
    ]


def test_amounts_with_more_than_cents_are_rounded_so_a_reimport_changes_nothing(org):
    data = csv("CRM-1,宁波港务集团,rep,lead,1234.565,")
    import_csv(data, org.lead)
    assert Customer.objects.get().expected_value == Decimal("1234.57")
    assert import_csv(data, org.lead).unchanged == 1


@pytest.mark.parametrize("value", ["abc", "-1", "1e12", "999999999999.999", "NaN", "Infinity"])
def test_amounts_that_are_not_amounts_are_refused(org, value):
    data = csv(f"CRM-1,宁波港务集团,rep,lead,{value},")
    assert failure(data, org.lead) == [(2, f"expected_value {value} is not an amount")]


# Checking a file costs, however long it is: the owners with their units (1),
# the importer's units (1), the stages (2), the customers already imported
# with owner, unit and stage (1), which of them the importer sees (1); and
# the savepoint around writing (up to 2). Unchanged rows write nothing.
REIMPORT_QUERIES = 8


@pytest.mark.parametrize("rows", [3, 30])
def test_reimporting_an_unchanged_file_costs_the_same_queries_for_3_or_30_rows(
    org, django_assert_max_num_queries, rows
):
    colleague = PersonFactory(username="rep2", unit=org.team_a)
    data = csv(
        *(
            f"CRM-{n},客户{n},{'rep' if n % 2 else 'rep2'},lead,{n}000,2026-11-{n % 28 + 1:02d}"
            for n in range(rows)
        )
    )
    import_csv(data, org.lead)
    assert Customer.objects.filter(owner=colleague).count() == (rows + 1) // 2
    with django_assert_max_num_queries(REIMPORT_QUERIES):
        assert import_csv(data, org.lead).unchanged == rows
