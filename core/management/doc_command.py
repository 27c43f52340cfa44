"""A management command that renders a generated doc page: prints it, or writes it with --write."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand


class DocCommand(BaseCommand):
    output: Path  # relative to BASE_DIR

    def render(self) -> str:
        raise NotImplementedError

    def add_arguments(self, parser):
        parser.add_argument("--write", action="store_true", help=f"Write {self.output} instead of printing.")

    def handle(self, *args, write=False, **options):
        text = self.render()
        if write:
            path = Path(settings.BASE_DIR) / self.output
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            self.stdout.write(f"Wrote {self.output}.")
        else:
            self.stdout.write(text, ending="")
