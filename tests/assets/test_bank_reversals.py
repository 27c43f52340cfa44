"""A reversal (RvslInd true) is stored as a reversal linked to the entry it reverses: never dropped
as a repeat of the original's reference, never counted as a new receipt."""

from decimal import Decimal

import pytest

from assets.models import BankEntry, BankStatement
from assets.services.bank import bank_entry_classify, bank_statement_import
from core.errors import InvalidInput, Refused
from tests.assets.builders import make_counterparty
from tests.assets.camt import document, ntry, stmt, tx

pytestmark = pytest.mark.django_db

RECEIPT = ntry(
    "250.00",
    ref="BR-1",
    txs=[tx(e2e="E2E-ORION-1", debtor="Orion Inference Ltd", remittance="INV-L-0001-202610")],
)


def entries() -> list[tuple]:
    return list(
        BankEntry.objects.order_by("id").values_list(
            "entry_key", "direction", "amount", "category", "is_reversal", "reversal_of__entry_key"
        )
    )


def test_a_reversal_in_a_later_statement_reusing_the_reference_is_recorded_against_the_original(ops):
    make_counterparty(actor=ops, name="Orion Inference Ltd")
    bank_statement_import(data=document(stmt([RECEIPT], id="STMT-1")), actor=ops)
    reversal = ntry("250.00", "DBIT", ref="BR-1", booked="2026-11-05", reversal=True)

    [second] = bank_statement_import(
        data=document(stmt([reversal], id="STMT-2", opening="1250.00")), actor=ops
    )

    assert (second.entries_total, second.entries_new, second.entries_already_stored) == (1, 1, 0)
    assert entries() == [
        ("ref:BR-1", "CRDT", Decimal("250.00"), "lease_receipt", False, None),
        ("rev:BR-1", "DBIT", Decimal("250.00"), "reversal", True, "ref:BR-1"),
    ]
    original = BankEntry.objects.get(entry_key="ref:BR-1")
    assert list(original.reversals.values_list("booking_date", flat=True)) == [
        BankEntry.objects.get(is_reversal=True).booking_date
    ]


def test_a_reversal_in_the_same_statement_is_linked_to_its_original(ops):
    reversal = ntry("250.00", "DBIT", ref="BR-1", reversal=True)

    [statement] = bank_statement_import(data=document(stmt([RECEIPT, reversal])), actor=ops)

    assert statement.entries_new == 2
    assert entries() == [
        ("ref:BR-1", "CRDT", Decimal("250.00"), "lease_receipt", False, None),
        ("rev:BR-1", "DBIT", Decimal("250.00"), "reversal", True, "ref:BR-1"),
    ]
    assert sum(e.signed_amount for e in BankEntry.objects.all()) == Decimal("0.00")


def test_a_reversal_without_the_bank_reference_is_found_by_its_end_to_end_id(ops):
    bank_statement_import(data=document(stmt([RECEIPT], id="STMT-1")), actor=ops)
    reversal = ntry("250.00", "DBIT", reversal=True, txs=[tx(e2e="E2E-ORION-1")])

    bank_statement_import(data=document(stmt([reversal], id="STMT-2", opening="1250.00")), actor=ops)

    assert entries()[1] == ("pos:STMT-2:1", "DBIT", Decimal("250.00"), "reversal", True, "ref:BR-1")


def test_a_credit_reversal_of_a_payment_is_not_a_receipt(ops):
    payment = ntry("900.00", "DBIT", ref="BR-9", txs=[tx(creditor="Keppel Colo", remittance="INV-K-77")])
    returned = ntry("900.00", "CRDT", ref="BR-10", reversal=True, txs=[tx(ref="BR-9", remittance="INV-K-77")])

    bank_statement_import(data=document(stmt([payment, returned])), actor=ops)

    assert entries() == [
        ("ref:BR-9", "DBIT", Decimal("900.00"), "expense", False, None),
        ("rev:BR-10", "CRDT", Decimal("900.00"), "reversal", True, "ref:BR-9"),
    ]


def test_a_reversal_whose_original_is_unknown_is_refused_and_nothing_is_stored(ops):
    reversal = ntry("250.00", "DBIT", ref="BR-404", reversal=True)

    with pytest.raises(Refused) as caught:
        bank_statement_import(data=document(stmt([ntry("5.00", ref="BR-5"), reversal])), actor=ops)

    assert caught.value.message == (
        "Statement STMT-1 entry 2 is a reversal (RvslInd) of reference BR-404, but no credit of at least "
        "250.00 USD left to reverse has that reference on account DE89370400440532013000, stored or earlier "
        "in this file; import the statement that holds the original first. Nothing imported."
    )
    assert (BankStatement.objects.count(), BankEntry.objects.count()) == (0, 0)


def test_a_reversal_larger_than_what_is_left_of_the_original_is_refused(ops):
    first = ntry("100.00", "DBIT", ref="BR-1", reversal=True)
    second = ntry("200.00", "DBIT", ref="BR-1", booked="2026-11-04", reversal=True)

    with pytest.raises(
        Refused,
        match=r"Statement STMT-1 entry 3 is a reversal \(RvslInd\) of reference BR-1, but "
        r"no credit of at least 200.00 USD left to reverse",
    ):
        bank_statement_import(data=document(stmt([RECEIPT, first, second])), actor=ops)

    assert BankEntry.objects.count() == 0


def test_a_partial_then_the_rest_are_both_linked(ops):
    first = ntry("100.00", "DBIT", ref="BR-1", reversal=True)
    rest = ntry("150.00", "DBIT", ref="BR-1", booked="2026-11-04", reversal=True)

    bank_statement_import(data=document(stmt([RECEIPT, first, rest])), actor=ops)

    assert entries() == [
        ("ref:BR-1", "CRDT", Decimal("250.00"), "lease_receipt", False, None),
        ("pos:STMT-1:2", "DBIT", Decimal("100.00"), "reversal", True, "ref:BR-1"),
        ("pos:STMT-1:3", "DBIT", Decimal("150.00"), "reversal", True, "ref:BR-1"),
    ]


def test_a_reversal_naming_no_reference_is_refused(ops):
    reversal = ntry("250.00", "DBIT", reversal=True, txs=[tx(e2e="NOTPROVIDED")])

    with pytest.raises(Refused) as caught:
        bank_statement_import(data=document(stmt([RECEIPT, reversal])), actor=ops)

    assert caught.value.message == (
        "Statement STMT-1 entry 2 is a reversal (RvslInd) but names no reference of the original "
        "(AcctSvcrRef or EndToEndId); nothing imported."
    )
    assert BankEntry.objects.count() == 0


def test_only_the_bank_makes_an_entry_a_reversal(ops):
    reversal = ntry("250.00", "DBIT", ref="BR-1", reversal=True)
    bank_statement_import(data=document(stmt([RECEIPT, reversal])), actor=ops)
    original, reversed_ = BankEntry.objects.order_by("id")

    for entry, category in ((reversed_, "expense"), (original, "reversal")):
        with pytest.raises(InvalidInput, match="follows the bank's reversal indicator"):
            bank_entry_classify(entry=entry, category=category, actor=ops)

    assert list(BankEntry.objects.order_by("id").values_list("category", flat=True)) == [
        "lease_receipt",
        "reversal",
    ]
