"""camt.053 and CSV statements: parsed safely, every entry stored once, classified, repeats refused."""

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from assets.camt053 import StatementError, parse_camt053
from assets.models import BankEntry, BankStatement
from assets.services.bank import bank_statement_import
from core.errors import InvalidInput, Refused
from tests.assets.builders import make_counterparty

SAMPLE = (Path(__file__).parent / "data" / "camt053_sample.xml").read_bytes()

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<Document><BkToCstmrStmt>&lol3;</BkToCstmrStmt></Document>"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE Document [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<Document><BkToCstmrStmt><Stmt><Id>&xxe;</Id></Stmt></BkToCstmrStmt></Document>"""


def test_parse_a_sample_with_several_entries():
    [stmt] = parse_camt053(SAMPLE)
    assert (stmt.statement_id, stmt.account, stmt.currency, stmt.from_date, stmt.to_date) == (
        "STMT-2026-11-30",
        "SG00HELI0000000000000001",
        "USD",
        date(2026, 11, 1),
        date(2026, 11, 30),
    )
    assert (stmt.opening_balance, stmt.closing_balance) == (Decimal("100000.00"), Decimal("125254.50"))
    assert [
        (e.bank_reference, e.direction, e.amount, e.booking_date, e.counterparty_name) for e in stmt.entries
    ] == [
        ("BR-0001", "CRDT", Decimal("25000.00"), date(2026, 11, 3), "Orion Inference Ltd"),
        ("BR-0002", "CRDT", Decimal("8000.00"), date(2026, 11, 10), "Green Ledger Trading"),
        ("BR-0003", "DBIT", Decimal("2745.50"), date(2026, 11, 15), "Keppel Colo Services"),
        ("BR-0004", "DBIT", Decimal("5000.00"), date(2026, 11, 20), "Helios Compute SPV 1 Ltd"),
    ]  # the pending entry BR-0005 is not booked money
    first = stmt.entries[0]
    assert (first.end_to_end_id, first.remittance_info, first.value_date, first.bank_transaction_code) == (
        "E2E-ORION-1",
        "INV-L-0001-202610",
        date(2026, 11, 3),
        "PMNT/RCDT/ESCT",
    )


def test_billion_laughs_is_refused():
    with pytest.raises(StatementError, match="declares a DTD or entities"):
        parse_camt053(BILLION_LAUGHS)


def test_external_entity_is_refused():
    with pytest.raises(StatementError, match="declares a DTD or entities"):
        parse_camt053(EXTERNAL_ENTITY)


def test_not_well_formed_is_refused():
    with pytest.raises(StatementError, match="not well-formed XML"):
        parse_camt053(b"<Document><BkToCstmrStmt></Document>")


def test_other_xml_is_refused():
    with pytest.raises(StatementError, match="Not a camt.053 document"):
        parse_camt053(b"<Invoice/>")


@pytest.mark.django_db
def test_import_stores_and_classifies_each_entry(ops):
    make_counterparty(actor=ops, name="Orion Inference Ltd")

    [statement] = bank_statement_import(data=SAMPLE, actor=ops, filename="nov.xml")

    assert (statement.entries_total, statement.entries_new, statement.entries_already_stored) == (4, 4, 0)
    assert list(BankEntry.objects.order_by("bank_reference").values_list("bank_reference", "category")) == [
        ("BR-0001", "lease_receipt"),
        ("BR-0002", "certificate_sale"),
        ("BR-0003", "expense"),
        ("BR-0004", "transfer"),
    ]


@pytest.mark.django_db
def test_the_same_statement_is_refused_and_nothing_changes(ops):
    bank_statement_import(data=SAMPLE, actor=ops, filename="nov.xml")
    with pytest.raises(Refused, match="already imported"):
        bank_statement_import(data=SAMPLE, actor=ops, filename="nov-again.xml")
    # the same statement id in a different file (re-exported with other whitespace) is refused too
    with pytest.raises(
        Refused, match="Statement STMT-2026-11-30 of account SG00HELI0000000000000001 was already imported"
    ):
        bank_statement_import(data=SAMPLE.replace(b"  ", b" "), actor=ops, filename="nov-3.xml")
    assert BankStatement.objects.count() == 1
    assert BankEntry.objects.count() == 4


@pytest.mark.django_db
def test_an_entry_already_stored_through_another_statement_is_stored_once(ops):
    bank_statement_import(data=SAMPLE, actor=ops, filename="nov.xml")
    intraday = SAMPLE.replace(b"STMT-2026-11-30", b"STMT-2026-11-30-FINAL")

    [second] = bank_statement_import(data=intraday, actor=ops, filename="final.xml")

    assert (second.entries_total, second.entries_new, second.entries_already_stored) == (4, 0, 4)
    assert BankEntry.objects.count() == 4


@pytest.mark.django_db
def test_hostile_xml_is_refused_by_the_service_with_nothing_stored(ops):
    with pytest.raises(InvalidInput, match="declares a DTD or entities"):
        bank_statement_import(data=BILLION_LAUGHS, actor=ops, filename="evil.xml")
    assert BankStatement.objects.count() == 0


@pytest.mark.django_db
def test_csv_statement(ops):
    data = (
        b"account,statement_id,bank_reference,booking_date,value_date,amount,currency,counterparty_name,"
        b"remittance_info\n"
        b"ACC-1,CSV-1,R1,2026-11-02,2026-11-02,1500.00,USD,Nova Render GmbH,INV-L-0002-202610\n"
        b"ACC-1,CSV-1,R2,2026-11-03,,-120.40,USD,Cloud Tools Inc,monthly tooling\n"
    )
    [statement] = bank_statement_import(data=data, actor=ops, filename="bank.csv")
    assert list(
        statement.entries.order_by("bank_reference").values_list(
            "bank_reference", "direction", "amount", "category"
        )
    ) == [("R1", "CRDT", Decimal("1500.00"), "lease_receipt"), ("R2", "DBIT", Decimal("120.40"), "expense")]


@pytest.mark.django_db
def test_csv_with_bad_rows_imports_nothing_and_names_each_row(ops):
    data = (
        b"account,statement_id,bank_reference,booking_date,value_date,amount,currency,counterparty_name,"
        b"remittance_info\n"
        b"ACC-1,CSV-1,R1,2026-11-02,,abc,USD,X,\n"
        b"ACC-1,CSV-1,R2,02/11/2026,,10.00,USD,X,\n"
    )
    with pytest.raises(InvalidInput) as caught:
        bank_statement_import(data=data, actor=ops, filename="bank.csv")
    assert caught.value.message == (
        "Nothing imported: line 2: amount 'abc' is not an amount (digits with an optional decimal point); "
        "line 3: booking_date '02/11/2026' is not an ISO date."
    )
    assert BankStatement.objects.count() == 0
