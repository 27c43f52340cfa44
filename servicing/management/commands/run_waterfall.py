"""``manage.py run_waterfall DEAL.json [--out FILE.csv]``: a deal file through the waterfall engine.

The file holds a waterfall description (docs/waterfall.md) plus ``periods``; the step table
goes to stdout or ``--out`` as CSV. Nothing is read from or written to the database. A file
that does not validate prints only its errors, one per line with its JSON path, on stderr,
and exits with status 1.
"""

import csv
import io
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from core.errors import InvalidInput
from servicing.waterfall import CSV_COLUMNS, run
from servicing.waterfall.files import read_deal_file


class Command(BaseCommand):
    help = ("Run a deal's waterfall (description plus periods, one JSON file) and write the step "
            "table as CSV. Needs no database.")
    requires_system_checks: list[str] = []  # no database, no settings checks: a file in, a CSV out

    def add_arguments(self, parser):
        parser.add_argument("deal", type=Path, help="The deal file (JSON): the description plus periods.")
        parser.add_argument("--out", type=Path, default=None, help="Write the CSV here instead of stdout.")

    def handle(self, *args, deal: Path, out: Path | None, **options):
        try:
            text = deal.read_text(encoding="utf-8")
        except FileNotFoundError as exc:
            raise CommandError(f"{deal}: no such file") from exc
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"{deal}: cannot be read ({exc})") from exc
        try:
            description, periods = read_deal_file(text)
            result = run(description, periods)
        except InvalidInput as exc:
            for reason in exc.reasons:
                self.stderr.write(reason)
            sys.exit(1)
        table = io.StringIO()
        writer = csv.DictWriter(table, fieldnames=CSV_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(result.rows())
        if out is None:
            self.stdout.write(table.getvalue(), ending="")
            return
        try:
            out.write_text(table.getvalue(), encoding="utf-8")
        except OSError as exc:
            raise CommandError(f"{out}: cannot be written ({exc})") from exc
