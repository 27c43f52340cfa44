"""Available funds of a period from the classified bank entries of the collection account, with
interest and manual adjustments each approved by a second person (docs/servicing.md, "Available
funds")."""

from decimal import Decimal

import pytest

from assets.models import BankEntry
from core.errors import InvalidInput, MakerCheckerViolation, NotPermitted, Refused
from core.models import AuditEvent
from servicing.models import CollectionPeriod, FundsAdjustment
from servicing.services.funds import (
    available_funds,
    funds_adjustment_approve,
    funds_adjustment_propose,
    funds_adjustment_reject,
    funds_csv,
)
from tests.servicing.builders import import_csv, with_periods

pytestmark = pytest.mark.django_db

ENTRIES = [
    "SPV-COLL-1,S1,R1,2027-01-15,,100000.00,USD,Kestrel Robotics,INV-2027-0001",
    "SPV-COLL-1,S1,R2,2027-02-15,,250000.50,USD,Kestrel Robotics,INV-2027-0002",
    "SPV-COLL-1,S1,R3,2027-03-10,,12500.25,USD,Green Registry,Sale of I-REC certificates",
    "SPV-COLL-1,S1,R4,2027-03-31,,1000.00,USD,Kestrel Robotics,INV-2027-0003",
    "SPV-COLL-1,S1,R5,2027-04-01,,5000.00,USD,Kestrel Robotics,INV-2027-0004",  # next period
    "SPV-COLL-1,S1,R6,2026-12-30,,7.00,USD,Kestrel Robotics,INV-2026-0009",  # before the first period
    "SPV-COLL-1,S1,R7,2027-02-20,,-3000.00,USD,Data Centre Ltd,Rent",  # an expense
    "SPV-COLL-1,S1,R8,2027-03-01,,444.00,USD,Someone,Misc",  # unclassified
    "OTHER-9,S9,R9,2027-02-01,,9999.00,USD,Kestrel Robotics,INV-2027-0005",  # another account
]


@pytest.fixture
def period(ops, draft_deal):
    with_periods(draft_deal, actor=ops)
    import_csv(ENTRIES, actor=ops)
    return CollectionPeriod.objects.get(deal=draft_deal, number=1)


def test_receipts_of_the_collection_account_in_the_period(period):
    funds = available_funds(period)

    assert [(line.kind, line.label, line.amount) for line in funds.lines] == [
        ("lease_receipt", "2027-01-15 Kestrel Robotics R1", Decimal("100000.00")),
        ("lease_receipt", "2027-02-15 Kestrel Robotics R2", Decimal("250000.50")),
        ("certificate_sale", "2027-03-10 Green Registry R3", Decimal("12500.25")),
        ("lease_receipt", "2027-03-31 Kestrel Robotics R4", Decimal("1000.00")),
    ]
    assert funds.total == Decimal("363500.75")
    assert funds.by_kind()["lease_receipt"] == Decimal("351000.50")
    assert funds.by_kind()["certificate_sale"] == Decimal("12500.25")


def test_interest_and_adjustments_count_once_a_second_person_approves(ops, ops2, period):
    interest = funds_adjustment_propose(
        period=period,
        kind="interest",
        amount=Decimal("812.40"),
        reason="Interest on the collection account, Q1 bank advice",
        actor=ops,
    )
    fee = funds_adjustment_propose(
        period=period, amount=Decimal("-500.00"), reason="Bank charge refunded twice", actor=ops
    )
    pending = funds_adjustment_propose(
        period=period, amount=Decimal("1000.00"), reason="Not yet checked", actor=ops
    )
    rejected = funds_adjustment_propose(
        period=period, amount=Decimal("2000.00"), reason="Duplicate", actor=ops
    )
    assert available_funds(period).total == Decimal("363500.75")

    funds_adjustment_approve(adjustment=interest, actor=ops2)
    funds_adjustment_approve(adjustment=fee, actor=ops2)
    funds_adjustment_reject(adjustment=rejected, actor=ops2, reason="Booked twice")

    funds = available_funds(period)
    assert funds.total == Decimal("363813.15")  # 363,500.75 + 812.40 - 500.00
    assert [(line.kind, line.amount, line.adjustment_id) for line in funds.lines[4:]] == [
        ("interest", Decimal("812.40"), interest.pk),
        ("adjustment", Decimal("-500.00"), fee.pk),
    ]
    pending.refresh_from_db()
    assert pending.state == "proposed"


def test_approving_ones_own_adjustment_is_refused_and_changes_nothing(ops, period):
    adjustment = funds_adjustment_propose(
        period=period, amount=Decimal("10.00"), reason="Correction", actor=ops
    )
    events = AuditEvent.objects.count()

    with pytest.raises(MakerCheckerViolation):
        funds_adjustment_approve(adjustment=adjustment, actor=ops)

    adjustment.refresh_from_db()
    assert (adjustment.state, adjustment.decided_by, AuditEvent.objects.count()) == ("proposed", None, events)
    assert available_funds(period).total == Decimal("363500.75")


def test_the_trustee_reads_but_does_not_adjust(trustee, ops, period):
    with pytest.raises(NotPermitted):
        funds_adjustment_propose(period=period, amount=Decimal("10.00"), reason="x", actor=trustee)
    adjustment = funds_adjustment_propose(period=period, amount=Decimal("10.00"), reason="x", actor=ops)
    with pytest.raises(NotPermitted):
        funds_adjustment_approve(adjustment=adjustment, actor=trustee)
    assert FundsAdjustment.objects.filter(state="approved").count() == 0


@pytest.mark.parametrize(
    ("amount", "reason", "field", "message"),
    [
        (
            Decimal("10.005"),
            "x",
            "amount",
            "amount 10.005 USD has more decimals than USD allows (at most 2 decimals).",
        ),
        (Decimal("0"), "x", "amount", "An adjustment of zero changes nothing."),
        (Decimal("10.00"), "  ", "reason", "An adjustment needs a reason."),
    ],
)
def test_bad_adjustments_are_refused_naming_the_field(ops, period, amount, reason, field, message):
    with pytest.raises(InvalidInput) as caught:
        funds_adjustment_propose(period=period, amount=amount, reason=reason, actor=ops)
    assert (caught.value.field, caught.value.message) == (field, message)
    assert FundsAdjustment.objects.count() == 0


def test_a_collection_in_another_currency_is_refused_naming_the_entry(ops, period):
    import_csv(
        ["SPV-COLL-1,S2,E1,2027-02-02,,50.00,EUR,Kestrel Robotics,INV-2027-0006"],
        actor=ops,
        filename="eur.csv",
    )
    entry = BankEntry.objects.get(bank_reference="E1")

    with pytest.raises(InvalidInput) as caught:
        available_funds(period)

    assert caught.value.message == (
        f"Collections of period 1 must be in the deal's currency USD: bank entry #{entry.pk} 2027-02-02 "
        f"{entry.entry_key} is in EUR."
    )
    assert caught.value.field == "collections"


def test_the_breakdown_exports_as_csv(ops, ops2, period):
    adjustment = funds_adjustment_propose(
        period=period, kind="interest", amount=Decimal("812.40"), reason="Bank advice", actor=ops
    )
    funds_adjustment_approve(adjustment=adjustment, actor=ops2)
    ids = dict(BankEntry.objects.values_list("bank_reference", "id"))

    assert funds_csv(available_funds(period)) == (
        "line,kind,label,amount,currency,bank_entry,adjustment\n"
        f"1,lease_receipt,2027-01-15 Kestrel Robotics R1,100000.00,USD,{ids['R1']},\n"
        f"2,lease_receipt,2027-02-15 Kestrel Robotics R2,250000.50,USD,{ids['R2']},\n"
        f"3,certificate_sale,2027-03-10 Green Registry R3,12500.25,USD,{ids['R3']},\n"
        f"4,lease_receipt,2027-03-31 Kestrel Robotics R4,1000.00,USD,{ids['R4']},\n"
        f"5,interest,#{adjustment.pk} Bank advice,812.40,USD,,{adjustment.pk}\n"
        ",total,available funds,364313.15,USD,,\n"
    )


def test_adjusting_a_period_of_another_state_is_refused(ops, period):
    with pytest.raises(Refused):
        funds_adjustment_propose(period=period, amount=Decimal("1.00"), reason="x", kind="bonus", actor=ops)
    assert FundsAdjustment.objects.count() == 0


def test_a_reversed_receipt_is_taken_back_in_the_period_of_the_reversal(ops, draft_deal):
    from assets.services.bank import bank_statement_import
    from tests.assets.camt import IBAN, document, ntry, stmt, tx

    with_periods(draft_deal, actor=ops, collection_account=IBAN)
    paid = ntry(
        "250.00",
        ref="BR-1",
        booked="2027-03-30",
        txs=[tx(e2e="E2E-1", debtor="Orion Inference Ltd", remittance="INV-L-0001-202703")],
    )
    kept = ntry(
        "80.00",
        ref="BR-2",
        booked="2027-03-30",
        txs=[tx(e2e="E2E-2", debtor="Orion Inference Ltd", remittance="INV-L-0002-202703")],
    )
    bank_statement_import(data=document(stmt([paid, kept])), actor=ops)
    reversal = ntry("250.00", "DBIT", ref="BR-1", booked="2027-04-02", reversal=True)
    bank_statement_import(data=document(stmt([reversal], id="STMT-2", opening="1330.00")), actor=ops)
    first, second = CollectionPeriod.objects.filter(deal=draft_deal, number__in=(1, 2)).order_by("number")

    assert [(line.kind, line.amount) for line in available_funds(first).lines] == [
        ("lease_receipt", Decimal("250.00")),
        ("lease_receipt", Decimal("80.00")),
    ]
    assert [(line.kind, line.label, line.amount) for line in available_funds(second).lines] == [
        ("lease_receipt", "reversal 2027-04-02 - BR-1", Decimal("-250.00"))
    ]
