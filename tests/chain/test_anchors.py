"""Merkle roots of payments and report hashes anchored on chain: the Python tree matches
OpenZeppelin's MerkleProof in the Anchor contract, a proof checks against the root the chain holds,
a tampered proof fails, and each value is anchored once however often it is asked."""

import pytest
from django.contrib.contenttypes.models import ContentType
from eth_abi import encode
from eth_utils import keccak

from chain import merkle
from chain.anchors import (
    anchor_document,
    anchor_payment_root,
    anchored_root,
    deploy_anchor,
    document_anchored_at,
    document_reference,
    verify_payment_proof,
)
from chain.models import Anchor, ChainTransaction
from chain.services import call
from core.errors import InvalidInput, NotPermitted, Refused
from core.models import AuditEvent
from tests.chain.conftest import DEV, requires_chain
from tests.factories import make_user

PAYMENTS = {DEV[i].address: amount for i, amount in
            zip(range(1, 6), (450_000_005_714, 225_000_002_857, 112_500_001_429, 7, 1), strict=True)}
DIST = "0x" + keccak(text="distribution 1").hex()


def double_hash(holder, amount):
    return keccak(keccak(encode(["address", "uint256"], [holder, amount])))


def test_a_leaf_is_the_double_hash_of_the_abi_encoded_holder_and_amount():
    assert merkle.payment_leaf(DEV[1].address.lower(), 10) == double_hash(DEV[1].address, 10)
    assert merkle.payment_leaf(DEV[1].address, 10).hex() == double_hash(DEV[1].address, 10).hex()


def test_two_payments_make_a_root_of_their_sorted_pair():
    tree = merkle.payment_tree({DEV[1].address: 10, DEV[2].address: 20})
    a, b = sorted([double_hash(DEV[1].address, 10), double_hash(DEV[2].address, 20)])
    assert tree.root == keccak(a + b)
    assert tree.proof(DEV[1].address) == [double_hash(DEV[2].address, 20)]


def test_every_holder_of_an_odd_tree_has_a_proof_and_a_tampered_one_fails():
    tree = merkle.payment_tree(PAYMENTS)
    assert len(tree.nodes) == 9
    for holder, amount in PAYMENTS.items():
        proof = tree.proof(holder.lower())
        assert merkle.verify(proof, tree.root, merkle.payment_leaf(holder, amount))
        assert not merkle.verify(proof, tree.root, merkle.payment_leaf(holder, amount + 1))
        assert not merkle.verify(proof[:-1], tree.root, merkle.payment_leaf(holder, amount))
    assert merkle.payment_tree(dict(reversed(PAYMENTS.items()))).root == tree.root


def test_bad_payments_are_refused_by_name():
    with pytest.raises(merkle.MerkleError, match="listed twice"):
        merkle.payment_tree({DEV[1].address: 1, DEV[1].address.lower(): 2})
    with pytest.raises(merkle.MerkleError, match="not a wallet address"):
        merkle.payment_tree({"0x12": 1})
    with pytest.raises(merkle.MerkleError, match="whole number of base units, not 1.5"):
        merkle.payment_tree({DEV[1].address: 1.5})
    with pytest.raises(merkle.MerkleError, match="is not paid in this distribution"):
        merkle.payment_tree(PAYMENTS).proof(DEV[7].address)


def proof_of(tree, contract, holder, tx_hash="0x"):
    return {
        "distribution_id": DIST,
        "holder": holder,
        "amount": str(PAYMENTS[holder]),
        "leaf": "0x" + tree.leaf(holder).hex(),
        "proof": ["0x" + p.hex() for p in tree.proof(holder)],
        "root": "0x" + tree.root.hex(),
        "contract": contract.address,
        "transaction": tx_hash,
    }


@requires_chain
def test_a_root_anchored_by_a_real_transaction_verifies_every_proof_and_refuses_tampered_ones(db, rpc):
    contract = deploy_anchor(rpc=rpc)
    tree = merkle.payment_tree(PAYMENTS)
    proof = proof_of(tree, contract, DEV[1].address)
    assert not verify_payment_proof(proof, rpc=rpc)  # nothing anchored yet

    anchor = anchor_payment_root(distribution_id=DIST, root=tree.root, subject="distribution #1", rpc=rpc)
    assert (anchor.kind, anchor.key, anchor.value, anchor.transaction.state) == (
        "payment_root", DIST, "0x" + tree.root.hex(), "mined")
    assert anchored_root(contract=contract.address, distribution_id=DIST, rpc=rpc) == tree.root
    for holder, amount in PAYMENTS.items():
        assert verify_payment_proof(proof_of(tree, contract, holder), rpc=rpc)
        assert call("Anchor", contract.address, "verifyPayment", bytes.fromhex(DIST[2:]), holder, amount,
                    tree.proof(holder), rpc=rpc) is True
        assert call("Anchor", contract.address, "paymentLeaf", holder, amount, rpc=rpc) == tree.leaf(holder)

    more = {**proof, "amount": str(PAYMENTS[DEV[1].address] + 1)}
    assert not verify_payment_proof(more, rpc=rpc)  # the leaf no longer matches the amount
    more["leaf"] = "0x" + merkle.payment_leaf(DEV[1].address, PAYMENTS[DEV[1].address] + 1).hex()
    assert not verify_payment_proof(more, rpc=rpc)  # a consistent leaf, but not in the tree
    swapped = {**proof, "proof": list(reversed(proof["proof"]))}
    assert not verify_payment_proof(swapped, rpc=rpc)
    forged_root = {**proof, "root": "0x" + bytes(32).hex()}
    assert verify_payment_proof(forged_root, rpc=rpc)  # the file's root is not read: the chain's is
    assert not verify_payment_proof({**proof, "distribution_id": "0x" + "11" * 32}, rpc=rpc)
    assert not verify_payment_proof({"holder": "nobody"}, rpc=rpc)
    assert call("Anchor", contract.address, "verifyPayment", bytes.fromhex(DIST[2:]), DEV[1].address,
                PAYMENTS[DEV[1].address] + 1, tree.proof(DEV[1].address), rpc=rpc) is False


@requires_chain
def test_a_root_is_anchored_once_and_never_changed(db, rpc):
    deploy_anchor(rpc=rpc)
    tree = merkle.payment_tree(PAYMENTS)
    first = anchor_payment_root(distribution_id=DIST, root=tree.root, subject="distribution #1", rpc=rpc)
    nonce = rpc.nonce(DEV[0].address)
    counts = (Anchor.objects.count(), ChainTransaction.objects.count(), AuditEvent.objects.count())

    again = anchor_payment_root(distribution_id=DIST, root=tree.root, subject="distribution #1", rpc=rpc)
    assert again.pk == first.pk
    with pytest.raises(Refused, match="was anchored with 0x.*an anchor is never changed"):
        anchor_payment_root(distribution_id=DIST, root="0x" + "22" * 32, subject="distribution #1", rpc=rpc)
    with pytest.raises(InvalidInput, match="not 32 bytes") as bad:
        anchor_payment_root(distribution_id="0x1234", root=tree.root, subject="x", rpc=rpc)
    assert bad.value.field == "distribution_id"
    with pytest.raises(NotPermitted):
        anchor_payment_root(distribution_id=DIST, root=tree.root, subject="x", actor=make_user(None),
                            rpc=rpc)
    assert (Anchor.objects.count(), ChainTransaction.objects.count(), AuditEvent.objects.count()) == counts
    assert rpc.nonce(DEV[0].address) == nonce


@requires_chain
def test_a_document_hash_is_anchored_with_its_reference(db, rpc):
    contract = deploy_anchor(rpc=rpc)
    digest = "ab" * 32
    assert document_anchored_at(contract=contract.address, sha256=digest, rpc=rpc) == 0
    anchor = anchor_document(sha256=digest, reference="report:7:v1", subject="report #7 v1", rpc=rpc)
    assert anchor.transaction.state == "mined"
    assert document_anchored_at(contract=contract.address, sha256=digest, rpc=rpc) == \
        anchor.transaction.block_number
    assert call("Anchor", contract.address, "documentReference", bytes.fromhex(digest), rpc=rpc) == \
        document_reference("report:7:v1") == keccak(text="report:7:v1")
    assert AuditEvent.objects.filter(content_type=ContentType.objects.get_for_model(Anchor),
                                     object_id=anchor.pk, action="create").count() == 1
