"""Reads for the API, the admin and trustees: collateral per deal, aging, utilisation."""

from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_EVEN, Decimal

from django.db.models import F, OuterRef, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce

from assets.models import (
    Appraisal,
    BankEntry,
    BankStatement,
    Counterparty,
    Device,
    InsurancePolicy,
    Invoice,
    InvoicePayment,
    Lease,
    MeterReading,
    Site,
)
from core.clock import as_of_or_today
from core.roles import sees_all

SHARE = Decimal("0.0001")
CENT = Decimal("0.01")
AGING_BUCKETS = ("current", "30", "60", "90+")


def _staff(qs: QuerySet, user) -> QuerySet:
    """Asset records are for staff roles only (investors see them through reports)."""
    return qs if sees_all(user) else qs.none()


def sites_visible_to(user) -> QuerySet[Site]:
    return _staff(Site.objects.all(), user)


def devices_visible_to(user) -> QuerySet[Device]:
    latest = Appraisal.objects.filter(device=OuterRef("pk")).order_by("-valued_on", "-id")
    return _staff(Device.objects.select_related("site", "spv", "deal").annotate(
        latest_appraisal_value=Subquery(latest.values("value")[:1]),
        latest_appraisal_date=Subquery(latest.values("valued_on")[:1]),
    ), user)


def appraisals_visible_to(user) -> QuerySet[Appraisal]:
    return _staff(Appraisal.objects.select_related("device"), user)


def insurance_policies_visible_to(user) -> QuerySet[InsurancePolicy]:
    return _staff(InsurancePolicy.objects.select_related("device"), user)


def counterparties_visible_to(user) -> QuerySet[Counterparty]:
    return _staff(Counterparty.objects.all(), user)


def leases_visible_to(user) -> QuerySet[Lease]:
    return _staff(Lease.objects.select_related("lessee", "spv").prefetch_related("devices", "device_terms"),
                  user)


def invoices_visible_to(user) -> QuerySet[Invoice]:
    return _staff(Invoice.objects.select_related("lease__lessee", "credited_invoice")
                  .prefetch_related("lines", "payments"), user)


def bank_statements_visible_to(user) -> QuerySet[BankStatement]:
    return _staff(BankStatement.objects.all(), user)


def bank_entries_visible_to(user) -> QuerySet[BankEntry]:
    return _staff(BankEntry.objects.select_related("statement"), user)


def meter_readings_visible_to(user) -> QuerySet[MeterReading]:
    return _staff(MeterReading.objects.select_related("device"), user)


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=UTC)


def _share(part, whole) -> str:
    if not whole:
        return "0.0000"
    return str((Decimal(part) / Decimal(whole)).quantize(SHARE, rounding=ROUND_HALF_EVEN))


def aging(*, as_of: date, lease: Lease | None = None, currency: str | None = None) -> dict:
    """Receivables as they stood at the end of ``as_of`` (never in the future), by days past due
    (ABS convention): current (< 30), 30 (30-59), 60 (60-89) and 90+ (90 or more), per currency and
    per lessee, with invoice counts.

    Point in time: invoices (of every kind but credit notes) issued on or before ``as_of``, less
    the payments valued and the credit notes issued on or before it; an invoice written off after
    ``as_of`` still counts. What is outstanding is computed in the query.
    """
    as_of = as_of_or_today(as_of)
    zero = Decimal("0.00")
    paid = (InvoicePayment.objects.filter(invoice=OuterRef("pk"), value_date__lte=as_of).order_by()
            .values("invoice").annotate(s=Sum("amount")).values("s"))
    credited = (Invoice.objects.filter(credited_invoice=OuterRef("pk"), kind=Invoice.Kind.CREDIT_NOTE,
                                       issue_date__lte=as_of).order_by()
                .values("credited_invoice").annotate(s=Sum("total")).values("s"))
    receivables = (
        Invoice.objects.exclude(kind=Invoice.Kind.CREDIT_NOTE).filter(issue_date__lte=as_of)
        .exclude(written_off_on__lte=as_of)
        .annotate(open_amount=F("total") - Coalesce(Subquery(paid), zero)
                  + Coalesce(Subquery(credited), zero))
        .filter(open_amount__gt=0)
        .values_list("currency", "lease__lessee__legal_name", "due_date", "open_amount")
    )
    if lease is not None:
        receivables = receivables.filter(lease=lease)
    if currency:
        receivables = receivables.filter(currency=currency)
    totals: dict = defaultdict(lambda: {b: zero for b in AGING_BUCKETS})
    counts: dict = defaultdict(lambda: {b: 0 for b in AGING_BUCKETS})
    by_lessee: dict = defaultdict(lambda: {b: zero for b in AGING_BUCKETS})
    for ccy, lessee, due_date, amount in receivables.order_by("pk"):
        days = (as_of - due_date).days
        bucket = "current" if days < 30 else "30" if days < 60 else "60" if days < 90 else "90+"
        totals[ccy][bucket] += amount
        counts[ccy][bucket] += 1
        by_lessee[(ccy, lessee)][bucket] += amount
    return {
        "as_of": as_of,
        "buckets": list(AGING_BUCKETS),
        "by_currency": [
            {"currency": ccy, **{b: str(v) for b, v in buckets.items()},
             "total": str(sum(buckets.values(), zero)), "counts": counts[ccy]}
            for ccy, buckets in sorted(totals.items())
        ],
        "by_lessee": [
            {"currency": ccy, "lessee": name, **{b: str(v) for b, v in buckets.items()},
             "total": str(sum(buckets.values(), zero))}
            for (ccy, name), buckets in sorted(by_lessee.items())
        ],
    }


def collateral(*, deal, as_of: date, utilisation_days: int = 30, expiring_within_days: int = 90) -> dict:
    """The collateral behind a deal: pledged devices, book value, latest appraisal, insurance,
    utilisation over the last ``utilisation_days`` and concentration by lessee and site."""
    devices = list(Device.objects.filter(deal=deal).select_related("site").annotate(
        latest_appraisal_value=Subquery(Appraisal.objects.filter(device=OuterRef("pk"))
                                        .order_by("-valued_on", "-id").values("value")[:1]),
        latest_appraisal_date=Subquery(Appraisal.objects.filter(device=OuterRef("pk"))
                                       .order_by("-valued_on", "-id").values("valued_on")[:1]),
    ).order_by("code"))
    ids = [d.pk for d in devices]
    policies: dict[int, InsurancePolicy] = {}
    for policy in InsurancePolicy.objects.filter(device_id__in=ids, starts_on__lte=as_of).order_by(
            "device_id", "expires_on"):
        policies[policy.device_id] = policy  # the one expiring last
    start = _midnight(as_of - timedelta(days=utilisation_days))
    usage = dict(MeterReading.objects.filter(device_id__in=ids, hour__gte=start, hour__lt=_midnight(as_of))
                 .values("device_id").annotate(s=Sum("gpu_hours")).values_list("device_id", "s"))
    lessee_of: dict[int, str] = {}
    for device_id, name in Lease.devices.through.objects.filter(
            device_id__in=ids, lease__state__in=[Lease.State.ACTIVE, Lease.State.SUSPENDED]
    ).values_list("device_id", "lease__lessee__legal_name"):
        lessee_of[device_id] = name
    zero = Decimal("0.00")
    rows, by_site, by_lessee = [], defaultdict(lambda: zero), defaultdict(lambda: zero)
    totals = {"book_value": zero, "latest_appraisal": zero, "insurance_cover": zero, "purchase_cost": zero}
    gpus = gpu_hours_used = 0
    expired, expiring, uninsured = [], [], []
    for d in devices:
        value = d.book_value(as_of)
        policy = policies.get(d.pk)
        cover = policy.cover_amount if policy and policy.expires_on >= as_of else zero
        if policy is None:
            uninsured.append(d.code)
        elif policy.expires_on < as_of:
            expired.append(d.code)
        elif policy.expires_on <= as_of + timedelta(days=expiring_within_days):
            expiring.append({"device": d.code, "expires_on": policy.expires_on})
        used = int(usage.get(d.pk) or 0)
        if d.gpu_count:
            gpus += d.gpu_count
            gpu_hours_used += used
        totals["book_value"] += value
        totals["latest_appraisal"] += d.latest_appraisal_value or zero
        totals["insurance_cover"] += cover
        totals["purchase_cost"] += d.purchase_cost
        by_site[d.site.name] += value
        by_lessee[lessee_of.get(d.pk, "(not leased)")] += value
        rows.append({
            "id": d.pk, "code": d.code, "kind": d.kind, "state": d.state, "site": d.site.name,
            "gpu_count": d.gpu_count, "purchase_cost": str(d.purchase_cost), "book_value": str(value),
            "latest_appraisal": (None if d.latest_appraisal_value is None
                                 else str(d.latest_appraisal_value.quantize(CENT))),
            "latest_appraisal_date": d.latest_appraisal_date,
            "insurer": policy.insurer if policy else None,
            "insurance_cover": str(cover), "insurance_expires_on": policy.expires_on if policy else None,
            "lessee": lessee_of.get(d.pk),
            "utilisation": _share(used, (d.gpu_count or 0) * utilisation_days * 24),
        })
    book = totals["book_value"]
    return {
        "deal": deal.pk, "deal_name": deal.name, "currency": deal.currency, "as_of": as_of,
        "device_count": len(devices), "gpu_count": gpus,
        **{k: str(v.quantize(CENT)) for k, v in totals.items()},
        "utilisation": _share(gpu_hours_used, gpus * utilisation_days * 24),
        "utilisation_days": utilisation_days,
        "insurance": {"expired": expired, "expiring_within_days": expiring_within_days,
                      "expiring": expiring, "uninsured": uninsured},
        "concentration_by_lessee": [{"lessee": k, "book_value": str(v), "share": _share(v, book)}
                                    for k, v in sorted(by_lessee.items(), key=lambda kv: (-kv[1], kv[0]))],
        "concentration_by_site": [{"site": k, "book_value": str(v), "share": _share(v, book)}
                                  for k, v in sorted(by_site.items(), key=lambda kv: (-kv[1], kv[0]))],
        "devices": rows,
    }


