"""Planted cash: lessees, issued invoices with chosen totals, bank statements imported through the
assets service (CSV)."""

import calendar
from datetime import date
from decimal import Decimal

from assets.models import Invoice, InvoiceLine
from assets.services import bank, invoicing
from tests.assets.builders import make_counterparty, make_gpu_server, make_lease

ISSUED = date(2026, 11, 1)  # due 2026-12-01 (30 days)
HEADER = (
    "account,statement_id,bank_reference,booking_date,value_date,amount,currency,counterparty_name,"
    "remittance_info"
)


class Book:
    """Lessees and their leases; invoices of any total for the period of October 2026."""

    def __init__(self, ops):
        self.ops = ops
        self.leases = {}
        self.n = 0

    def lessee(self, name: str, currency: str = "USD"):
        gpu = make_gpu_server(actor=self.ops)
        lessee = make_counterparty(actor=self.ops, name=name)
        self.leases[name] = make_lease(actor=self.ops, devices=[gpu], lessee=lessee, currency=currency)
        return lessee

    def invoice(self, lessee: str, number: str, total: str, *, month: int = 10) -> Invoice:
        """Issued on the 1st of the next month, due 30 days later (October: due 2026-12-01)."""
        lease = self.leases[lessee]
        start = date(2026, month, 1)
        end = date(2026, month, calendar.monthrange(2026, month)[1])
        invoice = Invoice.objects.create(
            number=number,
            lease=lease,
            period_start=start,
            period_end=end,
            currency=lease.currency,
            total=Decimal(total),
        )
        InvoiceLine.objects.create(
            invoice=invoice,
            position=1,
            kind="usage",
            description="usage",
            quantity=Decimal(1),
            unit_price=Decimal(total),
            amount=Decimal(total),
        )
        return invoicing.invoice_issue(invoice=invoice, actor=self.ops, issue_date=date(2026, month + 1, 1))


def statement(ops, rows, *, account="SG-OPS-001", currency="USD", statement_id="S-1"):
    """Import one CSV statement: rows of (booking date, amount, remitter, remittance)."""
    lines = [HEADER] + [
        f"{account},{statement_id},,{day},{day},{amount},{currency},{who},{info}"
        for day, amount, who, info in rows
    ]
    return bank.bank_statement_import(
        data=("\n".join(lines) + "\n").encode(), actor=ops, filename=f"{statement_id}.csv"
    )[0]
