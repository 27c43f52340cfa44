"""Chain writes the business knows by name: deploy the contracts of an SPV and its tranches,
register verified wallets, mint a deal's settled allocations. Each goes through the
transaction manager with an idempotency key that names the business fact, so running any of
them twice sends nothing twice.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pycountry
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from chain import abi
from chain.models import ChainTransaction, Contract
from chain.rpc import RPC, get_rpc
from chain.signer import signer_account
from chain.txmanager import send as tx_send
from chain.txmanager import wait_mined
from core.audit import audit_created
from core.errors import InvalidInput, Refused

log = logging.getLogger(__name__)
AGENT_ROLES = (
    "MINTER_ROLE",
    "BURNER_ROLE",
    "PAUSER_ROLE",
    "FREEZER_ROLE",
    "FORCED_TRANSFER_ROLE",
    "RECOVERY_ROLE",
)


def to_base_units(amount: Decimal, decimals: int) -> int:
    """An exact decimal amount in token base units, by integer arithmetic only."""
    numerator, denominator = Decimal(amount).as_integer_ratio()
    scaled = numerator * 10**decimals
    if scaled % denominator:
        raise InvalidInput(
            f"{amount} is not a whole number of base units with {decimals} decimals.", field="amount"
        )
    return scaled // denominator


def investor_id_bytes(investor_pk: int) -> bytes:
    """The registry's investor id: the investor's primary key as a big-endian uint256."""
    return int(investor_pk).to_bytes(32, "big")


def country_code(alpha2: str) -> int:
    country = pycountry.countries.get(alpha_2=alpha2.upper()) if alpha2 else None
    return int(country.numeric) if country else 0


# ---- reads


def call(
    contract: str, address: str, function: str, *args, block: int | str = "latest", rpc: RPC | None = None
):
    rpc = rpc or get_rpc()
    return abi.decode_result(
        contract, function, rpc.eth_call(address, abi.encode_call(contract, function, *args), block)
    )


# ---- deployment


def deploy(
    *,
    key: str,
    kind: str,
    args: tuple,
    name: str,
    actor=None,
    spv=None,
    tranche=None,
    registry: Contract | None = None,
    rpc: RPC | None = None,
) -> Contract:
    """Deploy ``kind`` once per ``key`` and record it (idempotent)."""
    rpc = rpc or get_rpc()
    tx = wait_mined(
        tx_send(
            key=key,
            purpose=f"deploy {kind}",
            to=None,
            data=abi.encode_deploy(kind, *args),
            payload={"kind": kind, "name": name},
            actor=actor,
            rpc=rpc,
        ),
        rpc=rpc,
    )
    existing = Contract.objects.filter(deploy_transaction=tx).first()
    if existing:
        return existing
    with transaction.atomic():
        contract = Contract.objects.create(
            chain_id=settings.CHAIN_ID,
            address=tx.contract_address,
            kind=kind,
            name=name,
            spv=spv,
            tranche=tranche,
            registry=registry,
            deployed_block=tx.block_number,
            deploy_transaction=tx,
        )
        audit_created(instance=contract, actor=actor, fields=("chain_id", "address", "kind", "name"))
    return contract


def _grant(contract: Contract, role: str, grantee: str, *, actor=None, rpc: RPC) -> ChainTransaction:
    return tx_send(
        key=f"grant:{contract.chain_id}:{contract.address}:{role}:{grantee}",
        purpose=f"grant {role}",
        to=contract.address,
        data=abi.encode_call(contract.kind, "grantRole", abi.role(role), grantee),
        payload={"role": role, "grantee": grantee},
        actor=actor,
        rpc=rpc,
    )


def deploy_registry(*, spv, actor=None, rpc: RPC | None = None) -> Contract:
    """The identity registry serving every tranche token of ``spv``."""
    rpc = rpc or get_rpc()
    admin = signer_account().address
    return deploy(
        key=f"deploy:{settings.CHAIN_ID}:registry:spv:{spv.pk}",
        kind=Contract.Kind.IDENTITY_REGISTRY,
        args=(admin,),
        name=f"{spv.legal_name} identity registry",
        spv=spv,
        actor=actor,
        rpc=rpc,
    )


def deploy_tranche_token(*, tranche, registry: Contract, actor=None, rpc: RPC | None = None) -> Contract:
    """The tranche's token, with the back office signer holding every agent role."""
    rpc = rpc or get_rpc()
    admin = signer_account().address
    token = deploy(
        key=f"deploy:{settings.CHAIN_ID}:token:tranche:{tranche.pk}",
        kind=Contract.Kind.TRANCHE_TOKEN,
        args=(
            f"{tranche.deal.name} {tranche.class_name}",
            tranche.token_symbol,
            tranche.token_decimals,
            registry.address,
            admin,
        ),
        name=f"{tranche.token_symbol} ({tranche})",
        tranche=tranche,
        registry=registry,
        spv=tranche.deal.spv,
        actor=actor,
        rpc=rpc,
    )
    for role in AGENT_ROLES:
        wait_mined(_grant(token, role, admin, actor=actor, rpc=rpc), rpc=rpc)
    return token


def deploy_stablecoin_and_payout(*, actor=None, rpc: RPC | None = None) -> tuple[Contract, Contract]:
    rpc = rpc or get_rpc()
    admin = signer_account().address
    coin = deploy(
        key=f"deploy:{settings.CHAIN_ID}:stablecoin",
        kind=Contract.Kind.STABLECOIN,
        args=(admin,),
        name="Mock USD Coin",
        actor=actor,
        rpc=rpc,
    )
    payout = deploy(
        key=f"deploy:{settings.CHAIN_ID}:payout:{coin.address}",
        kind=Contract.Kind.PAYOUT,
        args=(coin.address, admin),
        name="Payout (mUSDC)",
        actor=actor,
        rpc=rpc,
    )
    return coin, payout


# ---- identity registry


def register_wallet(
    *,
    registry: Contract,
    address: str,
    investor,
    valid_until: datetime | None = None,
    actor=None,
    rpc: RPC | None = None,
) -> ChainTransaction | None:
    """Add a verified wallet to the registry (no-op when it is already there for this investor)."""
    rpc = rpc or get_rpc()
    investor_id = investor_id_bytes(investor.pk)
    current = call(registry.kind, registry.address, "investorOf", address, rpc=rpc)
    if current == investor_id:
        return None
    if current != bytes(32):
        raise Refused(f"Wallet {address} is registered to another investor in {registry.name}.")
    if valid_until is None:
        valid_until = _kyc_valid_until(investor)
    return wait_mined(
        tx_send(
            key=f"register:{registry.chain_id}:{registry.address}:{address}",
            purpose="register identity",
            to=registry.address,
            data=abi.encode_call(
                registry.kind,
                "registerIdentity",
                address,
                investor_id,
                country_code(investor.country_of_residence),
                int(valid_until.timestamp()),
            ),
            payload={"investor": investor.pk, "wallet": address},
            actor=actor,
            rpc=rpc,
        ),
        rpc=rpc,
    )


def _kyc_valid_until(investor) -> datetime:
    """Until the approved KYC's refresh date when there is one, else a year from now."""
    approved = investor.kyc_cases.filter(state="approved").order_by("-id").first()
    due = getattr(approved, "refresh_due", None)
    if due:
        return datetime(due.year, due.month, due.day, tzinfo=UTC)
    return timezone.now() + timedelta(days=365)


# ---- minting a deal's allocations


def verified_wallet(investor) -> str | None:
    """The investor's most recently verified wallet (compliance.Wallet rows are verified ones)."""
    wallet = investor.wallets.order_by("-verified_at", "-id").first()
    return wallet.address if wallet else None


def mint_deal_allocations(
    *, deal, actor=None, rpc: RPC | None = None, wallets: dict[int, str] | None = None
) -> list[ChainTransaction]:
    """Mint each settled subscription's allocation to its investor's verified wallet.

    ``wallets`` (investor id -> address) overrides the compliance lookup (tests, migrations).
    Everything is checked before anything is sent; each mint is keyed by its subscription, so a
    re-run after a crash sends only what is missing.
    """
    from issuance.models import Subscription

    rpc = rpc or get_rpc()
    subs = list(
        Subscription.objects.filter(tranche__deal=deal, state=Subscription.State.SETTLED)
        .select_related("tranche", "investor")
        .order_by("id")
    )
    plan, problems = [], []
    for sub in subs:
        token = (
            Contract.objects.filter(tranche=sub.tranche, chain_id=settings.CHAIN_ID)
            .select_related("registry")
            .first()
        )
        address = (wallets or {}).get(sub.investor_id) or verified_wallet(sub.investor)
        if token is None:
            problems.append(f"tranche {sub.tranche} has no token contract on chain {settings.CHAIN_ID}")
        if address is None:
            problems.append(f"investor {sub.investor} has no verified wallet")
        if token and address:
            plan.append(
                (sub, token, address, to_base_units(sub.allocated_amount, sub.tranche.token_decimals))
            )
    if problems:
        raise Refused(
            "Cannot mint deal '" + str(deal) + "': " + "; ".join(sorted(set(problems))) + ".",
            reasons=sorted(set(problems)),
        )
    sent = []
    for sub, token, address, amount in plan:
        register_wallet(registry=token.registry, address=address, investor=sub.investor, actor=actor, rpc=rpc)
        sent.append(
            tx_send(
                key=f"mint:{token.chain_id}:subscription:{sub.pk}",
                purpose="mint allocation",
                to=token.address,
                data=abi.encode_call(token.kind, "mint", address, amount),
                payload={
                    "subscription": sub.pk,
                    "investor": sub.investor_id,
                    "wallet": address,
                    "amount": str(amount),
                },
                actor=actor,
                rpc=rpc,
            )
        )
    log.info("deal %s: %s mint intents", deal.pk, len(sent))
    return sent


# ---- wiring to compliance and screening (chain.receivers -> chain.tasks -> here)


def registries_for(investor):
    """The deployed identity registries of every SPV the investor has a live subscription with."""
    from issuance.models import Subscription

    return Contract.objects.filter(
        kind=Contract.Kind.IDENTITY_REGISTRY,
        chain_id=settings.CHAIN_ID,
        spv__deals__tranches__subscriptions__investor=investor,
        spv__deals__tranches__subscriptions__state__in=Subscription.LIVE_STATES,
    ).distinct().order_by("id")


def register_investor_wallets(*, investor, actor=None, rpc: RPC | None = None) -> list[ChainTransaction]:
    """Put each allowlistable wallet of ``investor`` (verified, KYC approved and unexpired) into
    every relevant registry; a wallet already there whose validity ended earlier than the current
    KYC's refresh date gets its validity extended. Idempotent: reads the registry first, and every
    write is keyed by (registry, wallet[, validity])."""
    from compliance.selectors import allowlistable_wallets

    rpc = rpc or get_rpc()
    wallets = list(allowlistable_wallets().filter(investor=investor).order_by("id"))
    registries = list(registries_for(investor))
    if not wallets or not registries:
        return []
    valid_until = int(_kyc_valid_until(investor).timestamp())
    sent = []
    for registry in registries:
        for wallet in wallets:
            investor_id, _country, current_until = call(
                registry.kind, registry.address, "identity", wallet.address, rpc=rpc
            )
            if investor_id == bytes(32):
                tx = register_wallet(registry=registry, address=wallet.address, investor=investor,
                                     actor=actor, rpc=rpc)
            elif investor_id == investor_id_bytes(investor.pk) and current_until < valid_until:
                tx = wait_mined(
                    tx_send(
                        key=f"update-identity:{registry.chain_id}:{registry.address}:{wallet.address}"
                        f":{valid_until}",
                        purpose="update identity",
                        to=registry.address,
                        data=abi.encode_call(registry.kind, "updateIdentity", wallet.address,
                                             country_code(investor.country_of_residence), valid_until),
                        payload={"investor": investor.pk, "wallet": wallet.address},
                        actor=actor,
                        rpc=rpc,
                    ),
                    rpc=rpc,
                )
            elif investor_id != investor_id_bytes(investor.pk):
                log.error("wallet %s is registered to another investor in %s; not registered",
                          wallet.address, registry.name)
                continue
            else:
                tx = None
            if tx is not None:
                sent.append(tx)
    log.info("investor %s: %s registry writes", investor.pk, len(sent))
    return sent


def freeze_investor_wallets(
    *, investor, event: str, actor=None, rpc: RPC | None = None
) -> list[ChainTransaction]:
    """Freeze every wallet of ``investor`` on every deployed tranche token because of ``event``
    (e.g. "kyc-expired:case:12"). Wallets already frozen are left alone; each freeze is keyed by
    (token, wallet, event), so repeating the event sends nothing twice."""
    rpc = rpc or get_rpc()
    addresses = list(investor.wallets.order_by("id").values_list("address", flat=True))
    tokens = list(
        Contract.objects.filter(kind=Contract.Kind.TRANCHE_TOKEN, chain_id=settings.CHAIN_ID).order_by("id")
    )
    sent = []
    for token in tokens:
        for address in addresses:
            if call(token.kind, token.address, "isFrozen", address, rpc=rpc):
                continue
            sent.append(
                tx_send(
                    key=f"freeze:{token.chain_id}:{token.address}:{address}:{event}",
                    purpose="freeze wallet",
                    to=token.address,
                    data=abi.encode_call(token.kind, "setAddressFrozen", address, True),
                    payload={"investor": investor.pk, "wallet": address, "event": event},
                    actor=actor,
                    rpc=rpc,
                )
            )
    log.info("investor %s (%s): %s freeze intents", investor.pk, event, len(sent))
    return sent
