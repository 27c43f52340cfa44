"""An investor's statement for one collection period (docs/reporting.md, "Investor statement").

Holdings per tranche at the record date (units, factor, current balance), the period's interest,
principal and residual paid, amounts held back (with the one reason an investor is told), the
totals since issue, the wallets and payment transactions, and the balance after each period.

Figures: a holder's payment is its entitlement in stablecoin base units, shown with the
stablecoin's decimals; it is split into interest, principal and residual in proportion to the
distribution's parts by largest remainder (``core.money.allocate``), so the parts add up to the
payment exactly. The current balance is units x the tranche's principal after the payment /
its original principal, rounded half-even to the currency's minor unit. Before any distribution
the holdings are the allocated subscriptions at the tranche's current factor.
"""

from collections import defaultdict
from decimal import Decimal
from fractions import Fraction

from compliance.models import Wallet
from core.money import allocate, quantize
from issuance.models import Subscription
from reporting.content.document import Chart, Document, Section, Table
from reporting.models import Report
from servicing.models import Entitlement, EscrowLine

# The only reason an investor is given for a payment held back, whatever the staff reason code.
HELD_REASON = ("Held while our compliance team completes a review; it is paid once the review is "
               "complete. We will contact you if we need anything from you.")
FACTOR = Decimal("0.000001")


def _units(base_units: int, decimals: int) -> Decimal:
    return Decimal(int(base_units)).scaleb(-decimals)


def _plain(units: Decimal) -> Decimal:
    """Units without trailing zeros: 4000000, 1234.5."""
    return units.quantize(Decimal(1)) if units == units.to_integral_value() else units.normalize()


def _split(entitlement: Entitlement) -> tuple[int, int, int]:
    d = entitlement.distribution
    return tuple(allocate(int(entitlement.amount), [d.interest, d.principal, d.residual], unit=1))


def _balance(units: Decimal, principal_after: Decimal, original: Decimal, currency: str) -> Decimal:
    return quantize(Fraction(units) * Fraction(principal_after) / Fraction(original), currency)


def _rows(report: Report) -> list[Entitlement]:
    """The investor's entitlements in the deal up to this period, oldest first (one query)."""
    return list(
        Entitlement.objects.filter(investor=report.investor, distribution__period__deal=report.deal,
                                   distribution__period__number__lte=report.period.number)
        .select_related("distribution__tranche", "distribution__period", "escrow")
        .order_by("distribution__period__number", "distribution__tranche__seniority", "wallet")
    )


def _held(entitlement: Entitlement) -> bool:
    escrow = getattr(entitlement, "escrow", None)
    return escrow is not None and escrow.state != EscrowLine.State.RELEASED and entitlement.paid_block is None


def build(report: Report) -> Document:
    deal, period, investor, currency = report.deal, report.period, report.investor, report.deal.currency
    entitlements = _rows(report)
    current = [e for e in entitlements if e.distribution.period_id == period.pk]
    holdings, payments, held, txs = [], [], [], []
    data_holdings = []
    if current:
        by_tranche: dict = defaultdict(list)
        for e in current:
            by_tranche[e.distribution.tranche].append(e)
        for tranche, rows in by_tranche.items():
            d = rows[0].distribution
            units = _units(sum(int(e.balance) for e in rows), tranche.token_decimals)
            after = d.principal_after if d.principal_after is not None else tranche.current_principal
            factor = d.factor
            if factor is None:
                factor = (after / tranche.original_principal).quantize(FACTOR)
            balance = _balance(units, after, tranche.original_principal, currency)
            holdings.append([tranche.class_name, _plain(units), factor, balance])
            data_holdings.append({"tranche": tranche.class_name, "units": str(_plain(units)),
                                  "factor": str(factor), "balance": str(balance)})
    else:
        subs = (Subscription.objects.filter(investor=investor, tranche__deal=deal,
                                            state__in=("allocated", "funded", "settled"))
                .select_related("tranche").order_by("tranche__seniority"))
        for sub in subs:
            t = sub.tranche
            units = sub.allocated_amount
            factor = (t.current_principal / t.original_principal).quantize(FACTOR)
            balance = _balance(units, t.current_principal, t.original_principal, currency)
            holdings.append([t.class_name, _plain(units), factor, balance])
            data_holdings.append({"tranche": t.class_name, "units": str(_plain(units)), "factor": str(factor),
                                  "balance": str(balance)})

    period_totals = [0, 0, 0]
    cumulative = [0, 0, 0]
    decimals = next((e.distribution.stablecoin_decimals for e in entitlements
                     if e.distribution.stablecoin_decimals is not None), 6)
    units_held: dict = defaultdict(int)  # (period number, distribution) -> token base units
    for e in entitlements:
        parts = _split(e)
        for i in range(3):
            cumulative[i] += parts[i]
        d = e.distribution
        if d.principal_after is not None:
            units_held[(d.period.number, d)] += int(e.balance)
        if d.period_id != period.pk:
            continue
        for i in range(3):
            period_totals[i] += parts[i]
        amount = _units(int(e.amount), decimals)
        payments.append([d.tranche.class_name, e.wallet, *(_units(p, decimals) for p in parts), amount,
                         "held back" if _held(e) else ("paid" if e.paid_block else "to be paid")])
        if _held(e):
            held.append([d.tranche.class_name, e.wallet, amount, HELD_REASON])
        if e.paid_tx_hash:
            paid = _units(int(e.paid_amount or e.amount), decimals)
            txs.append([f"period {d.period.number}", d.tranche.class_name, paid, e.paid_tx_hash,
                        e.paid_block])

    wallets = sorted(set(Wallet.objects.filter(investor=investor).values_list("address", flat=True))
                     | {e.wallet for e in entitlements})
    as_units = [_units(v, decimals) for v in period_totals]
    as_cumulative = [_units(v, decimals) for v in cumulative]
    balances_by_period: dict[int, Decimal] = defaultdict(Decimal)
    for (number, d), base in units_held.items():  # per tranche, rounded once, as in the holdings
        balances_by_period[number] += _balance(_units(base, d.tranche.token_decimals), d.principal_after,
                                               d.tranche.original_principal, currency)
    chart_labels = [f"P{n}" for n in sorted(balances_by_period)]
    chart_values = [balances_by_period[n] for n in sorted(balances_by_period)]

    notes = []
    if not current:
        notes.append(f"No distribution has been made for period {period.number} yet: there is no interest or "
                     "principal to report for it. Holdings are your allocated notes at the current factor.")
    sections = [
        Section("Holdings at the record date", notes=notes, tables=[
            Table("holdings", "Holdings per tranche",
                  ["tranche", "units", "factor", f"current balance ({currency})"], holdings,
                  empty="You held no notes of this deal at the record date.")]),
        Section("This period", tables=[
            Table("payments", f"Payments for period {period.number} ({currency})",
                  ["tranche", "wallet", "interest", "principal", "residual", "total", "status"], payments,
                  empty=f"No payment to you for period {period.number}."),
            Table("period_totals", f"Totals for period {period.number} ({currency})",
                  ["interest", "principal", "residual", "total"], [[*as_units, sum(as_units)]]),
            Table("held_back", "Amounts held back", ["tranche", "wallet", f"amount ({currency})", "reason"],
                  held, empty="Nothing held back."),
        ]),
        Section("Since issue", tables=[
            Table("cumulative", f"Cumulative totals to period {period.number} ({currency})",
                  ["interest", "principal", "residual", "total"], [[*as_cumulative, sum(as_cumulative)]])],
            chart=Chart("Balance after each period", chart_labels, chart_values, unit=currency)
            if chart_values else None),
        Section("Wallets and transactions", tables=[
            Table("wallets", "Wallets", ["address"], [[w] for w in wallets], empty="No wallet on record."),
            Table("transactions", "Payment transactions", ["period", "tranche", f"amount ({currency})",
                                                           "transaction hash", "block"], txs,
                  empty="No payment transaction yet."),
        ]),
    ]
    if chart_values:
        history = [[label, value] for label, value in zip(chart_labels, chart_values, strict=True)]
        sections[2].tables.append(Table("balance_history", f"Balance after each period ({currency})",
                                        ["period", "balance"], history))
    facts = [("Investor", investor.legal_name), ("Deal", deal.name),
             ("Period", f"{period.number}: {period.start} to {period.end}"),
             ("Record date", str(period.record_date)), ("Payment date", str(period.payment_date)),
             ("Period state", period.get_state_display())]
    data = {
        "kind": report.kind, "deal": deal.pk, "period": period.pk, "investor": investor.pk,
        "currency": currency, "period_state": period.state, "holdings": data_holdings,
        "payments": [[str(v) for v in row] for row in payments],
        "held_back": [[str(v) for v in row[:3]] for row in held],
        "period_totals": [str(v) for v in as_units], "cumulative": [str(v) for v in as_cumulative],
        "wallets": wallets, "transactions": [[str(v) for v in row] for row in txs],
        "balances": {lbl: str(v) for lbl, v in zip(chart_labels, chart_values, strict=True)},
    }
    return Document(title="Investor statement", subtitle=f"{deal.name}, period {period.number}, for "
                    f"{investor.legal_name}", facts=facts, sections=sections, data=data)
