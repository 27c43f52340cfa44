"""Continue every open transaction intent from what the chain says: ``manage.py chain_recover``."""

from django.core.management.base import BaseCommand

from chain.txmanager import recover


class Command(BaseCommand):
    help = "Sign, rebroadcast (same bytes) or follow every open intent after a crash. Safe to repeat."

    def add_arguments(self, parser):
        parser.add_argument(
            "--wait", type=float, default=10.0,
            help="Seconds to wait for the receipts of what was (re)broadcast (default 10; 0: do not wait).",
        )

    def handle(self, *args, wait, **options):
        counts = recover(wait_seconds=wait)
        self.stdout.write(
            "open intents now: " + (", ".join(f"{k} {v}" for k, v in sorted(counts.items())) or "none")
        )
