"""Entitlements of a distribution: the amount split over the holders of record in proportion to
their balances, in whole base units of the stablecoin, adding up to exactly the amount.

Pure Python (no Django): largest remainder (Hamilton's method, as ``core.money.allocate``) in
integer arithmetic, so 100,000 holders take a fraction of a second. Ties go to the lower wallet
address: the holders are ordered by address (lower-case hex) before the split.
"""

from __future__ import annotations

from collections.abc import Mapping


def entitlements(amount: int, balances: Mapping[str, int]) -> dict[str, int]:
    """Wallet -> base units of ``amount`` for each holder, ``amount * balance / supply`` rounded by
    largest remainder; the shares add up to ``amount`` exactly.

    ``amount`` is a non-negative integer; balances are positive integers keyed by wallet (any
    letter case; the result uses lower case). Each share is the floor of its exact quota or one
    more; the base units left after the floors go one each to the largest remainders, equal
    remainders to the lower address.
    """
    if isinstance(amount, bool) or not isinstance(amount, int) or amount < 0:
        raise ValueError(f"the amount must be a whole, non-negative number of base units, not {amount!r}")
    holders = sorted((wallet.lower(), balance) for wallet, balance in balances.items())
    if len({wallet for wallet, _ in holders}) != len(holders):
        raise ValueError("a wallet is listed twice")
    if any(isinstance(b, bool) or not isinstance(b, int) or b <= 0 for _, b in holders):
        raise ValueError("every balance must be a positive whole number of base units")
    supply = sum(balance for _, balance in holders)
    if supply == 0:
        if amount:
            raise ValueError("cannot split a non-zero amount over no holders")
        return {}
    shares = []
    remainders = []
    for i, (_, balance) in enumerate(holders):
        share, remainder = divmod(amount * balance, supply)
        shares.append(share)
        remainders.append((-remainder, i))
    left = amount - sum(shares)
    if left:
        remainders.sort()
        for _, i in remainders[:left]:
            shares[i] += 1
    return {wallet: share for (wallet, _), share in zip(holders, shares, strict=True)}
