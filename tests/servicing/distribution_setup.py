"""A deal issued on anvil for the distribution tests: two tranches minted to verified wallets, the
senior one spread over three holders, a stablecoin treasury, and an approved collection period
whose record date has ended in the final blocks. Import the fixtures into a test module."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from chain import abi, services
from chain.indexer import Indexer
from chain.models import Contract
from issuance import services as issuance
from issuance.models import Subscription
from servicing.models import CollectionPeriod
from tests.chain.conftest import DEV, FAR_FUTURE, Deployed, mine, send_as
from tests.chain.test_wiring import verified_wallet
from tests.factories import approve_kyc, make_investor, pledge_collateral

TREASURY, ALICE, BOB, CAROL, DAVE = DEV[0], DEV[1], DEV[2], DEV[3], DEV[4]
TOKENS = 10**6  # tranche tokens have 6 decimals
USD = 10**6  # so has the stablecoin


def approved_period(deal, record_date: date, number: int = 1) -> CollectionPeriod:
    """A collection period set to approved directly, without a waterfall run (the approval service,
    tested in test_determination.py, creates the distributions itself; these tests create them with
    the payments they choose)."""
    period = CollectionPeriod.objects.create(
        deal=deal,
        number=number,
        start=record_date - timedelta(days=90),
        end=record_date - timedelta(days=2),
        determination_date=record_date - timedelta(days=1),
        record_date=record_date,
        payment_date=record_date + timedelta(days=5),
    )
    CollectionPeriod.objects.filter(pk=period.pk).update(state=CollectionPeriod.State.APPROVED)
    return CollectionPeriod.objects.get(pk=period.pk)


def end_record_date(rpc, settings) -> date:
    """The record date is the day of the latest block; a block at the next midnight (UTC) ends it,
    and the confirmations make the last block of the day final in the index."""
    latest = rpc.get_block("latest")
    record_date = datetime.fromtimestamp(int(latest["timestamp"], 16), tz=UTC).date()
    midnight = int(
        datetime.combine(record_date + timedelta(days=1), datetime.min.time(), tzinfo=UTC).timestamp()
    )
    rpc.call("evm_setNextBlockTimestamp", hex(midnight))
    mine(rpc, settings.CHAIN_CONFIRMATIONS + 1)
    Indexer(rpc=rpc).run()
    return record_date


class Servicing:
    """What the tests need by name."""

    def __init__(self, **kw):
        self.__dict__.update(kw)

    def coin_balance(self, who: str) -> int:
        return services.call("MockStablecoin", self.coin.address, "balanceOf", who, rpc=self.rpc)

    def token_balance(self, tranche, who: str) -> int:
        token = Contract.objects.get(tranche=tranche)
        return services.call("TrancheToken", token.address, "balanceOf", who, rpc=self.rpc)

    def index(self):
        mine(self.rpc, self.settings.CHAIN_CONFIRMATIONS)
        Indexer(rpc=self.rpc).run()


@pytest.fixture
def issued(db, rpc, settings, ops, officer, closed_deal, investor, other_investor, published):
    """The closed deal issued and minted: senior 7,000,000 to the investor's wallet ALICE, who then
    sends 2,000,000 to CAROL (a third, KYC-approved investor) and 1,000,000 to DAVE (a wallet no
    investor verified with us); junior 3,000,000 to the other investor's BOB."""
    for sub in Subscription.objects.filter(tranche__deal=closed_deal):
        issuance.subscription_record_funding(subscription=sub, actor=ops, amount=sub.allocated_amount,
                                                  reference=f"TEST-{sub.pk}")
    if not closed_deal.devices.exists():
        pledge_collateral(actor=ops, deal=closed_deal)
    deal = issuance.deal_transition(deal=closed_deal, name="issue", actor=ops)
    third = make_investor(actor=ops, name="Third Investor Ltd")
    for who, wallet in ((investor, ALICE), (other_investor, BOB), (third, CAROL)):
        approve_kyc(who)
        verified_wallet(who, wallet.address)
    registry = services.deploy_registry(spv=deal.spv, rpc=rpc)
    senior, junior = deal.tranches.order_by("seniority")
    tokens = [services.deploy_tranche_token(tranche=t, registry=registry, rpc=rpc) for t in (senior, junior)]
    coin, payout = services.deploy_stablecoin_and_payout(rpc=rpc)
    services.mint_deal_allocations(
        deal=deal, rpc=rpc, wallets={investor.pk: ALICE.address, other_investor.pk: BOB.address}
    )
    helper = Deployed.__new__(Deployed)
    helper.rpc, helper.registry, helper.token, helper.coin, helper.payout = (
        rpc,
        registry,
        tokens[0],
        coin,
        payout,
    )
    helper.register(CAROL, third.pk, valid_until=FAR_FUTURE)
    helper.register(DAVE, 999_999, valid_until=FAR_FUTURE)


    send_as(
        rpc,
        ALICE,
        tokens[0].address,
        abi.encode_call("TrancheToken", "transfer", CAROL.address, 2_000_000 * TOKENS),
    )
    send_as(
        rpc,
        ALICE,
        tokens[0].address,
        abi.encode_call("TrancheToken", "transfer", DAVE.address, 1_000_000 * TOKENS),
    )
    mine(rpc, settings.CHAIN_CONFIRMATIONS)
    Indexer(rpc=rpc).run()
    return Servicing(
        rpc=rpc,
        settings=settings,
        deal=deal,
        senior=senior,
        junior=junior,
        tokens=tokens,
        coin=coin,
        payout=payout,
        registry=registry,
        helper=helper,
        investor=investor,
        other_investor=other_investor,
        third=third,
        published=published,
    )


# Senior: 87,500.01 interest + 700,000.00 principal over 4/7, 2/7, 1/7; junior: 45,000.00 interest
# and its whole 3,000,000.00 principal (its final payment) to BOB.
SENIOR = {"interest": Decimal("87500.01"), "principal": Decimal("700000.00")}
JUNIOR = {"interest": Decimal("45000.00"), "principal": Decimal("3000000.00")}
SENIOR_UNITS = 787_500_010_000
JUNIOR_UNITS = 3_045_000 * USD


@pytest.fixture
def period(issued):
    record_date = end_record_date(issued.rpc, issued.settings)
    return approved_period(issued.deal, record_date)


def fund_treasury(issued, amount: int) -> None:
    issued.helper.agent("MockStablecoin", issued.coin.address, "mint", TREASURY.address, amount)
