"""Funding records each payment received - amount, value date, payment reference - one at a time or
from a CSV of receipts, all rows or none, a bad row named by line and column. Worked figures: the
closed book of tests/conftest.py, senior 7,000,000.00 USD (Own Investor Ltd) and junior
3,000,000.00 USD (Other Investor Ltd)."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from core.errors import InvalidInput, NotPermitted
from core.models import AuditEvent
from issuance import services
from issuance.models import FundingReceipt, Subscription

pytestmark = pytest.mark.django_db
HEADER = "subscription,amount,currency,value_date,reference\n"


@pytest.fixture
def book(closed_deal):
    senior = Subscription.objects.get(tranche__deal=closed_deal, tranche__seniority=1)
    junior = Subscription.objects.get(tranche__deal=closed_deal, tranche__seniority=2)
    return senior, junior


def state(*subs):
    """What a refused recording must leave as it was."""
    return ([tuple(Subscription.objects.filter(pk=s.pk).values_list("state", "funded_amount").get())
             for s in subs], FundingReceipt.objects.count(), AuditEvent.objects.count())


def receipts():
    return list(FundingReceipt.objects.order_by("id").values_list(
        "subscription_id", "amount", "value_date", "reference", "recorded_by__username"))


def test_one_payment_records_amount_value_date_and_reference(ops, book):
    senior, _ = book
    sub = services.subscription_record_funding(subscription=senior, actor=ops, amount=Decimal("2500000"),
                                               value_date=date(2026, 12, 28), reference="MT103 HSBC 0001")
    assert (sub.state, sub.funded_amount) == ("allocated", Decimal("2500000.00"))
    sub = services.subscription_record_funding(subscription=senior, actor=ops, amount=Decimal("4500000"),
                                               value_date=date(2026, 12, 29), reference="MT103 HSBC 0002")
    assert (sub.state, sub.funded_amount) == ("funded", Decimal("7000000.00"))

    assert receipts() == [
        (senior.pk, Decimal("2500000.00"), date(2026, 12, 28), "MT103 HSBC 0001", "ops"),
        (senior.pk, Decimal("4500000.00"), date(2026, 12, 29), "MT103 HSBC 0002", "ops")]
    assert list(AuditEvent.objects.filter(content_type__model="subscription", object_id=senior.pk)
                .exclude(action="create").order_by("id")
                .values_list("action", "name", "to_state", "reason", "changes"))[-2:] == [
        ("update", "", "", "MT103 HSBC 0001", {"funded_amount": ["0.00", "2500000.00"]}),
        ("transition", "fund", "funded", "MT103 HSBC 0002", {"funded_amount": ["2500000.00", "7000000.00"]}),
    ]
    assert AuditEvent.objects.filter(content_type__model="fundingreceipt", action="create").count() == 2


def test_a_payment_without_a_reference_or_recorded_twice_is_refused(ops, book):
    senior, _ = book
    before = state(senior)
    with pytest.raises(InvalidInput) as refused:
        services.subscription_record_funding(subscription=senior, actor=ops, amount=Decimal("1000000"),
                                             reference="  ")
    assert (refused.value.field, refused.value.message) == (
        "reference", "A payment reference of 1 to 100 characters is required.")
    assert state(senior) == before

    services.subscription_record_funding(subscription=senior, actor=ops, amount=Decimal("1000000"),
                                         reference="MT103-1", value_date=date(2026, 12, 28))
    before = state(senior)
    with pytest.raises(InvalidInput, match="A payment with reference 'MT103-1' is already recorded"):
        services.subscription_record_funding(subscription=senior, actor=ops, amount=Decimal("1000000"),
                                             reference="MT103-1")
    assert state(senior) == before


def test_a_csv_of_receipts_is_recorded_at_once(ops, book):
    senior, junior = book
    data = (HEADER + f"{senior.pk},2500000.00,USD,2026-12-28,MT103-A1\n"
            f"{senior.pk},\"4,500,000.00\",usd,2026-12-29,MT103-A2\n"
            f"{junior.pk},1000000,USD,2026-12-29,MT103-B1\n").encode()

    recorded = services.subscription_funding_import(data=data, actor=ops)

    assert len(recorded) == 3
    assert receipts() == [
        (senior.pk, Decimal("2500000.00"), date(2026, 12, 28), "MT103-A1", "ops"),
        (senior.pk, Decimal("4500000.00"), date(2026, 12, 29), "MT103-A2", "ops"),
        (junior.pk, Decimal("1000000.00"), date(2026, 12, 29), "MT103-B1", "ops")]
    assert state(senior, junior)[0] == [("funded", Decimal("7000000.00")),
                                        ("allocated", Decimal("1000000.00"))]
    ids = [senior.pk, junior.pk]
    assert list(AuditEvent.objects.filter(content_type__model="subscription", object_id__in=ids)
                .exclude(action="create").order_by("id").values_list(
                    "object_id", "action", "to_state", "reason", "changes"))[-2:] == [
        (senior.pk, "transition", "funded", "MT103-A1, MT103-A2", {"funded_amount": ["0.00", "7000000.00"]}),
        (junior.pk, "update", "", "MT103-B1", {"funded_amount": ["0.00", "1000000.00"]})]


def test_bad_cells_are_named_by_line_and_column_and_nothing_is_recorded(ops, book):
    senior, junior = book
    before = state(senior, junior)
    data = (HEADER + f"{senior.pk},2500000.00,USD,2026-12-28,MT103-A1\n"
            f"{senior.pk},abc,USD,2026-12-28,MT103-A2\n"
            f"x{junior.pk},100.005,USD,2026-13-01,\n"
            f"{junior.pk},100.005,USD,2026-12-01,MT103-B9\n").encode()

    with pytest.raises(InvalidInput) as refused:
        services.subscription_funding_import(data=data, actor=ops)

    assert refused.value.field == "file"
    assert refused.value.reasons == [
        "line 3, column 'amount': 'abc' is not an amount",
        f"line 4, column 'subscription': 'x{junior.pk}' is not a subscription id",
        "line 4, column 'value_date': '2026-13-01' is not a date (YYYY-MM-DD)",
        "line 4, column 'reference': a payment reference of 1 to 100 characters is required",
        "line 5, column 'amount': 100.005 has more decimals than USD has"]
    assert refused.value.message.startswith("Nothing was recorded: line 3, column 'amount'")
    assert state(senior, junior) == before


def test_rows_the_book_refuses_are_named_and_nothing_is_recorded(ops, book, open_deal):
    senior, junior = book
    services.subscription_record_funding(subscription=junior, actor=ops, amount=Decimal("1000000"),
                                         reference="MT103-B1", value_date=date(2026, 12, 28))
    before = state(senior, junior)
    data = (HEADER + f"{senior.pk},2500000.00,USD,2026-12-28,MT103-A1\n"
            f"{senior.pk},2500000.00,EUR,2026-12-28,MT103-A2\n"
            "999999999,100,USD,2026-12-28,MT103-X\n"
            f"{junior.pk},500000,USD,2026-12-29,MT103-B1\n"
            f"{senior.pk},4500000.01,USD,2026-12-29,MT103-A3\n").encode()

    with pytest.raises(InvalidInput) as refused:
        services.subscription_funding_import(data=data, actor=ops)

    deal = senior.tranche.deal
    assert refused.value.reasons == [
        f"line 3, column 'currency': EUR, but {deal} is in USD",
        "line 4, column 'subscription': there is no subscription 999999999",
        f"line 5, column 'reference': the payment 'MT103-B1' for subscription #{junior.pk} is already "
        "recorded",
        f"line 6, column 'amount': 4,500,000.01 USD is more than the 4,500,000.00 USD still due on "
        f"subscription #{senior.pk}"]
    assert state(senior, junior) == before


def test_a_role_without_the_permission_records_nothing(trustee, book):
    senior, _ = book
    before = state(senior)
    with pytest.raises(NotPermitted):
        services.subscription_funding_import(
            data=(HEADER + f"{senior.pk},100,USD,2026-12-28,R1\n").encode(), actor=trustee)
    assert state(senior) == before


def test_the_api_imports_receipts_once_per_idempotency_key(ops, book, api):
    senior, junior = book
    body = (HEADER + f"{senior.pk},7000000,USD,2026-12-28,MT103-A1\n"
            f"{junior.pk},3000000,USD,2026-12-28,MT103-B1\n")

    def post(key, text=body):
        return api(ops).post("/api/v1/subscriptions/funding-import/",
                             {"file": SimpleUploadedFile("receipts.csv", text.encode(), "text/csv")},
                             format="multipart", HTTP_IDEMPOTENCY_KEY=key)

    first, again = post("r-1"), post("r-1")

    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert [(r["subscription"], r["amount"], r["currency"], r["value_date"], r["reference"])
            for r in first.json()] == [(senior.pk, "7000000.00", "USD", "2026-12-28", "MT103-A1"),
                                       (junior.pk, "3000000.00", "USD", "2026-12-28", "MT103-B1")]
    assert FundingReceipt.objects.count() == 2
    assert list(Subscription.objects.filter(pk__in=[senior.pk, junior.pk]).values_list(
        "state", flat=True)) == ["funded", "funded"]

    refused = post("r-2")  # the same payments again
    assert refused.status_code == 400
    assert refused.json()["error"]["reasons"][0] == (
        f"line 2, column 'reference': the payment 'MT103-A1' for subscription #{senior.pk} is already "
        "recorded")
    assert FundingReceipt.objects.count() == 2


def test_the_admin_imports_a_receipts_file(client, ops, book):
    senior, junior = book
    client.force_login(ops)
    data = (HEADER + f"{senior.pk},7000000,USD,2026-12-28,MT103-A1\n"
            f"{junior.pk},1000000,USD,2026-12-28,MT103-B1\n")

    response = client.post(reverse("admin:issuance_fundingreceipt_upload"),
                           {"file": SimpleUploadedFile("receipts.csv", data.encode(), "text/csv")},
                           follow=True)

    assert [str(m) for m in response.context["messages"]] == [
        "2 payment(s) recorded for 2 subscription(s); 1 of them now funded in full."]
    assert FundingReceipt.objects.count() == 2


def test_the_admin_records_one_payment_from_the_subscription_page(client, ops, book):
    senior, _ = book
    client.force_login(ops)
    page = client.get(reverse("admin:issuance_subscription_change", args=[senior.pk])).content.decode()
    assert "Record a payment" in page

    response = client.post(reverse("admin:issuance_subscription_funding", args=[senior.pk]),
                           {"amount": "7000000.01", "value_date": "2026-12-28", "reference": "MT103-A1"})
    assert "at most the 7,000,000.00 USD still due" in response.content.decode()
    assert FundingReceipt.objects.count() == 0

    response = client.post(reverse("admin:issuance_subscription_funding", args=[senior.pk]),
                           {"amount": "7000000", "value_date": "2026-12-28", "reference": "MT103-A1"},
                           follow=True)
    assert [str(m) for m in response.context["messages"]] == [
        f"Subscription {senior}: 7,000,000.00 USD received (MT103-A1); 7,000,000.00 USD of "
        "7,000,000.00 USD paid, funded."]
    assert receipts() == [(senior.pk, Decimal("7000000.00"), date(2026, 12, 28), "MT103-A1", "ops")]
