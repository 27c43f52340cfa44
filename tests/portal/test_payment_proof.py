"""End to end on PostgreSQL + anvil: a distribution paid on chain has its Merkle root of (holder,
amount paid) anchored by a real transaction; the investor downloads the proof of their own payment
from the portal and it verifies against the chain (Python and the contract's view); a tampered proof
fails; another holder's proof is a 404; anchoring again sends nothing."""

import json

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from chain.anchors import deploy_anchor, verify_payment_proof
from chain.merkle import payment_tree
from chain.models import Anchor, ChainTransaction
from chain.signer import signer_address
from core.errors import Refused
from core.models import OutboxMessage
from servicing.models import Distribution, Entitlement
from servicing.services import payouts
from servicing.services.anchors import distribution_anchor_root
from tests.chain import conftest as chain_fixtures
from tests.chain.conftest import requires_chain
from tests.servicing import distribution_setup as setup
from tests.servicing.distribution_setup import ALICE, CAROL, JUNIOR_UNITS, SENIOR_UNITS, fund_treasury
from tests.servicing.test_payout_end_to_end import distribute

pytestmark = requires_chain
rpc, issued, period = chain_fixtures.rpc, setup.issued, setup.period  # fixtures
ALICE_PAID, CAROL_PAID = 450_000_005_714, 225_000_002_857


@pytest.fixture
def paid(issued, period, ops, ops2):
    anchor = deploy_anchor(rpc=issued.rpc)
    fund_treasury(issued, SENIOR_UNITS + JUNIOR_UNITS)
    senior, junior = distribute(issued, period, ops, ops2)
    with pytest.raises(Refused, match="is 'paying'; only a paid one is anchored"):
        distribution_anchor_root(distribution=senior, rpc=issued.rpc)
    for d in (senior, junior):
        payouts.payout_submit(distribution=d, rpc=issued.rpc)
    issued.index()
    for d in (senior, junior):
        payouts.payouts_follow(distribution=d, rpc=issued.rpc)
    issued.anchor = anchor
    issued.senior_distribution = Distribution.objects.get(pk=senior.pk)
    return issued


def test_the_investor_proves_their_payment_against_the_root_anchored_on_chain(paid, client, investor_user,
                                                                               tmp_path):
    rpc, senior = paid.rpc, paid.senior_distribution
    assert senior.state == "paid"
    queued = OutboxMessage.objects.filter(task="servicing.tasks.anchor_distribution_root")
    assert sorted(m.kwargs["distribution_id"] for m in queued) == sorted(
        Distribution.objects.values_list("pk", flat=True))

    senior = distribution_anchor_root(distribution=senior, rpc=rpc)
    tree = payment_tree({ALICE.address: ALICE_PAID, CAROL.address: CAROL_PAID})  # DAVE's share is in escrow
    assert senior.merkle_root == "0x" + tree.root.hex()
    anchor = senior.root_anchor
    assert (anchor.contract_id, anchor.key, anchor.value, anchor.transaction.state) == (
        paid.anchor.pk, senior.distribution_id, senior.merkle_root, "mined")

    client.force_login(investor_user)
    own = Entitlement.objects.get(distribution=senior, wallet=ALICE.address.lower())
    response = client.get(reverse("portal:payment-proof", args=[own.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="payment-proof-{own.pk}.json"'
    proof = json.loads(response.content)
    keys = ("chain_id", "contract", "distribution_id", "holder", "amount", "leaf", "root",
            "anchor_transaction", "payment_transaction")
    assert {k: proof[k] for k in keys} == {
        "chain_id": 31337,
        "contract": paid.anchor.address,
        "distribution_id": senior.distribution_id,
        "holder": ALICE.address.lower(),
        "amount": str(ALICE_PAID),
        "leaf": "0x" + tree.leaf(ALICE.address).hex(),
        "root": senior.merkle_root,
        "anchor_transaction": anchor.transaction.tx_hash,
        "payment_transaction": own.paid_tx_hash,
    }
    assert proof["proof"] == ["0x" + p.hex() for p in tree.proof(ALICE.address)]
    assert verify_payment_proof(proof, rpc=rpc) is True

    assert verify_payment_proof({**proof, "amount": str(ALICE_PAID + 1)}, rpc=rpc) is False
    tampered = {**proof, "proof": ["0x" + "00" * 32]}
    assert verify_payment_proof(tampered, rpc=rpc) is False
    stolen = {**proof, "holder": CAROL.address.lower()}  # another holder's wallet with Alice's proof
    assert verify_payment_proof(stolen, rpc=rpc) is False

    path = tmp_path / "proof.json"
    path.write_text(json.dumps(proof))
    call_command("verify_payment_proof", str(path))
    path.write_text(json.dumps(tampered))
    with pytest.raises(CommandError, match="NOT VERIFIED"):
        call_command("verify_payment_proof", str(path))

    carol = Entitlement.objects.get(distribution=senior, wallet=CAROL.address.lower())
    assert client.get(reverse("portal:payment-proof", args=[carol.pk])).status_code == 404

    nonce = rpc.nonce(signer_address())
    counts = (Anchor.objects.count(), ChainTransaction.objects.count())
    again = distribution_anchor_root(distribution=senior, rpc=rpc)
    assert (again.root_anchor_id, rpc.nonce(signer_address())) == (anchor.pk, nonce)
    assert (Anchor.objects.count(), ChainTransaction.objects.count()) == counts


def test_the_dashboard_shows_holdings_after_the_payment_and_the_history_links_the_proof(paid, client,
                                                                                        investor_user):
    distribution_anchor_root(distribution=paid.senior_distribution, rpc=paid.rpc)
    client.force_login(investor_user)
    page = client.get(reverse("portal:home")).content.decode()
    symbol = paid.senior.token_symbol
    assert f'<tr data-row="{symbol}">' in page
    row = page.split(f'<tr data-row="{symbol}">')[1].split("</tr>")[0]
    assert [cell.split(">", 1)[1] for cell in row.split("</td>")[2:5]] == [
        "4,000,000", "0.900000", "3,600,000.00 USD"]  # Alice kept 4,000,000 of 7,000,000; factor 0.9
    history = client.get(reverse("portal:payments")).content.decode()
    own = Entitlement.objects.get(distribution=paid.senior_distribution, wallet=ALICE.address.lower())
    assert reverse("portal:payment-proof", args=[own.pk]) in history
    assert "450,000.005714 USD" in history
    assert CAROL.address.lower() not in history
