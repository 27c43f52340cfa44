"""The collateral behind a deal: every amount with its currency, converted only through recorded rates.

Devices, appraisals and insurance policies each carry their own currency. The view
adds amounts up per currency; a total in the deal's currency (its reporting currency)
converts each currency's total through the latest recorded FX rate on or before the
day of the view (``core.fx``), naming the rate, its date and its source. When a
currency has no rate, that total is ``None`` and the missing pair is named: a figure
is never made up. Insurance cover is compared with the device's book value in the
device's currency: directly when the policy is in that currency, else through a
recorded rate, else listed as not comparable with the missing pair.
"""

from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_EVEN, Decimal

from django.db.models import OuterRef, Subquery, Sum

from assets.models import Appraisal, Device, InsurancePolicy, Lease, MeterReading
from core.fx import AppliedRate, latest_rates
from core.money import minor_unit

MEASURES = ("purchase_cost", "book_value", "latest_appraisal", "insurance_cover")
SHARE = Decimal("0.0001")


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=UTC)


def _share(part, whole) -> Decimal:
    if not whole:
        return Decimal("0.0000")
    return (Decimal(part) / Decimal(whole)).quantize(SHARE, rounding=ROUND_HALF_EVEN)


def _in_units(amount: Decimal, currency: str) -> Decimal:
    return amount.quantize(minor_unit(currency), rounding=ROUND_HALF_EVEN)


def _rate_data(applied: AppliedRate) -> dict:
    row = applied.rate
    return {"from_currency": applied.from_currency, "to_currency": applied.to_currency,
            "recorded_pair": f"{row.base}/{row.quote}", "rate": row.rate, "inverted": applied.inverted,
            "as_of": row.as_of, "source": row.source, "fx_rate_id": row.pk}


def _convert_all(amounts: dict[str, Decimal], to: str, rates: dict) -> tuple[Decimal | None, set[str]]:
    """Sum of ``{currency: amount}`` in ``to``, or ``None`` and the currencies without a rate."""
    lacking = {ccy for ccy, amount in amounts.items() if amount and ccy != to and (ccy, to) not in rates}
    if lacking:
        return None, lacking
    total = sum((amount if ccy == to else rates[(ccy, to)].convert(amount)
                 for ccy, amount in amounts.items() if amount), Decimal(0))
    return _in_units(total, to), set()


def _concentration(buckets: dict[tuple[str, str], Decimal], to: str, rates: dict, key: str) -> list | None:
    """Book value per name in ``to`` with its share; ``None`` when some currency has no rate."""
    per_name: dict[str, dict[str, Decimal]] = defaultdict(dict)
    for (name, ccy), amount in buckets.items():
        per_name[name][ccy] = amount
    converted = {}
    for name, amounts in per_name.items():
        converted[name], lacking = _convert_all(amounts, to, rates)
        if lacking:
            return None
    whole = sum(converted.values(), Decimal(0))
    return [{key: name, "book_value": value, "share": _share(value, whole)}
            for name, value in sorted(converted.items(), key=lambda kv: (-kv[1], kv[0]))]


def _cover_in(currency: str, policy, rates: dict) -> tuple[Decimal | None, dict | None]:
    """A policy's cover in ``currency`` (the device's) and the rate used, if any; ``None`` without a rate."""
    if policy is None:
        return None, None
    if policy.currency == currency:
        return policy.cover_amount, None
    applied = rates.get((policy.currency, currency))
    if applied is None:
        return None, None
    return applied.convert(policy.cover_amount), _rate_data(applied)


def _devices(deal) -> list[Device]:
    latest = Appraisal.objects.filter(device=OuterRef("pk")).order_by("-valued_on", "-id")
    return list(Device.objects.filter(deal=deal).select_related("site").annotate(
        latest_appraisal_value=Subquery(latest.values("value")[:1]),
        latest_appraisal_date=Subquery(latest.values("valued_on")[:1]),
        latest_appraisal_currency=Subquery(latest.values("currency")[:1]),
    ).order_by("code"))


def _policies(ids: list[int], as_of: date) -> dict[int, InsurancePolicy]:
    policies: dict[int, InsurancePolicy] = {}
    for policy in InsurancePolicy.objects.filter(device_id__in=ids, starts_on__lte=as_of).order_by(
            "device_id", "expires_on"):
        policies[policy.device_id] = policy  # the one expiring last
    return policies


def _lessees(ids: list[int]) -> dict[int, str]:
    return dict(Lease.devices.through.objects.filter(
        device_id__in=ids, lease__state__in=[Lease.State.ACTIVE, Lease.State.SUSPENDED]
    ).values_list("device_id", "lease__lessee__legal_name"))


def collateral(*, deal, as_of: date, utilisation_days: int = 30, expiring_within_days: int = 90) -> dict:
    """Pledged devices, their value and insurance per currency, a total in the deal's currency
    through recorded rates, utilisation over the last ``utilisation_days`` and concentration by
    lessee and site. Amounts are ``Decimal`` in their currency's minor unit; shares have 4 places.
    A device whose figures give no book value is listed in ``problems`` (and on its row) and left
    out of the book value totals, so one bad row never takes the view down."""
    reporting = deal.currency
    devices = _devices(deal)
    ids = [d.pk for d in devices]
    policies = _policies(ids, as_of)
    in_force = {pk: p for pk, p in policies.items() if p.expires_on >= as_of}
    start = _midnight(as_of - timedelta(days=utilisation_days))
    usage = dict(MeterReading.objects.filter(device_id__in=ids, hour__gte=start, hour__lt=_midnight(as_of))
                 .values("device_id").annotate(hours=Sum("gpu_hours")).values_list("device_id", "hours"))
    lessee_of = _lessees(ids)
    by_id = {d.pk: d for d in devices}
    pairs = {(d.currency, reporting) for d in devices}
    pairs |= {(d.latest_appraisal_currency, reporting) for d in devices if d.latest_appraisal_currency}
    pairs |= {(p.currency, reporting) for p in in_force.values()}
    pairs |= {(p.currency, by_id[pk].currency) for pk, p in in_force.items()}
    rates = latest_rates(pairs, on=as_of)

    totals: dict[str, dict[str, Decimal]] = defaultdict(lambda: dict.fromkeys(MEASURES, Decimal(0)))
    by_site: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    by_lessee: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    rows, expired, expiring, uninsured, under_insured, not_comparable = [], [], [], [], [], []
    problems = []
    gpus = gpu_hours_used = 0
    for d in devices:
        value, problem = d.valuation(as_of)
        if problem is not None:  # the row shows it; the totals leave the device out and say so
            problems.append({"device": d.code, "problem": problem})
        policy, cover = policies.get(d.pk), in_force.get(d.pk)
        if policy is None:
            uninsured.append(d.code)
        elif cover is None:
            expired.append(d.code)
        elif policy.expires_on <= as_of + timedelta(days=expiring_within_days):
            expiring.append({"device": d.code, "expires_on": policy.expires_on})
        cover_in_device_currency, cover_rate = _cover_in(d.currency, cover, rates)
        if cover is not None:
            totals[cover.currency]["insurance_cover"] += cover.cover_amount
            if cover_in_device_currency is None:
                not_comparable.append({"device": d.code, "missing": f"{cover.currency}/{d.currency}"})
            elif value is not None and cover_in_device_currency < value:
                under_insured.append({"device": d.code, "currency": d.currency, "book_value": value,
                                      "cover": cover_in_device_currency})
        used = int(usage.get(d.pk) or 0)
        if d.gpu_count:
            gpus += d.gpu_count
            gpu_hours_used += used
        totals[d.currency]["purchase_cost"] += d.purchase_cost
        if d.latest_appraisal_value is not None:
            totals[d.latest_appraisal_currency]["latest_appraisal"] += d.latest_appraisal_value
        if value is not None:
            totals[d.currency]["book_value"] += value
            by_site[(d.site.name, d.currency)] += value
            by_lessee[(lessee_of.get(d.pk, "(not leased)"), d.currency)] += value
        rows.append({
            "id": d.pk, "code": d.code, "kind": d.kind, "state": d.state, "site": d.site.name,
            "gpu_count": d.gpu_count, "currency": d.currency, "purchase_cost": d.purchase_cost,
            "book_value": value, "book_value_problem": problem, "latest_appraisal": d.latest_appraisal_value,
            "latest_appraisal_date": d.latest_appraisal_date,
            "insurer": policy.insurer if policy else None,
            "insurance_currency": policy.currency if policy else None,
            "insurance_cover": cover.cover_amount if cover else None,
            "insurance_expires_on": policy.expires_on if policy else None,
            "insurance_cover_in_device_currency": cover_in_device_currency, "insurance_rate": cover_rate,
            "lessee": lessee_of.get(d.pk),
            "utilisation": _share(used, (d.gpu_count or 0) * utilisation_days * 24),
        })

    converted, missing = {"currency": reporting}, set()
    for measure in MEASURES:
        amounts = {ccy: sums[measure] for ccy, sums in totals.items()}
        converted[measure], lacking = _convert_all(amounts, reporting, rates)
        missing |= lacking
    converted["rates"] = [_rate_data(rates[(ccy, reporting)]) for ccy in sorted(totals)
                          if ccy != reporting and (ccy, reporting) in rates]
    converted["missing"] = [f"{c}/{reporting}" for c in sorted(missing)]
    return {
        "deal": deal.pk, "deal_name": deal.name, "reporting_currency": reporting, "as_of": as_of,
        "device_count": len(devices), "gpu_count": gpus,
        "totals": [{"currency": ccy, **{m: _in_units(sums[m], ccy) for m in MEASURES}}
                   for ccy, sums in sorted(totals.items())],
        "converted": converted,
        "utilisation": _share(gpu_hours_used, gpus * utilisation_days * 24),
        "utilisation_days": utilisation_days,
        "insurance": {"expired": expired, "expiring_within_days": expiring_within_days,
                      "expiring": expiring, "uninsured": uninsured, "under_insured": under_insured,
                      "not_comparable": not_comparable},
        "concentration_by_lessee": _concentration(by_lessee, reporting, rates, "lessee"),
        "concentration_by_site": _concentration(by_site, reporting, rates, "site"),
        "devices": rows,
        "problems": problems,
    }
