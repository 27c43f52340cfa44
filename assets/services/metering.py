"""Import hourly metering files: validate vectorised, load in bulk, all or nothing, idempotent.

PostgreSQL: the file is read in chunks (default one million rows); each chunk is
validated with pandas / numpy and, while the file is still clean, a loader thread
streams it with binary ``COPY`` into a temporary staging table and moves it into the
readings with ``INSERT ... SELECT ... ON CONFLICT (device_id, hour) DO NOTHING``, while
the next chunk is being validated. Everything happens in one transaction: a bad row
anywhere, or a row contradicting a stored one, rolls back every chunk already loaded.

Re-importing a file (same sha256) changes nothing and returns the first import's
batch. A different file repeating rows already stored with identical values imports
only the new rows; a row that contradicts a stored one is a bad row. Any bad row
means nothing is imported and the report lists every bad row with its reason.

A row the CSV parser cannot split into the header's columns (more fields than the
header names) is a bad row of its own: the parser skips it, names it, and goes on, so
the report still names every later bad row. Line numbers are the file's lines (blank
lines are ignored but counted).

Rows that land in a period already invoiced are billed after the import commits
(``assets.tasks.true_up_late_usage``, see ``late_usage.py``).
"""

import hashlib
import io
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

import numpy as np
from django.db import connection, transaction

from assets import tasks
from assets.metering_reader import read_chunks
from assets.metering_validation import (
    DeviceInfo,
    DeviceTable,
    RowError,
    ValidChunk,
    duplicate_errors,
    to_pg_binary,
    validate_chunk,
)
from assets.models import Device, MeterImportBatch, MeterReading
from assets.services.late_usage import invoices_with_late_usage
from core.audit import audit_created
from core.authz import require_system_or_perm
from core.errors import InvalidInput
from core.outbox import enqueue

DEFAULT_CHUNK_ROWS = 1_000_000
STAGING = "assets_meter_staging"
MAX_REASONS_IN_MESSAGE = 20


class MeteringRejected(InvalidInput):
    """A file with bad rows: nothing was imported; ``errors`` lists every problem of every bad row
    (a row may have several), ``bad_rows`` counts the rows."""

    code = "metering_rejected"

    def __init__(self, errors: list[RowError], *, rows_total: int):
        self.errors = errors
        self.bad_rows = len({e.line for e in errors})
        self.rows_total = rows_total
        shown = "; ".join(str(e) for e in errors[:MAX_REASONS_IN_MESSAGE])
        extra = len(errors) - MAX_REASONS_IN_MESSAGE
        more = f" (and {extra} more)" if extra > 0 else ""
        super().__init__(
            f"Nothing imported: {self.counts}: {shown}{more}.",
            reasons=[str(e) for e in errors], field="file",
        )

    @property
    def counts(self) -> str:
        """'2 bad row(s) of 10', plus the number of problems when a row has more than one."""
        problems = f" ({len(self.errors)} problems)" if len(self.errors) != self.bad_rows else ""
        return f"{self.bad_rows} bad row(s) of {self.rows_total}{problems}"


@dataclass
class ImportResult:
    batch: MeterImportBatch
    already_imported: bool
    timings: dict[str, float] = field(default_factory=dict)


def _sha256(source: BinaryIO) -> str:
    digest = hashlib.sha256()
    for block in iter(lambda: source.read(1 << 20), b""):
        digest.update(block)
    source.seek(0)
    return digest.hexdigest()


def _device_table() -> DeviceTable:
    rows = Device.objects.values_list("code", "id", "gpu_count", "tdp_watts", "kind", "purchase_date",
                                      "useful_life_years")
    labels = dict(Device.Kind.choices)
    return DeviceTable.build({code: DeviceInfo(pk, gpus, tdp, labels[kind], bought, life)
                              for code, pk, gpus, tdp, kind, bought, life in rows},
                             code_max_length=Device._meta.get_field("code").max_length)


def import_metering(
    *, source: BinaryIO | str | Path, actor, via: str = MeterImportBatch.Source.API, filename: str = "",
    chunk_rows: int = DEFAULT_CHUNK_ROWS, now: datetime | None = None,
    progress: Callable[[str], None] | None = None,
) -> ImportResult:
    """Import one metering CSV (a path or a binary file object). See the module docstring.

    ``actor=None`` is the system (the command without ``--user``, a scheduled job)."""
    require_system_or_perm(actor, "assets.import_meterimportbatch", doing="import metering")
    if isinstance(source, str | Path):
        filename = filename or Path(source).name
        with open(source, "rb") as fh:
            return import_metering(source=fh, actor=actor, via=via, filename=filename,
                                   chunk_rows=chunk_rows, now=now, progress=progress)
    now = now or datetime.now(UTC)
    sha = _sha256(source)
    existing = MeterImportBatch.objects.filter(sha256=sha).first()
    if existing is not None:
        return ImportResult(batch=existing, already_imported=True)
    with transaction.atomic():
        result = _import(source, sha=sha, actor=actor, via=via, filename=filename, chunk_rows=chunk_rows,
                         now=now, progress=progress)
        if invoices_with_late_usage(result.batch):
            batch_pk = result.batch.pk
            enqueue(tasks.true_up_late_usage, batch_id=batch_pk)
        return result


class _Collector:
    """Keeps the validated keys for the duplicate check and counts rows and hours."""

    def __init__(self):
        self.devices: list[np.ndarray] = []
        self.hours: list[np.ndarray] = []
        self.lines: list[np.ndarray] = []
        self.errors: list[RowError] = []
        self.bad_lines: set[int] = set()
        self.rows = 0
        self.first_hour: int | None = None
        self.last_hour: int | None = None

    def add(self, valid: ValidChunk, errors: list[RowError], n: int) -> None:
        self.rows += n
        self.errors.extend(errors)
        self.bad_lines.update(e.line for e in errors)
        self.devices.append(valid.device_id)
        self.hours.append(valid.hour_us)
        self.lines.append(valid.line)
        if len(valid):
            lo, hi = int(valid.hour_us.min()), int(valid.hour_us.max())
            self.first_hour = lo if self.first_hour is None else min(self.first_hour, lo)
            self.last_hour = hi if self.last_hour is None else max(self.last_hour, hi)

    def finish(self) -> None:
        if self.devices:
            self.errors.extend(duplicate_errors(np.concatenate(self.devices), np.concatenate(self.hours),
                                                np.concatenate(self.lines)))
        self.errors.sort(key=lambda e: e.line)
        if not self.rows and not self.errors:
            raise InvalidInput("The metering file has a header but no rows.", field="file")

    def hour(self, value: int | None) -> datetime | None:
        return None if value is None else datetime.fromtimestamp(value / 1e6, tz=UTC)


def _new_batch(*, sha, actor, via, filename, collected: _Collector) -> MeterImportBatch:
    batch = MeterImportBatch.objects.create(
        sha256=sha, filename=filename[:255], source=via, rows_total=collected.rows, rows_inserted=0,
        rows_unchanged=0, first_hour=collected.hour(collected.first_hour),
        last_hour=collected.hour(collected.last_hour),
        imported_by=actor if getattr(actor, "pk", None) else None,
    )
    return batch


class _PgLoader(threading.Thread):
    """Loads validated chunks on the import's own connection while the caller validates the next.

    For each chunk: binary COPY into the staging table, INSERT ... SELECT ... ON CONFLICT DO
    NOTHING into the readings, and, only when some rows were already there, the list of rows
    that contradict what is stored. It all runs inside the caller's transaction; the caller
    does not touch the database until :meth:`close` returns.
    """

    def __init__(self, raw_connection, *, batch_id: int):
        super().__init__(name="metering-loader", daemon=True)
        self.raw = raw_connection
        self.batch_id = batch_id
        self.chunks: queue.Queue = queue.Queue(maxsize=2)
        self.inserted = 0
        self.conflicts: list[RowError] = []
        self.error: BaseException | None = None
        self.finished_input = False
        self.timings = {"copy": 0.0, "insert": 0.0, "conflict_check": 0.0}

    def put(self, data: bytes) -> None:
        self.chunks.put(data)

    def close(self) -> None:
        self.chunks.put(None)
        self.join()
        if self.error is not None:
            raise self.error

    def run(self) -> None:
        table, devices = MeterReading._meta.db_table, Device._meta.db_table
        try:
            with self.raw.cursor() as cursor:
                cursor.execute(
                    f"CREATE TEMP TABLE {STAGING} (line bigint, device_id bigint, hour timestamptz, "
                    "gpu_hours integer, energy_wh integer, utilisation_bp smallint)"
                )
                while (data := self.chunks.get()) is not None:
                    t0 = time.perf_counter()
                    with cursor.copy(f"COPY {STAGING} FROM STDIN (FORMAT binary)") as copy:
                        copy.write(data)
                    staged = cursor.rowcount
                    t1 = time.perf_counter()
                    cursor.execute(
                        f"INSERT INTO {table} (device_id, hour, gpu_hours, energy_wh, utilisation_bp, "  # noqa: S608
                        f"batch_id) SELECT device_id, hour, gpu_hours, energy_wh, utilisation_bp, %s "
                        f"FROM {STAGING} ON CONFLICT (device_id, hour) DO NOTHING",
                        [self.batch_id],
                    )
                    self.inserted += cursor.rowcount
                    t2 = time.perf_counter()
                    if cursor.rowcount != staged:
                        self.conflicts.extend(self._contradictions(cursor, table, devices))
                    cursor.execute(f"TRUNCATE {STAGING}")
                    t3 = time.perf_counter()
                    self.timings["copy"] += t1 - t0
                    self.timings["insert"] += t2 - t1
                    self.timings["conflict_check"] += t3 - t2
                self.finished_input = True
                cursor.execute(f"DROP TABLE {STAGING}")
        except BaseException as exc:  # noqa: BLE001 - handed to the caller by close()
            self.error = exc
            while not self.finished_input and self.chunks.get() is not None:
                pass  # let the producer finish putting its chunks; they are dropped

    @staticmethod
    def _contradictions(cursor, table: str, devices: str) -> list[RowError]:
        cursor.execute(f"ANALYZE {STAGING}")
        cursor.execute(
            f"SELECT s.line, d.code, s.hour, r.gpu_hours, r.energy_wh, r.utilisation_bp "  # noqa: S608
            f"FROM {STAGING} s JOIN {table} r ON r.hour = s.hour AND r.device_id = s.device_id "
            f"JOIN {devices} d ON d.id = s.device_id "
            "WHERE (r.gpu_hours, r.energy_wh, r.utilisation_bp) "
            "IS DISTINCT FROM (s.gpu_hours, s.energy_wh, s.utilisation_bp) ORDER BY s.line"
        )
        return [
            RowError(line, f"device '{code}' hour {hour.astimezone(UTC):%Y-%m-%dT%H:%MZ} is already stored "
                     f"with different values (gpu_hours {g}, energy_wh {e}, utilisation_bp {u})")
            for line, code, hour, g, e, u in cursor.fetchall()
        ]


def _import(source, *, sha, actor, via, filename, chunk_rows, now, progress) -> ImportResult:
    started = time.perf_counter()
    devices = _device_table()
    collected = _Collector()
    batch = _new_batch(sha=sha, actor=actor, via=via, filename=filename, collected=collected)
    connection.ensure_connection()
    loader = _PgLoader(connection.connection, batch_id=batch.pk)
    validate = 0.0
    loader.start()
    try:
        t0 = time.perf_counter()
        for chunk in read_chunks(source, chunk_rows):
            result = validate_chunk(chunk.frame, lines=chunk.lines, devices=devices, now=now)
            errors = sorted(chunk.errors + result.errors, key=lambda e: e.line)
            collected.add(result.valid, errors, chunk.rows)
            if not collected.errors and len(result.valid):
                data = to_pg_binary(result.valid)
                validate += time.perf_counter() - t0
                loader.put(data)
                t0 = time.perf_counter()
            if progress:
                progress(f"{collected.rows} rows read, {len(collected.bad_lines)} bad")
        collected.finish()
        validate += time.perf_counter() - t0
    finally:
        loader.close()
    if collected.errors:  # rows in the file itself; contradictions may be echoes of its duplicates
        raise MeteringRejected(collected.errors, rows_total=collected.rows)
    if loader.conflicts:
        raise MeteringRejected(loader.conflicts, rows_total=collected.rows)
    batch.rows_total = collected.rows
    batch.first_hour = collected.hour(collected.first_hour)
    batch.last_hour = collected.hour(collected.last_hour)
    batch.save(update_fields=["rows_total", "first_hour", "last_hour"])
    timings = {"validate": validate, **loader.timings, "wall": time.perf_counter() - started}
    return _finish(batch, inserted=loader.inserted, actor=actor, timings=timings)


def _finish(batch: MeterImportBatch, *, inserted: int, actor, timings=None) -> ImportResult:
    batch.rows_inserted = inserted
    batch.rows_unchanged = batch.rows_total - inserted
    batch.save(update_fields=["rows_inserted", "rows_unchanged"])
    audit_created(instance=batch, actor=actor,
                  fields=("sha256", "filename", "source", "rows_total", "rows_inserted", "rows_unchanged"))
    return ImportResult(batch=batch, already_imported=False, timings=timings or {})


def metering_csv(rows: list[tuple]) -> io.BytesIO:
    """A metering CSV from (device, hour, gpu_hours, energy_wh[, utilisation]) tuples (tests, demo)."""
    out = io.StringIO()
    out.write("device,hour,gpu_hours,energy_wh,utilisation\n")
    for row in rows:
        device, hour, gpu, wh, *util = row
        hour_text = hour.strftime("%Y-%m-%dT%H:%M:%SZ") if isinstance(hour, datetime) else hour
        out.write(f"{device},{hour_text},{gpu},{wh},{util[0] if util and util[0] is not None else ''}\n")
    return io.BytesIO(out.getvalue().encode())
