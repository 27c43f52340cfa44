"""The deal page in the admin: confirmation pages ask a sentence, closing the book shows its preview
(demand, oversubscription, pro-rata result) before the button, and the page shows the book totals."""

import re
from html import unescape

import pytest
from django.urls import reverse

from core.models import AuditEvent
from issuance import services
from issuance.models import Deal, Subscription
from tests.factories import make_investor, make_spv, subscribe, to_state

pytestmark = pytest.mark.django_db


def text(response) -> str:
    """The page's visible words, tags dropped and spaces collapsed."""
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())


def confirm_page(client, model: str, pk: int, name: str):
    response = client.get(reverse(f"admin:issuance_{model}_transition", args=[pk, name]))
    assert response.status_code == 200
    return text(response)


def test_confirmation_pages_ask_a_sentence_with_the_objects_name(client, ops, officer, draft_deal):
    client.force_login(ops)
    deal = to_state(draft_deal, "structuring", maker=ops, checker=officer)
    page = confirm_page(client, "deal", deal.pk, "submit_for_review")
    assert f"Submit {deal.name} for compliance review?" in page
    assert f"Deal {deal.name} is structuring now." in page
    assert f"Cancel {deal.name}?" in confirm_page(client, "deal", deal.pk, "cancel")

    services.deal_transition(deal=deal, name="submit_for_review", actor=ops)
    client.force_login(officer)
    assert f"Approve the structure of {deal.name}?" in confirm_page(client, "deal", deal.pk, "approve")
    assert f"Return {deal.name} to structuring?" in confirm_page(client, "deal", deal.pk,
                                                                  "return_to_structuring")

    client.force_login(ops)
    spv = make_spv(actor=ops, active=False)
    assert f"Activate {spv.legal_name}?" in confirm_page(client, "spv", spv.pk, "activate")


def test_a_subscriptions_confirmation_names_it(client, ops, open_deal, investor):
    client.force_login(ops)
    sub = subscribe(actor=ops, investor=investor, tranche=open_deal.tranches.get(seniority=1),
                    amount="1000000", accept=False)
    assert (f"Accept #{sub.pk} Own Investor Ltd / {open_deal.name} Class 1?"
            in confirm_page(client, "subscription", sub.pk, "accept"))


@pytest.fixture
def book(ops, open_deal):
    """The book of docs/allocation.md: senior 7,000,000.00 asked 6, 4 and 2 million, junior
    3,000,000.00 asked 3,000,000.00."""
    senior, junior = open_deal.tranches.order_by("seniority")
    subs = {name: subscribe(actor=ops, investor=make_investor(actor=ops, name=f"{name} Ltd"),
                            tranche=tranche, amount=amount)
            for name, tranche, amount in (("A", senior, "6000000"), ("B", senior, "4000000"),
                                          ("C", senior, "2000000"), ("J", junior, "3000000"))}
    return open_deal, subs


def test_close_book_shows_the_preview_first_and_saves_nothing(client, ops, book):
    deal, subs = book
    client.force_login(ops)
    events = AuditEvent.objects.count()

    page = confirm_page(client, "deal", deal.pk, "close_book")

    assert f"Close the book of {deal.name} and allocate it pro rata?" in page
    assert ("Class 1: 12,000,000.00 USD accepted for 7,000,000.00 USD (171.43 % of the size, "
            "oversubscribed)") in page
    for name, requested, allocated in (("A", "6,000,000.00", "3,500,000.00"),
                                       ("B", "4,000,000.00", "2,300,000.00"),
                                       ("C", "2,000,000.00", "1,200,000.00")):
        assert (f"#{subs[name].pk} {name} Ltd {requested} USD {allocated} USD") in page
    assert "total (lots of 100,000.00 USD) 12,000,000.00 USD 7,000,000.00 USD" in page
    assert "Class 2: 3,000,000.00 USD accepted for 3,000,000.00 USD (100.00 % of the size)" in page
    assert "cannot close yet" not in page
    assert AuditEvent.objects.count() == events
    assert set(Subscription.objects.filter(tranche__deal=deal).values_list("state", flat=True)) == {
        "accepted"}
    deal.refresh_from_db()
    assert deal.state == Deal.State.OPEN

    response = client.post(reverse("admin:issuance_deal_transition", args=[deal.pk, "close_book"]),
                           {"reason": ""})
    assert response.status_code == 302
    assert dict(Subscription.objects.filter(tranche__deal=deal).values_list("pk", "allocated_amount")) == {
        subs["A"].pk: 3500000, subs["B"].pk: 2300000, subs["C"].pk: 1200000, subs["J"].pk: 3000000}


def test_a_book_that_cannot_close_says_why_and_offers_no_button(client, ops, open_deal, investor):
    client.force_login(ops)
    subscribe(actor=ops, investor=investor, tranche=open_deal.tranches.get(seniority=1), amount="7000000")

    response = client.get(reverse("admin:issuance_deal_transition", args=[open_deal.pk, "close_book"]))

    page = text(response)
    assert ("The book cannot close yet: Class 2 has no accepted subscriptions.") in page
    assert ("Class 2: 0.00 USD accepted for 3,000,000.00 USD (0.00 % of the size, short by "
            "3,000,000.00 USD)") in page
    assert 'value="Close book and allocate" disabled' in response.content.decode()


def test_the_deal_page_shows_the_book_totals(client, ops, closed_deal):
    senior = closed_deal.tranches.get(seniority=1)
    sub = Subscription.objects.get(tranche=senior)
    services.subscription_record_funding(subscription=sub, actor=ops, amount=sub.allocated_amount,
                                         reference=f"W{sub.pk}")
    client.force_login(ops)

    page = text(client.get(reverse("admin:issuance_deal_change", args=[closed_deal.pk])))

    seven, three, ten, nil = "7,000,000.00", "3,000,000.00", "10,000,000.00", "0.00"

    def row(*amounts):
        return " ".join(f"{a} USD" for a in amounts)

    assert ("tranche size requested accepted allocated funded settled "
            f"Class 1 {row(seven, seven, seven, seven, seven, nil)} "
            f"Class 2 {row(three, three, three, three, nil, nil)} "
            f"deal {row(ten, ten, ten, ten, seven, nil)}") in page
