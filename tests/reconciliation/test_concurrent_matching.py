"""Matching concurrently on PostgreSQL (two workers, or a worker and a person): no entry is applied
twice, no entry beyond its amount, no invoice beyond its total."""

from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import Sum

from assets.models import BankEntryMatch, Invoice
from core import roles
from reconciliation.models import LesseeCredit, MatchRun
from reconciliation.services.manual import manual_match_request
from reconciliation.services.matching import cash_matching_run
from tests.factories import make_user
from tests.reconciliation.planted import plant
from tests.threads import together


def _invariants():
    for entry_id, applied in (
        BankEntryMatch.objects.filter(undone_at__isnull=True)
        .values("entry_id")
        .annotate(t=Sum("amount"))
        .values_list("entry_id", "t")
    ):
        credits = LesseeCredit.objects.filter(entry_id=entry_id).aggregate(t=Sum("amount"))["t"] or 0
        entry = BankEntryMatch.objects.filter(entry_id=entry_id).first().entry
        assert applied + credits <= entry.amount
    for invoice in Invoice.objects.all():
        paid = invoice.matches.filter(undone_at__isnull=True).aggregate(t=Sum("amount"))["t"] or Decimal(0)
        assert paid == invoice.amount_paid <= invoice.total


@pytest.mark.django_db(transaction=True)
def test_two_workers_match_each_receipt_once(business_day):
    assert connection.vendor == "postgresql"
    ops = make_user(roles.ISSUER_OPERATIONS, "ops")
    plant(ops, business_day)
    runs = [MatchRun.objects.create(trigger=MatchRun.Trigger.ON_DEMAND) for _ in range(2)]
    assert together(*(lambda r=r: cash_matching_run(run=r, actor=None) for r in runs)) == []
    assert BankEntryMatch.objects.count() == 9
    assert LesseeCredit.objects.count() == 1
    assert sorted(r.matches_made for r in MatchRun.objects.all()) == [0, 9]
    _invariants()


@pytest.mark.django_db(transaction=True)
def test_a_worker_and_a_person_never_apply_the_same_money_twice(business_day):
    ops = make_user(roles.ISSUER_OPERATIONS, "ops")
    book, inv, usd, eur, entries = plant(ops, business_day)
    run = MatchRun.objects.create(trigger=MatchRun.Trigger.ON_DEMAND)
    kestrel_4000 = entries[7]
    errors = together(
        lambda: cash_matching_run(run=run, actor=None),
        lambda: manual_match_request(
            entry=kestrel_4000,
            invoice=inv["K1"],
            amount=Decimal("3000.00"),
            reason="operations first",
            actor=ops,
        ),
    )
    assert len(errors) <= 1
    applied = BankEntryMatch.objects.filter(entry=kestrel_4000).aggregate(t=Sum("amount"))["t"]
    assert applied <= Decimal("4000.00")
    _invariants()
