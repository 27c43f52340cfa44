"""Builders for test data. They go through the services, like the product does."""

from datetime import date
from decimal import Decimal

from django.contrib.auth.models import Group, User
from stdnum.iso7064 import mod_97_10

from compliance.models import Investor
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


def make_investor(*, actor: User, user: User | None = None, name: str | None = None) -> Investor:
    n = _next()
    return investor_create(
        actor=actor, kind="entity", legal_name=name or f"Investor {n} Ltd",
        email=f"investor{n}@example.test", country_of_residence="SG", user=user,
    )


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
    denomination: str = "100000",
) -> Deal:
    """A draft deal with tranches (by default adding up to the size)."""
    n = _next()
    deal = services.deal_create(
        actor=actor, spv=make_spv(actor=actor), name=f"Test Deal {n}",
        asset_class=Deal.AssetClass.GREEN_COMPUTE_ABS, currency="USD",
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
