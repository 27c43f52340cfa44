"""The pure engine: planted exceptions of every type found exactly; every row ends matched or in
exactly one exception and the amounts of both sides are conserved (hypothesis)."""

from collections import Counter

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from reconciliation.engine import reconcile


def frame(rows):
    return pd.DataFrame(rows, columns=["holder", "tranche", "amount", "currency", "row"])


def test_planted_exceptions_of_every_type_on_both_sides():
    expected = frame(
        [
            ("H1", "A", 10000, "USD", 2),  # matched
            ("H2", "A", 25050, "USD", 3),  # paid twice: duplicate on the actual side
            ("H3", "A", 1000, "USD", 4),  # missing
            ("H4", "A", 700, "EUR", 5),  # paid in USD: currency mismatch
            ("H5", "A", 5000, "USD", 6),  # paid 5003: amount mismatch (tolerance 1)
            ("H6", "A", 5000, "USD", 7),  # paid 4999: within the tolerance
            ("H7", "A", 300, "USD", 8),  # expected twice: duplicate on the expected side
            ("H7", "A", 300, "USD", 9),
            ("H1", "B", 10, "USD", 10),  # same holder, other tranche: its own key
        ]
    )
    actual = frame(
        [
            ("H1", "A", 10000, "USD", 2),
            ("H2", "A", 25050, "USD", 3),
            ("H2", "A", 25050, "USD", 4),
            ("H4", "A", 700, "USD", 5),
            ("H5", "A", 5003, "USD", 6),
            ("H6", "A", 4999, "USD", 7),
            ("H7", "A", 300, "USD", 8),
            ("H9", "A", 125, "USD", 9),  # unexpected
            ("H1", "B", 10, "USD", 10),
        ]
    )
    result = reconcile(expected, actual, keys=["holder", "tranche"], tolerance=1)

    assert sorted(
        result.matched[["holder", "tranche", "expected_row", "actual_row", "difference"]].itertuples(
            index=False, name=None
        )
    ) == [("H1", "A", 2, 2, 0), ("H1", "B", 10, 10, 0), ("H6", "A", 7, 7, -1)]
    got = sorted(
        result.exceptions[
            [
                "type",
                "side",
                "holder",
                "currency",
                "actual_currency",
                "expected_amount",
                "actual_amount",
                "difference",
                "expected_rows",
                "actual_rows",
            ]
        ].itertuples(index=False, name=None)
    )
    assert got == sorted(
        [
            ("duplicate", "actual", "H2", "USD", "USD", 25050, 50100, 25050, "3", "3;4"),
            ("duplicate", "expected", "H7", "USD", "USD", 600, 300, -300, "8;9", "8"),
            ("missing", "expected", "H3", "USD", "USD", 1000, 0, -1000, "4", ""),
            ("currency_mismatch", "both", "H4", "EUR", "USD", 700, 700, 0, "5", "5"),
            ("amount_mismatch", "both", "H5", "USD", "USD", 5000, 5003, 3, "6", "6"),
            ("unexpected", "actual", "H9", "USD", "USD", 0, 125, 125, "", "9"),
        ]
    )
    assert result.counts() == {
        "duplicate": 2,
        "currency_mismatch": 1,
        "amount_mismatch": 1,
        "missing": 1,
        "unexpected": 1,
    }


def test_amounts_beyond_64_bits_stay_exact():
    big = 10**30
    expected = pd.DataFrame(
        {"k": ["a", "b"], "amount": pd.Series([big + 1, big], dtype=object), "row": [2, 3]}
    )
    actual = pd.DataFrame({"k": ["a", "b"], "amount": pd.Series([big + 2, big], dtype=object), "row": [2, 3]})
    result = reconcile(expected, actual, keys=["k"])
    assert result.matched["expected_amount"].tolist() == [big]
    assert result.exceptions[["type", "difference"]].values.tolist() == [["amount_mismatch", 1]]
    assert result.exceptions["actual_amount"].tolist() == [big + 2]


side_rows = st.lists(
    st.tuples(st.sampled_from("abcdef"), st.sampled_from(["USD", "EUR"]), st.integers(-(10**15), 10**15)),
    max_size=25,
)


@settings(max_examples=300, deadline=None)
@given(side_rows, side_rows, st.integers(0, 5))
def test_every_row_matched_or_in_exactly_one_exception_and_amounts_conserved(e_rows, a_rows, tolerance):
    expected = pd.DataFrame(
        [(k, c, amt, n) for n, (k, c, amt) in enumerate(e_rows, start=2)],
        columns=["k", "currency", "amount", "row"],
    ).astype({"amount": "int64", "row": "int64"})
    actual = pd.DataFrame(
        [(k, c, amt, n) for n, (k, c, amt) in enumerate(a_rows, start=2)],
        columns=["k", "currency", "amount", "row"],
    ).astype({"amount": "int64", "row": "int64"})
    result = reconcile(expected, actual, keys=["k"], tolerance=tolerance)
    m, x = result.matched, result.exceptions

    for side, frame_ in (("expected", expected), ("actual", actual)):
        seen = Counter(m[f"{side}_row"].tolist())
        for rows in x[f"{side}_rows"]:
            seen.update(int(r) for r in rows.split(";") if r)
        assert seen == Counter(frame_["row"].tolist())  # each row exactly once
        currency = "currency" if side == "expected" else "actual_currency"
        totals = Counter()
        for c, amt in zip(m["currency"], m[f"{side}_amount"], strict=True):
            totals[c] += int(amt)
        for c, amt in zip(x[currency], x[f"{side}_amount"], strict=True):
            totals[c] += int(amt)
        want = Counter()
        for c, amt in zip(frame_["currency"], frame_["amount"], strict=True):
            want[c] += int(amt)
        assert {k: v for k, v in totals.items() if v} == {k: v for k, v in want.items() if v}
    assert (m["difference"].abs() <= tolerance).all()
    assert (m["expected_amount"] + m["difference"] == m["actual_amount"]).all()
