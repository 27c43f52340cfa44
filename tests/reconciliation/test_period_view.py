"""The period view's hops on a determined and approved period (no chain yet): each total, each
difference, which hops tie out, and why the others do not."""

from datetime import date
from decimal import Decimal

import pytest

from reconciliation.periods import period_view
from servicing.models import CollectionPeriod
from servicing.services.descriptions import waterfall_description_set
from servicing.services.periods import period_approve, period_determine
from tests.servicing.builders import description, import_csv, make_abs_deal, with_periods
from tests.servicing.test_available_funds import ENTRIES

pytestmark = pytest.mark.django_db
D = Decimal


def test_hops_of_an_approved_period_before_it_is_paid(ops, ops2, business_day):
    deal = make_abs_deal(actor=ops)
    waterfall_description_set(deal=deal, description=description(), actor=ops)
    with_periods(deal, actor=ops)
    import_csv(ENTRIES, actor=ops)
    first = CollectionPeriod.objects.get(deal=deal, number=1)
    business_day(date(2027, 4, 5))
    period_determine(period=first, actor=ops, pool_balance=D("9800000.00"))
    period_approve(period=first, actor=ops2)
    view = period_view(first)
    got = [(h.name, h.total, h.difference, h.ties) for h in view.hops]
    assert got == [
        # four receipts and an unclassified 444.00 on the collection account
        ("receipts", D("363944.75"), None, True),
        ("invoices", D("0"), D("-363944.75"), False),  # nothing matched to invoices (no cash run)
        ("funds", D("363500.75"), D("363500.75"), False),
        ("waterfall", D("261000.75"), D("-102500.00"), True),  # trustee 2,500 + reserve 100,000
        ("distributions", D("261000.75"), D("0.00"), True),
        ("payouts", D("0"), D("-261000.75"), False),  # nothing paid on chain yet
    ]
    assert view.hops[3].note == "fees 2500.00, reserve deposited 100000.00, cash left 0.00"
    assert (view.open_count, view.ties) == (0, False)
