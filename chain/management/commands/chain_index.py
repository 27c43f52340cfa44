"""Index our contracts' events: ``manage.py chain_index [--to-block N] [--follow SECONDS]``."""

import time

from django.core.management.base import BaseCommand

from chain.indexer import Indexer


class Command(BaseCommand):
    help = "Read Transfer and agent events of our contracts into the database (reorg-safe, resumable)."

    def add_arguments(self, parser):
        parser.add_argument("--to-block", type=int, default=None)
        parser.add_argument("--follow", type=float, default=0, help="Keep polling every N seconds.")

    def handle(self, *args, to_block, follow, **options):
        def progress(result, target):
            self.stdout.write(
                f"  block {result.to_block}/{target}: {result.logs} logs, {result.chunks} chunks"
            )

        while True:
            result = Indexer(progress=progress if options["verbosity"] > 1 else None).run(to_block=to_block)
            self.stdout.write(
                f"indexed {result.from_block}..{result.to_block}: {result.transfers} transfers, "
                f"{result.events} other events, {result.chunks} chunks, {result.halvings} halvings"
                + (f", rolled back to {result.reorgs}" if result.reorgs else "")
                + (" - HALTED by a reorg alert" if result.halted else "")
            )
            if not follow or result.halted:
                return
            time.sleep(follow)
