"""Service the demo deal GCABS 2026-1 (run by ``make demo`` after ``chain_demo``): its servicing
terms, waterfall and quarterly periods, whose available funds are the lease receipts
``load_demo_assets`` put on the collection account; period 1 determined, approved by a second
person and paid on the local chain to the holders of record before its payment date; period 2
determined and waiting for its approval.

Idempotent: each step runs only when its rows are not there yet, so a re-run finishes what an
interrupted one started. The local chain starts on 1 April 2026
(``scripts/demo.sh`` gives anvil that genesis time), so the tokens are minted before the record
dates; the command moves the chain's clock to the end of period 1's record date (anvil only) to
take the snapshot and pay, as the real chain's clock would have moved. The demo replays 2026 today,
so the transactions it follows are recorded as mined when their blocks were (the chain's time), as
they would have been had they been followed then: period 1 is paid before its payment date.
"""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.models import User
from django.core.management.base import BaseCommand

from chain import abi
from chain.indexer import Indexer
from chain.models import Contract
from chain.rpc import get_rpc
from chain.signer import signer_address
from chain.txmanager import send, wait_mined
from issuance.models import Deal
from servicing.models import CollectionPeriod, Distribution, ServicingTerms, WaterfallDescription
from servicing.services import distributions, payouts
from servicing.services.descriptions import waterfall_description_set
from servicing.services.periods import period_approve, period_determine, periods_generate, servicing_terms_set

DEAL = "GCABS 2026-1"
ACCOUNT = "SG12HELI0000000000000001"  # the SPV's collection account (load_demo_assets' statements)
POOL = Decimal("52000000.00")  # pool balance entered at each determination (demo figure)


def description(deal: Deal) -> dict:
    """Senior fees, interest A -> B -> C, a reserve at 1 % of the pool, principal sequential."""
    tranches = [{"name": t.class_name, "kind": "debt", "balance": str(t.original_principal),
                 "rate": str(t.coupon_rate), "day_count": t.day_count}
                for t in deal.tranches.order_by("seniority")]
    names = [t["name"] for t in tranches]
    return {
        "format": 1, "currency": deal.currency, "rounding": "half_even",
        "closing_date": deal.closing_date.isoformat(),
        "original_pool_balance": str(sum(t.original_principal for t in deal.tranches.all())),
        "tranches": tranches,
        "fees": [{"name": "trustee", "amount": "7500.00"},
                 {"name": "servicer", "rate": "0.005", "base": "pool", "day_count": "ACT/360"}],
        "accounts": [{"name": "reserve", "kind": "reserve",
                      "target": {"fraction": "0.01", "of": "current_pool"}, "floor": "100000.00"}],
        "steps": [
            {"kind": "pay_fee", "fees": ["trustee", "servicer"], "label": "Senior fees"},
            *({"kind": "pay_interest", "tranches": [name], "label": f"{name} interest"} for name in names),
            {"kind": "fund_reserve", "account": "reserve", "label": "Reserve top-up"},
            {"kind": "pay_principal", "tranches": names, "label": "Principal, sequential"},
        ],
    }


class Command(BaseCommand):
    help = "Service the demo deal: one period distributed and paid on the local chain, the next determined."

    def handle(self, *args, **options):
        deal = Deal.objects.filter(name=DEAL).first()
        if deal is None or settings.CHAIN_ID != 31337:
            self.stderr.write("load_demo_servicing needs the demo data and the local anvil chain.")
            return
        ops, ops2 = User.objects.get(username="ops"), User.objects.get(username="ops2")
        if not ServicingTerms.objects.filter(deal=deal).exists():
            servicing_terms_set(deal=deal, actor=ops, calendar_codes=["SG"], collection_account=ACCOUNT)
        if not WaterfallDescription.objects.filter(deal=deal).exists():
            waterfall_description_set(deal=deal, description=description(deal), actor=ops)
        periods_generate(deal=deal, actor=ops)
        first, second = CollectionPeriod.objects.filter(deal=deal).order_by("number")[:2]

        if first.state in (CollectionPeriod.State.OPEN, CollectionPeriod.State.COLLECTING):
            period_determine(period=first, actor=ops, pool_balance=POOL)
        if CollectionPeriod.objects.get(pk=first.pk).state == CollectionPeriod.State.DETERMINED:
            period_approve(period=first, actor=ops2)
        rpc = get_rpc()
        self._end_of_day(rpc, first.record_date)
        for distribution in Distribution.objects.filter(period=first).order_by("tranche__seniority"):
            self._pay(distribution, ops, ops2, rpc)
        first = CollectionPeriod.objects.get(pk=first.pk)
        self.stdout.write(f"{DEAL} period 1 ({first.start} to {first.end}): {first.get_state_display()}")

        if second.state in (CollectionPeriod.State.OPEN, CollectionPeriod.State.COLLECTING):
            period_determine(period=second, actor=ops, pool_balance=POOL)
        second = CollectionPeriod.objects.get(pk=second.pk)
        self.stdout.write(f"{DEAL} period 2 ({second.start} to {second.end}): {second.get_state_display()}, "
                          "waiting for a second person's approval")

    def _end_of_day(self, rpc, day: date) -> None:
        """Move the local chain's clock past ``day`` and make its last block final in the index."""
        midnight = int(datetime.combine(day + timedelta(days=1), datetime.min.time(), tzinfo=UTC).timestamp())
        latest = int(rpc.get_block("latest")["timestamp"], 16)
        if latest < midnight:
            rpc.call("evm_setNextBlockTimestamp", hex(midnight))
        for _ in range(settings.CHAIN_CONFIRMATIONS + 1):
            rpc.call("evm_mine")
        Indexer(rpc=rpc).run()

    def _pay(self, distribution: Distribution, ops, ops2, rpc) -> None:
        """Each step runs when the distribution is at it (the services do nothing past their step)."""
        State = Distribution.State
        distributions.distribution_snapshot(distribution=distribution, rpc=rpc)
        distributions.distribution_entitle(distribution=distribution, rpc=rpc)
        distribution = Distribution.objects.get(pk=distribution.pk)
        if distribution.state == State.ENTITLED:
            self._top_up_treasury(distribution, rpc)
            distributions.distribution_approve(distribution=distribution, actor=ops2)
        if Distribution.objects.get(pk=distribution.pk).state == State.APPROVED:
            distributions.distribution_pay(distribution=distribution, actor=ops)
        payouts.payout_submit(distribution=distribution, actor=ops, rpc=rpc)
        for _ in range(settings.CHAIN_CONFIRMATIONS + 1):
            rpc.call("evm_mine")
        Indexer(rpc=rpc).run()
        distribution = payouts.payouts_follow(distribution=distribution, rpc=rpc)
        self.stdout.write(f"  {distribution}: {distribution.get_state_display()}")

    def _top_up_treasury(self, distribution: Distribution, rpc) -> None:
        """The demo treasury (the signer) receives the distribution's stablecoin from the mock coin."""
        coin = Contract.objects.get(chain_id=settings.CHAIN_ID, kind=Contract.Kind.STABLECOIN)
        tx = send(key=f"demo:treasury-top-up:{distribution.pk}", purpose="demo treasury top-up",
                  to=coin.address, data=abi.encode_call("MockStablecoin", "mint", signer_address(),
                                       int(distribution.amount_base_units)),
                  rpc=rpc)
        wait_mined(tx, rpc=rpc)
