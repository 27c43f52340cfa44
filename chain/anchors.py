"""Anchoring on chain what the back office publishes, and checking it (docs/reporting.md,
"Portal and verification").

Two kinds of value go to the Anchor contract, each through the transaction manager with an
idempotency key naming the business fact, so anchoring twice sends nothing twice:

- :func:`anchor_payment_root`: a distribution's Merkle root of (holder, amount paid), under the
  Payout contract's distribution id (``chain.merkle`` builds the tree);
- :func:`anchor_document`: a report's SHA-256, with a reference naming the report.

:func:`verify_payment_proof` is what an investor (or anyone) runs on a downloaded proof: it reads the
anchored root from the chain, folds the proof, and asks the contract's own ``verifyPayment`` too.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import transaction
from eth_utils import is_address, keccak, to_checksum_address

from chain import abi
from chain.merkle import MerkleError, payment_leaf, verify
from chain.models import Anchor, Contract
from chain.rpc import RPC, get_rpc
from chain.services import call, deploy
from chain.signer import signer_account
from chain.txmanager import send as tx_send
from core.audit import audit_created
from core.authz import require_system_or_perm
from core.errors import InvalidInput, Refused

log = logging.getLogger(__name__)
ZERO = bytes(32)


def deploy_anchor(*, actor=None, rpc: RPC | None = None) -> Contract:
    """The Anchor registry, with the back office signer holding ANCHOR_ROLE (idempotent)."""
    return deploy(
        key=f"deploy:{settings.CHAIN_ID}:anchor",
        kind=Contract.Kind.ANCHOR,
        args=(signer_account().address,),
        name="Anchor registry",
        actor=actor,
        rpc=rpc or get_rpc(),
    )


def anchor_contract(chain_id: int | None = None) -> Contract:
    chain_id = chain_id or settings.CHAIN_ID
    found = list(Contract.objects.filter(chain_id=chain_id, kind=Contract.Kind.ANCHOR).order_by("id")[:2])
    if len(found) != 1:
        raise Refused(f"Chain {chain_id} has {len(found)} anchor contracts; deploy one (chain_demo) first.")
    return found[0]


def bytes32(value: str | bytes, *, field: str) -> bytes:
    """32 bytes from bytes or 64 hex digits (with or without 0x); InvalidInput naming ``field`` else."""
    if isinstance(value, bytes):
        raw = value
    else:
        try:
            raw = bytes.fromhex(str(value).removeprefix("0x"))
        except ValueError:
            raw = b""
    if len(raw) != 32:
        raise InvalidInput(f"'{value!r}' is not 32 bytes as 64 hex digits.", field=field)
    return raw


def _hex(raw: bytes) -> str:
    return "0x" + raw.hex()


def _anchor(*, kind: str, key: bytes, value: bytes, subject: str, function: str, actor,
            rpc: RPC | None) -> Anchor:
    contract = anchor_contract()
    found = Anchor.objects.filter(contract=contract, kind=kind, key=_hex(key)).first()
    if found is not None:
        if found.value != _hex(value):
            raise Refused(f"{found.subject} was anchored with {found.value}, not {_hex(value)}; an anchor "
                          f"is never changed.")
        return found
    rpc = rpc or get_rpc()
    tx = tx_send(
        key=f"anchor:{contract.chain_id}:{contract.address}:{kind}:{_hex(key)}",
        purpose=f"anchor {Anchor.Kind(kind).label}",
        to=contract.address,
        data=abi.encode_call("Anchor", function, key, value),
        payload={"kind": kind, "key": _hex(key), "value": _hex(value), "subject": subject},
        actor=actor,
        rpc=rpc,
    )
    with transaction.atomic():
        anchor, created = Anchor.objects.get_or_create(
            transaction=tx,
            defaults={"contract": contract, "kind": kind, "key": _hex(key), "value": _hex(value),
                      "subject": subject},
        )
        if created:
            audit_created(instance=anchor, actor=actor, fields=("kind", "key", "value", "subject"))
    log.info("anchored %s: %s (tx %s, %s)", subject, _hex(value), tx.tx_hash, tx.state)
    return anchor


def anchor_payment_root(*, distribution_id: str | bytes, root: str | bytes, subject: str, actor=None,
                        rpc: RPC | None = None) -> Anchor:
    """Publish a distribution's Merkle root under its distribution id, once."""
    require_system_or_perm(actor, "chain.add_anchor", doing="anchor a distribution's Merkle root")
    return _anchor(kind=Anchor.Kind.PAYMENT_ROOT, key=bytes32(distribution_id, field="distribution_id"),
                   value=bytes32(root, field="root"), subject=subject, function="anchorRoot", actor=actor,
                   rpc=rpc)


def document_reference(text: str) -> bytes:
    """The reference stored beside a document hash: keccak256 of a text naming it ("report:12:v2")."""
    return keccak(text=text)


def anchor_document(*, sha256: str, reference: str, subject: str, actor=None,
                    rpc: RPC | None = None) -> Anchor:
    """Publish a document's SHA-256 (64 hex digits) with a reference naming it, once."""
    require_system_or_perm(actor, "chain.add_anchor", doing="anchor a document's hash")
    return _anchor(kind=Anchor.Kind.DOCUMENT, key=bytes32(sha256, field="sha256"),
                   value=document_reference(reference), subject=subject, function="anchorDocument",
                   actor=actor, rpc=rpc)


# ---- checking


def anchored_root(*, contract: str, distribution_id: str | bytes, rpc: RPC | None = None) -> bytes:
    """The root the chain holds for a distribution (32 zero bytes when none)."""
    return call("Anchor", contract, "rootOf", bytes32(distribution_id, field="distribution_id"), rpc=rpc)


def document_anchored_at(*, contract: str, sha256: str, rpc: RPC | None = None) -> int:
    """The block in which the chain recorded the document's hash (0 when never)."""
    return call("Anchor", contract, "documentAnchoredAt", bytes32(sha256, field="sha256"), rpc=rpc)


def verify_payment_proof(proof: dict, *, rpc: RPC | None = None) -> bool:
    """Check a downloaded payment proof (the portal's JSON) against the chain.

    True only when the leaf is the one of (holder, amount), the proof folds it into the root the
    Anchor contract holds for the distribution, and the contract's own ``verifyPayment`` agrees.
    The root written in the file is not trusted: the chain's is used.
    """
    rpc = rpc or get_rpc()
    try:
        holder, amount = proof["holder"], int(proof["amount"])
        contract, distribution = proof["contract"], bytes32(proof["distribution_id"], field="distribution_id")
        siblings = [bytes32(p, field="proof") for p in proof["proof"]]
        leaf = bytes32(proof["leaf"], field="leaf")
        if not is_address(contract) or leaf != payment_leaf(holder, amount):
            return False
    except (KeyError, TypeError, ValueError, InvalidInput, MerkleError):
        return False
    root = anchored_root(contract=contract, distribution_id=distribution, rpc=rpc)
    if root == ZERO or not verify(siblings, root, leaf):
        return False
    return bool(call("Anchor", to_checksum_address(contract), "verifyPayment", distribution,
                     to_checksum_address(holder), amount, siblings, rpc=rpc))
