"""The pure chain matching (reconciliation.chain): every finding type, exact amounts, big base units."""

from reconciliation import chain

A, B, C, D, X = (f"0x{c * 40}" for c in "abcdx")


def test_each_holder_break_is_one_finding_with_its_rows_and_amounts():
    expected = chain.frame([(A, 100, 1), (B, 200, 2), (C, 300, 3), (D, 400, 4)])
    # A paid twice, B short, C never, D matched but late, X unknown
    actual = chain.frame(
        [(A, 100, 11, 5), (A, 100, 12, 5), (B, 150, 13, 5), (D, 400, 14, 9), (X, 7, 15, 5)], with_day=True
    )
    found = chain.holder_findings(expected, actual, payment_day=6)
    rows = sorted(
        (
            r["type"],
            r["wallet"],
            r["expected_amount"],
            r["actual_amount"],
            r["amount"],
            r["expected_rows"],
            r["actual_rows"],
        )
        for r in found.to_dict("records")
    )
    assert rows == [
        ("amount_mismatch", B, 200, 150, 50, "2", "13"),
        ("duplicate_payout", A, 100, 200, 100, "1", "11;12"),
        ("missing_payout", C, 300, 0, 300, "3", ""),
        ("paid_late", D, 400, 400, 400, "4", "14"),
        ("unknown_recipient", X, 0, 7, 7, "", "15"),
    ]


def test_base_units_beyond_int64_stay_exact():
    big = 10**30 + 1
    found = chain.holder_findings(
        chain.frame([(A, big, 1)]), chain.frame([(A, big - 1, 2, 1)], with_day=True), payment_day=1
    )
    assert found.to_dict("records")[0]["amount"] == 1


def test_snapshot_against_indexed_balances():
    snap = chain.frame([(A, 5, 1), (B, 6, 2)])
    derived = chain.frame([(A, 5, 1), (B, 7, 2), (C, 1, 3)])
    found = chain.balance_findings(snap, derived)
    assert sorted(zip(found["type"], found["wallet"], found["amount"], strict=True)) == [
        ("snapshot_mismatch", B, 1),
        ("snapshot_mismatch", C, 1),
    ]
