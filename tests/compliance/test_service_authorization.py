"""Every compliance service checks its actor (core.authz) before it writes: a read-only trustee
changes nothing, and an investor acts only for themself. Each refusal leaves no row and no audit."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from eth_account import Account
from eth_account.messages import encode_defunct

from compliance import services
from compliance.models import (
    BeneficialOwner,
    DealEligibility,
    Document,
    Investor,
    InvestorClassification,
    KycCase,
    Wallet,
    WalletChallenge,
)
from core.errors import InvalidInput, NotPermitted
from core.models import AuditEvent
from tests.factories import make_investor, pdf

pytestmark = pytest.mark.django_db

ACCOUNT = Account.from_key("0x" + "22" * 32)


def counts() -> tuple[int, ...]:
    models = (Investor, BeneficialOwner, InvestorClassification, DealEligibility, Document, KycCase,
              WalletChallenge, Wallet, AuditEvent)
    return tuple(m.objects.count() for m in models)


@pytest.fixture
def entity(ops):
    return make_investor(actor=ops, name="Harbour Compute Ltd", eligible=False)


@pytest.fixture
def owner(ops, entity):
    return services.beneficial_owner_add(actor=ops, investor=entity, full_name="Tan Wei Ming",
                                         date_of_birth=date(1975, 2, 3), nationality="SG",
                                         country_of_residence="SG", ownership_percent=Decimal("40.00"))


@pytest.fixture
def classification(officer, entity):
    return services.classification_record(actor=officer, investor=entity, regime="hk",
                                          figures={"portfolio": Decimal("9000000")},
                                          valid_until=timezone.localdate() + timedelta(days=365))


@pytest.fixture
def challenge(investor, investor_user):
    return services.wallet_challenge_issue(actor=investor_user, investor=investor, address=ACCOUNT.address)


def signature(message: str) -> str:
    return "0x" + bytes(Account.sign_message(encode_defunct(text=message), ACCOUNT.key).signature).hex()


CALLS = {
    "investor_create": (
        "create investors", "compliance.add_investor",
        lambda f, actor: services.investor_create(
            actor=actor, kind="entity", legal_name="Quiet Ltd", email="quiet@example.test",
            country_of_residence="SG", registration_number="202600001K", address="1 Quiet Road")),
    "investor_update": (
        "edit investors", "compliance.change_investor",
        lambda f, actor: services.investor_update(investor=f["entity"], actor=actor, address="2 Loud Road")),
    "beneficial_owner_add": (
        "record beneficial owners", "compliance.add_beneficialowner",
        lambda f, actor: services.beneficial_owner_add(
            actor=actor, investor=f["entity"], full_name="Lim Hui Min", date_of_birth=date(1980, 1, 1),
            nationality="SG", country_of_residence="SG", ownership_percent=Decimal("30.00"))),
    "beneficial_owner_remove": (
        "remove beneficial owners", "compliance.change_beneficialowner",
        lambda f, actor: services.beneficial_owner_remove(actor=actor, owner=f["owner"], reason="Sold.")),
    "classification_record": (
        "record investor classifications", "compliance.add_investorclassification",
        lambda f, actor: services.classification_record(
            actor=actor, investor=f["entity"], regime="hk", figures={"portfolio": Decimal("9000000")},
            valid_until=timezone.localdate() + timedelta(days=30))),
    "classification_revoke": (
        "revoke investor classifications", "compliance.change_investorclassification",
        lambda f, actor: services.classification_revoke(actor=actor, classification=f["classification"],
                                                        reason="Evidence withdrawn.")),
    "deal_eligibility_set": (
        "set deal eligibility rules", "compliance.add_dealeligibility",
        lambda f, actor: services.deal_eligibility_set(actor=actor, deal=f["open_deal"],
                                                       blocked_jurisdictions=["US"])),
    "document_upload": (
        "upload documents", "compliance.add_document",
        lambda f, actor: services.document_upload(actor=actor, investor=f["entity"], kind="identity",
                                                  file=pdf())),
    "kyc_case_open": (
        "open KYC cases", "compliance.add_kyccase",
        lambda f, actor: services.kyc_case_open(actor=actor, investor=f["entity"])),
    "wallet_challenge_issue": (
        "prove wallets", "compliance.add_walletchallenge",
        lambda f, actor: services.wallet_challenge_issue(actor=actor, investor=f["entity"],
                                                         address=ACCOUNT.address)),
    "wallet_verify": (
        "prove wallets", "compliance.add_walletchallenge",
        lambda f, actor: services.wallet_verify(actor=actor, challenge=f["challenge"],
                                                signature=signature(f["challenge"].message))),
}


@pytest.mark.parametrize("service", CALLS)
def test_the_read_only_trustee_may_not_write(service, request, trustee):
    doing, perm, call = CALLS[service]
    fixtures = {name: request.getfixturevalue(name)
                for name in ("entity", "owner", "classification", "open_deal", "challenge")}
    before = counts()

    with pytest.raises(NotPermitted) as exc:
        call(fixtures, trustee)

    assert exc.value.message == (f"You may not {doing}: it needs the permission '{perm}', "
                                 "which you do not have.")
    assert counts() == before


@pytest.mark.parametrize(("service", "doing"), [
    ("document_upload", "upload documents"),
    ("kyc_case_open", "open a KYC case"),
    ("wallet_challenge_issue", "prove wallets"),
])
def test_an_investor_acts_only_for_themself(service, doing, request, investor_user):
    fixtures = {"entity": request.getfixturevalue("other_investor")}
    before = counts()

    with pytest.raises(NotPermitted) as exc:
        CALLS[service][2](fixtures, investor_user)

    assert exc.value.message == f"Investors may {doing} only for themselves."
    assert counts() == before


def test_an_investor_may_not_verify_a_challenge_of_someone_else(other_investor, investor_user, ops):
    theirs = services.wallet_challenge_issue(actor=ops, investor=other_investor, address=ACCOUNT.address)
    before = counts()

    with pytest.raises(NotPermitted) as exc:
        services.wallet_verify(actor=investor_user, challenge=theirs, signature=signature(theirs.message))

    assert exc.value.message == "Investors may prove wallets only for themselves."
    theirs.refresh_from_db()
    assert (theirs.used_at, counts()) == (None, before)


def test_only_reviewers_take_cases_and_only_reviewers_are_assigned(entity, officer, ops):
    case = services.kyc_case_open(actor=ops, investor=entity)
    before = counts()

    with pytest.raises(NotPermitted) as exc:
        services.kyc_case_assign(case=case, actor=ops)
    with pytest.raises(InvalidInput) as assignee:
        services.kyc_case_assign(case=case, actor=officer, assignee=ops)

    assert exc.value.message == ("You may not work KYC cases: it needs the permission "
                                 "'compliance.review_kyccase', which you do not have.")
    assert (assignee.value.field, assignee.value.message) == (
        "assignee", "ops may not be assigned KYC cases: it needs the permission 'compliance.review_kyccase'.")
    case.refresh_from_db()
    assert (case.assignee, counts()) == (None, before)


def test_operations_prove_a_wallet_and_open_a_case_for_an_investor(entity, ops):
    challenge = services.wallet_challenge_issue(actor=ops, investor=entity, address=ACCOUNT.address)
    wallet = services.wallet_verify(actor=ops, challenge=challenge, signature=signature(challenge.message))
    case = services.kyc_case_open(actor=ops, investor=entity)

    assert (wallet.investor, wallet.address) == (entity, ACCOUNT.address)
    assert (case.investor, case.state) == (entity, "draft")
