"""Business rules that refuse a request: the answer names the rule, and nothing changes."""

import pytest
from django.contrib.auth.models import Group

from core import roles
from core.models import AuditEvent
from issuance.models import Deal, Subscription, Tranche
from tests.factories import make_deal, make_user, to_state

pytestmark = pytest.mark.django_db


def refusal(code, message, **extra):
    return {"error": {"code": code, "message": message, "reasons": [message], **extra}}


def test_a_transition_not_possible_from_the_current_state_is_a_conflict(ops, officer, draft_deal, api):
    events = AuditEvent.objects.count()

    response = api(officer).post(f"/api/v1/deals/{draft_deal.pk}/approve/", {})

    assert response.status_code == 409
    assert response.json() == refusal(
        "transition_not_allowed",
        f"Deal '{draft_deal.name}' is 'draft'; 'approve' is possible only from 'compliance review'. "
        "From 'draft' the possible transitions are: cancel, start structuring.",
    )
    draft_deal.refresh_from_db()
    assert (draft_deal.state, draft_deal.approved_by) == ("draft", None)
    assert AuditEvent.objects.count() == events


def test_a_transition_from_a_final_state_says_nothing_is_possible(ops, draft_deal, api):
    api(ops).post(f"/api/v1/deals/{draft_deal.pk}/cancel/", {"reason": "Pipeline dropped."})
    events = AuditEvent.objects.count()

    response = api(ops).post(f"/api/v1/deals/{draft_deal.pk}/start-structuring/", {})

    assert response.status_code == 409
    assert response.json() == refusal(
        "transition_not_allowed",
        f"Deal '{draft_deal.name}' is 'cancelled'; 'start structuring' is possible only from 'draft'. "
        "From 'cancelled' the possible transitions are: nothing (final state).",
    )
    draft_deal.refresh_from_db()
    assert draft_deal.state == "cancelled"
    assert AuditEvent.objects.count() == events


def test_submitting_tranches_that_do_not_add_up_is_refused_with_the_sums(ops, officer, api):
    deal = to_state(make_deal(actor=ops, tranches=("7000000", "2500000")), "structuring",
                    maker=ops, checker=officer)
    events = AuditEvent.objects.count()

    response = api(ops).post(f"/api/v1/deals/{deal.pk}/submit-for-review/", {})

    reason = "Tranches add up to 9,500,000.00 USD but the deal size is 10,000,000.00 USD."
    assert response.status_code == 409
    assert response.json() == {"error": {
        "code": "transition_refused", "message": f"Cannot 'submit for review': {reason}",
        "reasons": [reason]}}
    deal.refresh_from_db()
    assert (deal.state, deal.submitted_by) == ("structuring", None)
    assert AuditEvent.objects.count() == events


@pytest.mark.parametrize(
    ("who", "stage", "path", "label"),
    [
        ("officer", "compliance_review", "return-to-structuring", "return to structuring"),
        ("ops", "draft", "cancel", "cancel"),
    ],
)
@pytest.mark.parametrize("body", [{}, {"reason": ""}, {"reason": "   "}], ids=["missing", "empty", "blank"])
def test_a_reason_is_required(who, stage, path, label, body, ops, officer, api):
    deal = to_state(make_deal(actor=ops), stage, maker=ops, checker=officer)
    events = AuditEvent.objects.count()

    response = api({"ops": ops, "officer": officer}[who]).post(f"/api/v1/deals/{deal.pk}/{path}/", body)

    message = f"A reason is required to '{label}'."
    assert response.status_code == 400
    assert response.json() == refusal("invalid", message, fields={"reason": [message]})
    deal.refresh_from_db()
    assert deal.state == stage
    assert AuditEvent.objects.count() == events


def test_a_reason_longer_than_2000_characters_is_refused(ops, draft_deal, api):
    events = AuditEvent.objects.count()

    response = api(ops).post(f"/api/v1/deals/{draft_deal.pk}/cancel/", {"reason": "x" * 2001})

    message = "Ensure this field has no more than 2000 characters."
    assert response.status_code == 400
    assert response.json() == {"error": {"code": "invalid", "message": f"reason: {message}",
                                         "fields": {"reason": [message]}}}
    draft_deal.refresh_from_db()
    assert draft_deal.state == "draft"
    assert AuditEvent.objects.count() == events


@pytest.fixture
def both_roles(db):
    """Someone in both issuer operations and compliance: may submit and may approve, not both."""
    user = make_user(roles.ISSUER_OPERATIONS, "dual")
    user.groups.add(Group.objects.get(name=roles.COMPLIANCE_OFFICER))
    return user


def test_whoever_submitted_cannot_approve_but_another_officer_can(both_roles, ops, officer, api):
    deal = to_state(make_deal(actor=ops), "structuring", maker=ops, checker=officer)
    assert api(both_roles).post(f"/api/v1/deals/{deal.pk}/submit-for-review/", {}).status_code == 200
    events = AuditEvent.objects.count()

    response = api(both_roles).post(f"/api/v1/deals/{deal.pk}/approve/", {})

    assert response.status_code == 403
    assert response.json() == refusal(
        "maker_checker",
        "Maker-checker: you are this deal's submitted by, so a different person must 'approve' it.",
    )
    deal.refresh_from_db()
    assert (deal.state, deal.submitted_by, deal.approved_by) == ("compliance_review", both_roles, None)
    assert AuditEvent.objects.count() == events

    approved = api(officer).post(f"/api/v1/deals/{deal.pk}/approve/", {})

    assert approved.status_code == 200
    assert (approved.json()["state"], approved.json()["submitted_by"], approved.json()["approved_by"]) == (
        "approved", "dual", "officer")


def test_deal_terms_cannot_be_edited_once_under_review(ops, officer, api):
    deal = to_state(make_deal(actor=ops), "compliance_review", maker=ops, checker=officer)
    events = AuditEvent.objects.count()

    response = api(ops).patch(f"/api/v1/deals/{deal.pk}/", {"target_size": "12000000"})

    message = (f"Deal terms can change only while the deal is draft or structuring; deal '{deal.name}' "
               "is 'compliance review'.")
    assert response.status_code == 409
    assert response.json() == refusal("refused", message)
    deal.refresh_from_db()
    assert str(deal.target_size) == "10000000.00"
    assert AuditEvent.objects.count() == events


def test_tranches_cannot_be_added_once_the_deal_is_open(ops, open_deal, api):
    tranches, events = Tranche.objects.count(), AuditEvent.objects.count()

    response = api(ops).post("/api/v1/tranches/", {
        "deal": open_deal.pk, "class_name": "Class Z", "seniority": 3, "original_principal": "100000",
        "coupon_rate": "0.1", "day_count": "30/360", "minimum_denomination": "100000",
        "token_symbol": "LATE"})

    message = (f"Tranches can change only while the deal is draft or structuring; deal '{open_deal.name}' "
               "is 'open for subscription'.")
    assert response.status_code == 409
    assert response.json() == refusal("refused", message)
    assert (Tranche.objects.count(), AuditEvent.objects.count()) == (tranches, events)


def test_a_subscription_to_a_deal_not_open_is_refused(ops, investor, draft_deal, api):
    subs, events = Subscription.objects.count(), AuditEvent.objects.count()

    response = api(ops).post("/api/v1/subscriptions/", {
        "investor": investor.pk, "tranche": draft_deal.tranches.get(seniority=1).pk,
        "requested_amount": "100000"})

    message = (f"Deal '{draft_deal.name}' is 'draft'; subscriptions are taken only while it is open "
               "for subscription.")
    assert response.status_code == 409
    assert response.json() == refusal("refused", message)
    assert (Subscription.objects.count(), AuditEvent.objects.count()) == (subs, events)


def test_funding_more_than_the_allocation_is_refused(ops, investor, closed_deal, api):
    sub = Subscription.objects.get(tranche__deal=closed_deal, investor=investor)
    events = AuditEvent.objects.count()

    response = api(ops).post(f"/api/v1/subscriptions/{sub.pk}/record-funding/",
                             {"amount": "7000000.01", "reference": "WIRE-X"})

    message = "The amount must be above zero and at most the 7,000,000.00 USD still due."
    assert response.status_code == 400
    assert response.json() == refusal("invalid", message, fields={"amount": [message]})
    sub.refresh_from_db()
    assert (sub.state, str(sub.funded_amount)) == ("allocated", "0.00")
    assert AuditEvent.objects.count() == events


def test_issuing_before_every_allocation_is_funded_is_refused(ops, closed_deal, api):
    events = AuditEvent.objects.count()

    response = api(ops).post(f"/api/v1/deals/{closed_deal.pk}/issue/", {})

    reason = "2 allocated subscription(s) are not yet fully funded."
    assert response.status_code == 409
    assert response.json() == {"error": {"code": "transition_refused", "message": f"Cannot 'issue': {reason}",
                                         "reasons": [reason]}}
    closed_deal.refresh_from_db()
    assert closed_deal.state == Deal.State.CLOSED
    assert list(Subscription.objects.filter(tranche__deal=closed_deal).values_list("state", flat=True)) == [
        "allocated", "allocated"]
    assert AuditEvent.objects.count() == events
