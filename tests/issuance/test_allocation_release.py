"""An unfunded allocation can be defaulted or cancelled, with its lots either taken off the
tranche or offered again to the tranche's other subscribers, so one investor who does not pay
no longer blocks the issue."""

from decimal import Decimal

import pytest

from core import roles
from core.errors import GuardFailed, InvalidInput, NotPermitted, Refused, TransitionNotAllowed
from core.models import AuditEvent
from issuance import services
from issuance.models import Deal, Subscription, Tranche
from tests.factories import make_investor, pledge_collateral, subscribe

pytestmark = pytest.mark.django_db


def _close(deal, ops):
    pledge_collateral(actor=ops, deal=deal)  # so that only the book decides whether it issues
    services.deal_transition(deal=deal, name="close_book", actor=ops)
    deal.refresh_from_db()
    return deal


def _fund(sub, ops):
    sub.refresh_from_db()
    return services.subscription_record_funding(subscription=sub, actor=ops,
                                                amount=sub.allocated_amount - sub.funded_amount,
                                                reference=f"W{sub.pk}-{sub.funded_amount}")


@pytest.fixture
def book(ops, open_deal):
    """Senior 7,000,000 taken by A (5,000,000) and B (2,000,000); junior 3,000,000 by C.
    The book is closed; A and C have paid, B has not."""
    senior, junior = open_deal.tranches.order_by("seniority")
    a = subscribe(actor=ops, investor=make_investor(actor=ops, name="A Ltd"), tranche=senior,
                  amount="5000000")
    b = subscribe(actor=ops, investor=make_investor(actor=ops, name="B Ltd"), tranche=senior,
                  amount="2000000")
    c = subscribe(actor=ops, investor=make_investor(actor=ops, name="C Ltd"), tranche=junior,
                  amount="3000000")
    deal = _close(open_deal, ops)
    _fund(a, ops)
    _fund(c, ops)
    b.refresh_from_db()
    return deal, senior, a, b, c


def test_the_review_case_one_unpaid_allocation_blocked_the_issue_for_good(ops, book):
    deal, senior, a, b, c = book
    # What the review found: the allocation cannot be cancelled on its own, and issue waits for it.
    with pytest.raises(TransitionNotAllowed):
        services.subscription_transition(subscription=b, name="cancel", actor=ops, reason="did not pay")
    with pytest.raises(GuardFailed):
        services.deal_transition(deal=deal, name="issue", actor=ops)

    b = services.subscription_default_allocation(
        subscription=b, actor=ops, reason="No funds by the settlement deadline.", lots="reduce_tranche")

    assert (b.state, b.allocated_amount, b.funded_amount) == (
        "defaulted", Decimal("2000000.00"), Decimal("0.00"))
    senior.refresh_from_db()
    deal.refresh_from_db()
    assert (senior.original_principal, senior.current_principal) == (
        Decimal("5000000.00"), Decimal("5000000.00"))
    assert deal.target_size == Decimal("8000000.00")
    deal = services.deal_transition(deal=deal, name="issue", actor=ops)
    assert deal.state == Deal.State.ISSUED
    assert sorted(Subscription.objects.filter(tranche__deal=deal).values_list(
        "investor__legal_name", "state", "funded_amount")) == [
        ("A Ltd", "settled", Decimal("5000000.00")),
        ("B Ltd", "defaulted", Decimal("0.00")),
        ("C Ltd", "settled", Decimal("3000000.00")),
    ]


def test_reducing_the_tranche_is_audited_on_the_subscription_the_tranche_and_the_deal(ops, book):
    deal, senior, _, b, _ = book

    services.subscription_default_allocation(
        subscription=b, actor=ops, reason="No funds by the settlement deadline.", lots="reduce_tranche")

    event = AuditEvent.objects.get(content_type__model="subscription", object_id=b.pk,
                                   name="default_allocation")
    assert (event.action, event.from_state, event.to_state, event.reason, event.actor) == (
        "transition", "allocated", "defaulted", "No funds by the settlement deadline.", ops)
    why = f"Subscription #{b.pk} defaulted (No funds by the settlement deadline.): its 20 lots " \
          "(2,000,000.00 USD) are taken off the tranche."
    tranche_event = AuditEvent.objects.get(content_type__model="tranche", object_id=senior.pk,
                                           action="update")
    assert (tranche_event.reason, tranche_event.changes, tranche_event.actor) == (why, {
        "original_principal": ["7000000.00", "5000000.00"],
        "current_principal": ["7000000.00", "5000000.00"]}, ops)
    deal_event = AuditEvent.objects.get(content_type__model="deal", object_id=deal.pk, action="update")
    assert (deal_event.reason, deal_event.changes) == (
        why, {"target_size": ["10000000.00", "8000000.00"]})


def test_cancelling_an_allocation_ends_it_as_cancelled(ops, book):
    deal, senior, _, b, _ = book

    b = services.subscription_cancel_allocation(
        subscription=b, actor=ops, reason="Investor withdrew before paying.", lots="reduce_tranche")

    assert b.state == "cancelled"
    event = AuditEvent.objects.get(object_id=b.pk, content_type__model="subscription",
                                   name="cancel_allocation")
    assert (event.from_state, event.to_state) == ("allocated", "cancelled")
    senior.refresh_from_db()
    assert senior.original_principal == Decimal("5000000.00")


@pytest.fixture
def oversubscribed(ops, open_deal):
    """Senior 7,000,000 (70 lots) asked 6m, 4m and 2m by A, B, C: pro rata 3.5m, 2.3m, 1.2m.
    A has paid; B and C have not."""
    senior, junior = open_deal.tranches.order_by("seniority")
    subs = [subscribe(actor=ops, investor=make_investor(actor=ops, name=f"{n} Ltd"), tranche=senior,
                      amount=amount) for n, amount in (("A", "6000000"), ("B", "4000000"),
                                                       ("C", "2000000"))]
    subscribe(actor=ops, investor=make_investor(actor=ops, name="J Ltd"), tranche=junior,
              amount="3000000")
    deal = _close(open_deal, ops)
    _fund(subs[0], ops)
    for sub in subs:
        sub.refresh_from_db()
    assert [s.allocated_amount for s in subs] == [
        Decimal("3500000.00"), Decimal("2300000.00"), Decimal("1200000.00")]
    return deal, senior, *subs


def test_lots_offered_again_go_pro_rata_to_the_unmet_demand_of_the_others(ops, oversubscribed):
    deal, senior, a, b, c = oversubscribed

    services.subscription_default_allocation(subscription=c, actor=ops, reason="Did not pay.",
                                             lots="offer_again")

    # 12 lots offered again; unmet demand A 25 lots, B 17 lots (R = 42):
    # 12*25/42 = 7.14, 12*17/42 = 4.86 -> floors 7, 4 -> the lot left goes to B (remainder 36 > 6)
    for sub in (a, b, c):
        sub.refresh_from_db()
    assert [(s.state, s.allocated_amount, s.funded_amount) for s in (a, b, c)] == [
        ("allocated", Decimal("4200000.00"), Decimal("3500000.00")),  # paid 3.5m, now owes 0.7m more
        ("allocated", Decimal("2800000.00"), Decimal("0.00")),
        ("defaulted", Decimal("1200000.00"), Decimal("0.00")),
    ]
    senior.refresh_from_db()
    deal.refresh_from_db()
    assert (senior.original_principal, deal.target_size) == (Decimal("7000000.00"), Decimal("10000000.00"))
    why = (f"Subscription #{c.pk} defaulted (Did not pay.): its 12 lots (1,200,000.00 USD) are "
           "offered again to the tranche's other subscribers, pro rata to their unmet demand.")
    events = AuditEvent.objects.filter(name="add_lots").order_by("object_id")
    assert [(e.object_id, e.from_state, e.to_state, e.reason, e.changes, e.actor) for e in events] == [
        (a.pk, "funded", "allocated", why, {"allocated_amount": ["3500000.00", "4200000.00"]}, ops),
        (b.pk, "allocated", "allocated", why, {"allocated_amount": ["2300000.00", "2800000.00"]}, ops),
    ]
    assert not AuditEvent.objects.filter(content_type__model__in=["tranche", "deal"],
                                         action="update").exists()


def test_after_lots_are_offered_again_the_deal_issues_once_they_are_paid(ops, oversubscribed):
    deal, senior, a, b, c = oversubscribed
    services.subscription_default_allocation(subscription=c, actor=ops, reason="Did not pay.",
                                             lots="offer_again")
    for sub in Subscription.objects.filter(state="allocated"):
        _fund(sub, ops)

    deal = services.deal_transition(deal=deal, name="issue", actor=ops)

    assert deal.state == "issued"
    assert sorted(Subscription.objects.filter(tranche=senior, state="settled")
                  .values_list("funded_amount", flat=True)) == [
        Decimal("2800000.00"), Decimal("4200000.00")]


def test_lots_are_not_offered_again_beyond_the_others_unmet_demand(ops, book):
    deal, senior, a, b, c = book  # A asked 5m and got 5m: no unmet demand in the senior tranche
    events = AuditEvent.objects.count()

    with pytest.raises(Refused) as refused:
        services.subscription_default_allocation(subscription=b, actor=ops, reason="Did not pay.",
                                                 lots="offer_again")

    assert (refused.value.field, refused.value.message) == ("lots", (
        "Only 0 of the 20 lots (0.00 USD of 2,000,000.00 USD) can be offered again: that is all the "
        "tranche's other subscribers asked for beyond their allocations. Reduce the tranche instead."))
    _assert_unchanged(b, senior, deal, events)


def _assert_unchanged(sub, tranche, deal, events):
    sub.refresh_from_db()
    tranche.refresh_from_db()
    deal.refresh_from_db()
    assert (sub.state, tranche.original_principal, deal.target_size) == (
        "allocated", Decimal("7000000.00"), Decimal("10000000.00"))
    assert AuditEvent.objects.count() == events


def test_a_tranche_is_not_reduced_to_nothing(ops, closed_deal):
    sub = Subscription.objects.get(tranche__deal=closed_deal, tranche__seniority=1)  # all 7m
    senior = sub.tranche
    events = AuditEvent.objects.count()

    with pytest.raises(Refused) as refused:
        services.subscription_default_allocation(subscription=sub, actor=ops, reason="Did not pay.",
                                                 lots="reduce_tranche")

    assert (refused.value.field, refused.value.message) == ("lots", (
        "Class 1 would have no principal left: this allocation is all of it (7,000,000.00 USD). "
        "Offer the lots again, or cancel the deal."))
    _assert_unchanged(sub, senior, closed_deal, events)


@pytest.mark.parametrize("lots", ["", "sell_them"])
def test_the_choice_for_the_lots_must_be_made(ops, book, lots):
    deal, senior, _, b, _ = book
    events = AuditEvent.objects.count()

    with pytest.raises(InvalidInput) as refused:
        services.subscription_default_allocation(subscription=b, actor=ops, reason="Did not pay.",
                                                 lots=lots)

    assert (refused.value.field, refused.value.message) == (
        "lots", "Say what happens to the lots: 'reduce_tranche' or 'offer_again'.")
    _assert_unchanged(b, senior, deal, events)


def test_a_reason_is_required(ops, book):
    deal, senior, _, b, _ = book
    events = AuditEvent.objects.count()

    with pytest.raises(InvalidInput) as refused:
        services.subscription_default_allocation(subscription=b, actor=ops, reason=" ",
                                                 lots="reduce_tranche")

    assert (refused.value.field, refused.value.message) == (
        "reason", "A reason is required to 'default allocation'.")
    _assert_unchanged(b, senior, deal, events)


def test_a_funded_allocation_is_not_defaulted(ops, book):
    deal, senior, a, _, _ = book

    with pytest.raises(TransitionNotAllowed):
        services.subscription_default_allocation(subscription=a, actor=ops, reason="x",
                                                 lots="reduce_tranche")

    a.refresh_from_db()
    assert a.state == "funded"


@pytest.mark.parametrize("role", [roles.COMPLIANCE_OFFICER, roles.TRUSTEE_AUDITOR, roles.INVESTOR])
def test_only_issuer_operations_release_an_allocation(role, users, ops, book):
    deal, senior, _, b, _ = book
    events = AuditEvent.objects.count()

    with pytest.raises(NotPermitted) as refused:
        services.subscription_default_allocation(subscription=b, actor=users[role],
                                                 reason="Did not pay.", lots="reduce_tranche")

    assert "issuance.release_allocation_subscription" in refused.value.message
    _assert_unchanged(b, senior, deal, events)


def test_the_api_defaults_an_allocation_with_the_choice_in_the_body(api, ops, book):
    deal, senior, _, b, _ = book

    response = api(ops).post(f"/api/v1/subscriptions/{b.pk}/default-allocation/",
                             {"reason": "Did not pay.", "lots": "reduce_tranche"}, format="json")

    assert response.status_code == 200, response.content
    assert (response.json()["state"], response.json()["allocated_amount"]) == ("defaulted", "2000000.00")
    assert Tranche.objects.get(pk=senior.pk).original_principal == Decimal("5000000.00")


def test_the_api_asks_for_the_choice(api, ops, book):
    deal, senior, _, b, _ = book

    response = api(ops).post(f"/api/v1/subscriptions/{b.pk}/cancel-allocation/",
                             {"reason": "Withdrew."}, format="json")

    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"lots": ["This field is required."]}
    b.refresh_from_db()
    assert b.state == "allocated"


def test_the_admin_defaults_an_allocation_with_the_choice_on_the_form(client, ops, oversubscribed):
    from django.urls import reverse

    deal, senior, a, b, c = oversubscribed
    client.force_login(ops)
    url = reverse("admin:issuance_subscription_transition", args=[c.pk, "default_allocation"])
    page = client.get(url).content.decode()
    assert 'name="lots"' in page
    assert "offer the lots again to the tranche&#x27;s other subscribers" in page

    response = client.post(url, {"reason": "Did not pay.", "lots": "offer_again"})

    assert response.status_code == 302
    c.refresh_from_db()
    b.refresh_from_db()
    assert (c.state, b.allocated_amount) == ("defaulted", Decimal("2800000.00"))
