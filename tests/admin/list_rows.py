"""Rows for the admin's main list pages (deals, investors, KYC cases, invoices, bank entries,
subscriptions), ``n`` of each from a fixed seed, with bulk inserts: the list pages' query-count
tests and the admin list-page benchmark (bench/admin.py) read them. Nothing here is a business
flow; the rows only have to be what the list pages show."""

import hashlib
import random
from datetime import date, timedelta
from decimal import Decimal

from assets.models import BankEntry, BankStatement, Counterparty, Invoice, Lease
from compliance.models import Investor, KycCase
from issuance.models import SPV, Deal, Subscription, Tranche
from tests.factories import make_lei

CURRENCIES = ("USD", "EUR", "SGD")
COUNTRIES = ("SG", "DE", "CH", "GB", "JP")
LIST_PAGES = {
    "deals": "/admin/issuance/deal/",
    "investors": "/admin/compliance/investor/",
    "kyc cases": "/admin/compliance/kyccase/",
    "invoices": "/admin/assets/invoice/",
    "bank entries": "/admin/assets/bankentry/",
    "subscriptions": "/admin/issuance/subscription/",
}


def seed_list_rows(*, n: int, seed: int, tag: str, ops, officer) -> None:
    """``n`` deals (one tranche each), investors (one KYC case and one subscription each), invoices
    and bank entries; ``tag`` keeps names unique when called more than once."""
    rng = random.Random(seed)
    spv = SPV.objects.create(legal_name=f"List SPV {tag} Ltd", jurisdiction="SG",
                             registration_number=f"L{tag}", lei=make_lei(seed), trustee="T Ltd",
                             administrator="A Ltd", base_currency="USD", state=SPV.State.ACTIVE)
    deals = Deal.objects.bulk_create(
        Deal(spv=spv, name=f"List deal {tag}-{i:05d}", asset_class=rng.choice(Deal.AssetClass.values),
             currency=rng.choice(CURRENCIES), target_size=Decimal(rng.randint(1, 900)) * 1_000_000,
             closing_date=date(2026, 1, 1) + timedelta(days=i % 365), payment_frequency="quarterly",
             legal_final_maturity=date(2033, 1, 1), state=rng.choice(["draft", "open", "issued"]),
             submitted_by=ops, approved_by=officer)
        for i in range(n))
    tranches = Tranche.objects.bulk_create(
        Tranche(deal=deal, class_name="Class A (senior)", seniority=1, original_principal=deal.target_size,
                current_principal=deal.target_size, coupon_rate=Decimal("0.0425"), day_count="30/360",
                payment_frequency="quarterly", minimum_denomination=Decimal("100000"),
                token_symbol=f"L{tag[:3].upper()}{i:05d}")
        for i, deal in enumerate(deals))
    investors = Investor.objects.bulk_create(
        Investor(kind="entity", legal_name=f"List investor {tag}-{i:05d} Ltd",
                 email=f"l{tag}{i}@example.test", country_of_residence=rng.choice(COUNTRIES))
        for i in range(n))
    KycCase.objects.bulk_create(
        KycCase(investor=investor, kind="kyb", state=rng.choice(["draft", "submitted", "in_review"]),
                assignee=officer if i % 2 else None)
        for i, investor in enumerate(investors))
    Subscription.objects.bulk_create(
        Subscription(investor=investor, tranche=tranche, state="requested",
                     requested_amount=Decimal("100000") * rng.randint(1, 50))
        for investor, tranche in zip(investors, tranches, strict=True))
    lessee = Counterparty.objects.create(legal_name=f"List lessee {tag} Ltd", country="SG",
                                         kyb_status="approved")
    lease = Lease.objects.create(reference=f"L-{tag}", lessee=lessee, spv=spv, gpu_count=8, currency="USD",
                                 price_per_gpu_hour=Decimal("2.5"), start_date=date(2026, 1, 1),
                                 end_date=date(2027, 12, 31), state="active")
    Invoice.objects.bulk_create(
        Invoice(number=f"INV-{tag}-{i:05d}", lease=lease, period_start=date(2020, 1, 1) + timedelta(days=i),
                period_end=date(2020, 1, 1) + timedelta(days=i), currency="USD", state="issued",
                total=Decimal(rng.randint(100_000, 99_999_999)) / 100, issue_date=date(2026, 2, 1),
                due_date=date(2026, 3, 3))
        for i in range(n))
    statement = BankStatement.objects.create(account=f"SG-{tag}", statement_id=f"S-{tag}", format="csv",
                                             currency="USD", sha256=hashlib.sha256(tag.encode()).hexdigest(),
                                             entries_total=n, entries_new=n, entries_already_stored=0)
    BankEntry.objects.bulk_create(
        BankEntry(statement=statement, account=f"SG-{tag}", entry_key=f"K-{i}", position=i + 1,
                  booking_date=date(2026, 2, 1) + timedelta(days=i % 60), direction="CRDT",
                  amount=Decimal(rng.randint(100, 9_999_999)) / 100, currency="USD",
                  counterparty_name=f"Remitter {i}")
        for i in range(n))
