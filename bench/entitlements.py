"""Entitlements of one distribution to 100,000 holders of one tranche: the pure split and its
bulk insert, timed; the split must add up exactly and equal core.money.allocate on the same input.

Run on a freshly migrated database (bench/run.sh provides one):

    DJANGO_SETTINGS_MODULE=bench.settings DATABASE_URL=postgres://... python -m bench.entitlements
"""

import os
import random
import sys
import time
from datetime import date, timedelta
from decimal import Decimal

import django

SEED = 20261201
HOLDERS = 100_000
AMOUNT = Decimal("10000000.01")  # USD, paid in a 6-decimal stablecoin
REPEATS = 5
TARGET_SECONDS = 2.0


def log(message: str) -> None:
    print(f"    {message}", file=sys.stderr, flush=True)


def fail(message: str) -> None:
    sys.exit(f"entitlements benchmark FAILED: {message}")


def balances() -> dict[str, int]:
    rng = random.Random(SEED)
    found: dict[str, int] = {}
    while len(found) < HOLDERS:
        found[f"0x{rng.getrandbits(160):040x}"] = rng.randint(1, 10**12)  # up to 1,000,000 tokens
    return found


def distribution():
    """A distribution row to hang the entitlements on (a deal, an approved period)."""

    from core import roles
    from servicing.models import CollectionPeriod, Distribution
    from tests.factories import make_deal, make_user

    ops = make_user(roles.ISSUER_OPERATIONS, "bench-entitlements-ops")
    deal = make_deal(actor=ops, size="100000000", tranches=("100000000",), denomination="1")
    record = date(2026, 12, 31)
    period = CollectionPeriod.objects.create(
        deal=deal,
        number=1,
        start=record - timedelta(days=90),
        end=record - timedelta(days=2),
        determination_date=record - timedelta(1),
        record_date=record,
        payment_date=record,
    )
    # Set to approved directly: the bench measures the entitlements, not the approval.
    CollectionPeriod.objects.filter(pk=period.pk).update(state=CollectionPeriod.State.APPROVED)
    return Distribution.objects.create(
        period=period, tranche=deal.tranches.get(), currency="USD", interest=AMOUNT, amount=AMOUNT
    )


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    django.setup()
    from django.db import transaction

    from chain.services import to_base_units
    from core.money import allocate
    from servicing.entitlements import entitlements
    from servicing.models import Entitlement
    from servicing.services.distributions import insert_entitlements

    held = balances()
    units = to_base_units(AMOUNT, 6)
    timings = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        shares = entitlements(units, held)
        timings.append(time.perf_counter() - started)
    if sum(shares.values()) != units:
        fail(f"the entitlements add up to {sum(shares.values())}, not {units}")
    ordered = sorted(held)
    if [shares[w] for w in ordered] != allocate(units, [held[w] for w in ordered], unit=1):
        fail("the entitlements differ from core.money.allocate on the same holders in address order")

    target = distribution()
    started = time.perf_counter()
    with transaction.atomic():
        shares = entitlements(units, held)
        rows = [(w, None, held[w], a, None) for w, a in sorted(shares.items())]
        inserting = time.perf_counter()
        insert_entitlements(distribution=target, rows=rows)
    insert_seconds = time.perf_counter() - inserting
    total_seconds = time.perf_counter() - started
    stored = Entitlement.objects.filter(distribution=target)
    if stored.count() != HOLDERS or sum(int(a) for a in stored.values_list("amount", flat=True)) != units:
        fail("the stored entitlements are not the split")
    print(f"entitlements_split_{HOLDERS}_holders_seconds {min(timings):.3f}")
    print(f"entitlements_insert_{HOLDERS}_holders_seconds {insert_seconds:.3f}")
    print(f"entitlements_split_and_insert_{HOLDERS}_holders_seconds {total_seconds:.3f}")
    print(f"entitlements_exact_sum_base_units {units}")
    if total_seconds > TARGET_SECONDS:
        log(f"split and insert took {total_seconds:.2f} s: above the {TARGET_SECONDS:.0f} s target")


if __name__ == "__main__":
    main()
