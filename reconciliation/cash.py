"""Cash matching: bank receipts against open invoices, by rules in order. Pure (pandas, numpy).

Amounts are integers in minor units. Input frames:

- ``entries``: ``id``, ``lessee`` (counterparty id, or -1 when the remitter is not a known
  lessee), ``currency``, ``amount`` (what is still free to apply), ``booked`` (datetime64 day),
  ``order`` (the order entries are served in: booking date, then id);
- ``refs``: ``entry``, ``number``: invoice numbers quoted by an entry (remittance information or
  end-to-end id);
- ``invoices``: ``id``, ``number``, ``lessee``, ``currency``, ``outstanding`` (0 for an invoice that
  takes no payment: paid, written off), ``total``, ``due`` (datetime64), ``open`` (bool).

Rules, each on what the earlier ones left (docs/reconciliation.md):

1. ``reference``: the entry quotes the invoice's number; several quoted invoices are paid oldest
   due first; what an entry that paid something pays beyond every invoice it quotes is a credit
   for their lessee (one that finds them paid already pays nothing: a duplicate payment);
2. ``lessee_amount``: the lessee's open invoice with exactly the entry's amount (oldest first,
   one entry per invoice);
3. ``lessee_tolerance``: the nearest outstanding within the tolerance, booked within the date window
   around the due date; beyond the outstanding is a credit, a shortfall stays on the invoice;
4. ``several_invoices``: 2 to ``MAX_SUBSET`` of the lessee's ``MAX_CANDIDATES`` oldest open invoices
   adding up exactly to the entry;
5. ``partial``: an entry smaller than what an open invoice of the lessee has outstanding pays part
   of the oldest such (several receipts paying one invoice).

An entry or invoice is never applied beyond its amount or outstanding, nor across currencies.
What is left of an entry gets an exception type: ``currency_mismatch`` (it quotes an invoice in
another currency), ``duplicate_payment`` (it quotes only invoices already paid),
``unknown_remitter`` (no lessee, no usable reference), else ``unmatched_receipt``.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations

import numpy as np
import pandas as pd

RULES = ("reference", "lessee_amount", "lessee_tolerance", "several_invoices", "partial")
MAX_CANDIDATES = 8
MAX_SUBSET = 4
PARTIAL_ROUNDS = 64
SPAN = 2**40  # rule 5's key: amounts of one group below it (10^12 minor units)
NO_LESSEE = -1


@dataclass(frozen=True)
class Params:
    tolerance: dict[str, int]  # per currency, minor units; "*" for the others
    window_days: int = 30

    def tolerance_of(self, currencies: pd.Series) -> pd.Series:
        default = self.tolerance.get("*", 0)
        return currencies.map(lambda c: self.tolerance.get(c, default)).astype("int64")


@dataclass
class Outcome:
    applications: pd.DataFrame  # entry, invoice, amount, rule
    credits: pd.DataFrame  # entry, lessee, invoice, amount, rule
    leftovers: pd.DataFrame  # entry, amount, type

    def by_rule(self) -> dict[str, int]:
        counts = self.applications["rule"].value_counts()
        return {r: int(counts.get(r, 0)) for r in RULES}


class _State:
    """What is still free of each entry and invoice while the rules run."""

    def __init__(self, entries: pd.DataFrame, invoices: pd.DataFrame):
        self.entries = entries.sort_values("order").set_index(entries.sort_values("order")["id"].to_numpy())
        ordered = invoices.sort_values(["due", "id"])
        self.invoices = ordered.set_index(ordered["id"].to_numpy())
        self.free_e = self.entries["amount"].astype("int64").copy()
        self.free_i = self.invoices["outstanding"].where(self.invoices["open"], 0).astype("int64").copy()
        self.touched = pd.Series(False, index=self.entries.index)
        self.apps: list[pd.DataFrame] = []
        self.credits: list[pd.DataFrame] = []

    def take(self, pairs: pd.DataFrame, rule: str) -> None:
        """Apply ``pairs`` (entry, invoice, amount > 0), already within both caps."""
        pairs = pairs[pairs["amount"] > 0]
        if pairs.empty:
            return
        self.apps.append(pairs[["entry", "invoice", "amount"]].assign(rule=rule))
        self.free_e = self.free_e.sub(pairs.groupby("entry")["amount"].sum(), fill_value=0).astype("int64")
        self.free_i = self.free_i.sub(pairs.groupby("invoice")["amount"].sum(), fill_value=0).astype("int64")
        self.touched.loc[pairs["entry"].unique()] = True

    def credit(self, rows: pd.DataFrame, rule: str) -> None:
        rows = rows[rows["amount"] > 0]
        if rows.empty:
            return
        self.credits.append(rows[["entry", "lessee", "invoice", "amount"]].assign(rule=rule))
        self.free_e = self.free_e.sub(rows.set_index("entry")["amount"], fill_value=0).astype("int64")
        self.touched.loc[rows["entry"].unique()] = True

    def fresh_entries(self) -> pd.DataFrame:
        """Entries no rule has touched, with a known lessee and something free."""
        e = self.entries
        keep = (~self.touched & (e["lessee"] != NO_LESSEE) & (self.free_e > 0)).reindex(e.index)
        return e[keep.to_numpy()].assign(amount=self.free_e.reindex(e.index)[keep.to_numpy()])

    def open_invoices(self) -> pd.DataFrame:
        i = self.invoices
        free = self.free_i.reindex(i.index)
        keep = (free > 0).to_numpy()
        return i[keep].assign(outstanding=free[keep])


def _capped(pairs: pd.DataFrame, free_e: pd.Series, free_i: pd.Series) -> pd.DataFrame:
    """Give each (entry, invoice) pair as much as both still have, in the pairs' order: first within
    each entry (its invoices in order), then within each invoice (its entries in order)."""
    p = pairs.copy()
    p["inv_free"] = free_i.reindex(p["invoice"]).to_numpy()
    p["ent_free"] = free_e.reindex(p["entry"]).to_numpy()
    before = p.groupby("entry")["inv_free"].cumsum() - p["inv_free"]
    p["give"] = np.minimum((p["ent_free"] - before).clip(lower=0), p["inv_free"])
    before_i = p.groupby("invoice")["give"].cumsum() - p["give"]
    p["amount"] = np.minimum((p["inv_free"] - before_i).clip(lower=0), p["give"]).astype("int64")
    return p


def _by_reference(s: _State, refs: pd.DataFrame) -> pd.DataFrame:
    """Rule 1. Returns every quoted invoice per entry (for the leftovers' types)."""
    quoted = refs.merge(
        s.invoices[["id", "number", "lessee", "currency", "due"]].rename(columns={"id": "invoice"}),
        on="number",
    ).merge(
        s.entries[["id", "currency", "order"]].rename(columns={"id": "entry", "currency": "entry_currency"}),
        on="entry",
    )
    quoted = quoted.drop_duplicates(["entry", "invoice"])
    usable = quoted[(quoted["currency"] == quoted["entry_currency"])]
    usable = usable[(s.free_i.reindex(usable["invoice"]).to_numpy() > 0)]
    usable = usable.sort_values(["order", "due", "invoice"])
    if not usable.empty:
        p = _capped(usable, s.free_e, s.free_i)
        s.take(p, "reference")
        # Over-payment: the entry covered every invoice it quotes in full and has money left.
        left = s.free_e.reindex(usable["entry"].unique())
        settled = s.free_i.reindex(usable["invoice"]).to_numpy() == 0
        all_settled = pd.Series(settled, index=usable.index).groupby(usable["entry"]).all()
        paid_some = (p.groupby("entry")["amount"].sum() > 0).reindex(left.index).fillna(False)
        over = left[
            (left > 0)
            & all_settled.reindex(left.index).fillna(False).to_numpy(dtype=bool)
            & paid_some.to_numpy(dtype=bool)
        ]
        last = usable.groupby("entry").tail(1).set_index("entry")
        s.credit(
            pd.DataFrame(
                {
                    "entry": over.index,
                    "lessee": last.loc[over.index, "lessee"].to_numpy(),
                    "invoice": last.loc[over.index, "invoice"].to_numpy(),
                    "amount": over.to_numpy(),
                }
            ),
            "reference",
        )
    return quoted


def _by_exact_amount(s: _State) -> None:
    """Rule 2: one entry, one invoice of its lessee with exactly its amount; ranks pair them up."""
    e, i = s.fresh_entries(), s.open_invoices()
    e = e.assign(rank=e.groupby(["lessee", "currency", "amount"]).cumcount())
    i = i.assign(rank=i.groupby(["lessee", "currency", "outstanding"]).cumcount())
    pairs = (
        e[["id", "lessee", "currency", "amount", "rank"]]
        .rename(columns={"id": "entry"})
        .merge(
            i[["id", "lessee", "currency", "outstanding", "rank"]].rename(
                columns={"id": "invoice", "outstanding": "amount"}
            ),
            on=["lessee", "currency", "amount", "rank"],
        )
    )
    s.take(pairs, "lessee_amount")


def _by_tolerance(s: _State, params: Params) -> None:
    """Rule 3: the nearest outstanding within the tolerance and the date window; one entry per
    invoice (the closest amount, then the earliest entry)."""
    e, i = s.fresh_entries(), s.open_invoices()
    if e.empty or i.empty:
        return
    e = e.assign(tol=params.tolerance_of(e["currency"]).to_numpy()).sort_values("amount")
    i = i.rename(columns={"id": "invoice", "outstanding": "target"}).sort_values("target")
    i = i.assign(amount=i["target"])
    near = pd.merge_asof(
        e.rename(columns={"id": "entry"})[
            ["entry", "lessee", "currency", "amount", "tol", "booked", "order"]
        ],
        i[["invoice", "lessee", "currency", "amount", "target", "due"]],
        on="amount",
        by=["lessee", "currency"],
        direction="nearest",
    )
    near = near.dropna(subset=["invoice"])
    near = near[
        ((near["amount"] - near["target"]).abs() <= near["tol"])
        & ((near["booked"] - near["due"]).abs() <= pd.Timedelta(days=params.window_days))
    ]
    near = near.assign(gap=(near["amount"] - near["target"]).abs(), invoice=near["invoice"].astype("int64"))
    near = near.sort_values(["gap", "order"]).drop_duplicates("invoice")
    applied = near.assign(amount=np.minimum(near["amount"], near["target"]).astype("int64"))
    s.take(applied, "lessee_tolerance")
    over = near[near["amount"] > near["target"]]
    s.credit(
        pd.DataFrame(
            {
                "entry": over["entry"],
                "lessee": over["lessee"],
                "invoice": over["invoice"],
                "amount": (over["amount"] - over["target"]).astype("int64"),
            }
        ),
        "lessee_tolerance",
    )


_COMBOS = [np.array(c) for k in range(2, MAX_SUBSET + 1) for c in combinations(range(MAX_CANDIDATES), k)]


def _by_subset(s: _State) -> None:
    """Rule 4: the entry is exactly the sum of 2..MAX_SUBSET of its lessee's MAX_CANDIDATES oldest
    open invoices. All subset sums of all lessees at once (a matrix), then one merge."""
    e, i = s.fresh_entries(), s.open_invoices()
    if e.empty or i.empty:
        return
    i = i[i.set_index(["lessee", "currency"]).index.isin(e.set_index(["lessee", "currency"]).index)]
    i = i.assign(slot=i.groupby(["lessee", "currency"]).cumcount())
    i = i[i["slot"] < MAX_CANDIDATES]
    if i.empty:
        return
    groups = i[["lessee", "currency"]].drop_duplicates().reset_index(drop=True)
    groups["g"] = np.arange(len(groups))
    i = i.merge(groups, on=["lessee", "currency"])
    amounts = np.zeros((len(groups), MAX_CANDIDATES), dtype="int64")
    ids = np.full((len(groups), MAX_CANDIDATES), -1, dtype="int64")
    amounts[i["g"], i["slot"]] = i["outstanding"]
    ids[i["g"], i["slot"]] = i["id"]
    sums = np.stack([amounts[:, c].sum(axis=1) for c in _COMBOS], axis=1)
    valid = np.stack([(ids[:, c] >= 0).all(axis=1) for c in _COMBOS], axis=1)
    g, combo = np.nonzero(valid)
    table = pd.DataFrame({"g": g, "combo": combo, "amount": sums[g, combo]})
    table = table.merge(groups, on="g").sort_values(["g", "combo"]).drop_duplicates(["g", "amount"])
    hits = (
        e.rename(columns={"id": "entry"})[["entry", "lessee", "currency", "amount", "order"]]
        .merge(table, on=["lessee", "currency", "amount"])
        .sort_values("order")
    )
    if hits.empty:
        return
    # Entries claiming overlapping invoices: the earliest entry wins (a loop over the few hits only).
    used, pairs = set(), []
    for entry, gid, combo in hits[["entry", "g", "combo"]].itertuples(index=False):
        members = ids[gid, _COMBOS[combo]]
        if used.isdisjoint(members.tolist()):
            used.update(members.tolist())
            pairs += [
                (entry, inv, amounts[gid, slot]) for inv, slot in zip(members, _COMBOS[combo], strict=True)
            ]
    s.take(pd.DataFrame(pairs, columns=["entry", "invoice", "amount"]).astype("int64"), "several_invoices")


def _partial(s: _State) -> None:
    """Rule 5: an entry smaller than what an open invoice of its lessee has outstanding pays part of
    the oldest such invoice; entries are taken in order while the invoice has room for the whole
    entry.

    "The oldest invoice with more outstanding than the entry" without comparing every pair: within
    each lessee and currency, invoices in due order, the running maximum of their outstanding first
    exceeds the amount at exactly that invoice. Coded as group x 2^40 + running maximum, the key
    rises over the whole frame, so one forward ``merge_asof`` finds it for every entry.

    Entries that no longer fit in what earlier entries left of their invoice look again in the next
    round, up to ``PARTIAL_ROUNDS`` rounds (each round is whole-frame work; it stops when a round
    places nothing)."""
    for _ in range(PARTIAL_ROUNDS):
        if not _partial_round(s):
            return


def _partial_round(s: _State) -> int:
    e, i = s.fresh_entries(), s.open_invoices()
    if e.empty or i.empty:
        return 0
    i = i.sort_values(["due", "id"])
    groups = pd.concat([e[["lessee", "currency"]], i[["lessee", "currency"]]]).drop_duplicates()
    groups = groups.assign(g=np.arange(len(groups), dtype="int64"))
    i = i.merge(groups, on=["lessee", "currency"]).sort_values(["g", "due", "id"])
    i["reach"] = i["g"] * SPAN + i.groupby("g")["outstanding"].cummax().clip(upper=SPAN - 1)
    e = e[e["amount"] < SPAN - 1].merge(groups, on=["lessee", "currency"])
    e = e.assign(reach=e["g"] * SPAN + e["amount"] + 1).sort_values("reach")
    found = pd.merge_asof(
        e[["id", "g", "amount", "order", "reach"]].rename(columns={"id": "entry"}),
        i[["id", "g", "outstanding", "reach"]].rename(columns={"id": "invoice", "g": "ig"}),
        on="reach",
        direction="forward",
    )
    found = found[found["ig"] == found["g"]].astype({"invoice": "int64", "outstanding": "int64"})
    pairs = found.sort_values("order")
    before = pairs.groupby("invoice")["amount"].cumsum() - pairs["amount"]
    pairs = pairs[(pairs["outstanding"] - before) >= pairs["amount"]]
    s.take(pairs, "partial")
    return len(pairs)


def _leftovers(s: _State, quoted: pd.DataFrame) -> pd.DataFrame:
    e = s.entries.assign(amount=s.free_e.reindex(s.entries.index))
    left = e[e["amount"] > 0][["id", "lessee", "amount"]].rename(columns={"id": "entry"})
    q = quoted.assign(
        other_ccy=quoted["currency"] != quoted["entry_currency"],
        paid=s.free_i.reindex(quoted["invoice"]).to_numpy() == 0,
    )
    per = q.groupby("entry").agg(other_ccy=("other_ccy", "any"), all_paid=("paid", "all"))
    left = left.merge(per, left_on="entry", right_index=True, how="left")
    other = left["other_ccy"].eq(True)
    paid = left["all_paid"].eq(True) & ~left["entry"].isin(s.touched[s.touched].index)
    left["type"] = np.select(
        [other, paid, left["lessee"] == NO_LESSEE],
        ["currency_mismatch", "duplicate_payment", "unknown_remitter"],
        "unmatched_receipt",
    )
    return left[["entry", "amount", "type"]].reset_index(drop=True)


def _typed(entries: pd.DataFrame, refs: pd.DataFrame, invoices: pd.DataFrame):
    """The frames with their dtypes fixed, empty ones included."""
    entries = entries.astype(
        {"id": "int64", "lessee": "int64", "currency": object, "amount": "int64", "order": "int64"}
    ).assign(booked=lambda f: pd.to_datetime(f["booked"]))
    refs = refs.astype({"entry": "int64", "number": object})
    invoices = invoices.astype(
        {
            "id": "int64",
            "number": object,
            "lessee": "int64",
            "currency": object,
            "outstanding": "int64",
            "open": bool,
        }
    ).assign(due=lambda f: pd.to_datetime(f["due"]))
    return entries, refs, invoices


def match(entries: pd.DataFrame, refs: pd.DataFrame, invoices: pd.DataFrame, params: Params) -> Outcome:
    entries, refs, invoices = _typed(entries, refs, invoices)
    s = _State(entries, invoices)
    quoted = _by_reference(s, refs)
    _by_exact_amount(s)
    _by_tolerance(s, params)
    _by_subset(s)
    _partial(s)
    apps = (
        pd.concat(s.apps, ignore_index=True)
        if s.apps
        else pd.DataFrame({"entry": [], "invoice": [], "amount": [], "rule": []}).astype(
            {"entry": "int64", "invoice": "int64", "amount": "int64"}
        )
    )
    credits = (
        pd.concat(s.credits, ignore_index=True)
        if s.credits
        else pd.DataFrame(columns=["entry", "lessee", "invoice", "amount", "rule"])
    )
    return Outcome(applications=apps, credits=credits, leftovers=_leftovers(s, quoted))
