"""Reconcile two exported CSV files with no database rows (docs/reconciliation.md):

manage.py reconcile_files --expected E.csv --actual A.csv --key COL[,COL] --amount COL
                          [--tolerance X] --out exceptions.csv
"""

from django.core.management.base import BaseCommand, CommandError

from reconciliation.engine import reconcile
from reconciliation.files import FileProblem, frames, read_side, write_exceptions


class Command(BaseCommand):
    help = "Reconcile an expected and an actual CSV file; write the exceptions to --out."
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("--expected", required=True, help="CSV of what should have happened.")
        parser.add_argument("--actual", required=True, help="CSV of what happened.")
        parser.add_argument("--key", required=True, help="Key column(s), comma-separated.")
        parser.add_argument("--amount", required=True, help="Amount column (decimal numbers).")
        parser.add_argument("--tolerance", default="0", help="Largest difference still matched (default 0).")
        parser.add_argument("--out", required=True, help="Where to write the exceptions (CSV).")

    def handle(self, *args, expected, actual, key, amount, tolerance, out, **options):
        keys = [k.strip() for k in key.split(",") if k.strip()]
        if not keys:
            raise CommandError("--key names no column.")
        try:
            problems, sides = [], []
            for path in (expected, actual):
                try:
                    sides.append(read_side(path, keys=keys, amount=amount))
                except FileProblem as exc:
                    problems += exc.problems
            if problems:
                raise FileProblem(problems)
            e, a, tol, scale = frames(*sides, tolerance=tolerance)
        except FileProblem as exc:
            for problem in exc.problems:
                self.stderr.write(f"  {problem}")
            raise CommandError(
                f"{len(exc.problems)} problem(s); nothing reconciled, {out} not written."
            ) from None
        result = reconcile(e, a, keys=keys, tolerance=tol)
        write_exceptions(result, out, scale=scale)
        counts = ", ".join(f"{n} {t}" for t, n in result.counts().items() if n)
        self.stdout.write(
            f"{len(e)} expected, {len(a)} actual rows: {len(result.matched)} matched, "
            f"{len(result.exceptions)} exception(s){': ' + counts if counts else ''}; "
            f"written to {out}."
        )
