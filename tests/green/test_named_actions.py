"""Each action on a block or an issuance request is its own service; ``*_transition(name)`` only
looks the name up in a table, for the API and the admin."""

import pytest

from core.errors import Refused
from core.transitions import transition_names
from green.models import CertificateBlock, IssuanceRequest
from green.services import blocks, generation
from tests.green.builders import make_block

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("model", "table"), [(CertificateBlock, blocks.BLOCK_ACTIONS),
                                              (IssuanceRequest, generation.ISSUANCE_REQUEST_ACTIONS)])
def test_every_transition_a_person_can_ask_for_has_a_named_service(model, table):
    assert sorted(table) == sorted(transition_names(model))
    assert all(callable(action) and action.__name__ != "<lambda>" for action in table.values())


def test_an_unknown_name_is_refused_listing_the_actions(ops):
    block = make_block(actor=ops)
    with pytest.raises(Refused, match="the actions are: reserve, pledge, release, split, transfer, retire"):
        blocks.block_transition(block=block, name="burn", actor=ops)
