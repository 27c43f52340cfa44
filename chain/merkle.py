"""Merkle trees of (holder, amount) payments, compatible with OpenZeppelin's ``MerkleProof`` and the
layout of its ``StandardMerkleTree`` (``@openzeppelin/merkle-tree``).

- A leaf is ``keccak256(bytes.concat(keccak256(abi.encode(address holder, uint256 amount))))``: the
  double hash keeps a leaf from ever being read as an inner node (64 bytes hashed once).
- Leaves are sorted by their hash; a parent is the keccak256 of its two children in ascending order,
  so a proof is a list of siblings and needs no left/right flags.
- The tree is the array layout of ``StandardMerkleTree``: ``2n - 1`` nodes, the root at 0, the
  children of node ``i`` at ``2i + 1`` and ``2i + 2``, the sorted leaves at the end in reverse order.
  The same payments give the same root here, in OpenZeppelin's JavaScript library and on chain.

Pure Python (no Django): amounts are integers in base units, addresses any letter case.
"""

from __future__ import annotations

from dataclasses import dataclass

from eth_abi import encode
from eth_utils import is_address, keccak, to_checksum_address


class MerkleError(ValueError):
    """A payment that cannot be a leaf, or a holder that is not in the tree."""


def payment_leaf(holder: str, amount: int) -> bytes:
    """keccak256(bytes.concat(keccak256(abi.encode(holder, amount))))."""
    if not isinstance(holder, str) or not is_address(holder):
        raise MerkleError(f"'{holder}' is not a wallet address.")
    if isinstance(amount, bool) or not isinstance(amount, int) or not 0 <= amount < 2**256:
        raise MerkleError(f"The amount for {holder} must be a whole number of base units, not {amount!r}.")
    return keccak(keccak(encode(["address", "uint256"], [to_checksum_address(holder), amount])))


def hash_pair(a: bytes, b: bytes) -> bytes:
    """OpenZeppelin's commutative pair hash: keccak256 of the smaller then the larger."""
    return keccak(a + b) if a < b else keccak(b + a)


def verify(proof: list[bytes], root: bytes, leaf: bytes) -> bool:
    """``MerkleProof.verify``: fold the proof into the leaf and compare with the root."""
    node = leaf
    for sibling in proof:
        node = hash_pair(node, sibling)
    return node == root


@dataclass(frozen=True)
class PaymentTree:
    """The tree of a distribution's payments; build it with :func:`payment_tree`."""

    nodes: tuple[bytes, ...]
    positions: dict[str, int]  # lower-case holder -> index of its leaf in ``nodes``
    amounts: dict[str, int]  # lower-case holder -> amount

    @property
    def root(self) -> bytes:
        return self.nodes[0]

    def leaf(self, holder: str) -> bytes:
        return self.nodes[self._index(holder)]

    def proof(self, holder: str) -> list[bytes]:
        """The siblings from the holder's leaf up to (not including) the root."""
        index, siblings = self._index(holder), []
        while index > 0:
            siblings.append(self.nodes[index + 1 if index % 2 else index - 1])
            index = (index - 1) // 2
        return siblings

    def _index(self, holder: str) -> int:
        try:
            return self.positions[holder.lower()]
        except KeyError:
            raise MerkleError(f"{holder} is not paid in this distribution.") from None


def payment_tree(payments: dict[str, int]) -> PaymentTree:
    """The tree of ``payments`` (holder -> amount in base units); each holder once, in any letter case."""
    if not payments:
        raise MerkleError("A Merkle tree needs at least one payment.")
    amounts: dict[str, int] = {}
    for holder, amount in payments.items():
        key = holder.lower() if isinstance(holder, str) else holder
        if key in amounts:
            raise MerkleError(f"{holder} is listed twice.")
        amounts[key] = amount
    hashed = sorted((payment_leaf(holder, amount), holder) for holder, amount in amounts.items())
    size = 2 * len(hashed) - 1
    nodes: list[bytes] = [b""] * size
    positions = {}
    for i, (leaf, holder) in enumerate(hashed):
        nodes[size - 1 - i] = leaf
        positions[holder] = size - 1 - i
    for i in range(size - 1 - len(hashed), -1, -1):
        nodes[i] = hash_pair(nodes[2 * i + 1], nodes[2 * i + 2])
    return PaymentTree(nodes=tuple(nodes), positions=positions, amounts=amounts)
