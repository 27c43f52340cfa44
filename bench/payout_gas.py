"""A distribution paid on anvil through the servicing services: gas per holder of a payBatch,
holders per batch (what SERVICING_PAYOUT_BATCH_GAS allows, at most 200) and the treasury's
funding transfer per batch.

Run with anvil (bench/run.sh starts one and exports CHAIN_RPC_URL and the signer key):

    DJANGO_SETTINGS_MODULE=bench.settings python -m bench.payout_gas

The holders are 400 wallets with 10,000 tokens each (settled allocations in the register); the
compliance questions are answered "pay them all" (the benchmark measures gas, not compliance).
"""

import os
import sys
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import django

SEED = 20261201
HOLDERS = 400
TOKENS_EACH = 10_000
AMOUNT = Decimal("100000.00")  # USD interest, paid in the 6-decimal stablecoin


def log(message: str) -> None:
    print(f"    {message}", file=sys.stderr, flush=True)


def fail(message: str) -> None:
    sys.exit(f"payout benchmark FAILED: {message}")


def main() -> None:  # noqa: PLR0915 - one scenario, read top to bottom
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    django.setup()
    from django.conf import settings
    from django.db import transaction
    from eth_utils import keccak, to_checksum_address

    from chain import abi, services
    from chain.indexer import Indexer
    from chain.models import ChainTransaction
    from chain.rpc import get_rpc
    from chain.signer import signer_address
    from chain.txmanager import send, wait_mined
    from compliance.models import Investor
    from core import roles
    from core.transitions import bulk_transition
    from issuance.models import Subscription
    from servicing.models import CollectionPeriod
    from servicing.services import distributions as svc
    from servicing.services import payouts
    from tests.factories import make_deal, make_user

    rpc = get_rpc()
    ops, ops2 = (
        make_user(roles.ISSUER_OPERATIONS, "bench-payout-ops"),
        make_user(roles.ISSUER_OPERATIONS, "bench-payout-ops2"),
    )
    deal = make_deal(
        actor=ops, size=str(HOLDERS * TOKENS_EACH), tranches=(str(HOLDERS * TOKENS_EACH),), denomination="1"
    )
    tranche = deal.tranches.get()
    investors = Investor.objects.bulk_create(
        [
            Investor(
                kind="entity",
                legal_name=f"Bench payout holder {i:04d} Ltd",
                email=f"payout{i}@example.test",
                country_of_residence="SG",
            )
            for i in range(HOLDERS)
        ]
    )
    Subscription.objects.bulk_create(
        [
            Subscription(
                investor=inv,
                tranche=tranche,
                state=Subscription.State.SETTLED,
                requested_amount=TOKENS_EACH,
                allocated_amount=TOKENS_EACH,
            )
            for inv in investors
        ]
    )
    registry = services.deploy_registry(spv=deal.spv)
    token = services.deploy_tranche_token(tranche=tranche, registry=registry)
    coin, payout = services.deploy_stablecoin_and_payout()
    wallets = [to_checksum_address(keccak(text=f"{SEED}:holder:{i}")[12:]) for i in range(HOLDERS)]
    for start in range(0, HOLDERS, 100):
        chunk = wallets[start : start + 100]
        ids = [inv.pk.to_bytes(32, "big") for inv in investors[start : start + 100]]
        for function, args in (
            (
                "batchRegisterIdentity",
                (registry, chunk, ids, [702] * len(chunk), [4_102_444_800] * len(chunk)),
            ),
            ("batchMint", (token, chunk, [TOKENS_EACH * 10**6] * len(chunk))),
        ):
            contract = args[0]
            wait_mined(
                send(
                    key=f"bench:payout:{function}:{start}",
                    purpose=function,
                    to=contract.address,
                    data=abi.encode_call(contract.kind, function, *args[1:]),
                ),
                rpc=rpc,
            )
    latest = rpc.get_block("latest")
    record_date = datetime.fromtimestamp(int(latest["timestamp"], 16), tz=UTC).date()
    midnight = datetime.combine(record_date + timedelta(days=1), datetime.min.time(), tzinfo=UTC)
    rpc.call("evm_setNextBlockTimestamp", hex(int(midnight.timestamp())))
    rpc.call("anvil_mine", hex(settings.CHAIN_CONFIRMATIONS + 1))
    Indexer(rpc=rpc).run()

    period = CollectionPeriod.objects.create(
        deal=deal,
        number=1,
        start=record_date - timedelta(days=90),
        end=record_date - timedelta(days=2),
        determination_date=record_date - timedelta(days=1),
        record_date=record_date,
        payment_date=record_date,
    )
    with transaction.atomic():
        for name in ("start_collecting", "determine", "approve"):
            bulk_transition(CollectionPeriod, name, actor=None, ids=[period.pk])
    [distribution] = svc.distributions_create(
        period=period, payments={tranche: {"interest": AMOUNT}}, actor=ops
    )
    svc.distribution_snapshot(distribution=distribution)
    svc.escrow_reasons = lambda **_: {}  # everyone eligible: this measures gas
    svc.distribution_entitle(distribution=distribution)
    svc.distribution_approve(distribution=distribution, actor=ops2)
    svc.distribution_pay(distribution=distribution, actor=ops)
    units = int(AMOUNT * 10**6)
    wait_mined(
        send(
            key="bench:payout:treasury",
            purpose="mint",
            to=coin.address,
            data=abi.encode_call("MockStablecoin", "mint", signer_address(), units),
        ),
        rpc=rpc,
    )
    batches = payouts.payout_submit(distribution=distribution)

    pays = [b.transaction for b in batches]
    funds = list(ChainTransaction.objects.filter(purpose="fund payout").order_by("nonce"))
    balances = [services.call("MockStablecoin", coin.address, "balanceOf", w) for w in wallets]
    if sum(balances) != units or len(set(balances)) != 1:
        fail(f"the holders received {sum(balances)} base units in all, not {units} evenly")
    if any(tx.gas_used is None for tx in pays):
        fail("a batch was not mined")
    size = payouts.default_batch_size()
    print(f"payout_holders {HOLDERS}")
    print(f"payout_batch_gas_budget {settings.SERVICING_PAYOUT_BATCH_GAS}")
    print(f"payout_holders_per_batch {size}")
    print(f"payout_batches {len(pays)}")
    for batch, tx in zip(batches, pays, strict=True):
        print(
            f"payout_batch_{batch.number}_gas {tx.gas_used} ({batch.recipients} holders, "
            f"{tx.gas_used // batch.recipients} per holder)"
        )
    print(f"payout_fund_transfer_gas {funds[0].gas_used if funds else 0}")
    total = sum(tx.gas_used for tx in pays) + sum(tx.gas_used for tx in funds)
    print(f"payout_total_gas_per_holder_with_funding {total // HOLDERS}")
    largest = max(pays, key=lambda tx: tx.gas_used)
    print(f"payout_largest_batch_gas_vs_budget {largest.gas_used} / {settings.SERVICING_PAYOUT_BATCH_GAS}")


if __name__ == "__main__":
    main()
