"""The items of a Regulation AB Item 1121(a) distribution report (17 CFR 229.1121) and where the
servicer report carries each; items for which the product keeps no data say so."""

ITEMS = [
    ("1121(a)(1)", "record, determination and distribution dates; collection period", "Summary"),
    ("1121(a)(2)", "cash flows received and their sources", "Collections and available funds"),
    (
        "1121(a)(3)",
        "flow of funds by type and priority: fees, enhancement, interest and principal by class, "
        "shortfalls and carry-overs, excess cash",
        "Waterfall; Notes",
    ),
    ("1121(a)(4)", "beginning and ending principal balances of the notes", "Notes"),
    ("1121(a)(5)", "interest rates of the notes", "Notes (coupon rate)"),
    (
        "1121(a)(6)",
        "beginning and ending balances of transaction accounts and their activity",
        "Reserve account",
    ),
    ("1121(a)(7)", "amounts drawn on credit enhancement", "Reserve account (drawn); Waterfall"),
    (
        "1121(a)(8)",
        "pool assets at the period end: number, amount, factors",
        "Pool; Fleet (devices, book value); Notes (factor)",
    ),
    (
        "1121(a)(9)",
        "delinquency and loss information",
        "Pool (losses, delinquent); receivables aging; Delinquency",
    ),
    ("1121(a)(10)", "fees and expenses paid", "Waterfall (fee steps)"),
    (
        "1121(a)(11)",
        "pool asset changes: additions, removals, substitutions",
        "not carried: the product keeps no history of devices pledged or released",
    ),
    (
        "1121(a)(12)",
        "material modifications, extensions or waivers of pool asset terms",
        "not carried: lease amendments are not recorded",
    ),
    (
        "1121(a)(13)",
        "ratio, coverage and other tests and whether a trigger was met",
        "Performance tests (OC, IC and triggers)",
    ),
    (
        "1121(a)(14)",
        "material breaches of representations, warranties or covenants",
        "not carried: kept by the trustee outside this system",
    ),
]


def item_1121_rows() -> list[list[str]]:
    return [list(item) for item in ITEMS]
