"""Closing a period while its exceptions are being resolved, concurrently on PostgreSQL with
threads: the close never passes a live exception, each resolution is counted once, and the chain
matching waits for a close (or the close for it)."""

from datetime import date

import pytest
from django.db import connection

from core import roles
from core.models import AuditEvent
from reconciliation.models import ReconException
from reconciliation.services import exceptions as xsvc
from servicing.models import CollectionPeriod
from servicing.services.periods import period_close
from tests.factories import make_user
from tests.servicing.distribution_setup import approved_period
from tests.threads import together


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("attempt", range(4))
def test_closing_while_a_waiver_is_approved_twice_counts_it_once(closed_deal, attempt):
    assert connection.vendor == "postgresql"
    ops, ops2, ops3 = (make_user(roles.ISSUER_OPERATIONS, f"ops{i}-{attempt}") for i in (1, 2, 3))
    period = approved_period(closed_deal, date(2026, 11, 30))
    CollectionPeriod.objects.filter(pk=period.pk).update(state=CollectionPeriod.State.DISTRIBUTED)
    x = ReconException.objects.create(
        key="chain:dist:0:holder:0xbob",
        scope="chain",
        type="duplicate_payout",
        currency="USD",
        amount="10.00",
        base_units=10_000_000,
        period=period,
    )
    xsvc.exception_waive(exception=x, actor=ops, reason="returned by the holder")

    errors = together(
        lambda: xsvc.exception_approve_waive(exception=x, actor=ops2),
        lambda: xsvc.exception_approve_waive(exception=x, actor=ops3),
        lambda: period_close(period=period, actor=ops),
    )
    x.refresh_from_db()
    state = CollectionPeriod.objects.get(pk=period.pk).state
    assert x.state == "waived"
    assert AuditEvent.objects.filter(object_id=x.pk, name="approve_waive").count() == 1
    closes = AuditEvent.objects.filter(object_id=period.pk, name="close").count()
    assert (state, closes) in (("closed", 1), ("distributed", 0))
    refused_close = [e for e in errors if "open reconciliation exception" in e]
    assert len(refused_close) == (state == "distributed")
    # the second approval found it waived already: refused, never counted
    assert len(errors) == 1 + len(refused_close)
    if state == "distributed":  # closing again once the approval is in succeeds
        assert period_close(period=period, actor=ops).state == "closed"


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("attempt", range(4))
def test_closing_while_the_chain_matching_runs_never_closes_over_a_live_exception(closed_deal, attempt):
    """The matching locks the period first: either it opens its exception and the close is refused,
    or the period closes and the matching is refused; never a closed period with a live exception."""
    from reconciliation.services.chain_matching import chain_matching_run
    from servicing.models import Distribution, Entitlement

    ops = make_user(roles.ISSUER_OPERATIONS, f"ops-{attempt}")
    period = approved_period(closed_deal, date(2026, 11, 30))
    CollectionPeriod.objects.filter(pk=period.pk).update(state=CollectionPeriod.State.DISTRIBUTED)
    senior = closed_deal.tranches.order_by("seniority").first()
    d = Distribution.objects.create(
        period=period, tranche=senior, currency="USD", interest="10.00", amount="10.00", stablecoin_decimals=6
    )
    Distribution.objects.filter(pk=d.pk).update(state=Distribution.State.PAYING)
    Entitlement.objects.create(distribution=d, wallet="0x" + "b" * 40, balance=1, amount=10_000_000)

    errors = together(
        lambda: chain_matching_run(distribution=d),
        lambda: period_close(period=period, actor=ops),
    )
    state = CollectionPeriod.objects.get(pk=period.pk).state
    live = ReconException.objects.filter(period=period, state="open").count()
    assert (state, live) in (("closed", 0), ("distributed", 1))
    assert len(errors) == 1
    assert ("is closed" in errors[0]) == (state == "closed")
    assert AuditEvent.objects.filter(object_id=period.pk, name="close").count() == (state == "closed")
