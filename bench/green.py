"""Green attributes: the footprint of a year of hourly metering for 2,000 GPU servers (17.5 million
rows) per lessee and month, and the overlap check against 1,000,000 live certificate blocks.

    DJANGO_SETTINGS_MODULE=bench.settings DATABASE_URL=postgres://... python -m bench.green

Expects a freshly migrated PostgreSQL database (bench/run.sh gives it one). Steps:

1. 2,000 GPU servers (8 GPUs, 700 W) at 4 sites (2 with hourly grid factors for the year), each
   with embodied emissions; 400 active leases of 5 servers to 10 lessees, holding the year;
   one solar array per site with a year of hourly generation; one retired I-REC block per
   lessee and month (SG);
2. the metering: 8,760 hours x 2,000 servers = 17,520,000 rows, written with one
   ``INSERT ... SELECT`` over ``generate_series`` (seed-free arithmetic, so every run has the same
   rows), then ``ANALYZE``;
3. ``green.footprint.compute("lessees", by_month=True)`` for the year: 120 rows (10 lessees x 12
   months), best of 2 runs;
4. 1,000,000 live blocks (1,000 series of one registry x 1,000 blocks of 100 serials), one
   ``INSERT ... SELECT``; then the service's overlap check (``green.services.blocks.overlapping``)
   for 1,000 random ranges (half of them overlapping), and ``block_record`` of 100 new blocks,
   each also checked by the exclusion constraint.

Figures go to stdout, one per line; progress to stderr. Exits non-zero when the footprint does not
cover every metered row, or an overlap is missed.
"""

import os
import random
import sys
import time
from datetime import UTC, date, datetime
from decimal import Decimal

import django

SEED = 20261201
DEVICES = int(os.environ.get("BENCH_GREEN_DEVICES", "2000"))
HOURS = int(os.environ.get("BENCH_GREEN_HOURS", "8760"))
LESSEES = 10
SERIES = int(os.environ.get("BENCH_GREEN_SERIES", "1000"))
BLOCKS_PER_SERIES = 1000
START = datetime(2025, 1, 1, tzinfo=UTC)


def log(message: str) -> None:
    print(f"    {message}", file=sys.stderr, flush=True)


def figure(name: str, value) -> None:
    print(f"{name} {value}", flush=True)


def setup():
    from django.contrib.auth.models import Group, User
    from django.db import connection

    from assets.models import Counterparty, Device, Lease, LeaseDevice, Site
    from core import roles
    from green.models import EmbodiedEmissions
    from issuance.models import SPV

    ops = User.objects.create_user("bench-green-ops", is_staff=True)
    ops.groups.add(Group.objects.get(name=roles.ISSUER_OPERATIONS))
    spv = SPV.objects.create(legal_name="Bench Green SPV Ltd", jurisdiction="SG", registration_number="G1",
                             lei="5493001KJTIIGC8Y1R12", trustee="T", administrator="A", base_currency="USD",
                             state="active")
    sites = Site.objects.bulk_create([
        Site(name=f"Green site {n}", location="-", country="SG", grid_region="SG", grid_emission_factor=402,
             grid_emission_factor_source="EMA", grid_emission_factor_year=2025, pue=Decimal("1.3"))
        for n in range(4)])
    gpus = Device.objects.bulk_create([
        Device(code=f"GPU-{n:05d}", kind="gpu_server", site=sites[n % 4], model="HGX H100",
               serial_number=f"GSN{n:06d}", gpu_count=8, tdp_watts=700, purchase_date=date(2024, 1, 1),
               currency="USD", purchase_cost=Decimal("250000"), useful_life_years=4,
               residual_value=Decimal("25000"), spv=spv, state="active")
        for n in range(DEVICES)], batch_size=1000)
    Device.objects.bulk_create([
        Device(code=f"SOL-{n}", kind="solar_pv", site=site, model="PV", serial_number=f"GPV{n}",
               capacity_kwp=Decimal("2000"), purchase_date=date(2024, 1, 1), currency="USD",
               purchase_cost=Decimal("1000000"), useful_life_years=25, residual_value=Decimal("0"), spv=spv,
               state="active") for n, site in enumerate(sites)])
    EmbodiedEmissions.objects.bulk_create([EmbodiedEmissions(device=d, kg_co2e=14_016, source="bench")
                                           for d in gpus], batch_size=2000)
    lessees = Counterparty.objects.bulk_create(
        [
            Counterparty(legal_name=f"Green lessee {n}", country="SG", kyb_status="approved")
            for n in range(LESSEES)
        ]
    )
    leases = Lease.objects.bulk_create(
        [
            Lease(
                reference=f"GL-{n:04d}",
                lessee=lessees[n % LESSEES],
                spv=spv,
                gpu_count=40,
                currency="USD",
                price_per_gpu_hour=Decimal("2.150000"),
                minimum_monthly_commitment=Decimal("0.00"),
                start_date=date(2025, 1, 1),
                end_date=date(2027, 12, 31),
                state="active",
            )
            for n in range(DEVICES // 5)
        ]
    )
    LeaseDevice.objects.bulk_create(
        [
            LeaseDevice(
                lease=leases[n // 5],
                device=d,
                starts_on=date(2025, 1, 1),
                ends_on=date(2027, 12, 31),
                held=True,
            )
            for n, d in enumerate(gpus)
        ],
        batch_size=2000,
    )
    end = START.timestamp() + (HOURS - 1) * 3600
    with connection.cursor() as cur:
        cur.execute(
            "INSERT INTO assets_meterimportbatch (sha256, filename, source, rows_total, rows_inserted, "
            "rows_unchanged, imported_at) VALUES ('bench-green', 'bench', 'command', 0, 0, 0, now()) "
            "RETURNING id"
        )
        batch = cur.fetchone()[0]
        cur.execute(
            "INSERT INTO green_generationimport (sha256, filename, rows, imported_at) "
            "VALUES ('bench-green', 'bench', 0, now()) RETURNING id"
        )
        gen_batch = cur.fetchone()[0]
        log("generation and hourly factors")
        cur.execute(
            "INSERT INTO green_generationreading (device_id, hour, energy_wh, batch_id) "
            "SELECT d.id, h, "
            "GREATEST(0, (1200000 * sin(pi() * (extract(hour FROM h) - 6) / 12))::bigint), %s "
            "FROM assets_device d, generate_series(to_timestamp(%s), to_timestamp(%s), interval '1 hour') h "
            "WHERE d.kind = 'solar_pv'",
            [gen_batch, START.timestamp(), end],
        )
        cur.execute(
            "INSERT INTO green_emissionfactorimport (site_id, sha256, filename, source, first_hour, "
            "last_hour, rows, imported_at) SELECT id, 'bench', 'bench', 'bench', to_timestamp(%s), "
            "to_timestamp(%s), %s, now() FROM assets_site WHERE name IN ('Green site 0', 'Green site 1')",
            [START.timestamp(), end, HOURS],
        )
        cur.execute(
            "INSERT INTO green_hourlyemissionfactor (site_id, hour, g_per_mwh, batch_id) "
            "SELECT f.site_id, h, 350000 + (extract(hour FROM h)::int * 3500), f.id "
            "FROM green_emissionfactorimport f, "
            "generate_series(f.first_hour, f.last_hour, interval '1 hour') h"
        )
        log(f"metering: {HOURS} hours x {DEVICES} servers")
        t = time.perf_counter()
        cur.execute(
            "INSERT INTO assets_meterreading "
            "(hour, device_id, gpu_hours, energy_wh, utilisation_bp, batch_id) "
            "SELECT h, d.id, 8, 3000 + ((d.id * 7 + extract(epoch FROM h)::bigint / 3600) %% 2600)::int, "
            "NULL, %s FROM generate_series(to_timestamp(%s), to_timestamp(%s), interval '1 hour') h, "
            "assets_device d WHERE d.kind = 'gpu_server' ORDER BY h, d.id",
            [batch, START.timestamp(), end],
        )
        rows = cur.rowcount
        cur.execute("ANALYZE assets_meterreading")
        figure("green_metering_rows_written", rows)
        figure("green_metering_setup_seconds", round(time.perf_counter() - t, 1))
    return ops, spv, lessees, rows


def retire_monthly(ops, spv, lessees):
    from green.models import CertificateBlock, Registry, Retirement

    irec = Registry.objects.get(code="I-REC")
    blocks, retirements = [], []
    n = 0
    for _lessee in lessees:
        for month in range(1, 13):
            n += 1
            first, last = n * 1000 + 1, n * 1000 + 500
            blocks.append(
                CertificateBlock(
                    registry=irec,
                    serial=f"IREC-BENCHSOL-SG-TZ01-2025{month:02d}-{first:012d}-{last:012d}",
                    series="BENCHSOL",
                    first_serial=first,
                    last_serial=last,
                    quantity=500,
                    project="BENCHSOL",
                    country="SG",
                    vintage_start=date(2025, month, 1),
                    vintage_end=date(2025, month, 28),
                    technology="TZ01",
                    spv=spv,
                    state="retired",
                )
            )
    blocks = CertificateBlock.objects.bulk_create(blocks)
    for i, block in enumerate(blocks):
        lessee, month = lessees[i // 12], i % 12 + 1
        retirements.append(
            Retirement(
                block=block,
                beneficiary=lessee.legal_name,
                purpose="bench",
                period_start=date(2025, month, 1),
                period_end=date(2025, month, 28),
                lessee=lessee,
                retired_by=ops,
            )
        )
    Retirement.objects.bulk_create(retirements)


def bench_footprint(rows: int) -> None:
    from green import footprint

    end = date(2025, 12, 31) if HOURS >= 8760 else date(2025, 1, 1 + (HOURS - 1) // 24)
    best = None
    for _ in range(2):
        t = time.perf_counter()
        result = footprint.compute("lessees", None, start=date(2025, 1, 1), end=end, by_month=True)
        took = time.perf_counter() - t
        best = took if best is None else min(best, took)
    covered = sum(fp.gpu_hours for fp in result) // 8
    figure("green_footprint_rows", len(result))
    figure("green_footprint_metering_rows_covered", covered)
    figure("green_footprint_lessee_month_seconds", round(best, 2))
    figure("green_footprint_rows_per_second", int(rows / best))
    sample = result[0]
    log(
        f"lessee {sample.group} {sample.month}: {sample.facility_wh} Wh, location {sample.location_g} g, "
        f"market {sample.market_g} g, hourly matching {sample.hourly_matching}, "
        f"{sample.total_g_per_gpu_hour} g/GPU-hour"
    )
    if covered != rows:
        raise SystemExit(f"the footprint covered {covered} metered rows of {rows}")


def bench_overlap(ops, spv) -> None:
    from django.db import connection

    from green.models import Registry
    from green.services import blocks

    mrets = Registry.objects.get(code="M-RETS")
    t = time.perf_counter()
    with connection.cursor() as cur:
        cur.execute(
            "INSERT INTO green_certificateblock (registry_id, serial, series, first_serial, last_serial, "
            "quantity, project, country, vintage_start, vintage_end, technology, parts, "
            "emission_factor_g_per_kwh, spv_id, "
            "state, reserved_for, created_at, updated_at) "
            "SELECT %s, 'D' || s || '-MN-202501-SUN-1-' || (b * 100 + 1) || '-' || (b * 100 + 100), "
            "'D' || s || '/202501/1', b * 100 + 1, b * 100 + 100, 100, 'D' || s, 'US', DATE '2025-01-01', "
            "DATE '2025-01-31', 'SUN', '{}'::jsonb, 0, %s, 'held', '', now(), now() "
            "FROM generate_series(0, %s) s, generate_series(0, %s) b",
            [mrets.pk, spv.pk, SERIES - 1, BLOCKS_PER_SERIES - 1],
        )
        live = cur.rowcount
        cur.execute("ANALYZE green_certificateblock")
    figure("green_live_blocks", live)
    figure("green_live_blocks_setup_seconds", round(time.perf_counter() - t, 1))
    rng = random.Random(SEED)
    probes = []
    for i in range(1000):
        s = rng.randrange(SERIES)
        first = (
            rng.randrange(1, BLOCKS_PER_SERIES * 100) if i % 2 == 0 else BLOCKS_PER_SERIES * 100 + 1 + i * 10
        )
        probes.append((f"D{s}/202501/1", first, first + 9, i % 2 == 0))
    t = time.perf_counter()
    for series, first, last, expected in probes:
        found = blocks.overlapping(registry_id=mrets.pk, series=series, first=first, last=last)
        if (found is not None) != expected:
            raise SystemExit(f"overlap check wrong for {series} {first}-{last}: {found}")
    took = time.perf_counter() - t
    figure("green_overlap_check_ms", round(took * 1000 / len(probes), 3))
    t = time.perf_counter()
    for i in range(100):
        s = rng.randrange(SERIES)
        first = BLOCKS_PER_SERIES * 100 + 1 + i * 1000
        blocks.block_record(
            actor=ops, registry=mrets, spv=spv, serial=f"D{s}-MN-202501-SUN-1-{first}-{first + 99}"
        )
    figure("green_block_record_ms", round((time.perf_counter() - t) * 1000 / 100, 2))


def main() -> None:
    django.setup()
    from django.db import connection

    if connection.vendor != "postgresql":
        raise SystemExit("bench.green needs PostgreSQL")
    ops, spv, lessees, rows = setup()
    retire_monthly(ops, spv, lessees)
    bench_footprint(rows)
    bench_overlap(ops, spv)


if __name__ == "__main__":
    main()
