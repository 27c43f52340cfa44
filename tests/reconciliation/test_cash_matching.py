"""Cash matching on a planted data set: every rule, every cash exception type, exact amounts."""

from datetime import date
from decimal import Decimal

import pytest

from assets.models import BankEntryMatch, Invoice, InvoicePayment
from core.models import OutboxMessage
from reconciliation.models import LesseeCredit, MatchRun, ReconException
from reconciliation.services.matching import cash_matching_run
from tests.reconciliation.builders import statement

D = Decimal


def _run():
    return cash_matching_run(run=MatchRun.objects.create(trigger=MatchRun.Trigger.ON_DEMAND), actor=None)


@pytest.mark.django_db
def test_each_rule_and_each_cash_exception_type_exactly(planted):
    book, inv, usd, eur, entries = planted
    run = _run()

    matches = {
        (m.entry.position, m.entry.currency, m.invoice.number): (m.amount, m.rule)
        for m in BankEntryMatch.objects.select_related("entry", "invoice")
    }
    # positions are CSV lines: the header is line 1
    assert matches == {
        (2, "USD", "INV-O-1"): (D("1000.00"), "reference"),
        (3, "USD", "INV-O-2"): (D("2000.00"), "reference"),
        (4, "USD", "INV-O-3"): (D("799.50"), "lessee_tolerance"),
        (5, "USD", "INV-N-1"): (D("500.00"), "several_invoices"),
        (5, "USD", "INV-N-2"): (D("700.00"), "several_invoices"),
        (5, "USD", "INV-N-3"): (D("900.00"), "several_invoices"),
        (7, "USD", "INV-K-2"): (D("4000.00"), "lessee_amount"),
        (8, "USD", "INV-K-1"): (D("1000.00"), "partial"),
        (9, "USD", "INV-K-1"): (D("1500.00"), "partial"),
    }
    assert run.rules == {
        "reference": 2,
        "lessee_amount": 1,
        "lessee_tolerance": 1,
        "several_invoices": 3,
        "partial": 2,
    }
    credits = [(c.lessee.legal_name, c.invoice.number, c.amount, c.rule) for c in LesseeCredit.objects.all()]
    assert credits == [("Orion Compute Pte Ltd", "INV-O-2", D("100.00"), "reference")]

    states = {i.number: (i.state, i.amount_paid) for i in Invoice.objects.all()}
    assert states == {
        "INV-O-1": ("paid", D("1000.00")),
        "INV-O-2": ("paid", D("2000.00")),
        "INV-O-3": ("partially_paid", D("799.50")),
        "INV-O-4": ("issued", D("0.00")),
        "INV-N-1": ("paid", D("500.00")),
        "INV-N-2": ("paid", D("700.00")),
        "INV-N-3": ("paid", D("900.00")),
        "INV-K-1": ("partially_paid", D("2500.00")),
        "INV-K-2": ("paid", D("4000.00")),
        "INV-K-3": ("issued", D("0.00")),
    }
    assert InvoicePayment.objects.count() == BankEntryMatch.objects.count() == 9

    found = sorted((x.type, x.key.split(":")[1], x.currency, x.amount) for x in ReconException.objects.all())
    assert found == sorted(
        [
            ("unmatched_receipt", "entry", "USD", D("50.00")),
            ("unknown_remitter", "entry", "USD", D("4999.99")),
            ("duplicate_payment", "entry", "USD", D("1000.00")),
            ("currency_mismatch", "entry", "EUR", D("300.00")),
            ("short_payment", "invoice", "USD", D("0.50")),
            ("short_payment", "invoice", "USD", D("500.00")),
            ("missing_payment", "invoice", "USD", D("300.00")),
            ("missing_payment", "invoice", "USD", D("650.00")),
        ]
    )
    assert run.exceptions_open == 8 and run.status == "done" and run.progress == 100


@pytest.mark.django_db
def test_a_second_run_changes_nothing(planted):
    _run()
    before = (
        BankEntryMatch.objects.count(),
        LesseeCredit.objects.count(),
        sorted(ReconException.objects.values_list("key", "amount", "state")),
    )
    run = _run()
    assert run.matches_made == 0 and run.credits_made == 0
    assert (
        BankEntryMatch.objects.count(),
        LesseeCredit.objects.count(),
        sorted(ReconException.objects.values_list("key", "amount", "state")),
    ) == before


@pytest.mark.django_db
def test_a_statement_import_queues_the_matching(ops, business_day):
    business_day(date(2027, 1, 15))
    before = OutboxMessage.objects.count()
    statement(ops, [("2026-11-22", "10.00", "SOMEONE", "x")])
    message = OutboxMessage.objects.order_by("pk")[before:].get()
    assert message.task == "reconciliation.tasks.match_cash"
    assert len(message.kwargs["statement_ids"]) == 1
