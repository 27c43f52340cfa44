"""Ingest one year of hourly metering for 2,000 GPU servers (17.5 million rows), and time it.

    DJANGO_SETTINGS_MODULE=bench.settings DATABASE_URL=postgres://... python -m bench.metering

Expects a freshly migrated PostgreSQL database (bench/run.sh gives it one). Steps:

1. set up 2,000 GPU servers (8 GPUs, 700 W) at 4 sites and 400 active leases of 5 servers each;
2. write the metering CSV (seed 20261122, 8,760 hours x 2,000 devices = 17,520,000 rows) to a
   temporary file, streamed in blocks of 500 hours;
3. ceiling 1: plain ``COPY ... FROM STDIN (FORMAT csv)`` of the same file into a table with the
   file's columns and a unique (hour, device) index (the order the readings use), then the
   table is dropped;
4. the product: ``assets.services.metering.import_metering`` on the file (sha256, pandas
   validation, binary COPY into a staging table, INSERT ... ON CONFLICT, conflict check);
5. ceiling 2: binary ``COPY`` of the rows just stored into a table of exactly their shape
   (same primary key), the cheapest way PostgreSQL can take the same rows;
6. the same file again (the idempotent no-op);
7. invoice October 2026 for all 400 leases, which start on 1 October (``invoices_generate``);
8. drop the data and the files.

Figures go to stdout, one per line; progress to stderr. Exits non-zero when the import
stores a different number of rows than it read, or the 200,000 rows/s target is missed.
"""

import os
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from decimal import Decimal

import django

SEED = 20261122
DEVICES = 2_000
HOURS = int(os.environ.get("BENCH_METERING_HOURS", "8760"))  # smaller for a quick smoke run
LEASES = 400
TARGET_ROWS_PER_SECOND = 200_000
START = datetime(2025, 11, 1, tzinfo=UTC)
NOW = datetime(2026, 11, 22, tzinfo=UTC)
LEASE_START = date(2026, 10, 1)


def log(message: str) -> None:
    print(f"    {message}", file=sys.stderr, flush=True)


def figure(name: str, value) -> None:
    print(f"{name} {value}", flush=True)


def setup_fleet():
    from django.contrib.auth.models import Group, User

    from assets.models import Counterparty, Device, Lease, LeaseDevice, Site
    from core import roles
    from issuance.models import SPV

    ops = User.objects.create_user("bench-metering-ops", is_staff=True)
    ops.groups.add(Group.objects.get(name=roles.ISSUER_OPERATIONS))
    spv = SPV.objects.create(legal_name="Bench Metering SPV Ltd", jurisdiction="SG", registration_number="B1",
                             lei="5493001KJTIIGC8Y1R12", trustee="T", administrator="A", base_currency="USD",
                             state="active")
    sites = Site.objects.bulk_create([
        Site(name=f"Bench site {n}", location="-", country="SG", grid_region="SG", grid_emission_factor=402,
             grid_emission_factor_source="EMA", grid_emission_factor_year=2025, pue=Decimal("1.3"))
        for n in range(4)])
    Device.objects.bulk_create([
        Device(code=f"GPU-{n:05d}", kind="gpu_server", site=sites[n % 4], model="HGX H100",
               serial_number=f"BSN{n:06d}", gpu_count=8, tdp_watts=700, purchase_date=date(2025, 1, 1),
               currency="USD", purchase_cost=Decimal("250000"), useful_life_years=4,
               residual_value=Decimal("25000"), spv=spv, state="active")
        for n in range(DEVICES)], batch_size=1000)
    lessees = Counterparty.objects.bulk_create([
        Counterparty(legal_name=f"Bench lessee {n}", country="SG", kyb_status="approved") for n in range(3)])
    leases = Lease.objects.bulk_create([
        Lease(reference=f"BL-{n:04d}", lessee=lessees[n % 3], spv=spv, gpu_count=40, currency="USD",
              price_per_gpu_hour=Decimal("2.150000"), minimum_monthly_commitment=Decimal("45000.00"),
              start_date=LEASE_START, end_date=date(2028, 10, 31), state="active")
        for n in range(LEASES)])
    devices = list(Device.objects.order_by("code").values_list("pk", flat=True))
    LeaseDevice.objects.bulk_create([
        LeaseDevice(lease_id=lease.pk, device_id=devices[n * 5 + k], starts_on=LEASE_START,
                    ends_on=date(2028, 10, 31), held=True)
        for n, lease in enumerate(leases) for k in range(5)])
    return ops


def write_file(path: str) -> int:
    from assets.synthetic import metering_csv_chunks

    size = 0
    with open(path, "wb") as out:
        for block in metering_csv_chunks(codes=[f"GPU-{n:05d}" for n in range(DEVICES)], gpus=[8] * DEVICES,
                                         tdp=[700] * DEVICES, start=START, hours=HOURS, seed=SEED):
            out.write(block)
            size += len(block)
    return size


def raw_copy(path: str) -> float:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE bench_raw_copy (device text, hour timestamptz, gpu_hours integer, "
                       "energy_wh integer, utilisation numeric(5,4), UNIQUE (hour, device))")
    started = time.perf_counter()
    with connection.cursor() as cursor, open(path, "rb") as source:
        with cursor.cursor.copy("COPY bench_raw_copy FROM STDIN (FORMAT csv, HEADER true)") as copy:
            while block := source.read(1 << 20):
                copy.write(block)
    elapsed = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE bench_raw_copy")
        cursor.execute("CHECKPOINT")
    return elapsed


def binary_copy_ceiling(tmp: str) -> float:
    """Binary COPY of the stored readings into a table of exactly their shape (same primary key)."""
    from django.db import connection

    from assets.models import MeterReading

    table, path = MeterReading._meta.db_table, os.path.join(tmp, "readings.bin")
    with connection.cursor() as cursor, open(path, "wb") as out:
        with cursor.cursor.copy(f"COPY (SELECT * FROM {table} ORDER BY hour, device_id) TO STDOUT "  # noqa: S608
                                "(FORMAT binary)") as copy:
            for block in copy:
                out.write(block)
        cursor.execute(f"CREATE TABLE bench_binary_copy (LIKE {table} INCLUDING ALL)")
    started = time.perf_counter()
    with connection.cursor() as cursor, open(path, "rb") as source:
        with cursor.cursor.copy("COPY bench_binary_copy FROM STDIN (FORMAT binary)") as copy:
            while block := source.read(1 << 20):
                copy.write(block)
    elapsed = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE bench_binary_copy")
    os.remove(path)
    return elapsed


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    django.setup()
    from django.db import connection

    from assets.models import Invoice, MeterReading
    from assets.services.invoicing import invoices_generate
    from assets.services.metering import import_metering

    if connection.vendor != "postgresql":
        sys.exit("bench.metering needs PostgreSQL (DATABASE_URL); run it through bench/run.sh.")
    ops = setup_fleet()
    rows = DEVICES * HOURS
    with tempfile.TemporaryDirectory(prefix="bench-metering-") as tmp:
        path = os.path.join(tmp, "metering.csv")
        log(f"writing {rows:,} rows of metering to {path}")
        started = time.perf_counter()
        size = write_file(path)
        log(f"file written: {size / 1e6:.0f} MB in {time.perf_counter() - started:.1f} s")
        figure("metering_file_rows", rows)
        figure("metering_file_megabytes", round(size / 1e6))

        log("ceiling 1: plain COPY (CSV) into a table with a unique (hour, device) index")
        ceiling = raw_copy(path)
        figure("metering_raw_copy_seconds", round(ceiling, 2))
        figure("metering_raw_copy_rows_per_second", round(rows / ceiling))

        log("product: import_metering (validate with pandas, COPY to staging, INSERT ... ON CONFLICT)")
        started = time.perf_counter()
        result = import_metering(source=path, actor=ops, via="command", now=NOW)
        elapsed = time.perf_counter() - started
        stored = MeterReading.objects.count()
        figure("metering_import_seconds", round(elapsed, 2))
        figure("metering_import_rows_per_second", round(rows / elapsed))
        for step, seconds in result.timings.items():
            figure(f"metering_import_{step}_seconds", round(seconds, 2))
        figure("metering_import_vs_raw_copy", round(ceiling / elapsed, 3))

        log("ceiling 2: binary COPY of the stored rows into a table of the readings' exact shape")
        binary = binary_copy_ceiling(tmp)
        figure("metering_binary_copy_seconds", round(binary, 2))
        figure("metering_binary_copy_rows_per_second", round(rows / binary))
        figure("metering_import_vs_binary_copy", round(binary / elapsed, 3))

        started = time.perf_counter()
        again = import_metering(source=path, actor=ops, via="command", now=NOW)
        figure("metering_reimport_same_file_seconds", round(time.perf_counter() - started, 2))

    started = time.perf_counter()
    invoices = invoices_generate(through=date(2026, 10, 31), actor=ops)
    figure("invoice_month_400_leases_seconds", round(time.perf_counter() - started, 3))
    figure("invoice_month_invoices", len(invoices))
    total = sum((i.total for i in invoices), Decimal("0"))
    figure("invoice_month_total_usd", total)

    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {MeterReading._meta.db_table}")
    problems = []
    if stored != rows or result.batch.rows_inserted != rows or not again.already_imported:
        problems.append(f"stored {stored} rows of {rows}; re-import no-op: {again.already_imported}")
    if len(invoices) != LEASES or Invoice.objects.count() != LEASES:
        problems.append(f"{len(invoices)} invoices for {LEASES} leases")
    if rows / elapsed < TARGET_ROWS_PER_SECOND:
        problems.append(f"{rows / elapsed:,.0f} rows/s is below the target of {TARGET_ROWS_PER_SECOND:,}")
    if problems:
        sys.exit("bench.metering FAILED: " + "; ".join(problems))


if __name__ == "__main__":
    main()
