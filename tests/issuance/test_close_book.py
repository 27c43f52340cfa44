from decimal import Decimal

import pytest

from core.errors import GuardFailed
from core.models import AuditEvent
from issuance import services
from issuance.models import Deal, Subscription
from tests.factories import make_investor, subscribe

pytestmark = pytest.mark.django_db


def test_oversubscribed_tranche_is_allocated_pro_rata_in_whole_denominations(ops, open_deal):
    senior, junior = open_deal.tranches.order_by("seniority")  # 7,000,000 and 3,000,000
    requests = ["4000000", "4000000", "2500000", "100000"]  # 10.6m for 7m: 70 lots of 106 asked
    subs = [subscribe(actor=ops, investor=make_investor(actor=ops), tranche=senior, amount=a)
            for a in requests]
    subscribe(actor=ops, investor=make_investor(actor=ops), tranche=junior, amount="3000000")

    services.deal_transition(deal=open_deal, name="close_book", actor=ops)

    got = {s.pk: (s.state, s.allocated_amount) for s in Subscription.objects.filter(tranche=senior)}
    # quotas 70*40/106 = 26.41 (x2), 70*25/106 = 16.51, 70*1/106 = 0.66 -> floors 26, 26, 16, 0
    # two lots left: remainders .66 (#4) and .51 (#3) -> 26, 26, 17, 1 lots of 100,000
    assert [got[s.pk] for s in subs] == [
        ("allocated", Decimal("2600000.00")),
        ("allocated", Decimal("2600000.00")),
        ("allocated", Decimal("1700000.00")),
        ("allocated", Decimal("100000.00")),
    ]
    assert sum(a for _, a in got.values()) == senior.original_principal
    assert AuditEvent.objects.filter(name="allocate", to_state="allocated").count() == 5


def test_request_that_gets_no_lot_is_rejected_with_the_reason(ops, open_deal):
    senior, junior = open_deal.tranches.order_by("seniority")  # junior: 30 lots of 100,000
    subscribe(actor=ops, investor=make_investor(actor=ops), tranche=senior, amount="7000000")
    first = subscribe(actor=ops, investor=make_investor(actor=ops), tranche=junior, amount="3000000")
    second = subscribe(actor=ops, investor=make_investor(actor=ops), tranche=junior, amount="3000000")
    small = subscribe(actor=ops, investor=make_investor(actor=ops), tranche=junior, amount="100000")

    services.deal_transition(deal=open_deal, name="close_book", actor=ops)

    # quotas 30*30/61 = 14.75 (x2) and 30*1/61 = 0.49 -> floors 14, 14, 0 -> two lots left go to
    # the larger remainders (46/61 each) -> 15, 15, 0
    for sub in (first, second, small):
        sub.refresh_from_db()
    assert (first.state, first.allocated_amount) == ("allocated", Decimal("1500000.00"))
    assert (second.state, second.allocated_amount) == ("allocated", Decimal("1500000.00"))
    assert (small.state, small.allocated_amount) == ("rejected", Decimal("0.00"))
    event = AuditEvent.objects.get(object_id=small.pk, name="reject")
    assert (event.from_state, event.to_state, event.reason) == (
        "accepted", "rejected", services.NOT_ALLOCATED)


def test_book_cannot_close_without_subscriptions(ops, open_deal):
    events = AuditEvent.objects.count()

    with pytest.raises(GuardFailed) as refused:
        services.deal_transition(deal=open_deal, name="close_book", actor=ops)

    assert "Class 1 has no accepted subscriptions." in refused.value.message
    assert "Class 2 has no accepted subscriptions." in refused.value.message
    open_deal.refresh_from_db()
    assert open_deal.state == Deal.State.OPEN
    assert AuditEvent.objects.count() == events


def test_book_cannot_close_while_a_tranche_is_short(ops, open_deal):
    senior, junior = open_deal.tranches.order_by("seniority")
    subscribe(actor=ops, investor=make_investor(actor=ops), tranche=senior, amount="7000000")
    subscribe(actor=ops, investor=make_investor(actor=ops), tranche=junior, amount="2000000")

    with pytest.raises(GuardFailed) as refused:
        services.deal_transition(deal=open_deal, name="close_book", actor=ops)

    assert refused.value.message == (
        "Cannot 'close book and allocate': Class 2 is short by 1,000,000.00 USD "
        "(2,000,000.00 USD accepted of 3,000,000.00 USD)."
    )
    assert not Subscription.objects.filter(state="allocated").exists()


def test_book_cannot_close_while_requests_await_a_decision(ops, open_deal):
    senior, junior = open_deal.tranches.order_by("seniority")
    subscribe(actor=ops, investor=make_investor(actor=ops), tranche=senior, amount="7000000")
    subscribe(actor=ops, investor=make_investor(actor=ops), tranche=junior, amount="3000000")
    subscribe(actor=ops, investor=make_investor(actor=ops), tranche=junior, amount="100000",
              accept=False)

    with pytest.raises(GuardFailed) as refused:
        services.deal_transition(deal=open_deal, name="close_book", actor=ops)

    assert refused.value.reasons == [
        "1 subscription request(s) still await a decision (accept or reject)."
    ]
