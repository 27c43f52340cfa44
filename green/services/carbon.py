"""Inputs of the carbon accounting: hourly grid factors of a site (CSV, gap-free) and embodied
emissions of a device."""

import csv
import hashlib
import io
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation

from django.db import connection, transaction

from assets.models import Device, Site
from assets.services.common import create_audited, update_audited
from core.audit import audit_created
from core.authz import require_perm
from core.errors import InvalidInput
from core.transitions import lock
from green.models import EmbodiedEmissions, EmissionFactorImport
from green.models.carbon import MAX_G_PER_MWH

MAX_REASONS = 20
HOUR = timedelta(hours=1)


def _hour(text: str) -> datetime | None:
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        return None
    if value.tzinfo is None:
        return None
    value = value.astimezone(UTC)
    return value if (value.minute, value.second, value.microsecond) == (0, 0, 0) else None


def _parse(text: str) -> tuple[dict[datetime, int], list[str]]:
    reader = csv.reader(io.StringIO(text))
    header = [h.strip() for h in next(reader, [])]
    if header[:2] != ["hour", "g_per_kwh"]:
        raise InvalidInput("An hourly factor file starts with the header 'hour,g_per_kwh'.", field="file")
    factors: dict[datetime, int] = {}
    lines: dict[datetime, int] = {}
    problems = []
    for line, row in enumerate(reader, start=2):
        if not any(c.strip() for c in row):
            continue
        if len(row) != 2:
            problems.append(f"line {line}: {len(row)} fields, expected 2")
            continue
        hour = _hour(row[0].strip())
        if hour is None or not 1990 <= hour.year <= 2200:
            problems.append(
                f"line {line}: '{row[0].strip()}' is not the start of a clock hour with its offset"
            )
            continue
        try:
            value = Decimal(row[1].strip())
            g_per_mwh = value * 1000
            if not value.is_finite() or g_per_mwh != g_per_mwh.to_integral_value():
                raise InvalidOperation
        except InvalidOperation:
            problems.append(
                f"line {line}: hour {hour:%Y-%m-%dT%H:00Z}: '{row[1].strip()}' is not a number "
                "with at most 3 decimals"
            )
            continue
        if value < 0 or g_per_mwh > MAX_G_PER_MWH:
            problems.append(
                f"line {line}: hour {hour:%Y-%m-%dT%H:00Z}: {value} g/kWh is negative or above "
                f"{MAX_G_PER_MWH // 1000}"
            )
            continue
        if hour in lines:
            problems.append(f"line {line}: hour {hour:%Y-%m-%dT%H:00Z} repeats line {lines[hour]}")
            continue
        lines[hour] = line
        factors[hour] = int(g_per_mwh)
    return factors, problems


def _gaps(hours: list[datetime]) -> list[str]:
    missing = []
    for a, b in zip(hours, hours[1:], strict=False):
        if b - a > HOUR:
            n = int((b - a) / HOUR) - 1
            first, last = a + HOUR, b - HOUR
            missing.append(
                f"hour {first:%Y-%m-%dT%H:00Z} is missing"
                if n == 1
                else f"hours {first:%Y-%m-%dT%H:00Z} to {last:%Y-%m-%dT%H:00Z} are missing ({n})"
            )
    return missing


@transaction.atomic
def emission_factors_import(
    *, actor, site: Site, content: bytes, source: str, filename: str = ""
) -> EmissionFactorImport:
    """Import a site's hourly location-based factors (``hour,g_per_kwh``): every hour from the first
    to the last, once, none negative, or nothing is imported and every problem hour is listed. The
    hours it covers replace factors stored for them before."""
    require_perm(actor, "green.import_emissionfactorimport", doing="import grid emission factors")
    site = lock(Site, site.pk)
    if not (source or "").strip():
        raise InvalidInput("Name the source of the factors.", field="source")
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput("The file is not UTF-8 text.", field="file") from None
    factors, problems = _parse(text)
    hours = sorted(factors)
    problems += _gaps(hours)
    if not hours and not problems:
        problems.append("the file has no rows")
    if problems:
        more = f" (and {len(problems) - MAX_REASONS} more)" if len(problems) > MAX_REASONS else ""
        raise InvalidInput(
            "Nothing imported: " + "; ".join(problems[:MAX_REASONS]) + more + ".",
            reasons=problems,
            field="file",
        )
    sha = hashlib.sha256(content).hexdigest()
    batch = EmissionFactorImport.objects.filter(site=site, sha256=sha).first()
    if batch:
        return batch
    batch = EmissionFactorImport.objects.create(
        site=site,
        sha256=sha,
        filename=filename[:255],
        source=source.strip()[:200],
        first_hour=hours[0],
        last_hour=hours[-1],
        rows=len(hours),
        imported_by=actor if getattr(actor, "pk", None) else None,
    )
    with connection.cursor() as cur:
        cur.execute(
            "INSERT INTO green_hourlyemissionfactor (site_id, hour, g_per_mwh, batch_id) "
            "SELECT %s, hour, g, %s FROM unnest(%s::timestamptz[], %s::int[]) AS v(hour, g) "
            "ON CONFLICT (site_id, hour) DO UPDATE "
            "SET g_per_mwh = EXCLUDED.g_per_mwh, batch_id = EXCLUDED.batch_id",
            [site.pk, batch.pk, hours, [factors[h] for h in hours]],
        )
    audit_created(instance=batch, actor=actor, fields=("site", "source", "first_hour", "last_hour", "rows"))
    return batch


@transaction.atomic
def embodied_emissions_set(*, actor, device: Device, kg_co2e: int, source: str) -> EmbodiedEmissions:
    """Record (or correct) a GPU server's embodied emissions over its life, kgCO2e."""
    require_perm(actor, "green.add_embodiedemissions", doing="record embodied emissions")
    device = lock(Device, device.pk)
    if device.kind != Device.Kind.GPU_SERVER:
        raise InvalidInput(
            f"Device '{device}' is a {device.get_kind_display()}; embodied emissions are "
            "amortised per GPU-hour, so only GPU servers take them.",
            field="device",
        )
    current = EmbodiedEmissions.objects.select_for_update().filter(device=device).first()
    values = {"kg_co2e": kg_co2e, "source": (source or "").strip()}
    if current:
        return update_audited(current, actor=actor, fields=("kg_co2e", "source"), values=values)
    return create_audited(
        EmbodiedEmissions, actor=actor, fields=("device", "kg_co2e", "source"), device=device, **values
    )
