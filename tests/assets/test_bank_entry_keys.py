"""Every real bank entry is stored, and stored once.

An entry is keyed on the bank's reference (AcctSvcrRef) only when the statement gives one
(NOTPROVIDED and empty are no reference) and no other entry of the statement has it;
otherwise on its position in the statement. The same key coming back with other content is
refused, naming both. Account numbers are normalised (an IBAN written with spaces is the same
account).
"""

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from assets.models import BankEntry, BankStatement
from assets.services.bank import bank_statement_import
from core.errors import InvalidInput, Refused
from tests.assets.camt import IBAN, OTHER_IBAN, document, ntry, stmt, tx

pytestmark = pytest.mark.django_db

NOTPROVIDED = (Path(__file__).parent / "data" / "camt053_notprovided.xml").read_bytes()
CSV_HEADER = (
    b"account,statement_id,bank_reference,booking_date,value_date,amount,currency,counterparty_name,"
    b"remittance_info\n"
)


def stored() -> list[tuple]:
    return list(
        BankEntry.objects.order_by("statement_id", "position").values_list(
            "statement__statement_id", "position", "entry_key", "bank_reference", "direction", "amount"
        )
    )


def test_two_receipts_without_a_bank_reference_are_both_stored(ops):
    [statement] = bank_statement_import(data=NOTPROVIDED, actor=ops, filename="2026-11-04.xml")

    assert (
        statement.account,
        statement.entries_total,
        statement.entries_new,
        statement.entries_already_stored,
    ) == ("DE89370400440532013000", 2, 2, 0)
    assert list(
        BankEntry.objects.order_by("position").values_list(
            "entry_key", "bank_reference", "end_to_end_id", "amount", "currency", "counterparty_name"
        )
    ) == [
        ("pos:STMT-2026-11-04:1", "", "", Decimal("250.00"), "EUR", "Nova Render GmbH"),
        ("pos:STMT-2026-11-04:2", "", "", Decimal("250.00"), "EUR", "Orion Inference Ltd"),
    ]


def test_an_acctsvcrref_of_notprovided_is_no_reference(ops):
    data = document(stmt([ntry("250.00", ref="NOTPROVIDED"), ntry("250.00", ref="NOTPROVIDED")]))

    bank_statement_import(data=data, actor=ops, filename="s.xml")

    assert stored() == [
        ("STMT-1", 1, "pos:STMT-1:1", "", "CRDT", Decimal("250.00")),
        ("STMT-1", 2, "pos:STMT-1:2", "", "CRDT", Decimal("250.00")),
    ]


def test_a_reference_repeated_within_a_statement_keys_each_entry_on_its_position(ops):
    data = document(
        stmt([ntry("100.00", ref="BR-1"), ntry("80.00", "DBIT", ref="BR-2"), ntry("120.00", ref="BR-1")])
    )

    [statement] = bank_statement_import(data=data, actor=ops, filename="s.xml")

    assert statement.entries_new == 3
    assert stored() == [
        ("STMT-1", 1, "pos:STMT-1:1", "BR-1", "CRDT", Decimal("100.00")),
        ("STMT-1", 2, "ref:BR-2", "BR-2", "DBIT", Decimal("80.00")),
        ("STMT-1", 3, "pos:STMT-1:3", "BR-1", "CRDT", Decimal("120.00")),
    ]


def test_an_entry_repeated_in_a_later_statement_is_stored_once(ops):
    bank_statement_import(data=document(stmt([ntry("250.00", ref="BR-1")], id="INTRADAY")), actor=ops)

    [final] = bank_statement_import(
        data=document(stmt([ntry("250.00", ref="BR-1"), ntry("40.00", ref="BR-2")], id="FINAL")), actor=ops
    )

    assert (final.entries_total, final.entries_new, final.entries_already_stored) == (2, 1, 1)
    assert stored() == [
        ("INTRADAY", 1, "ref:BR-1", "BR-1", "CRDT", Decimal("250.00")),
        ("FINAL", 2, "ref:BR-2", "BR-2", "CRDT", Decimal("40.00")),
    ]


def test_the_same_reference_with_other_content_is_refused_naming_both(ops):
    bank_statement_import(data=document(stmt([ntry("250.00", ref="BR-1")], id="STMT-1")), actor=ops)
    changed = document(stmt([ntry("40.00", ref="BR-2"), ntry("300.00", ref="BR-1")], id="STMT-2"))

    with pytest.raises(Refused) as caught:
        bank_statement_import(data=changed, actor=ops, filename="s2.xml")

    assert caught.value.message == (
        "Statement STMT-2 entry 2 has key ref:BR-1, already stored from statement STMT-1 entry 1 with other "
        "content: here CRDT 300.00 USD booked 2026-11-03 value 2026-11-03, stored CRDT 250.00 USD booked "
        "2026-11-03 value 2026-11-03; nothing imported."
    )
    assert (BankStatement.objects.count(), stored()) == (
        1,
        [("STMT-1", 1, "ref:BR-1", "BR-1", "CRDT", Decimal("250.00"))],
    )


def test_the_same_key_twice_in_one_file_with_other_content_is_refused_and_nothing_is_written(ops):
    data = document(
        stmt([ntry("250.00", ref="BR-1")], id="STMT-1"),
        stmt([ntry("250.00", ref="BR-1", booked="2026-11-04")], id="STMT-2"),
    )

    with pytest.raises(
        Refused,
        match="Statement STMT-2 entry 1 has key ref:BR-1, already stored from "
        "statement STMT-1 entry 1 with other content",
    ):
        bank_statement_import(data=data, actor=ops)

    assert (BankStatement.objects.count(), BankEntry.objects.count()) == (0, 0)


def test_reimporting_the_same_file_stores_nothing_new(ops):
    bank_statement_import(data=NOTPROVIDED, actor=ops, filename="a.xml")

    with pytest.raises(Refused, match="already imported"):
        bank_statement_import(data=NOTPROVIDED, actor=ops, filename="a.xml")
    with pytest.raises(
        Refused, match="Statement STMT-2026-11-04 of account DE89370400440532013000 was already"
    ):
        bank_statement_import(data=NOTPROVIDED.replace(b"<!--", b"<!-- again"), actor=ops, filename="b.xml")

    assert (BankStatement.objects.count(), BankEntry.objects.count()) == (1, 2)


def test_an_iban_written_with_spaces_and_lower_case_is_the_same_account(ops):
    spaced = "de89 3704 0044 0532 0130 00"
    [first] = bank_statement_import(data=document(stmt([ntry("250.00", ref="BR-1")], iban=spaced)), actor=ops)
    assert first.account == IBAN

    with pytest.raises(Refused, match=f"Statement STMT-1 of account {IBAN} was already imported"):
        bank_statement_import(data=document(stmt([ntry("250.00", ref="BR-1")])), actor=ops)
    [second] = bank_statement_import(
        data=document(stmt([ntry("250.00", ref="BR-1")], id="STMT-2")), actor=ops
    )

    assert (second.account, second.entries_new, second.entries_already_stored) == (IBAN, 0, 1)
    assert set(BankEntry.objects.values_list("account", flat=True)) == {IBAN}


def test_an_account_in_othr_is_compacted_and_an_iban_there_is_checked(ops):
    other = "<Id><Othr><Id> sg12 heli 0001 </Id></Othr></Id>"
    [statement] = bank_statement_import(data=document(stmt([ntry("1.00")], account_xml=other)), actor=ops)
    assert statement.account == "SG12HELI0001"

    bad = "<Id><Othr><Id>DE89 3704 0044 0532 0130 01</Id></Othr></Id>"
    with pytest.raises(InvalidInput) as caught:
        bank_statement_import(data=document(stmt([ntry("1.00")], id="S-2", account_xml=bad)), actor=ops)
    assert caught.value.message == (
        "Statement S-2: account 'DE89 3704 0044 0532 0130 01' is not a valid IBAN "
        "(The number's checksum or check digit is invalid)."
    )
    assert BankStatement.objects.count() == 1


def test_an_invalid_iban_is_refused(ops):
    with pytest.raises(InvalidInput) as caught:
        bank_statement_import(data=document(stmt([ntry("1.00")], iban="DE89370400440532013001")), actor=ops)

    assert caught.value.message == (
        "Statement STMT-1: account 'DE89370400440532013001' is not a valid IBAN "
        "(The number's checksum or check digit is invalid)."
    )
    assert BankStatement.objects.count() == 0


def test_a_counterparty_iban_written_with_spaces_is_recognised_as_our_own_account(ops):
    bank_statement_import(
        data=document(stmt([ntry("10.00", ref="X-1")], iban=OTHER_IBAN, id="RESERVE-1")), actor=ops
    )
    payment = ntry(
        "500.00",
        "DBIT",
        ref="BR-7",
        txs=[
            tx(
                creditor="Helios Compute SPV 1 Ltd",
                creditor_iban="gb82 west 1234 5698 7654 32",
                remittance="November",
            )
        ],
    )

    bank_statement_import(data=document(stmt([payment])), actor=ops)

    assert BankEntry.objects.filter(bank_reference="BR-7").values_list(
        "counterparty_account", "category"
    ).get() == (OTHER_IBAN, "transfer")


def test_csv_rows_with_the_same_reference_and_other_amounts_are_both_stored(ops):
    data = CSV_HEADER + (
        b"ACC-1,CSV-1,R1,2026-11-02,,1500.00,USD,Nova Render GmbH,INV-L-0002-202610\n"
        b"ACC-1,CSV-1,R1,2026-11-02,,1600.00,USD,Nova Render GmbH,INV-L-0002-202611\n"
        b"ACC-1,CSV-1,,2026-11-03,,-20.00,USD,Bank,fees\n"
        b"ACC-1,CSV-1,NOTPROVIDED,2026-11-03,,-20.00,USD,Bank,fees\n"
    )

    [statement] = bank_statement_import(data=data, actor=ops, filename="bank.csv")

    assert (statement.entries_total, statement.entries_new, statement.entries_already_stored) == (4, 4, 0)
    assert stored() == [
        ("CSV-1", 2, "pos:CSV-1:2", "R1", "CRDT", Decimal("1500.00")),
        ("CSV-1", 3, "pos:CSV-1:3", "R1", "CRDT", Decimal("1600.00")),
        ("CSV-1", 4, "pos:CSV-1:4", "", "DBIT", Decimal("20.00")),
        ("CSV-1", 5, "pos:CSV-1:5", "", "DBIT", Decimal("20.00")),
    ]


def test_a_csv_reference_coming_back_with_another_amount_is_refused_naming_both(ops):
    bank_statement_import(
        data=CSV_HEADER + b"ACC-1,CSV-1,R1,2026-11-02,,1500.00,USD,Nova,\n", actor=ops, filename="a.csv"
    )

    with pytest.raises(Refused) as caught:
        bank_statement_import(
            data=CSV_HEADER + b"ACC-1,CSV-2,R1,2026-11-02,,1600.00,USD,Nova,\n", actor=ops, filename="b.csv"
        )

    assert caught.value.message == (
        "Statement CSV-2 line 2 has key ref:R1, already stored from statement CSV-1 line 2 with other "
        "content: here CRDT 1600.00 USD booked 2026-11-02 value -, stored CRDT 1500.00 USD booked "
        "2026-11-02 value -; nothing imported."
    )
    assert (BankStatement.objects.count(), stored()) == (
        1,
        [("CSV-1", 2, "ref:R1", "R1", "CRDT", Decimal("1500.00"))],
    )


def test_a_csv_account_is_normalised_and_an_invalid_iban_named_by_line(ops):
    data = CSV_HEADER + (
        b"de89 3704 0044 0532 0130 00,CSV-1,R1,2026-11-02,,15.00,EUR,X,\n"
        b"DE89 3704 0044 0532 0130 01,CSV-1,R2,2026-11-02,,15.00,EUR,X,\n"
    )
    with pytest.raises(InvalidInput) as caught:
        bank_statement_import(data=data, actor=ops, filename="bank.csv")
    assert caught.value.message == (
        "Nothing imported: line 3: account 'DE89 3704 0044 0532 0130 01' is not a valid IBAN "
        "(The number's checksum or check digit is invalid)."
    )
    assert BankStatement.objects.count() == 0

    [statement] = bank_statement_import(data=data.rsplit(b"\n", 2)[0] + b"\n", actor=ops, filename="bank.csv")
    assert (statement.account, statement.currency, statement.from_date) == (IBAN, "EUR", date(2026, 11, 2))


def test_the_api_upload_stores_both_receipts(ops, api):
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = api(ops).post(
        "/api/v1/bank-statements/upload/",
        {"file": SimpleUploadedFile("s.xml", NOTPROVIDED)},
        format="multipart",
    )

    assert response.status_code == 201
    assert [(s["account"], s["entries_new"]) for s in response.json()] == [(IBAN, 2)]
    entries = api(ops).get("/api/v1/bank-entries/").json()["results"]
    assert sorted((e["entry_key"], e["amount"], e["is_reversal"], e["reversal_of"]) for e in entries) == [
        ("pos:STMT-2026-11-04:1", "250.00", False, None),
        ("pos:STMT-2026-11-04:2", "250.00", False, None),
    ]


def test_the_worked_example_of_the_docs(ops):
    """docs/assets.md, "Keys: every real entry once"."""
    no_reference = [ntry("250.00", ccy="EUR", txs=[tx(e2e="NOTPROVIDED")]) for _ in range(2)]
    entries = [
        *no_reference,
        ntry("100.00", ccy="EUR", ref="BR-7", txs=[tx(e2e="E2E-9")]),
        ntry("120.00", ccy="EUR", ref="BR-7", txs=[tx(e2e="E2E-9")]),
        ntry("80.00", "DBIT", ccy="EUR", ref="BR-8"),
    ]
    day = stmt(
        entries, id="STMT-2026-11-04", iban="DE89 3704 0044 0532 0130 00", ccy="EUR", closing="1640.00"
    )

    [statement] = bank_statement_import(data=document(day), actor=ops)

    assert (statement.account, statement.closing_balance) == (IBAN, Decimal("1640.00"))
    assert list(statement.entries.order_by("position").values_list("entry_key", "direction", "amount")) == [
        ("pos:STMT-2026-11-04:1", "CRDT", Decimal("250.00")),
        ("pos:STMT-2026-11-04:2", "CRDT", Decimal("250.00")),
        ("pos:STMT-2026-11-04:3", "CRDT", Decimal("100.00")),
        ("pos:STMT-2026-11-04:4", "CRDT", Decimal("120.00")),
        ("ref:BR-8", "DBIT", Decimal("80.00")),
    ]
    eod = "STMT-2026-11-04-EOD"
    [end_of_day] = bank_statement_import(
        data=document(
            stmt([ntry("80.00", "DBIT", ccy="EUR", ref="BR-8")], id=eod, ccy="EUR", opening="1640.00")
        ),
        actor=ops,
    )
    assert (end_of_day.entries_new, end_of_day.entries_already_stored) == (0, 1)
    with pytest.raises(
        Refused,
        match=f"Statement {eod}-2 entry 1 has key ref:BR-8, already stored from statement "
        "STMT-2026-11-04 entry 5 with other content",
    ):
        bank_statement_import(
            data=document(stmt([ntry("85.00", "DBIT", ccy="EUR", ref="BR-8")], id=f"{eod}-2", ccy="EUR")),
            actor=ops,
        )
