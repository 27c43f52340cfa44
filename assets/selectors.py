"""Reads for the API, the admin and trustees: rows each user may see, receivables aging.

The collateral view per deal is in ``assets/collateral.py``.
"""

from collections import defaultdict
from datetime import date
from decimal import Decimal

from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery, Sum
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
from core.money import quantize
from core.roles import sees_all
from issuance.providers import Pledged

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


def aging(*, as_of: date, lease: Lease | None = None, currency: str | None = None,
          leases: QuerySet[Lease] | None = None) -> dict:
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
    if leases is not None:  # e.g. the leases of a deal's devices (reporting)
        receivables = receivables.filter(lease__in=leases)
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
            {"currency": ccy, **{b: quantize(v, ccy) for b, v in buckets.items()},
             "total": quantize(sum(buckets.values(), zero), ccy), "counts": counts[ccy]}
            for ccy, buckets in sorted(totals.items())
        ],
        "by_lessee": [
            {"currency": ccy, "lessee": name, **{b: quantize(v, ccy) for b, v in buckets.items()},
             "total": quantize(sum(buckets.values(), zero), ccy)}
            for (ccy, name), buckets in sorted(by_lessee.items())
        ],
    }


def pledged_collateral(deal):
    """What issuance asks before issuing an asset-backed deal (issuance.providers): the devices
    assigned to ``deal``, those decommissioned, sold or impaired counted apart. One query."""
    counts = Device.objects.filter(deal=deal).aggregate(
        total=Count("id"), gone=Count("id", filter=Q(state__in=Device.FINAL_STATES)))
    return Pledged(devices=counts["total"] - counts["gone"], excluded=counts["gone"])
