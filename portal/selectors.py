"""What the portal shows, scoped to the signed-in login (docs/reporting.md, "Portal and verification").

An investor login reads only its own investor's rows: every lookup by id here filters by the
investor, so another investor's row is simply not found (a 404, never a 403 that would confirm it
exists). Screening details are never read here: an escrowed payment is shown as held, nothing more.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal

from django.conf import settings
from django.db.models import Q, QuerySet, Sum

from chain.models import Anchor, Contract, TokenTransfer
from compliance.models import Investor, KycCase, Wallet
from compliance.rules import missing_details, missing_documents
from core import clock
from servicing.models import CollectionPeriod, Distribution, Entitlement
from servicing.services.anchors import distribution_tree

CENT = Decimal("0.01")
FACTOR = Decimal("0.000001")


def investor_of(user) -> Investor | None:
    """The investor whose login ``user`` is, or None (staff, or a login without a profile)."""
    if not user.is_authenticated:
        return None
    return Investor.objects.filter(user=user).first()


def wallet_addresses(investor: Investor) -> list[str]:
    """The investor's verified wallets, lower-case (as the indexer and the entitlements store them)."""
    return [a.lower() for a in investor.wallets.order_by("address").values_list("address", flat=True)]


def wallets(investor: Investor) -> QuerySet[Wallet]:
    return investor.wallets.order_by("address")


def tx_url(tx_hash: str) -> str:
    """The explorer link of a transaction (``CHAIN_EXPLORER_TX_URL``), or "" when none is set."""
    template = settings.CHAIN_EXPLORER_TX_URL
    return template.format(hash=tx_hash) if template and tx_hash else ""


def base_units_to_decimal(amount: int, decimals: int) -> Decimal:
    return Decimal(int(amount)).scaleb(-decimals)


# ---- holdings


@dataclass(frozen=True)
class Holding:
    tranche: object
    units: Decimal  # tokens held (one token per currency unit of original principal)
    factor: Decimal
    current_balance: Decimal

    @property
    def currency(self) -> str:
        return self.tranche.deal.currency


def holdings(investor: Investor) -> list[Holding]:
    """Tranche tokens the investor's wallets hold, from the final indexed transfers, with the factor
    (current / original principal) and the current balance (units x factor, to the cent, half-even)."""
    addresses = wallet_addresses(investor)
    if not addresses:
        return []
    final = TokenTransfer.objects.filter(final=True, contract__kind=Contract.Kind.TRANCHE_TOKEN,
                                         contract__chain_id=settings.CHAIN_ID)
    received = dict(final.filter(recipient__in=addresses).values("contract_id").annotate(v=Sum("value"))
                    .values_list("contract_id", "v"))
    sent = dict(final.filter(sender__in=addresses).values("contract_id").annotate(v=Sum("value"))
                .values_list("contract_id", "v"))
    balances = {pk: received.get(pk, 0) - sent.get(pk, 0) for pk in set(received) | set(sent)}
    contracts = Contract.objects.filter(pk__in=[pk for pk, v in balances.items() if v > 0],
                                        tranche__isnull=False).select_related("tranche__deal")
    found = []
    for contract in contracts:
        tranche = contract.tranche
        units = base_units_to_decimal(balances[contract.pk], tranche.token_decimals)
        ratio = tranche.current_principal / tranche.original_principal
        found.append(Holding(tranche=tranche, units=units,
                             factor=ratio.quantize(FACTOR, rounding=ROUND_HALF_EVEN),
                             current_balance=(units * ratio).quantize(CENT, rounding=ROUND_HALF_EVEN)))
    return sorted(found, key=lambda h: (h.tranche.deal.name, h.tranche.seniority))


# ---- payments


def _own(investor: Investor) -> Q:
    return Q(investor=investor) | Q(wallet__in=wallet_addresses(investor))


def entitlements_of(investor: Investor) -> QuerySet[Entitlement]:
    """Every entitlement of the investor (by investor or by one of their wallets), newest first."""
    return (
        Entitlement.objects.filter(_own(investor))
        .select_related("distribution__period__deal", "distribution__tranche", "distribution__root_anchor",
                        "distribution__root_anchor__transaction", "distribution__root_anchor__contract",
                        "escrow")
        .order_by("-distribution__period__payment_date", "distribution__tranche__seniority", "wallet")
    )


def entitlement_of(investor: Investor | None, pk: int) -> Entitlement | None:
    """The investor's own entitlement ``pk``, or None (anyone else's is not found)."""
    if investor is None:
        return None
    return entitlements_of(investor).filter(pk=pk).first()


@dataclass(frozen=True)
class NextPayment:
    period: CollectionPeriod
    expected: list[Entitlement]  # the investor's entitlements of it, not paid yet


def next_payment(investor: Investor, holdings_: list[Holding],
                 today: date | None = None) -> NextPayment | None:
    """The next payment date of a deal the investor holds (a period not yet distributed), and what
    they are owed in it so far."""
    today = today or clock.today()
    deals = {h.tranche.deal_id for h in holdings_}
    deals |= set(entitlements_of(investor).values_list("distribution__period__deal_id", flat=True))
    paid = (CollectionPeriod.State.DISTRIBUTED, CollectionPeriod.State.CLOSED)
    period = (CollectionPeriod.objects.filter(deal_id__in=deals, payment_date__gte=today)
              .exclude(state__in=paid).select_related("deal").order_by("payment_date", "deal__name").first())
    if period is None:
        return None
    expected = list(entitlements_of(investor).filter(distribution__period=period, paid_block__isnull=True))
    return NextPayment(period=period, expected=expected)


def payment_proof(entitlement: Entitlement) -> dict | None:
    """The Merkle proof of the investor's payment (JSON-ready), or None until the distribution's root
    is anchored. The proof is computed again from the paid entitlements and must end in the recorded
    root; ``chain.anchors.verify_payment_proof`` checks it against the chain."""
    distribution: Distribution = entitlement.distribution
    anchor = distribution.root_anchor
    if anchor is None or entitlement.paid_amount is None or not distribution.merkle_root:
        return None
    tree = distribution_tree(distribution)
    if "0x" + tree.root.hex() != distribution.merkle_root:
        return None
    return {
        "description": (f"Payment of {entitlement.paid_amount} stablecoin base units to "
                        f"{entitlement.wallet} in distribution #{distribution.pk} ({distribution})"),
        "chain_id": anchor.contract.chain_id,
        "contract": anchor.contract.address,
        "distribution_id": distribution.distribution_id,
        "holder": entitlement.wallet,
        "amount": str(int(entitlement.paid_amount)),
        "leaf": "0x" + tree.leaf(entitlement.wallet).hex(),
        "proof": ["0x" + p.hex() for p in tree.proof(entitlement.wallet)],
        "root": distribution.merkle_root,
        "anchor_transaction": anchor.transaction.tx_hash,
        "payment_transaction": entitlement.paid_tx_hash,
        "leaf_encoding": "keccak256(bytes.concat(keccak256(abi.encode(address holder, uint256 amount))))",
        "verify": "Anchor.verifyPayment(distribution_id, holder, amount, proof) returns true",
    }


# ---- KYC


@dataclass(frozen=True)
class KycStatus:
    case: KycCase | None
    missing_details: list[str]
    missing_documents: list[str]
    in_force: bool


def kyc_status(investor: Investor) -> KycStatus:
    """The investor's latest case and what is missing (details, documents) - never screening."""
    case = investor.kyc_cases.order_by("-created_at", "-id").first()
    in_force = bool(case and case.state == KycCase.State.APPROVED and case.refresh_due
                    and case.refresh_due >= clock.today())
    return KycStatus(case=case, missing_details=missing_details(investor),
                     missing_documents=missing_documents(investor), in_force=in_force)


# ---- anchors


def anchor_contract_or_none() -> Contract | None:
    anchors = Contract.objects.filter(chain_id=settings.CHAIN_ID, kind=Contract.Kind.ANCHOR)
    return anchors.order_by("id").first()


def document_anchors(sha256s: list[str]) -> dict[str, Anchor]:
    """File SHA-256 (bare hex) -> its document anchor on this chain, for those anchored."""
    keys = {"0x" + h: h for h in sha256s if h}
    found = Anchor.objects.filter(
        kind=Anchor.Kind.DOCUMENT, key__in=list(keys), contract__chain_id=settings.CHAIN_ID
    ).select_related("transaction", "contract")
    return {keys[a.key]: a for a in found}
