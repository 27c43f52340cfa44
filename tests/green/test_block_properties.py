"""Any sequence of splits, sales and retirements conserves the quantity and never creates an overlap."""

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core import roles
from core.errors import Refused
from green.models import CertificateBlock
from green.services import blocks
from tests.factories import make_spv, make_user
from tests.green.builders import make_block

OPS = st.lists(st.tuples(st.sampled_from(["split", "sell", "retire", "reserve", "release"]),
                         st.integers(0, 50), st.integers(1, 1000), st.integers(0, 1000)), max_size=12)


_project = {"n": 9000}


def _live_pieces(root):
    return list(CertificateBlock.objects.filter(registry=root.registry, series=root.series)
                .exclude(state="split").order_by("first_serial"))


@pytest.mark.django_db
@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=OPS)
def test_any_sequence_conserves_quantity_and_never_overlaps(steps):
    ops = make_user(roles.ISSUER_OPERATIONS)
    _project["n"] += 1  # examples share one database transaction: each takes its own series
    root = make_block(actor=ops, code="GS", spv=make_spv(actor=ops),
                      serial=f"GS1-1-IN-GS{_project['n']}-12-2016-5432-1-1000")
    for action, pick, quantity, offset in steps:
        movable = [b for b in _live_pieces(root) if b.state in CertificateBlock.MOVABLE]
        if not movable:
            break
        block = movable[pick % len(movable)]
        try:
            if action == "split":
                blocks.block_split(block=block, at=block.first_serial + 1 + offset % max(block.quantity, 1),
                                   actor=ops)
            elif action == "sell":
                blocks.block_sell(
                    block=block,
                    actor=ops,
                    quantity=quantity,
                    first=block.first_serial + offset,
                    buyer=block.reserved_for or "Buyer",
                    price=Decimal("1.00"),
                    currency="USD",
                    sold_on=date(2026, 4, 1),
                )
            elif action == "retire":
                blocks.block_retire(
                    block=block,
                    actor=ops,
                    quantity=quantity,
                    first=block.first_serial + offset,
                    beneficiary="B",
                    purpose="P",
                    period_start=date(2026, 1, 1),
                    period_end=date(2026, 3, 31),
                )
            elif action == "reserve":
                blocks.block_reserve(block=block, buyer="Buyer", actor=ops)
            else:
                blocks.block_release(block=block, actor=ops)
        except Refused:
            pass  # a refusal changes nothing; the invariants below still hold
        pieces = _live_pieces(root)
        assert sum(p.quantity for p in pieces) == 1000
        assert pieces[0].first_serial == 1 and pieces[-1].last_serial == 1000
        assert all(a.last_serial + 1 == b.first_serial for a, b in zip(pieces, pieces[1:], strict=False))
