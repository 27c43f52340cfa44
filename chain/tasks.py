"""Celery tasks: take ids, call services, idempotent, retry only when the node is unreachable.

Each first checks that the node is still on the recorded chain (``chain.genesis``): on a reset
chain the business tasks fail with ``ChainReset`` (the alert is raised, their outbox row keeps the
error and is sent again later), and the follow and index runs report that they are halted."""

import logging

from celery import shared_task
from django.conf import settings

from chain.rpc import NodeUnavailable

log = logging.getLogger(__name__)
RETRY = {"autoretry_for": (NodeUnavailable,), "retry_backoff": 5, "retry_backoff_max": 300, "max_retries": 20}


def _require_same_chain() -> None:
    from chain.genesis import check_genesis

    check_genesis()


@shared_task(**RETRY)
def mint_deal_allocations(deal_id: int) -> int:
    """After a deal is issued: mint settled allocations ; idempotent per subscription."""
    from chain.models import Contract
    from chain.services import mint_deal_allocations as mint
    from issuance.models import Deal

    deal = Deal.objects.get(pk=deal_id)
    if not Contract.objects.filter(tranche__deal=deal, chain_id=settings.CHAIN_ID).exists():
        log.info("deal %s has no token contracts on chain %s: nothing to mint", deal_id, settings.CHAIN_ID)
        return 0
    _require_same_chain()
    return len(mint(deal=deal))


@shared_task(**RETRY)
def register_investor_wallets(investor_id: int) -> int:
    """After a wallet was verified or a KYC case approved: put the investor's allowlistable wallets
    into the registries of its SPVs; idempotent per (registry, wallet)."""
    if not settings.CHAIN_RPC_URL:
        return 0
    _require_same_chain()
    from chain.services import register_investor_wallets as register
    from compliance.models import Investor

    return len(register(investor=Investor.objects.get(pk=investor_id)))


@shared_task(**RETRY)
def freeze_investor_wallets(investor_id: int, event: str) -> int:
    """After KYC expired or a sanctions hit was confirmed: freeze the investor's wallets on every
    deployed tranche token; idempotent per (token, wallet, event)."""
    if not settings.CHAIN_RPC_URL:
        return 0
    _require_same_chain()
    from chain.services import freeze_investor_wallets as freeze
    from compliance.models import Investor

    return len(freeze(investor=Investor.objects.get(pk=investor_id), event=event))


@shared_task(**RETRY)
def follow_transactions() -> dict:
    """Continue every open intent (sign, broadcast, follow to confirmation)."""
    if not settings.CHAIN_RPC_URL:
        return {}
    from chain.genesis import ChainReset
    from chain.txmanager import recover

    try:
        return recover()
    except ChainReset as exc:
        return {"halted": exc.message}


@shared_task(**RETRY)
def index_events() -> dict:
    if not settings.CHAIN_RPC_URL:
        return {}
    from chain.genesis import ChainReset
    from chain.indexer import index

    try:
        result = index()
    except ChainReset as exc:
        return {"halted": exc.message}
    return {
        "from": result.from_block,
        "to": result.to_block,
        "logs": result.logs,
        "reorgs": result.reorgs,
        "halted": result.halted,
    }
