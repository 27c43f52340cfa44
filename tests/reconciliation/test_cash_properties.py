"""The cash matching engine on random books (hypothesis): every receipt ends matched, credited or
with exactly one leftover (its exception), amounts conserved on both sides, never beyond an entry
or an invoice, never across currencies."""

from collections import Counter

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from reconciliation.cash import NO_LESSEE, Params, match

DAY = pd.Timestamp("2026-12-01")

invoice_st = st.tuples(
    st.sampled_from([1, 2, 3]),
    st.sampled_from(["USD", "EUR"]),
    st.integers(1, 5000),
    st.integers(-40, 40),
    st.booleans(),
)
entry_st = st.tuples(
    st.sampled_from([1, 2, 3, NO_LESSEE]),
    st.sampled_from(["USD", "EUR"]),
    st.integers(1, 8000),
    st.integers(-40, 40),
    st.lists(st.integers(0, 11), max_size=3),
)


@settings(max_examples=100, deadline=None)
@given(st.lists(invoice_st, max_size=12), st.lists(entry_st, max_size=12), st.integers(0, 300))
def test_every_receipt_matched_credited_or_in_one_exception_and_amounts_conserved(inv_rows, ent_rows, tol):
    invoices = pd.DataFrame(
        {
            "id": range(1, len(inv_rows) + 1),
            "number": [f"INV-{n}" for n in range(len(inv_rows))],
            "lessee": [r[0] for r in inv_rows],
            "currency": [r[1] for r in inv_rows],
            "outstanding": [r[2] if r[4] else 0 for r in inv_rows],
            "total": [r[2] for r in inv_rows],
            "due": [DAY + pd.Timedelta(days=r[3]) for r in inv_rows],
            "open": [r[4] for r in inv_rows],
        }
    )
    entries = pd.DataFrame(
        {
            "id": range(101, len(ent_rows) + 101),
            "lessee": [r[0] for r in ent_rows],
            "currency": [r[1] for r in ent_rows],
            "amount": [r[2] for r in ent_rows],
            "booked": [DAY + pd.Timedelta(days=r[3]) for r in ent_rows],
            "order": range(len(ent_rows)),
        }
    )
    refs = pd.DataFrame(
        [(101 + n, f"INV-{k}") for n, r in enumerate(ent_rows) for k in r[4]], columns=["entry", "number"]
    )
    out = match(entries, refs, invoices, Params(tolerance={"*": tol}, window_days=30))

    used = Counter()
    for e, amt in zip(out.applications["entry"], out.applications["amount"], strict=True):
        used[e] += int(amt)
    for e, amt in zip(out.credits["entry"], out.credits["amount"], strict=True):
        used[e] += int(amt)
    left = Counter(out.leftovers["entry"].tolist())
    assert all(n == 1 for n in left.values())  # at most one exception per receipt
    rest = dict(zip(out.leftovers["entry"], out.leftovers["amount"], strict=True))
    for e, amount in zip(entries["id"], entries["amount"], strict=True):
        assert used[e] + rest.get(e, 0) == amount  # conserved
        assert (e in rest) == (used[e] < amount)
    paid = Counter()
    for i, amt in zip(out.applications["invoice"], out.applications["amount"], strict=True):
        paid[i] += int(amt)
    outstanding = dict(zip(invoices["id"], invoices["outstanding"], strict=True))
    assert all(paid[i] <= outstanding[i] for i in paid)  # never beyond an invoice
    assert (out.applications["amount"] > 0).all()
    ccy_e = dict(zip(entries["id"], entries["currency"], strict=True))
    ccy_i = dict(zip(invoices["id"], invoices["currency"], strict=True))
    assert all(
        ccy_e[e] == ccy_i[i]
        for e, i in zip(out.applications["entry"], out.applications["invoice"], strict=True)
    )


def test_a_part_payment_goes_to_the_oldest_invoice_with_room_for_it():
    invoices = pd.DataFrame(
        {
            "id": [1, 2, 3],
            "number": ["A", "B", "C"],
            "lessee": [1, 1, 1],
            "currency": ["USD"] * 3,
            "outstanding": [50, 1000, 2000],
            "total": [50, 1000, 2000],
            "due": [DAY, DAY + pd.Timedelta(days=30), DAY + pd.Timedelta(days=60)],
            "open": [True] * 3,
        }
    )
    entries = pd.DataFrame(
        {
            "id": [101, 102, 103],
            "lessee": [1, 1, 1],
            "currency": ["USD"] * 3,
            "amount": [600, 300, 700],
            "booked": [DAY] * 3,
            "order": [0, 1, 2],
        }
    )
    out = match(entries, pd.DataFrame(columns=["entry", "number"]), invoices, Params(tolerance={"*": 0}))
    # 700 was headed for B too (the oldest with more than 700 outstanding) and no longer fits in
    # what is left of it (100): the next round finds C for it
    assert out.applications[["entry", "invoice", "amount", "rule"]].values.tolist() == [
        [101, 2, 600, "partial"],
        [102, 2, 300, "partial"],
        [103, 3, 700, "partial"],
    ]
    assert out.leftovers.empty
