"""Import hourly metering CSV files through the bulk path (all or nothing per file, idempotent).

    manage.py import_metering FILE [FILE ...] [--chunk-rows N] [--user USERNAME]
"""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from assets.models import MeterImportBatch
from assets.services.metering import DEFAULT_CHUNK_ROWS, MeteringRejected, import_metering
from core.errors import Refused


class Command(BaseCommand):
    help = "Import metering CSV files (device,hour,gpu_hours,energy_wh[,utilisation])."

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+")
        parser.add_argument("--chunk-rows", type=int, default=DEFAULT_CHUNK_ROWS,
                            help="Rows validated and loaded at a time (memory bound); default 1,000,000.")
        parser.add_argument("--user", help="Username recorded as the importer (default: system).")

    def handle(self, *args, files, chunk_rows, user=None, **options):
        actor = None
        if user:
            actor = get_user_model().objects.filter(username=user).first()
            if actor is None:
                raise CommandError(f"No user '{user}'.")
        failed = 0
        for path in files:
            try:
                result = import_metering(source=path, actor=actor, via=MeterImportBatch.Source.COMMAND,
                                         chunk_rows=chunk_rows,
                                         progress=lambda text: self.stderr.write(f"  {text}"))
            except MeteringRejected as exc:
                failed += 1
                self.stderr.write(self.style.ERROR(
                    f"{path}: nothing imported, {exc.counts}:"))
                for error in exc.errors:
                    self.stderr.write(f"  {error}")
                continue
            except (Refused, OSError) as exc:
                failed += 1
                self.stderr.write(self.style.ERROR(f"{path}: {getattr(exc, 'message', exc)}"))
                continue
            b = result.batch
            if result.already_imported:
                self.stdout.write(
                    f"{path}: already imported on {b.imported_at:%Y-%m-%d %H:%M}; nothing changed.")
            else:
                self.stdout.write(self.style.SUCCESS(
                    f"{path}: {b.rows_inserted} rows imported, {b.rows_unchanged} already stored "
                    f"(batch {b.pk})."))
        if failed:
            raise CommandError(f"{failed} file(s) not imported.")
