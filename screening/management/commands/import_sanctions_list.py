from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from core.errors import Refused
from screening.services import list_import


class Command(BaseCommand):
    help = ("Import a sanctions / PEP list (OpenSanctions targets.simple.csv, OFAC SDN XML or UN "
            "Consolidated List XML) as the new current version of --name, and queue a re-screen of every "
            "investor.")

    def create_parser(self, prog_name, subcommand, **kwargs):
        # --version names the list version here, replacing Django's "show the version" flag.
        return super().create_parser(prog_name, subcommand, conflict_handler="resolve", **kwargs)

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)
        parser.add_argument("--name", required=True, help="The list, e.g. opensanctions-default.")
        parser.add_argument("--version", required=True, dest="version_label",
                            help="The publisher's version label, e.g. 20261122.")
        parser.add_argument("--shrink-reason", default="",
                            help="Why a version with far fewer entries than the current one is right "
                                 "(required above SCREENING_LIST_MAX_DROP_PERCENT fewer).")
        parser.add_argument("--as-user", default=None,
                            help="Username recorded as the importer (needs screening.add_listversion); "
                                 "default: the first superuser.")

    def handle(self, *args, path: Path, name: str, version_label: str, as_user: str | None,
               shrink_reason: str, **options):
        users = get_user_model().objects
        actor = (users.filter(username=as_user).first() if as_user
                 else users.filter(is_superuser=True).order_by("pk").first())
        if actor is None:
            raise CommandError(f"No user '{as_user}'." if as_user else
                               "No superuser to record as the importer; pass --as-user.")
        if not path.is_file():
            raise CommandError(f"{path} is not a file.")
        try:
            version = list_import(name=name, version_label=version_label, data=path.read_bytes(),
                                  actor=actor, shrink_reason=shrink_reason)
        except Refused as exc:
            details = "\n".join(f"  {r}" for r in exc.reasons if r != exc.message)
            raise CommandError(exc.message + ("\n" + details if details else "")) from exc
        self.stdout.write(self.style.SUCCESS(
            f"Imported {version} ({version.row_count} entries, sha256 {version.sha256}); "
            "a re-screen of every investor is queued."))
