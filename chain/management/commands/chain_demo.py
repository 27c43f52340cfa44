"""Deploy the demo contracts and mint the demo deals on the local chain: ``manage.py chain_demo``.

Idempotent: every step is an intent keyed by the business fact, so a re-run sends nothing new.
Investors without a verified wallet get one of anvil's public dev accounts (demo only).
"""

from django.conf import settings
from django.core.management.base import BaseCommand
from eth_account import Account

from chain import services
from chain.indexer import Indexer
from chain.models import Contract
from issuance.models import Deal, Subscription

DEMO_MNEMONIC = "test test test test test test test test test test test junk"  # anvil's public default


def demo_wallet(index: int) -> str:
    Account.enable_unaudited_hdwallet_features()
    return Account.from_mnemonic(DEMO_MNEMONIC, account_path=f"m/44'/60'/0'/0/{index}").address


class Command(BaseCommand):
    help = (
        "Deploy registry, tranche tokens, stablecoin and payout; mint issued demo deals (local chain only)."
    )

    def handle(self, *args, **options):
        if settings.CHAIN_ID != 31337:
            self.stderr.write("chain_demo runs only against the local anvil chain (CHAIN_ID 31337).")
            return
        self._forget_a_fresh_chain()
        coin, payout = services.deploy_stablecoin_and_payout()
        self.stdout.write(f"stablecoin {coin.address}, payout {payout.address}")
        holders = (
            Subscription.objects.filter(state=Subscription.State.SETTLED)
            .values_list("investor_id", flat=True)
            .distinct()
            .order_by("investor_id")
        )
        wallets = {pk: demo_wallet(i + 1) for i, pk in enumerate(holders)}
        deals = Deal.objects.filter(state__in=[Deal.State.ISSUED, Deal.State.SERVICING]).select_related("spv")
        for deal in deals.order_by("id"):
            registry = Contract.objects.filter(
                spv=deal.spv, kind=Contract.Kind.IDENTITY_REGISTRY, chain_id=settings.CHAIN_ID
            ).first()
            registry = registry or services.deploy_registry(spv=deal.spv)
            for tranche in deal.tranches.order_by("seniority"):
                token = getattr(tranche, "token_contract", None) or services.deploy_tranche_token(
                    tranche=tranche, registry=registry
                )
                self.stdout.write(f"{tranche}: {token.address}")
            sent = services.mint_deal_allocations(deal=deal, wallets=wallets)
            self.stdout.write(f"{deal}: {len(sent)} mint intents")
        result = Indexer().run()
        self.stdout.write(f"indexed {result.transfers} transfers and {result.events} events")

    def _forget_a_fresh_chain(self) -> None:
        """The demo keeps anvil's state in var/anvil; when it is lost while the database persists, drop
        the local chain's rows (their contracts have no code any more), so they are deployed again."""
        from chain.models import (
            ChainEvent,
            ChainTransaction,
            HolderSnapshot,
            IndexedBlock,
            IndexerCursor,
            Signer,
            TokenTransfer,
        )
        from chain.rpc import get_rpc

        first = Contract.objects.filter(chain_id=31337).order_by("id").first()
        if first is None or get_rpc().call("eth_getCode", first.address, "latest") not in ("0x", "0x0", ""):
            return
        self.stdout.write("local chain was restarted: forgetting its old contracts and transactions")
        HolderSnapshot.objects.filter(contract__chain_id=31337).delete()
        for model in (TokenTransfer, ChainEvent, IndexedBlock, IndexerCursor):
            model.objects.filter(chain_id=31337).delete()
        # Tokens point at their registry (protected), so they go first.
        Contract.objects.filter(chain_id=31337, registry__isnull=False).delete()
        Contract.objects.filter(chain_id=31337).delete()
        ChainTransaction.objects.filter(chain_id=31337).delete()
        Signer.objects.filter(chain_id=31337).delete()
