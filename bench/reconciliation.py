"""Reconciliation: the engine on 1,000,000 x 1,000,000 rows beside a plain per-row dictionary loop,
and the automatic cash matching of 100,000 bank receipts against 100,000 invoices.

    DJANGO_SETTINGS_MODULE=bench.settings DATABASE_URL=postgres://... python -m bench.reconciliation

Expects a freshly migrated PostgreSQL database (bench/run.sh gives it one). Steps:

1. build 1,000,000 expected rows (holder, tranche, amount in cents, currency) and the actual side
   from them (seed 20261122), planting 1,000 missing, 1,000 unexpected, 1,000 amount mismatches,
   500 keys paid twice, 500 keys expected twice and 500 currency mismatches;
2. ``reconciliation.engine.reconcile`` on them, timed (best of 3); every planted exception must be
   found, and nothing else;
3. the same reconciliation as a plain per-row loop over Python dictionaries, timed once, and its
   counts compared with the engine's;
4. 200 lessees with a lease each, 500 invoices per lease (100,000, bulk), one statement of 100,000
   receipts (bulk): 40 % quote their invoice, 40 % pay the exact amount without a reference, 10 %
   pay 0.50 short (tolerance), 5 % pay an invoice in two parts, 5 % come from unknown remitters;
5. ``reconciliation.services.matching.cash_matching_run`` over all of it, timed: loading, the
   rules, 100,000 matches and payments with their audit rows, the invoices settled in bulk, the
   exceptions; then the pure ``reconciliation.cash.match`` on the same frames.

6. the chain matching (``reconciliation.chain.holder_findings``) of 100,000 holders'
   entitlements against their Paid events, planting 100 of each break (missing, paid twice, one
   base unit short, unknown recipient, paid late), best of 3 (``python -m bench.reconciliation
   chain`` runs this step alone, without a database).

Figures go to stdout, one per line; progress to stderr. Exits non-zero when a planted exception is
missed or extra, when the loop disagrees with the engine, when the matching leaves a receipt other
than the planted ones unmatched, or when the engine misses its 10 s target.
"""

import sys
import time
from datetime import date, timedelta
from decimal import Decimal

import django
import numpy as np

SEED = 20261122
ROWS = 1_000_000
PLANTED = {
    "missing": 1000,
    "unexpected": 1000,
    "amount_mismatch": 1000,
    "duplicate_actual": 500,
    "duplicate_expected": 500,
    "currency_mismatch": 500,
}
TARGET_SECONDS = 10.0
LESSEES, PER_LEASE = 200, 500


def log(message: str) -> None:
    print(f"    {message}", file=sys.stderr, flush=True)


def figure(name: str, value) -> None:
    print(f"{name} {value}", flush=True)


def sides():
    import pandas as pd

    rng = np.random.default_rng(SEED)
    holder = np.arange(ROWS, dtype="int64") + 1
    tranche = np.where(holder % 3 == 0, "B", "A")
    amount = rng.integers(1, 10**9, ROWS, dtype="int64")
    currency = np.full(ROWS, "USD", dtype=object)
    expected = pd.DataFrame(
        {
            "holder": holder,
            "tranche": tranche,
            "amount": amount,
            "currency": currency,
            "row": np.arange(ROWS) + 2,
        }
    )
    actual = expected.copy()
    cut = np.cumsum([0, *PLANTED.values()])
    part = dict(zip(PLANTED, (np.arange(a, b) for a, b in zip(cut[:-1], cut[1:], strict=True)), strict=True))
    actual = actual.drop(index=part["missing"])
    actual.loc[part["amount_mismatch"], "amount"] += 7
    actual.loc[part["currency_mismatch"], "currency"] = "EUR"
    extra = expected.loc[part["duplicate_actual"]]
    unexpected = expected.loc[part["unexpected"]].assign(holder=lambda f: f["holder"] + 10 * ROWS)
    actual = actual.drop(index=part["unexpected"])
    actual = pd.concat([actual, extra, unexpected], ignore_index=True)
    expected = pd.concat([expected, expected.loc[part["duplicate_expected"]]], ignore_index=True)
    expected["row"] = np.arange(len(expected)) + 2
    actual["row"] = np.arange(len(actual)) + 2
    # "unexpected" rows were removed from their expected key too, so they are missing there as well
    return expected, actual, part


def dict_loop(expected, actual):
    """The same reconciliation as a plain per-row loop over dictionaries."""
    exp, act = {}, {}
    for h, t, amt, c in zip(
        expected["holder"].tolist(),
        expected["tranche"].tolist(),
        expected["amount"].tolist(),
        expected["currency"].tolist(),
        strict=True,
    ):
        exp.setdefault((h, t, c), []).append(amt)
    for h, t, amt, c in zip(
        actual["holder"].tolist(),
        actual["tranche"].tolist(),
        actual["amount"].tolist(),
        actual["currency"].tolist(),
        strict=True,
    ):
        act.setdefault((h, t, c), []).append(amt)
    counts = dict.fromkeys(("duplicate", "currency_mismatch", "amount_mismatch", "missing", "unexpected"), 0)
    matched = 0
    left, right = {}, {}
    for key in exp.keys() | act.keys():
        e, a = exp.get(key, []), act.get(key, [])
        if len(e) > 1 or len(a) > 1:
            counts["duplicate"] += 1
        elif e and a:
            if abs(a[0] - e[0]) <= 0:
                matched += 1
            else:
                counts["amount_mismatch"] += 1
        elif e:
            left.setdefault(key[:2], []).append(key)
        else:
            right.setdefault(key[:2], []).append(key)
    for k, keys in left.items():
        if len(keys) == 1 and len(right.get(k, [])) == 1:
            counts["currency_mismatch"] += 1
            right.pop(k)
        else:
            counts["missing"] += len(keys)
    counts["unexpected"] = sum(len(v) for v in right.values())
    return matched, counts


def engine_bench() -> list[str]:
    from reconciliation.engine import reconcile

    log(f"building {ROWS:,} expected and actual rows with planted exceptions")
    expected, actual, part = sides()
    best = None
    for _ in range(3):
        start = time.perf_counter()
        result = reconcile(expected, actual, keys=["holder", "tranche"])
        took = time.perf_counter() - start
        best = took if best is None else min(best, took)
    figure("engine_1m_x_1m_seconds", f"{best:.2f}")
    counts = result.counts()
    want = {
        "duplicate": PLANTED["duplicate_actual"] + PLANTED["duplicate_expected"],
        "currency_mismatch": PLANTED["currency_mismatch"],
        "amount_mismatch": PLANTED["amount_mismatch"],
        "missing": PLANTED["missing"] + PLANTED["unexpected"],
        "unexpected": PLANTED["unexpected"],
    }
    for name, n in counts.items():
        figure(f"engine_found_{name}", n)
    problems = [f"engine found {counts} instead of {want}"] if counts != want else []
    planted_holders = {int(h) for p in part.values() for h in (p + 1)}
    found = set(result.exceptions["holder"].astype("int64").tolist())
    if not planted_holders <= found | {h + 10 * ROWS for h in planted_holders}:
        problems.append("a planted key is not among the exceptions")
    start = time.perf_counter()
    matched, loop_counts = dict_loop(expected, actual)
    figure("dict_loop_1m_x_1m_seconds", f"{time.perf_counter() - start:.2f}")
    if loop_counts != counts or matched != len(result.matched):
        problems.append(
            f"the loop found {loop_counts} ({matched} matched), the engine {counts} "
            f"({len(result.matched)} matched)"
        )
    if best > TARGET_SECONDS:
        problems.append(f"the engine took {best:.2f} s, target {TARGET_SECONDS} s")
    return problems


def cash_setup():
    from django.contrib.auth.models import Group, User

    from assets.models import BankEntry, BankStatement, Invoice
    from core import roles
    from tests.assets.builders import make_counterparty, make_gpu_server, make_lease

    ops = User.objects.create_user("bench-recon-ops", is_staff=True)
    ops.groups.add(Group.objects.get(name=roles.ISSUER_OPERATIONS))
    log(f"{LESSEES} lessees with a lease each")
    leases = []
    for n in range(LESSEES):
        gpu = make_gpu_server(actor=ops, code=f"RB-{n:04d}")
        lessee = make_counterparty(actor=ops, name=f"Lessee{n:04d} Compute Ltd")
        leases.append(
            make_lease(
                actor=ops, devices=[gpu], lessee=lessee, start=date(1990, 1, 1), end=date(2049, 12, 31)
            )
        )
    rng = np.random.default_rng(SEED)
    log(f"{LESSEES * PER_LEASE:,} invoices")
    invoices = []
    for lease in leases:
        for k in range(PER_LEASE):
            start = date(1990 + k // 12, 1 + k % 12, 1)
            end = date(start.year + (start.month == 12), start.month % 12 + 1, 1) - timedelta(days=1)
            total = Decimal(int(rng.integers(10_000, 10_000_000))).scaleb(-2)
            invoices.append(
                Invoice(
                    number=f"INV-{lease.reference}-{start:%Y%m}",
                    lease=lease,
                    period_start=start,
                    period_end=end,
                    currency="USD",
                    total=total,
                    state=Invoice.State.ISSUED,
                    issue_date=end + timedelta(days=1),
                    due_date=end + timedelta(days=31),
                )
            )
    Invoice.objects.bulk_create(invoices, batch_size=5000)
    statement = BankStatement.objects.create(
        account="BENCH-ACCOUNT",
        statement_id="BENCH-1",
        format="csv",
        currency="USD",
        sha256="bench",
        entries_total=len(invoices),
        entries_new=len(invoices),
        entries_already_stored=0,
    )
    log(f"{len(invoices):,} receipts")
    kinds = rng.choice(
        ["ref", "exact", "short", "parts", "unknown"], size=len(invoices), p=[0.4, 0.4, 0.1, 0.05, 0.05]
    )
    entries, position, planted_unmatched = [], 0, 0
    for invoice, kind in zip(invoices, kinds, strict=True):
        name = invoice.lease.lessee.legal_name.upper()
        booked = invoice.due_date - timedelta(days=2)
        amounts = {
            "ref": [invoice.total],
            "exact": [invoice.total],
            "short": [invoice.total - Decimal("0.50")],
            "unknown": [invoice.total],
        }.get(kind)
        if kind == "parts":
            half = (invoice.total / 2).quantize(Decimal("0.01"))
            amounts = [half, invoice.total - half]
        for amount in amounts:
            position += 1
            entries.append(
                BankEntry(
                    statement=statement,
                    account="BENCH-ACCOUNT",
                    entry_key=f"pos:BENCH-1:{position}",
                    position=position,
                    booking_date=booked,
                    value_date=booked,
                    direction="CRDT",
                    amount=amount,
                    currency="USD",
                    category="lease_receipt" if kind != "unknown" else "unclassified",
                    counterparty_name="UNKNOWN PAYER" if kind == "unknown" else name,
                    remittance_info=invoice.number if kind == "ref" else "services",
                )
            )
        planted_unmatched += kind == "unknown"
    BankEntry.objects.bulk_create(entries, batch_size=5000)
    return ops, len(entries), planted_unmatched


def cash_bench() -> list[str]:
    from reconciliation import cash
    from reconciliation.models import MatchRun, ReconException
    from reconciliation.services import matching
    from reconciliation.services.exceptions import entries_free

    _, n_entries, planted_unknown = cash_setup()
    free = entries_free(list(range(1, n_entries + 1)))
    start = time.perf_counter()
    entries, refs, invoices = matching._frames(free)
    figure("cash_match_load_frames_seconds", f"{time.perf_counter() - start:.2f}")
    start = time.perf_counter()
    cash.match(entries, refs, invoices, matching.params())
    figure("cash_match_engine_only_seconds", f"{time.perf_counter() - start:.2f}")
    log("matching through the service")
    run = MatchRun.objects.create(trigger=MatchRun.Trigger.ON_DEMAND)
    start, cpu = time.perf_counter(), time.process_time()
    run = matching.cash_matching_run(run=run, actor=None)
    figure("cash_matching_100k_receipts_100k_invoices_seconds", f"{time.perf_counter() - start:.2f}")
    figure("cash_matching_python_cpu_seconds", f"{time.process_time() - cpu:.2f}")
    figure("cash_matching_matches_made", run.matches_made)
    for rule, n in run.rules.items():
        figure(f"cash_matching_rule_{rule}", n)
    left = {pk for pk, (_, v) in entries_free(list(free)).items() if v > 0}
    on_entries = ReconException.objects.filter(key__startswith="cash:entry:", state="open")
    unknown = on_entries.filter(type="unknown_remitter").count()
    figure("cash_matching_receipts_left_unmatched", len(left))
    figure("cash_matching_unknown_remitters", unknown)
    problems = []
    if {int(k.rsplit(":", 1)[1]) for k in on_entries.values_list("key", flat=True)} != left:
        problems.append("a receipt with money left is not in exactly one exception")
    if unknown != planted_unknown:
        problems.append(f"{unknown} unknown remitters found, {planted_unknown} planted")
    return problems


HOLDERS = 100_000
CHAIN_PLANTED = {"missing_payout": 100, "duplicate_payout": 100, "amount_mismatch": 100,
                 "unknown_recipient": 100, "paid_late": 100}


def chain_sides():
    """100,000 holders' entitlements (stablecoin base units, 6 decimals, up to 10**12) and their
    Paid events, with the planted breaks of ``CHAIN_PLANTED``."""
    import pandas as pd

    rng = np.random.default_rng(SEED)
    wallets = np.array([f"0x{i:040x}" for i in range(HOLDERS)], dtype=object)
    amounts = rng.integers(1, 10**12, HOLDERS, dtype=np.int64)
    expected = pd.DataFrame({"wallet": wallets, "amount": amounts, "row": np.arange(1, HOLDERS + 1)})
    order = rng.permutation(HOLDERS)
    missing, dup, short, late = (order[i * 100 : (i + 1) * 100] for i in range(4))
    paid = np.setdiff1d(np.arange(HOLDERS), missing)
    actual = pd.DataFrame({"wallet": wallets[paid], "amount": amounts[paid].copy(), "day": 10})
    actual.loc[actual["wallet"].isin(wallets[short]), "amount"] -= 1
    actual.loc[actual["wallet"].isin(wallets[late]), "day"] = 12
    extra = pd.DataFrame({"wallet": wallets[dup], "amount": amounts[dup], "day": 10})
    unknown = pd.DataFrame({"wallet": [f"0x{i:040x}" for i in range(HOLDERS, HOLDERS + 100)],
                            "amount": 5, "day": 10})
    actual = pd.concat([actual, extra, unknown], ignore_index=True)
    actual["row"] = np.arange(1, len(actual) + 1)
    return expected, actual


def chain_bench() -> list[str]:
    from reconciliation.chain import holder_findings

    log(f"chain: {HOLDERS:,} entitlements against their Paid events")
    expected, actual = chain_sides()
    times = []
    for _ in range(3):
        started = time.perf_counter()
        found = holder_findings(expected, actual, payment_day=11)
        times.append(time.perf_counter() - started)
    figure("chain_matching_100k_holders_seconds", f"{min(times):.3f}")
    counts = found["type"].value_counts().to_dict()
    for kind in CHAIN_PLANTED:
        figure(f"chain_found_{kind}", counts.get(kind, 0))
    return [] if counts == CHAIN_PLANTED else [f"chain matching found {counts}, planted {CHAIN_PLANTED}"]


def main() -> None:
    if sys.argv[1:] == ["chain"]:  # the pure chain matching alone: no database
        problems = chain_bench()
        if problems:
            sys.exit("bench.reconciliation FAILED: " + "; ".join(problems))
        return
    django.setup()
    from django.db import connection

    if connection.vendor != "postgresql":
        sys.exit("bench.reconciliation needs PostgreSQL (DATABASE_URL); run it through bench/run.sh.")
    problems = engine_bench()
    problems += chain_bench()
    problems += cash_bench()
    if problems:
        sys.exit("bench.reconciliation FAILED: " + "; ".join(problems))


if __name__ == "__main__":
    main()
