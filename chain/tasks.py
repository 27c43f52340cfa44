"""Celery tasks: take ids, call services, idempotent, retry only when the node is unreachable."""

import logging

from celery import shared_task
from django.conf import settings

from chain.rpc import NodeUnavailable

log = logging.getLogger(__name__)
RETRY = {"autoretry_for": (NodeUnavailable,), "retry_backoff": 5, "retry_backoff_max": 300, "max_retries": 20}


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
    return len(mint(deal=deal))


@shared_task(**RETRY)
def register_investor_wallets(investor_id: int) -> int:
    """After a wallet was verified or a KYC case approved: put the investor's allowlistable wallets
    into the registries of its SPVs; idempotent per (registry, wallet)."""
    if not settings.CHAIN_RPC_URL:
        return 0
    from chain.services import register_investor_wallets as register
    from compliance.models import Investor

    return len(register(investor=Investor.objects.get(pk=investor_id)))


@shared_task(**RETRY)
def freeze_investor_wallets(investor_id: int, event: str) -> int:
    """After KYC expired or a sanctions hit was confirmed: freeze the investor's wallets on every
    deployed tranche token; idempotent per (token, wallet, event)."""
    if not settings.CHAIN_RPC_URL:
        return 0
    from chain.services import freeze_investor_wallets as freeze
    from compliance.models import Investor

    return len(freeze(investor=Investor.objects.get(pk=investor_id), event=event))


@shared_task(**RETRY)
def follow_transactions() -> dict:
    """Continue every open intent (sign, broadcast, follow to confirmation)."""
    if not settings.CHAIN_RPC_URL:
        return {}
    from chain.txmanager import recover

    return recover()


@shared_task(**RETRY)
def index_events() -> dict:
    if not settings.CHAIN_RPC_URL:
        return {}
    from chain.indexer import index

    result = index()
    return {
        "from": result.from_block,
        "to": result.to_block,
        "logs": result.logs,
        "reorgs": result.reorgs,
        "halted": result.halted,
    }
