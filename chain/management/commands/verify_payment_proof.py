"""Check a payment proof downloaded from the investor portal against the chain (CHAIN_RPC_URL)."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from chain.anchors import verify_payment_proof


class Command(BaseCommand):
    help = "Check a payment proof (the portal's JSON) against the root anchored on chain."

    def add_arguments(self, parser):
        parser.add_argument("proof", help="Path of the downloaded payment-proof-<id>.json")

    def handle(self, *args, proof: str, **options):
        try:
            data = json.loads(Path(proof).read_text())
        except (OSError, ValueError) as exc:
            raise CommandError(f"{proof} is not a readable JSON file: {exc}") from None
        if not verify_payment_proof(data):
            raise CommandError(f"NOT VERIFIED: {proof} does not prove a payment anchored on chain.")
        self.stdout.write(f"verified: {data['holder']} was paid {data['amount']} base units in distribution "
                          f"{data['distribution_id']} (root anchored in {data['contract']})")
