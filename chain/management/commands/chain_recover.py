"""Continue every open transaction intent from what the chain says: ``manage.py chain_recover``."""

from django.core.management.base import BaseCommand

from chain.txmanager import recover


class Command(BaseCommand):
    help = "Sign, rebroadcast (same bytes) or follow every open intent after a crash. Safe to repeat."

    def handle(self, *args, **options):
        counts = recover()
        self.stdout.write(
            "open intents now: " + (", ".join(f"{k} {v}" for k, v in sorted(counts.items())) or "none")
        )
