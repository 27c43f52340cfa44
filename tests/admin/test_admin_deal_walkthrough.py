"""Issuer operations take a deal from draft to issued in the admin, with a compliance
officer's approval; other roles do not see the buttons and are refused."""

import pytest
from django.urls import reverse

from core.models import AuditEvent
from issuance.models import Deal, Subscription
from tests.factories import pledge_collateral, subscribe

pytestmark = pytest.mark.django_db


def transition_url(deal, name):
    return reverse("admin:issuance_deal_transition", args=[deal.pk, name])


def change_url(deal):
    return reverse("admin:issuance_deal_change", args=[deal.pk])


def take(client, deal, name, reason=""):
    return client.post(transition_url(deal, name), {"reason": reason})


def test_deal_from_draft_to_issued_in_the_admin(client, ops, officer, draft_deal, investor,
                                                other_investor):
    client.force_login(ops)
    for name in ["start_structuring", "submit_for_review"]:
        assert take(client, draft_deal, name).status_code == 302
    page = client.get(change_url(draft_deal)).content.decode()
    assert "transition-approve" not in page  # not the maker's to approve

    client.force_login(officer)
    assert "transition-approve" in client.get(change_url(draft_deal)).content.decode()
    assert take(client, draft_deal, "approve", "Reviewed.").status_code == 302

    client.force_login(ops)
    assert take(client, draft_deal, "open_subscriptions").status_code == 302
    senior, junior = draft_deal.tranches.order_by("seniority")
    pledge_collateral(actor=ops, deal=draft_deal)
    subscribe(actor=ops, investor=investor, tranche=senior, amount="7000000")
    subscribe(actor=ops, investor=other_investor, tranche=junior, amount="3000000")
    assert take(client, draft_deal, "close_book").status_code == 302
    for sub in Subscription.objects.order_by("id"):
        response = client.post(reverse("admin:issuance_subscription_funding", args=[sub.pk]), {
            "amount": str(sub.allocated_amount), "value_date": "2026-12-30", "reference": f"MT103-{sub.pk}"})
        assert response.status_code == 302
    response = take(client, draft_deal, "issue")

    assert response.status_code == 302
    draft_deal.refresh_from_db()
    assert draft_deal.state == Deal.State.ISSUED
    assert list(AuditEvent.objects.filter(object_id=draft_deal.pk, content_type__model="deal",
                                          action="transition").order_by("id")
                .values_list("name", "actor__username")) == [
        ("start_structuring", "ops"), ("submit_for_review", "ops"), ("approve", "officer"),
        ("open_subscriptions", "ops"), ("close_book", "ops"), ("issue", "ops"),
    ]


def test_history_is_shown_on_the_change_page(client, ops, draft_deal):
    client.force_login(ops)
    take(client, draft_deal, "start_structuring")

    page = client.get(change_url(draft_deal)).content.decode()

    assert "history (audit trail)" in page.lower()
    assert "start_structuring" in page


@pytest.mark.parametrize("who", ["officer", "trustee"])
def test_roles_without_the_permission_see_no_button_and_are_refused(client, request, who, draft_deal):
    client.force_login(request.getfixturevalue(who))

    page = client.get(change_url(draft_deal))
    response = take(client, draft_deal, "start_structuring")

    assert page.status_code == 200
    assert "transition-start_structuring" not in page.content.decode()
    assert response.status_code == 403
    draft_deal.refresh_from_db()
    assert draft_deal.state == Deal.State.DRAFT


def test_investors_cannot_use_the_admin(client, investor_user, draft_deal):
    client.force_login(investor_user)

    response = client.get(change_url(draft_deal))

    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))


def test_a_rejection_asks_for_a_reason_and_keeps_the_state_without_one(client, ops, officer, draft_deal):
    client.force_login(ops)
    take(client, draft_deal, "start_structuring")
    take(client, draft_deal, "submit_for_review")
    client.force_login(officer)

    form = client.get(transition_url(draft_deal, "return_to_structuring")).content.decode()
    refused = take(client, draft_deal, "return_to_structuring", "")

    assert "Reason (required)" in form
    assert refused.status_code == 200
    assert "A reason is required to &#x27;return to structuring&#x27;." in refused.content.decode()
    draft_deal.refresh_from_db()
    assert draft_deal.state == Deal.State.COMPLIANCE_REVIEW

    accepted = take(client, draft_deal, "return_to_structuring", "Coupon of class 2 too high.")

    assert accepted.status_code == 302
    draft_deal.refresh_from_db()
    assert draft_deal.state == Deal.State.STRUCTURING
    assert AuditEvent.objects.filter(name="return_to_structuring").get().reason == (
        "Coupon of class 2 too high.")


def test_a_refused_guard_is_reported_and_nothing_changes(client, ops, draft_deal):
    client.force_login(ops)
    take(client, draft_deal, "start_structuring")
    from decimal import Decimal

    from issuance import services
    services.deal_update(deal=draft_deal, actor=ops, target_size=Decimal("12000000"))

    response = client.post(transition_url(draft_deal, "submit_for_review"), {"reason": ""}, follow=True)

    assert "Tranches add up to 10,000,000.00 USD but the deal size is 12,000,000.00 USD." in (
        response.content.decode())
    draft_deal.refresh_from_db()
    assert draft_deal.state == Deal.State.STRUCTURING


def test_money_is_shown_with_its_currency_in_the_list(client, ops, draft_deal):
    client.force_login(ops)

    page = client.get(reverse("admin:issuance_deal_changelist")).content.decode()

    assert "10,000,000.00 USD" in page


def test_trustee_sees_the_deal_read_only(client, trustee, draft_deal):
    client.force_login(trustee)

    page = client.get(change_url(draft_deal)).content.decode()
    edit = client.post(change_url(draft_deal), {"name": "Renamed"})

    assert 'name="_save"' not in page
    assert edit.status_code == 403
    draft_deal.refresh_from_db()
    assert draft_deal.name != "Renamed"
