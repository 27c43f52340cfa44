from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from screening.evaluation import evaluate_files
from screening.formats import ListFileError
from screening.matching import ALGORITHM_VERSION, THRESHOLD

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"


class Command(BaseCommand):
    help = ("Recall and precision of the name matcher on a labelled set (CSV: query,expected,kind) "
            "against a list file (any format the import reads). Without arguments: the public names "
            "shipped in screening/fixtures. Nothing is written to the database.")

    def add_arguments(self, parser):
        parser.add_argument("--list", type=Path, default=FIXTURES / "public_names.targets.simple.csv",
                            help="The list file.")
        parser.add_argument("--cases", type=Path, default=FIXTURES / "public_names_labelled.csv",
                            help="The labelled set.")
        parser.add_argument("--threshold", default=str(THRESHOLD), help=f"Default {THRESHOLD}.")

    def handle(self, *args, list: Path, cases: Path, threshold: str, **options):
        try:
            figures = evaluate_files(list, cases, Decimal(threshold))
        except (OSError, ValueError, InvalidOperation) as exc:
            raise CommandError(str(exc)) from exc
        except ListFileError as exc:
            raise CommandError(exc.message) from exc
        write = self.stdout.write
        write(f"algorithm {ALGORITHM_VERSION}, threshold {figures.threshold}")
        write(f"recall {figures.recall} ({figures.found}/{figures.positives})")
        write(f"precision {figures.precision} ({figures.correct_hits}/{figures.hits})")
        write(f"negatives flagged {figures.negatives_flagged}/{figures.negatives}")
        for kind, (right, total) in figures.by_kind.items():
            write(f"  {kind}: {right}/{total} right")
        for case in figures.misses:
            write(f"missed: {case.query} (expected {case.expected}, {case.kind})")
        for case, entity, score in figures.false_hits:
            write(f"false hit: {case.query} ~ {entity} at {score} (expected {case.expected or 'none'})")
