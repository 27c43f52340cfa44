"""Builders for green test data, through the services like the product."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from importlib import import_module

from assets.services import fleet
from green.models import Registry
from green.services import blocks, generation
from tests.assets.builders import make_site
from tests.factories import make_spv

SERIALS = {
    "I-REC": "IREC-SGSOL0001-SG-TZ01-202603-000000000001-000000000120",
    "VCS": "6452-319616937-319623936-VCS-VCU-259-VER-CN-1-1529-01012017-31122017-0",
    "GS": "GS1-1-IN-GS2446-12-2016-5432-1-1000",
    "M-RETS": "M1234-MN-202601-SUN-55-1-250",
}


def registry(code: str) -> Registry:
    """The registry seeded by green's migration 0002 (seeded again after a transactional test's flush)."""
    seeded = {r[0]: r for r in import_module("green.migrations.0002_registries").REGISTRIES}
    _, name, kind, fmt, parts, country = seeded[code]
    return Registry.objects.get_or_create(
        code=code,
        defaults={
            "name": name,
            "kind": kind,
            "serial_format": fmt,
            "series_parts": parts,
            "default_country": country,
        },
    )[0]


def make_solar(*, actor, spv=None, code: str = "SOL-1", site=None):
    return fleet.device_create(
        actor=actor,
        code=code,
        kind="solar_pv",
        site=site or make_site(actor=actor),
        manufacturer="LONGi",
        model="Hi-MO 6 rooftop array",
        serial_number=f"PV-{code}",
        capacity_kwp=Decimal("500.000"),
        purchase_date=date(2025, 1, 1),
        currency="USD",
        purchase_cost=Decimal("400000.00"),
        useful_life_years=25,
        residual_value=Decimal("0"),
        spv=spv or make_spv(actor=actor),
    )


def make_block(
    *, actor, code: str = "I-REC", serial: str | None = None, spv=None, device=None, factor: int = 0
):
    return blocks.block_record(
        actor=actor,
        registry=registry(code),
        serial=serial or SERIALS[code],
        spv=spv or make_spv(actor=actor),
        device=device,
        emission_factor_g_per_kwh=factor,
    )


def generation_csv(rows) -> bytes:
    """(device code, hour, Wh) rows as a generation file."""
    lines = ["device,hour,energy_wh"] + [f"{code},{hour.isoformat()},{wh}" for code, hour, wh in rows]
    return ("\n".join(lines) + "\n").encode()


def hours(start: datetime, count: int):
    return [start + timedelta(hours=i) for i in range(count)]


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def import_generation(*, actor, rows):
    return generation.generation_import(actor=actor, content=generation_csv(rows), filename="gen.csv")
