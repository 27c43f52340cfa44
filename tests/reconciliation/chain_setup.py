"""A deal paid on anvil for the chain matching tests (tests/servicing/distribution_setup.py): both
distributions of an approved period paid, indexed and followed, so the period is distributed; and
helpers that plant breaks in the indexed Paid events."""

from chain.models import ChainEvent
from servicing.models import CollectionPeriod, Distribution
from servicing.services import payouts
from tests.servicing import distribution_setup as setup
from tests.servicing.distribution_setup import JUNIOR_UNITS, SENIOR_UNITS, fund_treasury
from tests.servicing.test_payout_end_to_end import distribute

issued, period = setup.issued, setup.period  # fixtures


def pay_period(issued, period, ops, ops2):
    """Pay both distributions (batches of one holder); returns (senior, junior, period), fresh."""
    fund_treasury(issued, SENIOR_UNITS + JUNIOR_UNITS)
    senior, junior = distribute(issued, period, ops, ops2)
    for d in (senior, junior):
        payouts.payout_submit(distribution=d, rpc=issued.rpc)
    issued.index()
    for d in (senior, junior):
        payouts.payouts_follow(distribution=d, rpc=issued.rpc)
    return (
        Distribution.objects.get(pk=senior.pk),
        Distribution.objects.get(pk=junior.pk),
        CollectionPeriod.objects.get(pk=period.pk),
    )


def paid_events(distribution) -> list[ChainEvent]:
    rows = ChainEvent.objects.filter(contract_id=distribution.payout_id, name="Paid").order_by("id")
    return [e for e in rows if e.args["distributionId"].lower() == distribution.distribution_id.lower()]


def plant_paid(distribution, *, like: ChainEvent, holder: str | None = None, amount: int | None = None):
    """Another final Paid event as the indexer would store it (a log of another transaction)."""
    n = ChainEvent.objects.count()
    args = {**like.args}
    if holder is not None:
        args["holder"] = holder
    if amount is not None:
        args["amount"] = amount
    return ChainEvent.objects.create(
        chain_id=like.chain_id,
        contract_id=like.contract_id,
        block_number=like.block_number,
        block_hash=like.block_hash,
        tx_hash="0x" + f"{n + 1:064x}",
        log_index=like.log_index,
        final=True,
        name="Paid",
        args=args,
    )
