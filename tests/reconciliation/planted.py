"""The planted cash data set (docs/reconciliation.md, "Worked example")."""

from datetime import date

from tests.reconciliation.builders import Book, statement


def plant(ops, business_day):
    """Three lessees, ten invoices, eleven receipts: every rule and every cash exception type."""
    business_day(date(2027, 1, 15))
    book = Book(ops)
    for name in ("Orion Compute Pte Ltd", "Nova Intelligence Ltd", "Kestrel Labs Ltd"):
        book.lessee(name)
    inv = {
        "O1": book.invoice("Orion Compute Pte Ltd", "INV-O-1", "1000.00", month=7),
        "O2": book.invoice("Orion Compute Pte Ltd", "INV-O-2", "2000.00", month=8),
        "O3": book.invoice("Orion Compute Pte Ltd", "INV-O-3", "800.00", month=9),
        "O4": book.invoice("Orion Compute Pte Ltd", "INV-O-4", "300.00", month=10),
        "N1": book.invoice("Nova Intelligence Ltd", "INV-N-1", "500.00", month=8),
        "N2": book.invoice("Nova Intelligence Ltd", "INV-N-2", "700.00", month=9),
        "N3": book.invoice("Nova Intelligence Ltd", "INV-N-3", "900.00", month=10),
        "K1": book.invoice("Kestrel Labs Ltd", "INV-K-1", "3000.00", month=8),
        "K2": book.invoice("Kestrel Labs Ltd", "INV-K-2", "4000.00", month=9),
        "K3": book.invoice("Kestrel Labs Ltd", "INV-K-3", "650.00", month=10),
    }
    usd = statement(
        ops,
        [
            ("2026-08-05", "1000.00", "ORION COMPUTE PTE LTD", "INV-O-1"),  # reference, exact
            ("2026-09-05", "2100.00", "ORION COMPUTE PTE LTD", "payment INV-O-2"),  # reference, 100 over
            ("2026-10-30", "799.50", "Orion Compute", "October services"),  # tolerance, 0.50 short
            ("2026-11-20", "2100.00", "NOVA INTELLIGENCE", "invoices aug-oct"),  # three invoices
            ("2026-11-21", "50.00", "NOVA INTELLIGENCE", "advance"),  # nothing fits
            ("2026-10-05", "4000.00", "KESTREL LABS", "september"),  # lessee and amount
            ("2026-09-10", "1000.00", "KESTREL LABS", "part 1"),  # partial
            ("2026-09-20", "1500.00", "KESTREL LABS", "part 2"),  # partial
            ("2026-11-22", "4999.99", "ACME HOLDINGS", "services"),  # unknown remitter
            ("2026-11-23", "1000.00", "ORION COMPUTE PTE LTD", "INV-O-1 again"),  # already paid
        ],
    )
    eur = statement(
        ops,
        [("2026-11-24", "300.00", "ORION COMPUTE PTE LTD", "INV-O-4")],
        account="SG-OPS-EUR",
        currency="EUR",
        statement_id="S-EUR",
    )
    entries = {e.position: e for s in (usd, eur) for e in s.entries.all()}
    return book, inv, usd, eur, entries
