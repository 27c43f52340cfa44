"""Builders for test data. They go through the services, like the product does."""

from datetime import date
from decimal import Decimal

from django.contrib.auth.models import Group, User
from django.core.files.uploadedfile import SimpleUploadedFile
from stdnum.iso7064 import mod_97_10

from compliance import services as compliance_services
from compliance.models import Investor, KycCase
from compliance.rules import REQUIRED_DOCUMENTS
from compliance.services import investor_create
from core import roles
from issuance import services
from issuance.models import SPV, Deal, Subscription, Tranche

_counter = {"n": 0}


def _next() -> int:
    _counter["n"] += 1
    return _counter["n"]


def make_lei(seed: int) -> str:
    body = f"5493{seed:014d}"
    return body + mod_97_10.calc_check_digits(body)


def make_user(role: str | None, username: str | None = None) -> User:
    user = User.objects.create_user(
        username=username or f"user{_next()}", password="pw-for-tests-only",  # noqa: S106
        is_staff=role in roles.STAFF_ROLES,
    )
    if role:
        user.groups.add(Group.objects.get(name=role))
    return user


def make_investor(*, actor: User, user: User | None = None, name: str | None = None,
                  eligible: bool = True, **details) -> Investor:
    """An entity investor in Singapore; ``eligible`` gives it an approved KYB case."""
    n = _next()
    values = {"kind": "entity", "legal_name": name or f"Investor {n} Ltd",
              "email": f"investor{n}@example.test", "country_of_residence": "SG", "user": user,
              "registration_number": f"2026{n:05d}K", "address": f"{n} Marina Boulevard, Singapore"}
    investor = investor_create(actor=actor, **{**values, **details})
    if eligible:
        approve_kyc(investor)
    return investor


# A tiny but complete PDF: what the content check accepts.
PDF_BYTES = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def pdf(name: str = "doc.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF_BYTES, content_type="application/pdf")


def kyc_officers() -> tuple[User, User]:
    """Two compliance officers (maker and checker) used by the factories' four-eyes approvals."""
    found = []
    for username in ("kyc-maker", "kyc-checker"):
        user = User.objects.filter(username=username).first() or make_user(roles.COMPLIANCE_OFFICER, username)
        found.append(user)
    return found[0], found[1]


def approve_kyc(investor: Investor) -> KycCase:
    """Walk a new KYC case to approved through the services: documents accepted, four eyes."""
    maker, checker = kyc_officers()
    for kind in REQUIRED_DOCUMENTS[investor.kind]:
        doc = compliance_services.document_upload(actor=maker, investor=investor, kind=kind, file=pdf())
        compliance_services.document_decide(document=doc, decision="accept", actor=maker)
    case = compliance_services.kyc_case_open(actor=maker, investor=investor)
    for name, actor in (("submit", maker), ("start_review", maker), ("recommend", maker),
                        ("approve", checker)):
        case = compliance_services.kyc_case_transition(case=case, name=name, actor=actor)
    return case


def make_spv(*, actor: User, active: bool = True) -> SPV:
    n = _next()
    spv = services.spv_create(
        actor=actor, legal_name=f"Test Compute SPV {n} Ltd", jurisdiction="SG",
        registration_number=f"REG{n}", lei=make_lei(n), trustee="Trustee Ltd",
        administrator="Admin Ltd", base_currency="USD",
    )
    if active:
        services.spv_transition(spv=spv, name="activate", actor=actor)
    return spv


def make_deal(
    *, actor: User, size: str = "10000000", tranches: tuple[str, ...] = ("7000000", "3000000"),
    denomination: str = "100000", currency: str = "USD",
) -> Deal:
    """A draft deal with tranches (by default adding up to the size)."""
    n = _next()
    deal = services.deal_create(
        actor=actor, spv=make_spv(actor=actor), name=f"Test Deal {n}",
        asset_class=Deal.AssetClass.GREEN_COMPUTE_ABS, currency=currency,
        target_size=Decimal(size), closing_date=date(2026, 12, 31),
        payment_frequency="quarterly", legal_final_maturity=date(2031, 12, 31),
    )
    for rank, principal in enumerate(tranches, start=1):
        make_tranche(actor=actor, deal=deal, seniority=rank, principal=principal,
                     denomination=denomination)
    return deal


def make_tranche(*, actor: User, deal: Deal, seniority: int, principal: str,
                 denomination: str = "100000") -> Tranche:
    return services.tranche_create(
        actor=actor, deal=deal, class_name=f"Class {seniority}", seniority=seniority,
        original_principal=Decimal(principal), coupon_rate=Decimal("0.05"), day_count="30/360",
        minimum_denomination=Decimal(denomination), token_symbol=f"T{_next()}", token_decimals=6,
    )


def pledge_collateral(*, actor: User, deal: Deal, devices: int = 1) -> list:
    """Assign ``devices`` new GPU servers of the deal's SPV to it as collateral (issuing an
    asset-backed deal needs at least one)."""
    from tests.assets.builders import make_gpu_server

    return [make_gpu_server(actor=actor, deal=deal) for _ in range(devices)]


def to_state(deal: Deal, state: str, *, maker: User, checker: User) -> Deal:
    """Walk a draft deal forward to ``state`` (up to 'open') through the services."""
    path = ["start_structuring", "submit_for_review", "approve", "open_subscriptions"]
    stops = {Deal.State.DRAFT: 0, Deal.State.STRUCTURING: 1, Deal.State.COMPLIANCE_REVIEW: 2,
             Deal.State.APPROVED: 3, Deal.State.OPEN: 4}
    for name in path[: stops[state]]:
        services.deal_transition(deal=deal, name=name, actor=checker if name == "approve" else maker)
    deal.refresh_from_db()
    return deal


def subscribe(*, actor: User, investor: Investor, tranche: Tranche, amount: str,
              accept: bool = True) -> Subscription:
    sub = services.subscription_request(actor=actor, investor=investor, tranche=tranche,
                                        requested_amount=Decimal(amount))
    if accept:
        sub = services.subscription_transition(subscription=sub, name="accept", actor=actor)
    return sub
