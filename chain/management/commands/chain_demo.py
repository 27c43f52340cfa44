"""Deploy the demo contracts and mint the demo deals on the local chain: ``manage.py chain_demo``.

First the local chain and the database are made to agree (:func:`chain.localchain.align_local_chain`):
when anvil restored its state file and it holds every transaction the database records, nothing is
deployed again; otherwise the chain is reset and the demo starts over on it. Then idempotent: every
step is an intent keyed by the business fact, so a re-run sends nothing new. Each holder without a
verified wallet proves one of anvil's public dev accounts (demo only: the challenge is signed with
the dev key through compliance's wallet services), so later deals mint from the deal page too.
"""

from django.conf import settings
from django.contrib.auth.models import User
from django.core.management.base import BaseCommand
from eth_account import Account
from eth_account.messages import encode_defunct

from chain import services
from chain.anchors import deploy_anchor
from chain.indexer import Indexer
from chain.localchain import align_local_chain
from chain.models import Contract
from compliance.models import Investor, Wallet
from compliance.services.wallets import wallet_challenge_issue, wallet_verify
from issuance.models import Deal, Subscription

DEMO_MNEMONIC = "test test test test test test test test test test test junk"  # anvil's public default


class Command(BaseCommand):
    help = (
        "Deploy registry, tranche tokens, stablecoin, payout and anchor registry; mint issued demo deals "
        "(local chain only)."
    )

    def handle(self, *args, **options):
        if settings.CHAIN_ID != 31337:
            self.stderr.write("chain_demo runs only against the local anvil chain (CHAIN_ID 31337).")
            return
        alignment = align_local_chain()
        self.stdout.write(f"local chain {alignment.outcome}: {alignment.reason}")
        coin, payout = services.deploy_stablecoin_and_payout()
        self.stdout.write(f"stablecoin {coin.address}, payout {payout.address}")
        anchor = deploy_anchor()
        self.stdout.write(f"anchor registry {anchor.address}")
        holders = (
            Subscription.objects.filter(state=Subscription.State.SETTLED)
            .values_list("investor_id", flat=True)
            .distinct()
            .order_by("investor_id")
        )
        self._prove_demo_wallets(list(holders))
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
            sent = services.mint_deal_allocations(deal=deal)
            self.stdout.write(f"{deal}: {len(sent)} mint intents")
        result = Indexer().run()
        self.stdout.write(f"indexed {result.transfers} transfers and {result.events} events")

    def _prove_demo_wallets(self, holders: list[int]) -> None:
        """The i-th holder (by investor id) without a verified wallet proves dev account i + 1."""
        ops = User.objects.filter(username="ops").first()
        if ops is None:
            return
        Account.enable_unaudited_hdwallet_features()
        for index, pk in enumerate(holders, start=1):
            investor = Investor.objects.get(pk=pk)
            account = Account.from_mnemonic(DEMO_MNEMONIC, account_path=f"m/44'/60'/0'/0/{index}")
            if investor.wallets.exists() or Wallet.objects.filter(address=account.address).exists():
                continue
            challenge = wallet_challenge_issue(actor=ops, investor=investor, address=account.address)
            signed = account.sign_message(encode_defunct(text=challenge.message))
            wallet_verify(actor=ops, challenge=challenge, signature="0x" + signed.signature.hex())
            self.stdout.write(f"{investor}: wallet {account.address} verified (demo key {index})")
