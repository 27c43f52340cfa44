"""Two people retire the same block at the same moment on PostgreSQL: exactly one wins."""

import threading
from datetime import date

import pytest
from django.db import connection

from core import roles
from core.errors import Refused
from green.models import CertificateBlock, Retirement
from green.services import blocks
from tests.factories import make_user
from tests.green.builders import make_block


@pytest.mark.django_db(transaction=True)
def test_exactly_one_of_two_simultaneous_retirements_wins():
    assert connection.vendor == "postgresql"
    people = [make_user(roles.ISSUER_OPERATIONS) for _ in range(2)]
    block = make_block(actor=people[0], code="GS")
    start = threading.Barrier(2)
    outcomes: list[str] = []

    def retire(actor, quantity):
        try:
            start.wait()
            blocks.block_retire(
                block=block,
                actor=actor,
                quantity=quantity,
                beneficiary=actor.username,
                purpose="Scope 2 claim",
                period_start=date(2026, 1, 1),
                period_end=date(2026, 12, 31),
            )
            outcomes.append("retired")
        except Refused as exc:
            outcomes.append(exc.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=retire, args=(p, q)) for p, q in zip(people, (1000, 600), strict=True)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    # The loser finds the block retired (whole) or split (part): refused either way.
    assert sorted(outcomes) in (["refused", "retired"], ["retired", "transition_not_allowed"])
    assert Retirement.objects.count() == 1
    retired = CertificateBlock.objects.filter(state="retired").values_list("quantity", flat=True)
    assert sum(retired) == Retirement.objects.get().block.quantity
    assert sum(CertificateBlock.objects.exclude(state="split").values_list("quantity", flat=True)) == 1000
