"""A demo-like period paid on anvil with two breaks: one lease payment short (900.00 received for an
invoice of 1,000.00) and one holder (BOB) paid twice on chain. Both matchings have run."""

from dataclasses import dataclass
from datetime import timedelta

from assets.models import Device
from reconciliation.models import MatchRun
from reconciliation.services.chain_matching import chain_matching_run
from reconciliation.services.matching import cash_matching_run
from servicing.models import ServicingTerms
from tests.reconciliation.builders import Book, statement
from tests.reconciliation.chain_setup import paid_events, pay_period, plant_paid

ACCOUNT = "SPV-COLLECTION-1"


@dataclass
class Planted:
    period: object
    senior: object
    junior: object
    invoice: object
    entry: object


def short_and_twice(issued, period, ops, ops2) -> Planted:
    senior, junior, period = pay_period(issued, period, ops, ops2)
    ServicingTerms.objects.create(deal=issued.deal, collection_account=ACCOUNT)
    book = Book(ops)
    book.lessee("Orion Compute")
    Device.objects.filter(leases__in=book.leases.values()).update(deal=issued.deal)
    invoice = book.invoice("Orion Compute", "INV-E2E-1", "1000.00")
    day = period.end - timedelta(days=5)
    (entry,) = statement(ops, [(day, "900.00", "Orion Compute", "INV-E2E-1")], account=ACCOUNT).entries.all()
    cash_matching_run(run=MatchRun.objects.create(trigger=MatchRun.Trigger.ON_DEMAND), actor=None)
    (bob,) = paid_events(junior)
    plant_paid(junior, like=bob)
    for d in (senior, junior):
        chain_matching_run(distribution=d)
    invoice.refresh_from_db()
    return Planted(period=period, senior=senior, junior=junior, invoice=invoice, entry=entry)
