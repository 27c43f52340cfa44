"""Seed the API latency benchmark: 200 deals x 3 tranches x 2,000 subscriptions (400,000).

Run on a migrated database (bench/api_latency.sh does):

    DJANGO_SETTINGS_MODULE=bench.settings python -m bench.api_seed

Prints the API token of an issuer-operations user on stdout; progress goes to stderr.
Subscriptions are loaded with COPY, everything else with bulk_create.
"""

import os
import random
import sys
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import django
from stdnum.iso7064 import mod_97_10

SEED = 20261122
DEALS = 200
TRANCHES = (("Class A (senior)", Decimal("150000000")), ("Class B (mezzanine)", Decimal("100000000")),
            ("Class C (junior)", Decimal("50000000")))
SUBSCRIPTIONS_PER_DEAL = 2000  # investor i subscribes once to one tranche of every deal
DENOMINATION = Decimal("100000")
START = datetime(2026, 1, 1, tzinfo=UTC)

# Which subscription states each deal state may hold.
SUBSCRIPTION_STATES = {
    "open": ["requested", "accepted", "accepted", "rejected", "cancelled"],
    "closed": ["allocated", "funded", "rejected"],
    "issued": ["settled", "settled", "rejected"],
    "servicing": ["settled", "settled", "rejected"],
    "cancelled": ["cancelled"],
}


def lei(n: int) -> str:
    body = f"7890{n:014d}"
    return body + mod_97_10.calc_check_digits(body)


def subscription_rows(rng: random.Random, deals, tranches_by_deal, investor_ids):
    """COPY rows: investor, tranche, requested, allocated, funded, state, created, updated."""
    n = 0
    for deal in deals:
        for investor_id in investor_ids:
            state = rng.choice(SUBSCRIPTION_STATES[deal.state])
            requested = DENOMINATION * rng.randint(1, 50)
            allocated = requested if state in ("allocated", "funded", "settled") else Decimal("0")
            funded = allocated if state in ("funded", "settled") else Decimal("0")
            at = START + timedelta(seconds=n)
            n += 1
            yield (investor_id, rng.choice(tranches_by_deal[deal.pk]).pk, requested, allocated, funded,
                   state, at, at)


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    django.setup()
    from django.contrib.auth.models import Group, User
    from django.db import connection, transaction

    from compliance.models import Investor
    from core import roles
    from core.accounts.tokens import api_token_issue
    from issuance.models import SPV, Deal, Subscription, Tranche

    rng = random.Random(SEED)
    started = time.perf_counter()
    with transaction.atomic():
        ops = User.objects.create_user("bench-api-ops", is_staff=True)
        ops.groups.add(Group.objects.get(name=roles.ISSUER_OPERATIONS))
        officer = User.objects.create_user("bench-api-officer", is_staff=True)
        officer.groups.add(Group.objects.get(name=roles.COMPLIANCE_OFFICER))
        # Staff tokens are made with a second factor; the bench stands in for the code.
        _, token_key = api_token_issue(actor=ops, name="bench", two_factor=True)

        spvs = SPV.objects.bulk_create(
            SPV(legal_name=f"Bench API SPV {i:03d} Ltd", jurisdiction="SG", registration_number=f"BAPI{i}",
                lei=lei(i), trustee="Bench Trustee Ltd", administrator="Bench Admin Ltd",
                base_currency="USD", state=SPV.State.ACTIVE)
            for i in range(DEALS)
        )
        deals = Deal.objects.bulk_create(
            Deal(spv=spv, name=f"Bench API deal {i:03d}", asset_class=rng.choice(Deal.AssetClass.values),
                 currency="USD", target_size=sum(size for _, size in TRANCHES),
                 closing_date=date(2026, 1, 1) + timedelta(days=i), payment_frequency="quarterly",
                 legal_final_maturity=date(2033, 1, 1) + timedelta(days=i),
                 state=rng.choice(list(SUBSCRIPTION_STATES)), submitted_by=ops, approved_by=officer)
            for i, spv in enumerate(spvs)
        )
        tranches = Tranche.objects.bulk_create(
            Tranche(deal=deal, class_name=name, seniority=rank, original_principal=size,
                    current_principal=size, coupon_rate=Decimal("0.04") + Decimal("0.015") * rank,
                    day_count="30/360", payment_frequency="quarterly", minimum_denomination=DENOMINATION,
                    token_symbol=f"BAPI{i:03d}{rank}")
            for i, deal in enumerate(deals)
            for rank, (name, size) in enumerate(TRANCHES, start=1)
        )
        tranches_by_deal = {}
        for tranche in tranches:
            tranches_by_deal.setdefault(tranche.deal_id, []).append(tranche)
        investors = Investor.objects.bulk_create(
            (Investor(kind="entity", legal_name=f"Bench API investor {i:04d} Ltd",
                      email=f"api{i}@example.test", country_of_residence="SG")
             for i in range(SUBSCRIPTIONS_PER_DEAL)),
            batch_size=2000,
        )
        columns = ("investor_id", "tranche_id", "requested_amount", "allocated_amount", "funded_amount",
                   "state", "created_at", "updated_at")
        with connection.cursor() as cursor:
            with cursor.copy(f"COPY {Subscription._meta.db_table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in subscription_rows(rng, deals, tranches_by_deal, [i.pk for i in investors]):
                    copy.write_row(row)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    count = Subscription.objects.filter(tranche__deal__in=deals).count()
    print(f"    seeded {len(deals)} deals, {len(tranches)} tranches, {count} subscriptions "
          f"in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    print(token_key)


if __name__ == "__main__":
    main()
