"""Close the book of one tranche with 10,000 accepted subscriptions, and time it.

Run on a freshly migrated database (bench/run.sh provides one):

    DJANGO_SETTINGS_MODULE=bench.settings DATABASE_URL=postgres://... python -m bench.allocation

Figures go to stdout, one per line; progress goes to stderr. Exits non-zero when the
saved allocation is wrong.
"""

import os
import random
import sys
import time
from collections import Counter
from decimal import Decimal

import django

SEED = 20261122
SUBSCRIPTIONS = 10_000
TRANCHE_SIZE = Decimal("100000000")
DENOMINATION = Decimal("100000")
MAX_LOTS = 20  # requests of 1..20 lots: about 100x the 1,000 lots on offer
ENGINE_REPEATS = 5
TARGET_SECONDS = 2.0


def log(message: str) -> None:
    print(f"    {message}", file=sys.stderr, flush=True)


def fail(message: str) -> None:
    sys.exit(f"allocation benchmark FAILED: {message}")


def build_book():
    """An open deal with one tranche and SUBSCRIPTIONS accepted requests (bulk inserted)."""
    from compliance.models import Investor
    from core import roles
    from issuance.models import Deal, Subscription
    from tests.factories import make_deal, make_user, to_state

    rng = random.Random(SEED)
    ops = make_user(roles.ISSUER_OPERATIONS, "bench-alloc-ops")
    officer = make_user(roles.COMPLIANCE_OFFICER, "bench-alloc-officer")
    deal = make_deal(actor=ops, size=str(TRANCHE_SIZE), tranches=(str(TRANCHE_SIZE),),
                     denomination=str(DENOMINATION))
    deal = to_state(deal, Deal.State.OPEN, maker=ops, checker=officer)
    tranche = deal.tranches.get()
    investors = Investor.objects.bulk_create(
        [
            Investor(kind="entity", legal_name=f"Bench allocation investor {i:05d} Ltd",
                     email=f"alloc{i}@example.test", country_of_residence="SG")
            for i in range(SUBSCRIPTIONS)
        ],
        batch_size=2000,
    )
    Subscription.objects.bulk_create(
        [
            Subscription(investor=investor, tranche=tranche, state=Subscription.State.ACCEPTED,
                         requested_amount=DENOMINATION * rng.randint(1, MAX_LOTS))
            for investor in investors
        ],
        batch_size=2000,
    )
    return ops, deal, tranche


def check_book(tranche, expected_lots: list[int]) -> Counter:
    """The saved book is the engine's answer, adds up to the tranche and stays within requests."""
    from django.contrib.contenttypes.models import ContentType

    from core.models import AuditEvent
    from issuance.models import Subscription

    rows = list(
        Subscription.objects.filter(tranche=tranche).order_by("created_at", "id")
        .values_list("id", "requested_amount", "allocated_amount", "state")
    )
    total = sum(allocated for _, _, allocated, _ in rows)
    if total != tranche.original_principal:
        fail(f"allocations add up to {total}, not the tranche size {tranche.original_principal}")
    if any(allocated > requested for _, requested, allocated, _ in rows):
        fail("an allocation is above its request")
    if [allocated / DENOMINATION for _, _, allocated, _ in rows] != expected_lots:
        fail("the saved allocations differ from allocate_lots on the same book")
    states = Counter(state for *_, state in rows)
    expected_states = Counter(
        Subscription.State.ALLOCATED if lots else Subscription.State.REJECTED for lots in expected_lots
    )
    if states != expected_states:
        fail(f"subscription states {dict(states)}, expected {dict(expected_states)}")
    audited = AuditEvent.objects.filter(
        content_type=ContentType.objects.get_for_model(Subscription),
        object_id__in=[pk for pk, *_ in rows], name__in=["allocate", "reject"],
    ).count()
    if audited != len(rows):
        fail(f"{audited} audit events for {len(rows)} subscriptions")
    return states


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    django.setup()
    from issuance import services
    from issuance.allocation import allocate_lots

    started = time.perf_counter()
    ops, deal, tranche = build_book()
    log(f"built the book in {time.perf_counter() - started:.1f} s")

    # The pure engine on the same book, in the order the service reads it.
    requests = [int(amount / DENOMINATION) for amount in
                tranche.subscriptions.order_by("created_at", "id").values_list("requested_amount", flat=True)]
    offered = int(TRANCHE_SIZE / DENOMINATION)
    timings = []
    for _ in range(ENGINE_REPEATS):
        started = time.perf_counter()
        expected_lots = allocate_lots(offered, requests)
        timings.append(time.perf_counter() - started)

    started = time.perf_counter()
    services.deal_transition(deal=deal, name="close_book", actor=ops)
    close_book_seconds = time.perf_counter() - started

    states = check_book(tranche, expected_lots)
    print(f"allocate_and_save_{SUBSCRIPTIONS}_subscriptions_seconds {close_book_seconds:.3f}")
    print(f"allocate_lots_{SUBSCRIPTIONS}_requests_seconds {min(timings):.4f}")
    print(f"allocation_oversubscription_ratio {sum(requests) / offered:.2f}")
    print(f"allocation_subscriptions_allocated {states['allocated']}")
    print(f"allocation_subscriptions_rejected {states['rejected']}")
    if close_book_seconds > TARGET_SECONDS:
        log(f"close_book took {close_book_seconds:.2f} s: above the {TARGET_SECONDS:.0f} s target")


if __name__ == "__main__":
    main()
