"""Eligibility per deal: every reason, and the wiring into subscription request, accept and issue."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from compliance import services
from compliance.eligibility import Eligibility, investor_eligibility
from compliance.models import KycCase
from core.errors import GuardFailed
from core.models import AuditEvent
from issuance import services as issuance
from issuance.models import Subscription
from tests.factories import make_investor, subscribe

pytestmark = pytest.mark.django_db


def classify(investor, officer, regime="hk", figures=None, until=None):
    return services.classification_record(
        actor=officer, investor=investor, regime=regime, figures=figures or {"portfolio": Decimal("9000000")},
        valid_until=until or timezone.localdate() + timedelta(days=365))


@pytest.fixture
def restricted(ops, open_deal):
    services.deal_eligibility_set(actor=ops, deal=open_deal, allowed_classes=["hk_professional"],
                                  blocked_jurisdictions=["US"], minimum_subscription=Decimal("200000"),
                                  maximum_investors=2)
    open_deal.refresh_from_db()
    return open_deal


def test_a_cleared_professional_investor_is_eligible(investor, officer, restricted):
    classify(investor, officer)
    assert investor_eligibility(investor, restricted, amount=Decimal("200000")) == Eligibility(True, [])


def test_every_reason_is_given(ops, officer, restricted):
    inv = make_investor(actor=ops, name="Stars Ltd", eligible=False, country_of_residence="US")
    classify(inv, officer, figures={"portfolio": Decimal("7999999.99")})

    result = investor_eligibility(inv, restricted, amount=Decimal("100000"))

    assert result == Eligibility(False, [
        "No KYC case has been opened for this investor.",
        "Investor class retail is not allowed in this deal (allowed: Hong Kong professional investor).",
        "Residence US is a blocked jurisdiction for this deal.",
        "The amount 100,000.00 USD is below the deal's minimum subscription of 200,000.00 USD.",
    ])


def test_an_expired_approval_and_a_missing_classification_are_reasons(investor, restricted):
    case = investor.kyc_cases.get(state="approved")
    KycCase.objects.filter(pk=case.pk).update(refresh_due=timezone.localdate())

    result = investor_eligibility(investor, restricted)

    assert result.reasons == [
        f"KYC approval of case #{case.pk} expired on {timezone.localdate().isoformat()}.",
        f"No investor classification is in force on {timezone.localdate().isoformat()}.",
    ]


def test_a_blocked_nationality_counts_for_individuals_abroad(ops, officer, restricted):
    inv = make_investor(actor=ops, kind="individual", nationality="US", date_of_birth=date(1970, 1, 1),
                        registration_number="", country_of_residence="SG")
    classify(inv, officer)
    assert investor_eligibility(inv, restricted).reasons == [
        "Nationality US is a blocked jurisdiction for this deal."]


def test_the_maximum_number_of_investors(ops, officer, restricted, investor, other_investor):
    third = make_investor(actor=ops, name="Third Ltd")
    for inv in (investor, other_investor, third):
        classify(inv, officer)
    senior, junior = restricted.tranches.order_by("seniority")
    subscribe(actor=ops, investor=investor, tranche=senior, amount="200000")
    subscribe(actor=ops, investor=other_investor, tranche=senior, amount="200000")

    assert investor_eligibility(third, restricted).reasons == [
        "The deal already has its maximum of 2 investors."]
    # An investor already in the deal may subscribe to another tranche.
    assert investor_eligibility(investor, restricted).ok is True


def test_a_subscription_request_from_an_ineligible_investor_is_refused(ops, officer, restricted):
    inv = make_investor(actor=ops, name="Uncleared Ltd", eligible=False)
    senior = restricted.tranches.get(seniority=1)
    events = AuditEvent.objects.count()

    with pytest.raises(GuardFailed) as exc:
        issuance.subscription_request(actor=ops, investor=inv, tranche=senior,
                                      requested_amount=Decimal("200000"))

    assert exc.value.reasons == ["No KYC case has been opened for this investor.",
                                 "No investor classification is in force on "
                                 f"{timezone.localdate().isoformat()}."]
    assert exc.value.message.startswith(f"Uncleared Ltd is not eligible for {restricted}: No KYC case")
    assert Subscription.objects.filter(investor=inv).count() == 0
    assert AuditEvent.objects.count() == events


def test_accept_rechecks_eligibility(ops, officer, restricted, investor):
    classify(investor, officer)
    sub = subscribe(actor=ops, investor=investor, tranche=restricted.tranches.get(seniority=1),
                    amount="200000", accept=False)
    record = investor.classifications.get()
    services.classification_revoke(actor=officer, classification=record, reason="Evidence withdrawn.")

    with pytest.raises(GuardFailed) as exc:
        issuance.subscription_transition(subscription=sub, name="accept", actor=ops)

    assert exc.value.reasons == [
        f"Own Investor Ltd is not eligible: No investor classification is in force on "
        f"{timezone.localdate().isoformat()}."]
    sub.refresh_from_db()
    assert sub.state == "requested"


def test_issue_rechecks_every_holder(ops, closed_deal, investor):
    for sub in Subscription.objects.filter(tranche__deal=closed_deal):
        issuance.subscription_record_funding(subscription=sub, actor=ops, amount=sub.allocated_amount,
                                             reference=f"W{sub.pk}")
    case = investor.kyc_cases.get(state="approved")
    KycCase.objects.filter(pk=case.pk).update(refresh_due=timezone.localdate())
    sub = Subscription.objects.get(tranche__deal=closed_deal, investor=investor)

    with pytest.raises(GuardFailed) as exc:
        issuance.deal_transition(deal=closed_deal, name="issue", actor=ops)

    assert exc.value.reasons == [
        f"Subscription #{sub.pk} (Own Investor Ltd): KYC approval of case #{case.pk} expired on "
        f"{timezone.localdate().isoformat()}."]
    closed_deal.refresh_from_db()
    assert closed_deal.state == "closed"
    states = Subscription.objects.filter(tranche__deal=closed_deal).values_list("state", flat=True)
    assert set(states) == {"funded"}
