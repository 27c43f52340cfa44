"""Each servicing action is its own service; the generic ``*_transition(name)`` only looks the name up
in its table (for the API and the admin)."""

import pytest

from core.errors import TransitionNotAllowed
from core.transitions import transition_names
from servicing.models import CollectionPeriod, FundsAdjustment, WaterfallAmendment
from servicing.services import descriptions, funds, periods

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("model", "table", "prefix"),
    [
        (CollectionPeriod, periods.PERIOD_ACTIONS, "period"),
        (FundsAdjustment, funds.FUNDS_ADJUSTMENT_ACTIONS, "funds_adjustment"),
        (WaterfallAmendment, descriptions.WATERFALL_AMENDMENT_ACTIONS, "waterfall_amendment"),
    ],
)
def test_every_transition_a_person_can_ask_for_has_a_named_service(model, table, prefix):
    assert sorted(table) == sorted(transition_names(model))
    for name, action in table.items():
        assert action.__name__ == f"{prefix}_{name}"


def test_an_unknown_action_is_refused_listing_the_actions(ops):
    with pytest.raises(TransitionNotAllowed) as caught:
        periods.period_transition(period=CollectionPeriod(), name="distribute", actor=ops)
    assert caught.value.message == (
        "'distribute' is not an action on collection periods; the actions are: determine, approve, close."
    )


@pytest.mark.parametrize(
    "model",
    [
        "servicingterms",
        "collectionperiod",
        "fundsadjustment",
        "waterfallrun",
        "waterfalldescription",
        "waterfallamendment",
    ],
)
def test_the_admin_lists_open_for_operations_and_the_trustee(ops, trustee, client, model):
    for user in (ops, trustee):
        client.force_login(user)
        assert client.get(f"/admin/servicing/{model}/").status_code == 200
