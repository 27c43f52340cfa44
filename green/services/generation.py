"""Hourly generation of energy devices, and issuance requests accrued from it.

The import checks every row, then writes them with one ``INSERT ... SELECT FROM unnest`` (all or
nothing). Requests are computed for any number of devices with one aggregate query over the
readings (``accrue``): per device, the period's Wh plus the fraction carried from the device's
previous request give whole MWh (the certificates to ask for) and a new fraction to carry.
"""

import csv
import hashlib
import io
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from django.db import connection, transaction
from django.utils import timezone

from assets.models import Device
from core.audit import audit_created, audit_created_bulk
from core.authz import require_perm
from core.errors import InvalidInput, Refused
from core.transitions import lock, run_transition
from green.models import GenerationImport, IssuanceRequest, Registry
from green.models.generation import MAX_WH_PER_HOUR, WH_PER_MWH
from green.services.blocks import create_block, read_serial

GENERATING_KINDS = (Device.Kind.SOLAR_PV,)
MAX_REASONS = 20
REQUEST_FIELDS = ("device", "registry", "period_start", "period_end", "metered_wh", "carry_in_wh", "eligible",
                  "carry_out_wh", "state")


def _rows(text: str) -> tuple[list[tuple[int, str, str, str]], list[str]]:
    reader = csv.reader(io.StringIO(text))
    header = [h.strip() for h in next(reader, [])]
    if header[:3] != ["device", "hour", "energy_wh"]:
        raise InvalidInput("A generation file starts with the header 'device,hour,energy_wh'.", field="file")
    rows, problems = [], []
    for line, row in enumerate(reader, start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != 3:
            problems.append(f"line {line}: {len(row)} fields, expected 3")
            continue
        rows.append((line, row[0].strip(), row[1].strip(), row[2].strip()))
    return rows, problems


def _parsed(rows, devices: dict[str, tuple[int, str]], now: datetime):
    ids, hours, whs, lines, problems, seen = [], [], [], [], [], {}
    for line, code, hour_text, wh_text in rows:
        bad = []
        device = devices.get(code)
        if device is None:
            bad.append(f"unknown device '{code}'")
        elif device[1] not in GENERATING_KINDS:
            bad.append(f"device '{code}' is a {device[1].replace('_', ' ')}, not a generating device")
        try:
            hour = datetime.fromisoformat(hour_text)
            hour = hour.astimezone(UTC) if hour.tzinfo else None
        except ValueError:
            hour = None
        if hour is None:
            bad.append(f"hour '{hour_text}' is not an ISO 8601 date and time with its offset")
        elif (hour.minute, hour.second, hour.microsecond) != (0, 0, 0):
            bad.append(f"hour '{hour_text}' is not the start of a clock hour")
        elif hour + timedelta(hours=1) > now:
            bad.append(f"hour '{hour_text}' has not ended")
        elif hour.year < 1990:
            bad.append(f"hour '{hour_text}' is before 1990")
        try:
            wh = int(wh_text)
        except ValueError:
            wh = None
            bad.append(f"energy_wh '{wh_text}' is not a whole number")
        if wh is not None and not 0 <= wh <= MAX_WH_PER_HOUR:
            bad.append(f"energy_wh {wh} is outside 0 to {MAX_WH_PER_HOUR}")
        if not bad and (device[0], hour) in seen:
            bad.append(f"repeats line {seen[(device[0], hour)]} (same device and hour)")
        if bad:
            problems.append(f"line {line}: " + "; ".join(bad))
            continue
        seen[(device[0], hour)] = line
        ids.append(device[0])
        hours.append(hour)
        whs.append(wh)
        lines.append(line)
    return ids, hours, whs, lines, problems


@transaction.atomic
def generation_import(*, actor, content: bytes, filename: str = "") -> GenerationImport:
    """Import a CSV ``device,hour,energy_wh`` of hourly generation: all rows or none. A row already
    stored with the same value is skipped; one with another value is refused, naming its line."""
    require_perm(actor, "green.import_generationimport", doing="import generation")
    sha = hashlib.sha256(content).hexdigest()
    existing = GenerationImport.objects.filter(sha256=sha).first()
    if existing:
        return existing
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput("The file is not UTF-8 text.", field="file") from None
    rows, problems = _rows(text)
    codes = {code for _, code, _, _ in rows}
    devices = {
        c: (pk, kind)
        for c, pk, kind in Device.objects.filter(code__in=codes).values_list("code", "id", "kind")
    }
    ids, hours, whs, lines, more = _parsed(rows, devices, timezone.now())
    problems += more
    if ids:
        with connection.cursor() as cur:
            cur.execute(
                "SELECT v.line, v.wh, g.energy_wh FROM unnest(%s::bigint[], %s::timestamptz[], %s::bigint[], "
                "%s::int[]) AS v(device_id, hour, wh, line) JOIN green_generationreading g "
                "ON g.device_id = v.device_id AND g.hour = v.hour WHERE g.energy_wh <> v.wh ORDER BY v.line",
                [ids, hours, whs, lines],
            )
            problems += [
                f"line {line}: energy_wh {wh} contradicts the stored {stored}"
                for line, wh, stored in cur.fetchall()
            ]
    if problems:
        problems.sort(key=lambda text: int(text.split(":")[0].removeprefix("line ")))
        shown = "; ".join(problems[:MAX_REASONS])
        more_text = f" (and {len(problems) - MAX_REASONS} more)" if len(problems) > MAX_REASONS else ""
        raise InvalidInput(f"Nothing imported: {shown}{more_text}.", reasons=problems, field="file")
    batch = GenerationImport.objects.create(
        sha256=sha,
        filename=filename[:255],
        rows=len(ids),
        imported_by=actor if getattr(actor, "pk", None) else None,
    )
    with connection.cursor() as cur:
        cur.execute(
            "INSERT INTO green_generationreading (device_id, hour, energy_wh, batch_id) "
            "SELECT device_id, hour, wh, %s FROM unnest(%s::bigint[], %s::timestamptz[], %s::bigint[]) "
            "AS v(device_id, hour, wh) ON CONFLICT (device_id, hour) DO NOTHING",
            [batch.pk, ids, hours, whs],
        )
    audit_created(instance=batch, actor=actor, fields=("sha256", "filename", "rows"))
    return batch


@dataclass(frozen=True)
class Accrual:
    """One device's accrual over a period:
    ``metered_wh + carry_in_wh = eligible x 1,000,000 + carry_out_wh``."""

    device_id: int
    metered_wh: int
    carry_in_wh: int
    last_period_end: date | None

    @property
    def eligible(self) -> int:
        return (self.metered_wh + self.carry_in_wh) // WH_PER_MWH

    @property
    def carry_out_wh(self) -> int:
        return (self.metered_wh + self.carry_in_wh) % WH_PER_MWH


def _bounds(start: date, end: date) -> tuple[datetime, datetime]:
    return (
        datetime.combine(start, time(), tzinfo=UTC),
        datetime.combine(end + timedelta(days=1), time(), tzinfo=UTC),
    )


ACCRUAL_SQL = """
WITH d AS (SELECT unnest(%(devices)s::bigint[]) AS device_id),
gen AS (
    SELECT g.device_id, SUM(g.energy_wh) AS wh FROM green_generationreading g JOIN d USING (device_id)
    WHERE g.hour >= %(start)s AND g.hour < %(end)s GROUP BY g.device_id),
prev AS (
    SELECT DISTINCT ON (r.device_id) r.device_id, r.carry_out_wh, r.period_end
    FROM green_issuancerequest r JOIN d USING (device_id)
    WHERE r.state <> 'rejected' ORDER BY r.device_id, r.period_end DESC)
SELECT d.device_id, COALESCE(gen.wh, 0), COALESCE(prev.carry_out_wh, 0), prev.period_end
FROM d LEFT JOIN gen USING (device_id) LEFT JOIN prev USING (device_id) ORDER BY d.device_id
"""


def accrue(device_ids: list[int], *, period_start: date, period_end: date) -> list[Accrual]:
    """Each device's generation in the period and the fraction it carries in: one query, any number
    of devices (the aggregate runs over the readings' primary key, device then hour)."""
    start, end = _bounds(period_start, period_end)
    with connection.cursor() as cur:
        cur.execute(ACCRUAL_SQL, {"devices": list(device_ids), "start": start, "end": end})
        return [Accrual(int(d), int(wh), int(carry), last) for d, wh, carry, last in cur.fetchall()]


def _check_period(period_start: date, period_end: date) -> None:
    if not isinstance(period_start, date) or not isinstance(period_end, date):
        raise InvalidInput("The period needs a first and a last day.", field="period_start")
    if period_end < period_start:
        raise InvalidInput("The period ends before it starts.", field="period_end")
    if period_end >= timezone.now().date():
        raise InvalidInput(
            "The period's last day must have ended (yesterday at the latest).", field="period_end"
        )
    if period_start.year < 1990:
        raise InvalidInput("The period starts before 1990.", field="period_start")


def _create(
    accruals: list[Accrual], *, registry: Registry, period_start: date, period_end: date, actor
) -> list[IssuanceRequest]:
    requests = IssuanceRequest.objects.bulk_create(
        [
            IssuanceRequest(
                device_id=a.device_id,
                registry=registry,
                period_start=period_start,
                period_end=period_end,
                metered_wh=a.metered_wh,
                carry_in_wh=a.carry_in_wh,
                eligible=a.eligible,
                carry_out_wh=a.carry_out_wh,
                requested_by=actor if getattr(actor, "pk", None) else None,
            )
            for a in accruals
        ],
        batch_size=2000,
    )
    audit_created_bulk(instances=requests, actor=actor, fields=REQUEST_FIELDS)
    return requests


def _check_registry(registry: Registry) -> None:
    if registry.kind != Registry.Kind.REC:
        raise InvalidInput(
            f"Registry '{registry}' issues carbon credits, not energy certificates.", field="registry"
        )


@transaction.atomic
def issuance_request_create(
    *, actor, device: Device, registry: Registry, period_start: date, period_end: date
) -> IssuanceRequest:
    """Ask ``registry`` for the whole MWh ``device`` generated in the period (plus its carried fraction)."""
    require_perm(actor, "green.add_issuancerequest", doing="request certificate issuance")
    _check_period(period_start, period_end)
    _check_registry(registry)
    device = lock(Device, device.pk)
    if device.kind not in GENERATING_KINDS:
        raise InvalidInput(
            f"Device '{device}' is a {device.get_kind_display()}; it generates nothing.", field="device"
        )
    (a,) = accrue([device.pk], period_start=period_start, period_end=period_end)
    if a.last_period_end and a.last_period_end >= period_start:
        raise Refused(
            f"Device '{device}' has a request up to {a.last_period_end}; a new one starts after it.",
            field="period_start",
        )
    if a.eligible < 1:
        raise Refused(
            f"Device '{device}' generated {a.metered_wh} Wh from {period_start} to {period_end}, with "
            f"{a.carry_in_wh} Wh carried: under one MWh, nothing to request. Request a longer period.",
            field="period_end",
        )
    (request,) = _create(
        [a], registry=registry, period_start=period_start, period_end=period_end, actor=actor
    )
    return request


@dataclass(frozen=True)
class AccrualRun:
    requests: list[IssuanceRequest]
    skipped: dict[int, str]  # device id -> why no request


@transaction.atomic
def issuance_requests_create(
    *, actor, registry: Registry, period_start: date, period_end: date, devices=None
) -> AccrualRun:
    """One request per generating device (all, or those given) with at least one MWh to ask for in the
    period: one aggregate query, one INSERT, bulk audit rows. A device with less, or with a request
    reaching into the period, is skipped and reported; its generation stays unrequested."""
    require_perm(actor, "green.add_issuancerequest", doing="request certificate issuance")
    _check_period(period_start, period_end)
    _check_registry(registry)
    qs = Device.objects.filter(kind__in=GENERATING_KINDS)
    if devices is not None:
        qs = qs.filter(pk__in=[d.pk for d in devices])
    ids = list(qs.select_for_update().order_by("pk").values_list("pk", flat=True))
    accruals, skipped = [], {}
    for a in accrue(ids, period_start=period_start, period_end=period_end):
        if a.last_period_end and a.last_period_end >= period_start:
            skipped[a.device_id] = f"has a request up to {a.last_period_end}"
        elif a.eligible < 1:
            skipped[a.device_id] = f"{a.metered_wh + a.carry_in_wh} Wh accrued, under one MWh"
        else:
            accruals.append(a)
    requests = _create(
        accruals, registry=registry, period_start=period_start, period_end=period_end, actor=actor
    )
    return AccrualRun(requests, skipped)


@transaction.atomic
def issuance_request_issue(
    *, request: IssuanceRequest, serial: str, actor, reason: str = "", emission_factor_g_per_kwh: int = 0
):
    """Record the block the registry issued for a request; refused when larger than the request's
    whole MWh (more than was metered), and checked like any new block (format, overlap)."""
    request = lock(IssuanceRequest, request.pk)
    run_transition(request, "issue", actor=actor, reason=reason)
    facts = read_serial(request.registry, serial)
    quantity = facts.last - facts.first + 1
    if quantity > request.eligible:
        raise Refused(
            f"The block holds {quantity} certificates; device '{request.device}' generated "
            f"{request.metered_wh} Wh from {request.period_start} to {request.period_end} with "
            f"{request.carry_in_wh} Wh carried, {request.eligible} MWh: a block larger than the metered "
            "generation is refused.",
            field="serial",
        )
    request.issued_quantity = quantity
    request.save(update_fields=["issued_quantity", "updated_at"])
    return create_block(
        actor=actor,
        registry=request.registry,
        serial=serial,
        spv=request.device.spv,
        device=request.device,
        issuance_request=request,
        emission_factor_g_per_kwh=emission_factor_g_per_kwh,
    )


@transaction.atomic
def issuance_request_reject(*, request: IssuanceRequest, actor, reason: str = "") -> IssuanceRequest:
    request = lock(IssuanceRequest, request.pk)
    run_transition(request, "reject", actor=actor, reason=reason)
    return request


ISSUANCE_REQUEST_ACTIONS = {
    "issue": issuance_request_issue,
    "reject": issuance_request_reject,
}


def issuance_request_transition(*, request: IssuanceRequest, name: str, actor, reason: str = "", **options):
    action = ISSUANCE_REQUEST_ACTIONS.get(name)
    if action is None:
        raise Refused(
            f"Issuance requests have no action '{name}'; the actions are: "
            f"{', '.join(ISSUANCE_REQUEST_ACTIONS)}."
        )
    return action(request=request, actor=actor, reason=reason, **options)
