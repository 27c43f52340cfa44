"""The distribution id, computed once in Python (and the same way on chain): the worked example of
docs/chain.md, figure for figure."""

from datetime import date

import pytest

from chain.payouts import distribution_id, record_date_number, snapshot_hash_bytes
from chain.snapshots import content_hash
from core.errors import InvalidInput

TOKEN = "0xCf7Ed3AccA5a467e9e704C703E8D87F634fB0Fc9"
BALANCES = {
    "0x70997970c51812dc3a010c7d01b50e0d17dc79c8": 1_000_000_000,
    "0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc": 2_000_000_000,
    "0x90f79bf6eb2c4f870365e785982e1f101e93b906": 3_000_000_000,
}


def test_the_documented_example():
    snapshot = content_hash(
        chain_id=31337, token=TOKEN, block_number=120, block_hash="0x" + "ab" * 32,
        total_supply=6_000_000_000, balances=BALANCES,
    )
    assert snapshot == "f44184c9f85b82478bca99f1032c8f15846df1a384737618aee518d294b11c12"
    assert record_date_number(date(2026, 12, 31)) == 20261231
    dist = distribution_id(token=TOKEN, record_date=date(2026, 12, 31), snapshot_hash=snapshot)
    assert dist.hex() == "12e9ef514be5edff9daca915873931c657ee30bc9ad5dd84fd46e908db00ef55"
    # The same inputs in another spelling are the same distribution; any other input is another.
    day = date(2026, 12, 31)
    assert distribution_id(token=TOKEN.lower(), record_date=day, snapshot_hash="0x" + snapshot) == dist
    assert distribution_id(token=TOKEN, record_date=date(2027, 3, 31), snapshot_hash=snapshot) != dist


@pytest.mark.parametrize("bad", ["", "0x12", "zz" * 32, "ab" * 33, b"\x01" * 31])
def test_a_snapshot_hash_must_be_32_bytes(bad):
    with pytest.raises(InvalidInput, match="is not a 32-byte snapshot hash") as refused:
        snapshot_hash_bytes(bad)
    assert refused.value.field == "snapshot_hash"
