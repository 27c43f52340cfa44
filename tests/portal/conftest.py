"""Fixtures of the portal tests: a closed deal held by two investors, one paid distribution with an
entitlement for each, and published reports (statements for both, a servicer report, a draft)."""

from decimal import Decimal

import pytest
from django.core.files.base import ContentFile

from reporting.models import Kind, Report
from reporting.services import report_request
from reporting.services.downloads import sha256_of
from servicing.models import Distribution, Entitlement
from tests.reporting.conftest import make_period

WALLET_OWN = "0x" + "a1" * 20
WALLET_OTHER = "0x" + "b2" * 20


def publish(*, actor, data: bytes, **subject) -> Report:
    """A report requested through the reporting service, then finished with ``data`` as its file
    (what the generation task stores), so it is done and published."""
    report = report_request(actor=actor, **subject)
    name = report.file.storage.save(report.file.field.generate_filename(report, report.filename),
                                    ContentFile(data))
    Report.objects.filter(pk=report.pk).update(state=Report.State.DONE, file=name, size=len(data),
                                               file_sha256=sha256_of(data), data_sha256="0" * 64)
    return Report.objects.get(pk=report.pk)


class Book:
    def __init__(self, **kw):
        self.__dict__.update(kw)


@pytest.fixture
def book(closed_deal, investor, other_investor, ops, published):
    period = make_period(closed_deal)
    senior, junior = closed_deal.tranches.order_by("seniority")
    distribution = Distribution.objects.create(
        period=period, tranche=senior, currency="USD", interest=Decimal("87500.01"),
        principal=Decimal("0"), amount=Decimal("87500.01"))
    Distribution.objects.filter(pk=distribution.pk).update(
        state=Distribution.State.PAID, stablecoin_decimals=6, amount_base_units=87_500_010_000)
    own = Entitlement.objects.create(
        distribution=distribution, wallet=WALLET_OWN, investor=investor, balance=7_000_000 * 10**6,
        amount=61_250_007_000, paid_amount=61_250_007_000, paid_tx_hash="0x" + "cd" * 32, paid_block=12)
    other = Entitlement.objects.create(
        distribution=distribution, wallet=WALLET_OTHER, investor=other_investor, balance=3_000_000 * 10**6,
        amount=26_250_003_000, paid_amount=26_250_003_000, paid_tx_hash="0x" + "ef" * 32, paid_block=12)
    common = {"deal": closed_deal, "period": period, "format": "pdf"}
    return Book(
        deal=closed_deal, period=period, distribution=distribution, own=own, other=other,
        own_statement=publish(actor=ops, data=b"%PDF own statement", kind=Kind.INVESTOR_STATEMENT,
                              investor=investor, **common),
        other_statement=publish(actor=ops, data=b"%PDF other statement", kind=Kind.INVESTOR_STATEMENT,
                                investor=other_investor, **common),
        servicer=publish(actor=ops, data=b"%PDF servicer report", kind=Kind.SERVICER_REPORT, **common),
    )
