"""The servicer / trustee report of a deal for one collection period (docs/reporting.md).

From the period's latest waterfall run (the approved one once the period is approved): the
available funds and where they came from, the waterfall step table, per tranche the beginning
and ending balance, interest and principal in currency and per 1,000 of original balance and the
factor, the OC / IC and other tests against their thresholds, the reserve account; from assets:
the pool figures, lease receivables aging and delinquency, the fleet (utilisation, valuation,
insurance) and concentration by lessee; from reconciliation: the open exceptions of the deal;
and the Regulation AB Item 1121 items the report carries.

Per 1,000: amount x 1,000 / original principal, rounded half-even to 6 decimals; factor: ending /
original principal, 6 decimals. No staff names are printed (investors holding the deal read it).
"""

from datetime import timedelta
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Q, Sum

from assets.collateral import collateral
from assets.models import Invoice, Lease
from assets.selectors import aging
from core import clock
from reconciliation.models import ExceptionLink, ReconException
from reporting.content.document import Document, Section, Table
from reporting.content.regab import item_1121_rows
from reporting.models import Report
from servicing.models import CollectionPeriod, Distribution, Entitlement
from servicing.services.periods import latest_run, previous_run

SIX = Decimal("0.000001")
OPEN_EXCEPTIONS = (ReconException.State.OPEN, ReconException.State.WRITE_OFF_REQUESTED)


def _d(value) -> Decimal:
    return Decimal(str(value))


def _per_1000(amount: Decimal, original: Decimal) -> Decimal:
    return (amount * 1000 / original).quantize(SIX) if original else Decimal(0)


def _tranches(report: Report, run, description: dict) -> tuple[list[list], list[dict]]:
    rows_by_name = {t.class_name: t for t in report.deal.tranches.order_by("seniority")}
    described = {t["name"]: t for t in description.get("tranches", [])}
    before = previous_run(report.period)
    start = before.outputs.get("tranche_balances", {}) if before else {}
    ending = run.outputs.get("tranche_balances", {}) if run else {}
    paid = run.outputs.get("paid", {}) if run else {}
    names = list(dict.fromkeys([*rows_by_name, *described]))
    rows, data = [], []
    for name in names:
        tranche = rows_by_name.get(name)
        original = tranche.original_principal if tranche else _d(described[name]["balance"])
        begin = _d(start[name]) if name in start else _d(described.get(name, {}).get("balance", original))
        end = _d(ending[name]) if name in ending else begin
        interest = _d(paid.get(name, {}).get("interest", "0.00"))
        principal = _d(paid.get(name, {}).get("principal", "0.00"))
        residual = _d(paid.get(name, {}).get("residual", "0.00"))
        rate = tranche.coupon_rate if tranche else _d(described[name].get("rate", "0"))
        factor = (end / original).quantize(SIX) if original else Decimal(0)
        row = [
            name,
            rate,
            original,
            begin,
            interest,
            principal,
            residual,
            end,
            _per_1000(interest, original),
            _per_1000(principal, original),
            factor,
        ]
        rows.append(row)
        data.append(dict(zip(TRANCHE_COLUMNS, [str(v) for v in row], strict=True)))
    return rows, data


TRANCHE_COLUMNS = [
    "tranche",
    "coupon rate",
    "original",
    "beginning balance",
    "interest",
    "principal",
    "residual",
    "ending balance",
    "interest per 1,000",
    "principal per 1,000",
    "factor",
]


def _tests(run, description: dict) -> list[list]:
    described = {t["name"]: t for t in description.get("triggers", [])}
    rows = []
    for name, result in (run.outputs.get("triggers", {}) if run else {}).items():
        spec = described.get(name, {})
        rows.append(
            [
                name,
                spec.get("kind", ""),
                ", ".join(spec.get("tranches", spec.get("triggers", []))),
                None if result["value"] is None else _d(result["value"]),
                _d(result["threshold"]),
                spec.get("breached_when", ""),
                "BREACHED" if result["breached"] else "passed",
            ]
        )
    return rows


def _reserve(run, description: dict) -> list[list]:
    before = run.inputs.get("previous_run") if run else None
    previous = {}
    if before:
        previous = run.period.runs.model.objects.filter(pk=before).values_list("outputs", flat=True).first()
        previous = (previous or {}).get("accounts", {})
    rows = []
    for account in description.get("accounts", []):
        name = account["name"]
        target = account.get("target", {})
        rows.append(
            [
                name,
                _d(previous.get(name, "0.00")),
                _d(run.outputs.get("reserve_deposited", "0.00")),
                _d(run.outputs.get("reserve_released", "0.00")),
                _d(run.outputs.get("reserve_drawn", "0.00")),
                _d(run.outputs.get("accounts", {}).get(name, "0.00")),
                target.get("amount") or target.get("percent") or "",
            ]
        )
    return rows


def _deal_exceptions(deal) -> list[list]:
    """Open reconciliation exceptions about the deal's invoices, periods, distributions or
    entitlements, counted and added up by type."""
    types = ContentType.objects.get_for_models(Invoice, CollectionPeriod, Distribution, Entitlement)
    leases = Lease.objects.filter(devices__deal=deal)
    about = (
        Q(content_type=types[Invoice], object_id__in=Invoice.objects.filter(lease__in=leases).values("pk"))
        | Q(
            content_type=types[CollectionPeriod],
            object_id__in=CollectionPeriod.objects.filter(deal=deal).values("pk"),
        )
        | Q(
            content_type=types[Distribution],
            object_id__in=Distribution.objects.filter(period__deal=deal).values("pk"),
        )
        | Q(
            content_type=types[Entitlement],
            object_id__in=Entitlement.objects.filter(distribution__period__deal=deal).values("pk"),
        )
    )
    exceptions = ReconException.objects.filter(
        state__in=OPEN_EXCEPTIONS, pk__in=ExceptionLink.objects.filter(about).values("exception_id")
    )
    return [
        [dict(ReconException.Type.choices).get(t, t), ccy, n, amount]
        for t, ccy, n, amount in exceptions.values("type", "currency")
        .annotate(n=Count("id"), a=Sum("amount"))
        .order_by("type", "currency")
        .values_list("type", "currency", "n", "a")
    ]


def _aging(deal, as_of) -> tuple[list[list], list[list], dict]:
    result = aging(as_of=as_of, currency=deal.currency, leases=Lease.objects.filter(devices__deal=deal))
    buckets = result["buckets"]
    totals = [[row["currency"], *(row[b] for b in buckets), row["total"]] for row in result["by_currency"]]
    lessees = [[row["lessee"], *(row[b] for b in buckets), row["total"]] for row in result["by_lessee"]]
    return totals, lessees, result


def _delinquency(aging_result: dict, deal) -> list[list]:
    rows = []
    for row in aging_result["by_currency"]:
        total = row["total"]
        late = row["30"] + row["60"] + row["90+"]
        share = (late / total).quantize(Decimal("0.0001")) if total else Decimal(0)
        rows.append([row["currency"], late, row["60"] + row["90+"], row["90+"], total, share])
    return rows


def build(report: Report) -> Document:
    deal, period, currency = report.deal, report.period, report.deal.currency
    run = latest_run(period)
    description = getattr(getattr(deal, "waterfall_description", None), "description", None) or {}
    as_of = min(period.end, clock.today())
    sections = []

    funds_notes = (
        []
        if run
        else [
            f"Period {period.number} has not been determined yet: there are no available "
            "funds, waterfall payments or tests to report."
        ]
    )
    funds_lines = (
        [[line.position, line.get_kind_display(), line.label, line.amount] for line in run.funds_lines.all()]
        if run
        else []
    )
    if run and not funds_lines:
        funds_notes.append(f"No collections were received in period {period.number}.")
    summary = []
    if run:
        summary = [
            [label, _d(run.outputs.get(key, "0.00"))]
            for key, label in (
                ("collections", "collections"),
                ("cash_brought_forward", "cash brought forward"),
                ("reserve_released", "released from the reserve account"),
                ("reserve_drawn", "drawn on the reserve"),
                ("funds_in", "available funds"),
                ("cash_left", "cash left in the collection account"),
            )
        ]
    sections.append(
        Section(
            "Collections and available funds",
            notes=funds_notes,
            tables=[
                Table(
                    "funds_lines",
                    f"Sources of funds ({currency})",
                    ["#", "kind", "source", "amount"],
                    funds_lines,
                    empty="No collections in this period.",
                ),
                Table(
                    "available_funds",
                    f"Available funds ({currency})",
                    ["item", "amount"],
                    summary,
                    empty="Not determined.",
                ),
            ],
        )
    )
    steps = [
        [
            s["step"],
            s["label"],
            s["target"],
            s["applied"],
            _d(s["due"]),
            _d(s["paid"]),
            _d(s["shortfall"]),
            _d(s["carried_forward"]),
            _d(s["balance_after"]) if s["balance_after"] else None,
        ]
        for s in (run.outputs.get("steps", []) if run else [])
    ]
    sections.append(
        Section(
            "Waterfall",
            tables=[
                Table(
                    "waterfall",
                    f"Priority of payments ({currency})",
                    [
                        "step",
                        "label",
                        "target",
                        "applied",
                        "due",
                        "paid",
                        "shortfall",
                        "carried forward",
                        "balance after",
                    ],
                    steps,
                    empty="No waterfall run for this period.",
                ),
            ],
        )
    )
    tranche_rows, tranche_data = _tranches(report, run, description)
    distributed = Distribution.objects.filter(period=period).exists()
    sections.append(
        Section(
            "Notes",
            notes=[] if distributed else [f"No distribution has been made for period {period.number}."],
            tables=[
                Table(
                    "tranches",
                    f"Tranches ({currency}; per 1,000 of original balance)",
                    TRANCHE_COLUMNS,
                    tranche_rows,
                    empty="The deal has no tranches.",
                ),
            ],
        )
    )
    tests = _tests(run, description)
    has_triggers = bool(description.get("triggers"))
    sections.append(
        Section(
            "Performance tests (OC, IC and triggers)",
            notes=[]
            if has_triggers
            else ["The deal's waterfall description defines no OC, IC or other performance tests."],
            tables=[
                Table(
                    "tests",
                    "Tests against their thresholds",
                    ["test", "kind", "of", "value", "threshold", "breached when", "result"],
                    tests,
                    empty="No test results for this period.",
                ),
            ],
        )
    )
    reserve = _reserve(run, description) if run else []
    sections.append(
        Section(
            "Reserve account",
            tables=[
                Table(
                    "reserve",
                    f"Reserve accounts ({currency})",
                    ["account", "beginning", "deposited", "released", "drawn", "ending", "target"],
                    reserve,
                    empty="No reserve account, or no run for this period.",
                ),
            ],
        )
    )
    pool = (
        [
            [label, _d(run.inputs[key])]
            for key, label in (
                ("pool_balance", "pool balance at the period end"),
                ("losses", "losses in the period"),
                ("delinquent", "delinquent balance at the period end"),
            )
        ]
        if run
        else []
    )
    aging_totals, aging_lessees, aging_result = _aging(deal, as_of)
    buckets = ["current (< 30 days)", "30-59", "60-89", "90+"]
    sections.append(
        Section(
            "Pool, receivables aging and delinquency",
            notes=[f"Lease receivables as they stood at the end of {as_of}."],
            tables=[
                Table("pool", f"Pool ({currency})", ["item", "amount"], pool, empty="Not determined."),
                Table(
                    "aging",
                    f"Lease receivables by days past due ({currency})",
                    ["currency", *buckets, "total"],
                    aging_totals,
                    empty="No lease receivables outstanding.",
                ),
                Table(
                    "aging_by_lessee",
                    f"Receivables by lessee ({currency})",
                    ["lessee", *buckets, "total"],
                    aging_lessees,
                    empty="No lease receivables outstanding.",
                ),
                Table(
                    "delinquency",
                    "Delinquency",
                    ["currency", "30+ days", "60+ days", "90+ days", "receivables", "30+ share"],
                    _delinquency(aging_result, deal),
                    empty="No lease receivables outstanding.",
                ),
            ],
        )
    )
    fleet_as_of = as_of + timedelta(days=1)
    fleet = collateral(deal=deal, as_of=fleet_as_of, utilisation_days=(as_of - period.start).days + 1)
    converted = fleet["converted"]
    fleet_rows = [
        ["devices", fleet["device_count"]],
        ["GPUs", fleet["gpu_count"]],
        ["GPU utilisation in the period", fleet["utilisation"]],
        *[
            [f"{m.replace('_', ' ')} ({currency})", converted.get(m)]
            for m in ("purchase_cost", "book_value", "latest_appraisal", "insurance_cover")
        ],
        ["devices uninsured", len(fleet["insurance"]["uninsured"])],
        ["devices with insurance expired", len(fleet["insurance"]["expired"])],
        ["devices under-insured", len(fleet["insurance"]["under_insured"])],
    ]
    devices = [
        [
            d["code"],
            d["kind"],
            d["state"],
            d["site"],
            d["lessee"],
            d["utilisation"],
            d["book_value"],
            d["latest_appraisal"],
            d["insurer"],
            d["insurance_cover"],
            d["insurance_expires_on"],
        ]
        for d in fleet["devices"]
    ]
    concentration = [
        [c["lessee"], c["book_value"], c["share"]] for c in fleet["concentration_by_lessee"] or []
    ]
    receivable_total = sum((row[-1] for row in aging_lessees), Decimal(0))
    by_receivables = (
        [
            [row[0], row[-1], (row[-1] / receivable_total).quantize(Decimal("0.0001"))]
            for row in sorted(aging_lessees, key=lambda r: (-r[-1], r[0]))
        ]
        if receivable_total
        else []
    )
    sections.append(
        Section(
            "Fleet: utilisation, valuation and insurance",
            notes=[
                f"Devices pledged to the deal; utilisation over {period.start} to {as_of}; values at {as_of}."
            ]
            + (
                [f"No rate recorded for {', '.join(converted['missing'])}: totals in {currency} left out."]
                if converted.get("missing")
                else []
            ),
            tables=[
                Table("fleet", "Fleet", ["item", "value"], fleet_rows),
                Table(
                    "devices",
                    "Devices",
                    [
                        "device",
                        "kind",
                        "state",
                        "site",
                        "lessee",
                        "utilisation",
                        "book value",
                        "appraisal",
                        "insurer",
                        "cover",
                        "cover expires",
                    ],
                    devices,
                    empty="No device is pledged to the deal.",
                ),
            ],
        )
    )
    sections.append(
        Section(
            "Concentration by lessee",
            tables=[
                Table(
                    "concentration_value",
                    f"By book value of leased devices ({currency})",
                    ["lessee", "book value", "share"],
                    concentration,
                    empty="No leased device.",
                ),
                Table(
                    "concentration_receivables",
                    f"By receivables outstanding ({currency})",
                    ["lessee", "receivables", "share"],
                    by_receivables,
                    empty="No lease receivables outstanding.",
                ),
            ],
        )
    )
    exceptions = _deal_exceptions(deal)
    sections.append(
        Section(
            "Reconciliation status",
            notes=[
                "Open reconciliation exceptions about this deal's invoices, periods and payouts."
                if exceptions
                else "No open reconciliation exception about this deal."
            ],
            tables=[
                Table(
                    "reconciliation",
                    "Open exceptions",
                    ["type", "currency", "count", "amount"],
                    exceptions,
                    empty="None open.",
                ),
            ],
        )
    )
    sections.append(
        Section(
            "Regulation AB Item 1121",
            tables=[
                Table(
                    "reg_ab_1121",
                    "Items of a distribution report (17 CFR 229.1121(a))",
                    ["item", "what", "where"],
                    item_1121_rows(),
                ),
            ],
        )
    )
    facts = [
        ("Deal", deal.name),
        ("Currency", currency),
        ("Collection period", f"{period.number}: {period.start} to {period.end}"),
        ("Determination date", str(period.determination_date)),
        ("Record date", str(period.record_date)),
        ("Payment date", str(period.payment_date)),
        ("Period state", period.get_state_display()),
        ("Waterfall run", f"{run.number} (description version {run.description_version})" if run else "none"),
    ]
    data = {
        "kind": report.kind,
        "deal": deal.pk,
        "period": period.pk,
        "period_state": period.state,
        "run": run.pk if run else None,
        "inputs": run.inputs if run else None,
        "outputs": run.outputs if run else None,
        "funds_lines": [[str(v) for v in row] for row in funds_lines],
        "tranches": tranche_data,
        "aging": aging_totals,
        "aging_by_lessee": aging_lessees,
        "fleet": fleet_rows,
        "devices": devices,
        "concentration": concentration,
        "exceptions": exceptions,
        "as_of": as_of,
    }
    return Document(
        title="Servicer report",
        subtitle=f"{deal.name}, collection period {period.number}",
        facts=facts,
        sections=sections,
        data=data,
        wide=True,
    )
