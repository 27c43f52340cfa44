"""Pro-rata allocation of an oversubscribed tranche (pure Python, no Django).

Amounts are counted in *lots* of the tranche's minimum denomination, so every
allocation is zero or a whole multiple of it. With ``L`` lots on offer and
requests ``r_i`` adding up to ``R > L`` lots:

1. each request's exact quota is ``L * r_i / R`` lots;
2. everyone gets the whole part of the quota (``floor``);
3. the lots left over (fewer than the number of requests) go one each to the
   largest fractional parts (largest remainder / Hamilton method); ties go to
   the earlier request (lower position in the input).

Steps 1-3 are the project's one largest-remainder split, ``core.money.allocate``
(with a unit of one lot); this module adds the lots and the "requests met in full
when the book is not oversubscribed" rule.

Because ``R > L`` every quota is below its request, so the extra lot never
lifts an allocation above the request, and the allocations add up to exactly
``L``. When ``R <= L`` every request is met in full.

Worked example (docs/allocation.md): 10 lots offered, requests of 8, 5 and 2 lots
(R = 15). Quotas 5.333, 3.333, 1.333 -> floors 5, 3, 1 (9 lots) -> one lot left,
remainders 5/15, 5/15, 5/15 tie -> the earliest request gets it: 6, 3, 1.
"""

from collections.abc import Sequence

from core.money import allocate


def allocate_lots(offered: int, requests: Sequence[int]) -> list[int]:
    """Split ``offered`` lots across ``requests`` (in lots); returns lots per request."""
    if offered < 0 or any(r < 0 for r in requests):
        raise ValueError("lots offered and requested must not be negative")
    if sum(requests) <= offered:
        return list(requests)
    return allocate(offered, requests, unit=1)
