"""Deploy the demo contracts and mint the demo deals on the local chain: ``manage.py chain_demo``.

First the local chain and the database are made to agree (:func:`chain.localchain.align_local_chain`):
when anvil restored its state file and it holds every transaction the database records, nothing is
deployed again; otherwise the chain is reset and the demo starts over on it. Then idempotent: every
step is an intent keyed by the business fact, so a re-run sends nothing new. Investors without a
verified wallet get one of anvil's public dev accounts (demo only).
"""

from django.conf import settings
from django.core.management.base import BaseCommand
from eth_account import Account

from chain import services
from chain.indexer import Indexer
from chain.localchain import align_local_chain
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
        alignment = align_local_chain()
        self.stdout.write(f"local chain {alignment.outcome}: {alignment.reason}")
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
