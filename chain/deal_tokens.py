"""The token step of an issued deal: its contracts, what was minted to whom, who cannot receive yet,
and the two actions operations take from the deal page (deploy the contracts, mint the book).

Issuance never imports the chain: ``ChainConfig.ready()`` registers ``render_token_step`` as a
section of the deal's admin page (``issuance.providers.register_deal_section``), and the buttons
post to views the chain admin adds (``chain/admin.py``). Whoever may issue the deal
(``issuance.issue_deal``) may deploy its contracts and mint its notes.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db.models import Exists, OuterRef
from django.template.loader import render_to_string
from django.urls import reverse

from chain import services
from chain.models import ChainTransaction, Contract
from chain.rpc import RPC, get_rpc
from compliance.models import Wallet
from core.authz import require_perm
from core.errors import Refused
from issuance.models import Deal, Subscription

PERMISSION = "issuance.issue_deal"
# The token step shows once the notes exist.
SHOWN_IN = (Deal.State.ISSUED, Deal.State.SERVICING)
MINTABLE_IN = (Deal.State.ISSUED, Deal.State.SERVICING)


@dataclass(frozen=True)
class Mint:
    subscription_id: int
    investor: str
    wallet: str
    units: str  # in tokens, with the token's decimals: "7,000,000.000000"
    base_units: int
    state: str  # the mint intent's state (planned ... confirmed, failed)


@dataclass(frozen=True)
class TrancheTokens:
    tranche_id: int
    class_name: str
    symbol: str
    address: str | None  # None: not deployed
    settled: int  # settled subscriptions, each to be minted once
    mints: tuple[Mint, ...]


@dataclass(frozen=True)
class TokenStep:
    chain_id: int
    chain_configured: bool
    registry: str | None  # the SPV's identity registry, None: not deployed
    tranches: tuple[TrancheTokens, ...]
    without_wallet: tuple[str, ...]  # investors with settled notes and no verified wallet

    @property
    def deployed(self) -> bool:
        return self.registry is not None and all(t.address for t in self.tranches)

    @property
    def minted(self) -> bool:
        return all(len(t.mints) == t.settled for t in self.tranches)


def _units(base_units: int, decimals: int) -> str:
    return f"{Decimal(base_units).scaleb(-decimals):,.{decimals}f}"


def token_step(deal: Deal) -> TokenStep:
    """What the chain holds for ``deal`` now, read from the database (five queries, whatever the
    size of the book); nothing is asked of the node."""
    chain_id = settings.CHAIN_ID
    tranches = list(deal.tranches.order_by("seniority"))
    tokens = {c.tranche_id: c for c in Contract.objects.filter(tranche__deal=deal, chain_id=chain_id,
                                                                kind=Contract.Kind.TRANCHE_TOKEN)}
    registry = (Contract.objects.filter(spv_id=deal.spv_id, chain_id=chain_id,
                                        kind=Contract.Kind.IDENTITY_REGISTRY)
                .values_list("address", flat=True).first())
    settled = list(
        Subscription.objects.filter(tranche__deal=deal, state=Subscription.State.SETTLED)
        .annotate(has_wallet=Exists(Wallet.objects.filter(investor=OuterRef("investor_id"))))
        .order_by("id").values_list("id", "tranche_id", "investor__legal_name", "has_wallet")
    )
    names = {pk: name for pk, _, name, _ in settled}
    keys = {f"mint:{chain_id}:subscription:{pk}": pk for pk, *_ in settled}
    intents = {keys[tx.idempotency_key]: tx for tx in ChainTransaction.objects.filter(
        idempotency_key__in=list(keys)).only("idempotency_key", "payload", "state")}
    by_tranche: dict[int, list[Mint]] = {t.pk: [] for t in tranches}
    counts: dict[int, int] = dict.fromkeys(by_tranche, 0)
    decimals = {t.pk: t.token_decimals for t in tranches}
    for pk, tranche_id, _, _ in settled:
        counts[tranche_id] += 1
        tx = intents.get(pk)
        if tx is not None:
            amount = int(tx.payload["amount"])
            by_tranche[tranche_id].append(Mint(
                subscription_id=pk, investor=names[pk], wallet=tx.payload["wallet"],
                units=_units(amount, decimals[tranche_id]), base_units=amount, state=tx.state))
    return TokenStep(
        chain_id=chain_id, chain_configured=bool(settings.CHAIN_RPC_URL), registry=registry,
        tranches=tuple(TrancheTokens(
            tranche_id=t.pk, class_name=t.class_name, symbol=t.token_symbol,
            address=tokens[t.pk].address if t.pk in tokens else None, settled=counts[t.pk],
            mints=tuple(by_tranche[t.pk])) for t in tranches),
        without_wallet=tuple(sorted({name for _, _, name, has_wallet in settled if not has_wallet})),
    )


def _require_chain(doing: str) -> RPC:
    if not settings.CHAIN_RPC_URL:
        raise Refused(f"No chain is configured (CHAIN_RPC_URL is empty), so nothing can {doing}. "
                      "Set CHAIN_RPC_URL to the node's address and restart the back office.")
    from chain.genesis import check_genesis

    rpc = get_rpc()
    check_genesis(rpc)  # never send to a chain that was reset
    return rpc


def deal_tokens_deploy(*, deal: Deal, actor, rpc: RPC | None = None) -> list[Contract]:
    """Deploy the SPV's identity registry (if it has none) and a token per tranche of ``deal``
    (if it has none); each deployment is keyed, so running it again deploys nothing twice.
    Needs the permission to issue the deal."""
    require_perm(actor, PERMISSION, doing="deploy a deal's token contracts")
    if deal.state in Deal.FINAL_STATES:
        raise Refused(f"Deal '{deal}' is '{deal.get_state_display()}'; its contracts are not deployed now.")
    rpc = rpc or _require_chain("be deployed")
    registry = services.deploy_registry(spv=deal.spv, actor=actor, rpc=rpc)
    return [registry, *(services.deploy_tranche_token(tranche=t, registry=registry, actor=actor, rpc=rpc)
                        for t in deal.tranches.order_by("seniority"))]


def deal_tokens_mint(*, deal: Deal, actor, rpc: RPC | None = None) -> list[ChainTransaction]:
    """Mint every settled allocation of ``deal`` to its investor's verified wallet
    (``chain.services.mint_deal_allocations``: all checked before anything is sent, each mint keyed
    by its subscription). Needs the permission to issue the deal."""
    require_perm(actor, PERMISSION, doing="mint a deal's notes")
    if deal.state not in MINTABLE_IN:
        raise Refused(f"Deal '{deal}' is '{deal.get_state_display()}'; notes are minted once it is issued.")
    rpc = rpc or _require_chain("be minted")
    return services.mint_deal_allocations(deal=deal, actor=actor, rpc=rpc)


def render_token_step(request, deal: Deal) -> str:
    """The deal page's token step (registered with issuance in ChainConfig.ready)."""
    if deal.state not in SHOWN_IN:
        return ""
    step = token_step(deal)
    may_act = request.user.has_perm(PERMISSION)
    return render_to_string("admin/chain/deal_token_step.html", {
        "deal": deal, "step": step, "may_act": may_act,
        "deploy_url": reverse("admin:chain_deal_tokens_deploy", args=[deal.pk]),
        "mint_url": reverse("admin:chain_deal_tokens_mint", args=[deal.pk]),
    }, request=request)
