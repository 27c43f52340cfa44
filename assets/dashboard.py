"""Collateral and cash panels on the home page (core.dashboard): invoices overdue, insurance
expiring in 30 days, collections this month."""

from datetime import timedelta

from django.db.models import Count, Exists, F, OuterRef, Sum

from assets.models import InsurancePolicy, Invoice, InvoicePayment
from core import dashboard
from core.dashboard import FIGURE, TODO, Figures, Panel, Row, admin_change, admin_list, month_bounds
from core.money import format_money

OVERDUE_AGES = (("1-30 days", 1, 30), ("31-60 days", 31, 60), ("61-90 days", 61, 90),
                ("over 90 days", 91, None))  # days past the due date
EXPIRY_DAYS = 30
LIST = 10
WEEKS = ((1, 7), (8, 14), (15, 21), (22, 31))  # days of the month


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def invoices_overdue(user, today) -> Figures:
    """Invoices marked overdue, per currency: what is still owed (total less paid less credited),
    then by days past the due date (the chart, scaled per currency). One query."""
    owed = (Invoice.objects.filter(state=Invoice.State.OVERDUE).order_by("currency", "due_date")
            .values_list("currency", "due_date")
            .annotate(n=Count("id"), owed=Sum(F("total") - F("amount_paid") - F("amount_credited"))))
    per_currency: dict[str, list] = {}
    for currency, due, n, amount in owed:
        per_currency.setdefault(currency, []).append(((today - due).days, n, amount))
    rows = []
    for currency, parts in per_currency.items():
        overdue = {"state__exact": Invoice.State.OVERDUE, "currency__exact": currency}
        rows.append(Row(label=f"{currency} ({_plural(sum(n for _, n, _ in parts), 'invoice')})",
                        value=format_money(sum(a for _, _, a in parts), currency),
                        link=admin_list(Invoice, **overdue)))
        for label, low, high in OVERDUE_AGES:
            inside = [(n, a) for days, n, a in parts if days >= low and (high is None or days <= high)]
            if not inside:
                continue
            lookups = {"due_date__lte": (today - timedelta(days=low)).isoformat()}
            if high is not None:
                lookups["due_date__gte"] = (today - timedelta(days=high)).isoformat()
            amount = sum(a for _, a in inside)
            rows.append(Row(label=f"{currency} {label} late", value=format_money(amount, currency),
                            bar=amount, group=currency, link=admin_list(Invoice, **overdue, **lookups)))
    return Figures(rows=rows, chart=True, link=admin_list(Invoice, state__exact=Invoice.State.OVERDUE),
                   link_text="Every overdue invoice", empty="No invoice is overdue.")


def insurance_expiring(user, today) -> Figures:
    """Policies expiring within 30 days whose device has no policy running longer (not renewed).
    Two queries."""
    until = today + timedelta(days=EXPIRY_DAYS)
    renewed = InsurancePolicy.objects.filter(device=OuterRef("device"), expires_on__gt=OuterRef("expires_on"))
    policies = (InsurancePolicy.objects.filter(expires_on__gte=today, expires_on__lte=until)
                .exclude(Exists(renewed)))
    total = policies.count()
    rows = [Row(label=f"{p.device.code}: {p.insurer} {p.policy_number}", value=p.expires_on.isoformat(),
                link=admin_change(p))
            for p in policies.select_related("device").order_by("expires_on", "id")[:LIST]]
    more = f"{total - len(rows):,} not renewed not listed; " if total > len(rows) else ""
    return Figures(rows=rows, empty=f"No policy ends by {until.isoformat()} without a renewal.",
                   link=admin_list(InsurancePolicy, expires_on__gte=today.isoformat(),
                                   expires_on__lte=until.isoformat()),
                   link_text=f"{more}every policy ending by {until.isoformat()}, renewed or not")


def collections_this_month(user, today) -> Figures:
    """Payments received against invoices with a value date in this calendar month, per currency,
    then per week of the month (the chart, scaled per currency). One query."""
    first, last = month_bounds(today)
    paid = (InvoicePayment.objects.filter(value_date__gte=first, value_date__lte=last)
            .order_by("invoice__currency", "value_date").values_list("invoice__currency", "value_date")
            .annotate(n=Count("id"), amount=Sum("amount")))
    per_currency: dict[str, list] = {}
    for currency, day, n, amount in paid:
        per_currency.setdefault(currency, []).append((day.day, n, amount))
    rows = []
    month = first.strftime("%b %Y")
    for currency, parts in per_currency.items():
        rows.append(Row(label=f"{currency} ({_plural(sum(n for _, n, _ in parts), 'payment')})",
                        value=format_money(sum(a for _, _, a in parts), currency),
                        link=admin_list(InvoicePayment, value_date__gte=first.isoformat(),
                                        value_date__lte=last.isoformat(), invoice__currency__exact=currency)))
        for low, high in WEEKS:
            amount = sum((a for d, _, a in parts if low <= d <= high), start=0)
            end = min(high, last.day)
            rows.append(Row(label=f"{currency} {low}-{end} {month}", value=format_money(amount, currency),
                            bar=amount, group=currency,
                            link=admin_list(InvoicePayment, invoice__currency__exact=currency,
                                            value_date__gte=first.replace(day=low).isoformat(),
                                            value_date__lte=first.replace(day=end).isoformat())))
    return Figures(rows=rows, chart=True, empty=f"Nothing received in {month} yet.",
                   link=admin_list(InvoicePayment, value_date__gte=first.isoformat(),
                                   value_date__lte=last.isoformat()),
                   link_text=f"Every payment in {month}")


def register() -> None:
    dashboard.register(
        Panel(key="invoices-overdue", title="Invoices overdue", kind=TODO, order=40,
              permission="assets.record_payment_invoice", compute=invoices_overdue),
        Panel(key="insurance-expiring", title="Insurance expiring in 30 days", kind=TODO, order=60,
              permission="assets.add_insurancepolicy", compute=insurance_expiring),
        Panel(key="collections-this-month", title="Collections this month", kind=FIGURE, order=30,
              permission="assets.view_invoicepayment", compute=collections_this_month),
    )
