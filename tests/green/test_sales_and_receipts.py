"""A sale's receipt in the bank is a certificate-sale collection, for the price, matched once."""

from datetime import date
from decimal import Decimal

import pytest

from assets.models import BankEntry
from assets.services.bank import bank_statement_import
from core.errors import NotPermitted, Refused
from core.models import AuditEvent
from green.services import blocks
from tests.green.builders import make_block

pytestmark = pytest.mark.django_db

STATEMENT = (
    b"account,statement_id,bank_reference,booking_date,value_date,amount,currency,counterparty_name,"
    b"remittance_info\n"
    b"ACC-1,CSV-7,R1,2026-04-03,2026-04-03,1250.00,USD,Acme Offsets,I-REC certificates April\n"
    b"ACC-1,CSV-7,R2,2026-04-03,2026-04-03,1250.00,USD,Nova Render GmbH,INV-L-0002-202603\n"
    b"ACC-1,CSV-7,R3,2026-04-04,2026-04-04,1200.00,USD,Acme Offsets,I-REC certificates\n"
)


@pytest.fixture
def sale(ops):
    block = make_block(actor=ops, code="I-REC")
    return blocks.block_sell(
        block=block,
        actor=ops,
        quantity=100,
        buyer="Acme Offsets",
        price=Decimal("1250.00"),
        currency="USD",
        sold_on=date(2026, 4, 1),
    )


def entry(ref):
    return BankEntry.objects.get(bank_reference=ref)


def test_the_receipt_is_matched_to_the_sale(ops, sale):
    bank_statement_import(data=STATEMENT, actor=ops, filename="apr.csv")
    assert entry("R1").category == "certificate_sale"
    blocks.certificate_sale_record_receipt(sale=sale, bank_entry=entry("R1"), actor=ops)
    sale.refresh_from_db()
    assert sale.bank_entry == entry("R1")


def test_a_receipt_of_another_kind_or_amount_is_refused_and_nothing_changes(ops, trustee, sale):
    bank_statement_import(data=STATEMENT, actor=ops, filename="apr.csv")
    audit = AuditEvent.objects.count()
    with pytest.raises(Refused) as exc:
        blocks.certificate_sale_record_receipt(sale=sale, bank_entry=entry("R2"), actor=ops)
    assert exc.value.reasons == [
        f"bank entry #{entry('R2').pk} is classified 'lease receipt', not 'certificate sale'"
    ]
    with pytest.raises(Refused) as exc:
        blocks.certificate_sale_record_receipt(sale=sale, bank_entry=entry("R3"), actor=ops)
    assert exc.value.reasons == [f"bank entry #{entry('R3').pk} is USD 1200.00; the sale is USD 1250.00"]
    with pytest.raises(NotPermitted):
        blocks.certificate_sale_record_receipt(sale=sale, bank_entry=entry("R1"), actor=trustee)
    sale.refresh_from_db()
    assert sale.bank_entry is None
    assert AuditEvent.objects.count() == audit
