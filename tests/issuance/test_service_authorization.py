"""Every issuance service that writes checks its actor first (core.authz), whoever calls it:
a refused call leaves no row and no audit event."""

from datetime import date
from decimal import Decimal

import pytest

from core import roles
from core.errors import NotPermitted
from core.models import AuditEvent
from issuance import services
from issuance.models import SPV, Deal, Subscription, Tranche
from tests.factories import make_lei

pytestmark = pytest.mark.django_db


def _counts():
    return (SPV.objects.count(), Deal.objects.count(), Tranche.objects.count(),
            Subscription.objects.count(), AuditEvent.objects.count())


@pytest.mark.parametrize("role", [roles.COMPLIANCE_OFFICER, roles.TRUSTEE_AUDITOR, roles.INVESTOR])
def test_only_issuer_operations_set_up_spvs_deals_and_tranches(role, users, ops, draft_deal):
    actor = users[role]
    before = _counts()
    tranche = draft_deal.tranches.get(seniority=1)
    attempts = {
        "spv_create": lambda: services.spv_create(
            actor=actor, legal_name="Another SPV Ltd", jurisdiction="SG", registration_number="R9",
            lei=make_lei(999), trustee="T", administrator="A", base_currency="USD"),
        "spv_update": lambda: services.spv_update(spv=draft_deal.spv, actor=actor, trustee="Other"),
        "deal_create": lambda: services.deal_create(
            actor=actor, spv=draft_deal.spv, name="Another deal", asset_class="green_bond",
            currency="USD", target_size=Decimal("1000000"), closing_date=date(2026, 12, 31),
            payment_frequency="annual", legal_final_maturity=date(2030, 12, 31)),
        "deal_update": lambda: services.deal_update(deal=draft_deal, actor=actor,
                                                    target_size=Decimal("1")),
        "tranche_create": lambda: services.tranche_create(
            actor=actor, deal=draft_deal, class_name="Class 9", seniority=9,
            original_principal=Decimal("100000"), coupon_rate=Decimal("0.05"), day_count="30/360",
            minimum_denomination=Decimal("100000"), token_symbol="NINE", token_decimals=6),
        "tranche_update": lambda: services.tranche_update(tranche=tranche, actor=actor,
                                                          coupon_rate=Decimal("0.09")),
    }
    needs = {"spv_create": "issuance.add_spv", "spv_update": "issuance.change_spv",
             "deal_create": "issuance.add_deal", "deal_update": "issuance.change_deal",
             "tranche_create": "issuance.add_tranche", "tranche_update": "issuance.change_tranche"}

    for service, attempt in attempts.items():
        with pytest.raises(NotPermitted) as refused:
            attempt()
        assert f"it needs the permission '{needs[service]}'" in refused.value.message, service

    assert _counts() == before
    draft_deal.refresh_from_db()
    tranche.refresh_from_db()
    assert (draft_deal.target_size, tranche.coupon_rate) == (Decimal("10000000.00"), Decimal("0.050000"))


def test_an_investor_subscribes_only_for_themselves_with_the_same_words(open_deal, investor_user,
                                                                       other_investor):
    before = _counts()

    with pytest.raises(NotPermitted) as refused:
        services.subscription_request(actor=investor_user, investor=other_investor,
                                      tranche=open_deal.tranches.get(seniority=1),
                                      requested_amount=Decimal("500000"))

    assert refused.value.message == "Investors may subscribe only for themselves."
    assert _counts() == before


def test_a_trustee_cannot_enter_a_subscription(trustee, open_deal, investor):
    before = _counts()

    with pytest.raises(NotPermitted) as refused:
        services.subscription_request(actor=trustee, investor=investor,
                                      tranche=open_deal.tranches.get(seniority=1),
                                      requested_amount=Decimal("500000"))

    assert "it needs the permission 'issuance.add_subscription'" in refused.value.message
    assert _counts() == before
