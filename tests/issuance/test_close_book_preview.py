"""Before closing the book, operations see per tranche the demand against the size and the
pro-rata result close_book would save, without anything being saved."""

from decimal import Decimal

import pytest

from core.errors import Refused
from core.models import AuditEvent
from issuance.models import Subscription
from issuance.selectors import CloseBookPreview, PreviewLine, TranchePreview, close_book_preview
from tests.factories import make_investor, subscribe

pytestmark = pytest.mark.django_db


@pytest.fixture
def book(ops, open_deal):
    senior, junior = open_deal.tranches.order_by("seniority")
    subs = {}
    for name, tranche, amount, accept in (("A", senior, "6000000", True), ("B", senior, "4000000", True),
                                          ("C", senior, "2000000", True), ("J", junior, "2000000", True),
                                          ("K", junior, "100000", False)):
        subs[name] = subscribe(actor=ops, investor=make_investor(actor=ops, name=f"{name} Ltd"),
                               tranche=tranche, amount=amount, accept=accept)
    return open_deal, senior, junior, subs


def test_the_preview_gives_demand_ratio_and_pro_rata_per_tranche(book):
    deal, senior, junior, subs = book
    events = AuditEvent.objects.count()

    preview = close_book_preview(deal)

    def line(name, requested, allocated):
        sub = subs[name]
        return PreviewLine(subscription_id=sub.pk, investor_id=sub.investor_id, investor=f"{name} Ltd",
                           currency="USD", requested_amount=Decimal(requested),
                           allocated_amount=Decimal(allocated))

    assert preview == CloseBookPreview(
        deal_id=deal.pk, currency="USD", can_close=False,
        reasons=("1 subscription request(s) still await a decision (accept or reject).",
                 "Class 2 is short by 1,000,000.00 USD (2,000,000.00 USD accepted of 3,000,000.00 USD)."),
        tranches=(
            TranchePreview(
                tranche_id=senior.pk, class_name="Class 1", seniority=1, currency="USD",
                size=Decimal("7000000.00"),
                minimum_denomination=Decimal("100000.00"), demand=Decimal("12000000.00"), pending=0,
                oversubscription=Decimal("1.7143"), shortfall=Decimal("0.00"),
                allocated=Decimal("7000000.00"),
                # 70 lots for 60 + 40 + 20 asked: 35, 23.33, 11.67 -> 35, 23, 12 (largest remainder)
                lines=(line("A", "6000000.00", "3500000.00"), line("B", "4000000.00", "2300000.00"),
                       line("C", "2000000.00", "1200000.00"))),
            TranchePreview(
                tranche_id=junior.pk, class_name="Class 2", seniority=2, currency="USD",
                size=Decimal("3000000.00"),
                minimum_denomination=Decimal("100000.00"), demand=Decimal("2000000.00"), pending=1,
                oversubscription=Decimal("0.6667"), shortfall=Decimal("1000000.00"),
                allocated=Decimal("2000000.00"),
                lines=(line("J", "2000000.00", "2000000.00"),)),
        ),
    )
    assert set(Subscription.objects.values_list("state", flat=True)) == {"accepted", "requested"}
    assert not Subscription.objects.exclude(allocated_amount=0).exists()
    assert AuditEvent.objects.count() == events


def test_the_preview_matches_what_close_book_then_saves(ops, book):
    from issuance import services

    deal, senior, junior, subs = book
    services.subscription_transition(subscription=subs["K"], name="accept", actor=ops)
    services.subscription_request(actor=ops, investor=make_investor(actor=ops), tranche=junior,
                                  requested_amount=Decimal("900000"))
    services.subscription_transition(
        subscription=Subscription.objects.get(state="requested"), name="accept", actor=ops)
    preview = close_book_preview(deal)
    assert preview.can_close and preview.reasons == ()

    services.deal_close_book(deal=deal, actor=ops)

    saved = dict(Subscription.objects.values_list("id", "allocated_amount"))
    assert {ln.subscription_id: ln.allocated_amount for t in preview.tranches for ln in t.lines} == saved


def test_the_preview_is_for_open_deals(ops, closed_deal):
    with pytest.raises(Refused) as refused:
        close_book_preview(closed_deal)

    assert refused.value.message == (
        f"Deal '{closed_deal}' is 'closed (allocated)'; the close-book preview is for deals open "
        "for subscription.")


def test_the_api_serves_the_preview_as_decimal_strings(api, ops, book):
    deal, senior, junior, subs = book

    response = api(ops).get(f"/api/v1/deals/{deal.pk}/close-book-preview/")

    assert response.status_code == 200
    body = response.json()
    assert (body["can_close"], body["currency"]) == (False, "USD")
    first = body["tranches"][0]
    assert {k: first[k] for k in ("size", "demand", "oversubscription", "shortfall", "allocated")} == {
        "size": "7000000.00", "demand": "12000000.00", "oversubscription": "1.7143",
        "shortfall": "0.00", "allocated": "7000000.00"}
    assert first["lines"][0] == {"subscription_id": subs["A"].pk, "investor_id": subs["A"].investor_id,
                                 "investor": "A Ltd", "requested_amount": "6000000.00",
                                 "allocated_amount": "3500000.00"}


def test_investors_do_not_see_the_book(api, investor_user, book):
    deal, *_ = book

    response = api(investor_user).get(f"/api/v1/deals/{deal.pk}/close-book-preview/")

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"


def test_the_api_answers_409_for_a_closed_deal(api, trustee, closed_deal):
    response = api(trustee).get(f"/api/v1/deals/{closed_deal.pk}/close-book-preview/")

    assert response.status_code == 409
