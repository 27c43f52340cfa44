"""A statement must add up (opening + booked entries = closing), and a batched entry keeps every
transaction (TxDtls) it carries, adding up to the entry."""

from decimal import Decimal
from pathlib import Path

import pytest

from assets.models import BankEntry, BankEntryDetail, BankStatement
from assets.services.bank import bank_statement_import
from core.errors import InvalidInput
from tests.assets.camt import OTHER_IBAN, document, ntry, stmt, tx

pytestmark = pytest.mark.django_db

BATCH = (Path(__file__).parent / "data" / "camt053_batch.xml").read_bytes()


def nothing_stored() -> bool:
    return (BankStatement.objects.count(), BankEntry.objects.count(), BankEntryDetail.objects.count()) == (
        0,
        0,
        0,
    )


def refusal(data: bytes, ops) -> str:
    with pytest.raises(InvalidInput) as caught:
        bank_statement_import(data=data, actor=ops, filename="s.xml")
    assert caught.value.field == "file"
    return caught.value.message


def test_a_statement_that_does_not_add_up_is_refused_naming_both_figures(ops):
    data = document(stmt([ntry("250.00", ref="BR-1"), ntry("80.00", "DBIT", ref="BR-2")], closing="1250.00"))

    assert refusal(data, ops) == (
        "Statement STMT-1 does not add up: opening balance 1000.00 + booked entries +170.00 = 1170.00 USD, "
        "but the closing balance (CLBD) is 1250.00 USD."
    )
    assert nothing_stored()


def test_one_statement_that_does_not_add_up_refuses_the_whole_file(ops):
    good = stmt([ntry("250.00", ref="BR-1")], id="GOOD")
    bad = stmt([ntry("250.00", ref="BR-2")], id="BAD", opening="500.00", closing="700.00")

    assert refusal(document(good, bad), ops).startswith("Statement BAD does not add up")
    assert nothing_stored()


def test_a_previously_closed_balance_opens_and_a_debit_closing_balance_ties(ops):
    entries = [ntry("1200.00", "DBIT", ref="BR-1"), ntry("5.00", ref="BR-2", status="PDNG")]

    [statement] = bank_statement_import(data=document(stmt(entries, opening_code="PRCD")), actor=ops)

    assert (statement.opening_balance, statement.closing_balance, statement.entries_total) == (
        Decimal("1000.00"),
        Decimal("-200.00"),
        1,
    )


@pytest.mark.parametrize(
    ("opening_code", "closing", "missing"),
    [
        ("", None, "an opening balance (OPBD or PRCD)"),
        ("OPBD", "", "a closing balance (CLBD)"),
    ],
)
def test_a_statement_without_its_balances_is_refused(ops, opening_code, closing, missing):
    data = document(stmt([ntry("250.00", ref="BR-1")], opening_code=opening_code, closing=closing))

    assert refusal(data, ops) == f"Statement STMT-1 has no {missing}, so its entries cannot be checked."
    assert nothing_stored()


def test_every_transaction_of_a_batched_entry_is_kept(ops):
    [statement] = bank_statement_import(data=BATCH, actor=ops, filename="batch.xml")

    entry = statement.entries.get()
    assert (
        entry.entry_key,
        entry.amount,
        entry.currency,
        entry.end_to_end_id,
        entry.counterparty_name,
        entry.remittance_info,
        entry.category,
    ) == (
        "ref:BATCH-0001",
        Decimal("1000.00"),
        "EUR",
        "",
        "",
        "INV-L-0002-202610; INV-L-0001-202610; 200 I-REC certificates",
        "unclassified",
    )
    assert list(
        entry.details.order_by("position").values_list(
            "position",
            "direction",
            "amount",
            "currency",
            "bank_reference",
            "end_to_end_id",
            "counterparty_name",
            "counterparty_account",
            "remittance_info",
        )
    ) == [
        (
            1,
            "CRDT",
            Decimal("500.00"),
            "EUR",
            "BATCH-0001-1",
            "E2E-NOVA-1",
            "Nova Render GmbH",
            OTHER_IBAN,
            "INV-L-0002-202610",
        ),
        (2, "CRDT", Decimal("300.00"), "EUR", "", "", "Orion Inference Ltd", "", "INV-L-0001-202610"),
        (
            3,
            "CRDT",
            Decimal("200.00"),
            "EUR",
            "",
            "E2E-GREEN-7",
            "Green Ledger Trading",
            "",
            "200 I-REC certificates",
        ),
    ]


def test_a_single_transaction_without_an_amount_takes_the_entry_amount(ops):
    entry = ntry("250.00", ref="BR-1", txs=[tx(e2e="E2E-1", debtor="Orion Inference Ltd", remittance="rent")])

    bank_statement_import(data=document(stmt([entry])), actor=ops)

    assert list(BankEntryDetail.objects.values_list("position", "direction", "amount", "end_to_end_id")) == [
        (1, "CRDT", Decimal("250.00"), "E2E-1")
    ]
    assert BankEntry.objects.values_list("end_to_end_id", "counterparty_name", "remittance_info").get() == (
        "E2E-1",
        "Orion Inference Ltd",
        "rent",
    )


def test_a_batch_whose_transactions_do_not_add_up_is_refused_naming_the_entry(ops):
    batch = ntry("1000.00", ref="BR-1", txs=[tx("500.00"), tx("400.00")])

    assert refusal(document(stmt([ntry("1.00", ref="BR-0"), batch])), ops) == (
        "Statement STMT-1 entry 2: its 2 transactions (TxDtls) add up to 900.00 USD, but the entry is "
        "1000.00 USD."
    )
    assert nothing_stored()


def test_a_batch_netting_a_debit_adds_up(ops):
    batch = ntry("1000.00", ref="BR-1", txs=[tx("1200.00", cd="CRDT"), tx("200.00", cd="DBIT")])

    bank_statement_import(data=document(stmt([batch])), actor=ops)

    assert list(BankEntryDetail.objects.order_by("position").values_list("direction", "amount")) == [
        ("CRDT", Decimal("1200.00")),
        ("DBIT", Decimal("200.00")),
    ]


def test_a_batched_transaction_without_an_amount_is_refused(ops):
    batch = ntry("1000.00", ref="BR-1", txs=[tx("500.00"), tx()])

    assert refusal(document(stmt([batch])), ops) == (
        "Statement STMT-1 entry 1 transaction 2 has no amount (Amt or AmtDtls/TxAmt/Amt), and the entry "
        "batches 2 transactions."
    )
    assert nothing_stored()


def test_a_transaction_in_another_currency_is_refused(ops):
    batch = ntry("1000.00", ref="BR-1", txs=[tx("500.00"), tx("500.00", ccy="EUR")])

    assert refusal(document(stmt([batch])), ops) == (
        "Statement STMT-1 entry 1 transaction 2 is in EUR, but the entry is in USD."
    )
    assert nothing_stored()


def test_a_batch_takes_the_kind_its_transactions_agree_on(ops):
    batch = ntry(
        "700.00",
        ref="BR-1",
        txs=[tx("500.00", remittance="INV-L-0001-202610"), tx("200.00", remittance="INV-L-0002-202610")],
    )

    bank_statement_import(data=document(stmt([batch])), actor=ops)

    assert BankEntry.objects.values_list("category", flat=True).get() == "lease_receipt"
