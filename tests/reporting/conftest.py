"""Fixtures of the reporting tests: a closed deal held by two investors and its periods."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile

from reporting.models import Report
from reporting.services.downloads import sha256_of
from servicing.entitlements import entitlements
from servicing.models import CollectionPeriod, Distribution, Entitlement, EscrowLine


def make_period(deal, *, number: int = 1, state: str = CollectionPeriod.State.CLOSED,
                start: date = date(2027, 1, 1), end: date = date(2027, 3, 31)) -> CollectionPeriod:
    period = CollectionPeriod.objects.create(
        deal=deal, number=number, start=start, end=end, determination_date=end + timedelta(days=5),
        record_date=end + timedelta(days=10), payment_date=end + timedelta(days=15))
    CollectionPeriod.objects.filter(pk=period.pk).update(state=state)
    return CollectionPeriod.objects.get(pk=period.pk)


def stored_report(*, data: bytes = b"%PDF-1.4 test", **fields) -> Report:
    """A done report whose file holds ``data``, written directly (for scoping and download tests)."""
    report = Report.objects.create(state=Report.State.QUEUED, **fields)
    name = report.file.storage.save(report.file.field.generate_filename(report, report.filename),
                                    ContentFile(data))
    Report.objects.filter(pk=report.pk).update(state=Report.State.DONE, file=name, size=len(data),
                                               file_sha256=sha256_of(data), data_sha256="0" * 64)
    return Report.objects.get(pk=report.pk)


@pytest.fixture
def period(closed_deal):
    return make_period(closed_deal)


ALICE = "0x" + "a1" * 20  # the investor's wallet
ALICE2 = "0x" + "a2" * 20  # the investor's second wallet
BOB = "0x" + "b0" * 20  # the other investor's wallet (senior, held back) and junior
SENIOR = {"interest": Decimal("87500.01"), "principal": Decimal("700000.00")}
JUNIOR = {"interest": Decimal("45000.00"), "principal": Decimal("0.00")}
TOKENS = 10**6


def distribute(period, *, parts: dict, tranche, holders: dict, principal_before: Decimal) -> Distribution:
    """A paid distribution of ``parts`` over ``holders`` ({wallet: (investor, token base units)}),
    written directly, with the entitlements split as the product splits them."""
    amount = parts["interest"] + parts["principal"]
    base = int(amount * 10**6)
    after = principal_before - parts["principal"]
    dist = Distribution.objects.create(
        period=period, tranche=tranche, currency="USD", interest=parts["interest"],
        principal=parts["principal"], amount=amount, stablecoin="0x" + "cc" * 20, stablecoin_decimals=6,
        amount_base_units=base,
        principal_before=principal_before, principal_after=after,
        factor=(after / tranche.original_principal).quantize(Decimal("0.000001")))
    Distribution.objects.filter(pk=dist.pk).update(state=Distribution.State.PAID)
    shares = entitlements(base, {w: b for w, (_, b) in holders.items()})
    Entitlement.objects.bulk_create([
        Entitlement(distribution=dist, wallet=w, investor=inv, balance=b, amount=shares[w],
                    paid_amount=shares[w], paid_tx_hash="0x" + f"{period.number:02d}{i:02d}" * 16,
                    paid_block=100 + i)
        for i, (w, (inv, b)) in enumerate(sorted(holders.items()))])
    return dist


@pytest.fixture
def distributed(closed_deal, investor, other_investor):
    """Period 1 closed and paid: senior 87,500.01 interest + 700,000.00 principal over ALICE
    (3,000,000), ALICE2 (1,000,000) and BOB (3,000,000, held back for a screening hit); junior
    45,000.00 interest to BOB (3,000,000). Period 2 distributed, not closed: senior 80,000.00
    interest + 100,000.00 principal, same holders."""
    senior, junior = closed_deal.tranches.order_by("seniority")
    p1 = make_period(closed_deal)
    p2 = make_period(closed_deal, number=2, state=CollectionPeriod.State.DISTRIBUTED,
                     start=date(2027, 4, 1), end=date(2027, 6, 30))
    holders = {ALICE: (investor, 3_000_000 * TOKENS), ALICE2: (investor, 1_000_000 * TOKENS),
               BOB: (other_investor, 3_000_000 * TOKENS)}
    distribute(p1, parts=SENIOR, tranche=senior, holders=holders, principal_before=Decimal("7000000.00"))
    distribute(p1, parts=JUNIOR, tranche=junior, holders={BOB: (other_investor, 3_000_000 * TOKENS)},
               principal_before=Decimal("3000000.00"))
    held = Entitlement.objects.get(distribution__period=p1, distribution__tranche=senior, wallet=BOB)
    Entitlement.objects.filter(pk=held.pk).update(paid_amount=None, paid_tx_hash="", paid_block=None)
    EscrowLine.objects.create(entitlement=held, reason_code=EscrowLine.Reason.SANCTIONS)
    distribute(p2, parts={"interest": Decimal("80000.00"), "principal": Decimal("100000.00")}, tranche=senior,
               holders=holders, principal_before=Decimal("6300000.00"))
    return p1, p2
