"""Vectorised validation of metering CSV chunks (pandas / numpy, no Django).

A metering file is CSV with the header ``device,hour,gpu_hours,energy_wh[,utilisation]``:
``device`` is the device code, ``hour`` the ISO 8601 start of a UTC clock hour,
``gpu_hours`` and ``energy_wh`` whole non-negative numbers, ``utilisation`` optional,
a fraction from 0 to 1. Every rule names the line (the header is line 1).
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
import pandas as pd

REQUIRED_COLUMNS = ("device", "hour", "gpu_hours", "energy_wh")
OPTIONAL_COLUMNS = ("utilisation",)
PG_EPOCH_US = 946_684_800_000_000  # 2000-01-01T00:00:00Z in microseconds since 1970
US_PER_HOUR = 3_600_000_000
EARLIEST_HOUR_US = 631_152_000_000_000  # 1990-01-01T00:00:00Z: core.bounds.EARLIEST_DATETIME


@dataclass(frozen=True)
class DeviceInfo:
    id: int
    gpu_count: int | None
    tdp_watts: int | None
    kind_label: str


@dataclass(frozen=True)
class RowError:
    line: int
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}"


@dataclass
class ValidChunk:
    """The rows of a chunk that passed every per-row rule, as numpy columns."""

    line: np.ndarray
    device_id: np.ndarray
    hour_us: np.ndarray  # microseconds since 1970-01-01 UTC, whole hours
    gpu_hours: np.ndarray
    energy_wh: np.ndarray
    utilisation_bp: np.ndarray  # -1 where absent

    def __len__(self) -> int:
        return len(self.line)


@dataclass
class DeviceTable:
    """Devices by code, as arrays indexed by a dense position for fast vectorised lookups."""

    codes: dict[str, int]
    ids: np.ndarray
    gpu_count: np.ndarray  # 0 where not a GPU server
    max_wh: np.ndarray  # gpu_count x tdp; 0 where not a GPU server
    kind_label: list[str]

    @classmethod
    def build(cls, devices: dict[str, DeviceInfo]) -> "DeviceTable":
        items = list(devices.items())
        return cls(
            codes={code: i for i, (code, _) in enumerate(items)},
            ids=np.array([d.id for _, d in items], dtype=np.int64),
            gpu_count=np.array([d.gpu_count or 0 for _, d in items], dtype=np.int64),
            max_wh=np.array([(d.gpu_count or 0) * (d.tdp_watts or 0) for _, d in items], dtype=np.int64),
            kind_label=[d.kind_label for _, d in items],
        )


@dataclass
class ChunkResult:
    valid: ValidChunk
    errors: list[RowError] = field(default_factory=list)


def check_header(columns: Iterable[str]) -> str | None:
    columns = list(columns)
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if missing:
        return (f"The header must name the columns {', '.join(REQUIRED_COLUMNS)} (utilisation is "
                f"optional); missing: {', '.join(missing)}.")
    unknown = [c for c in columns if c not in REQUIRED_COLUMNS + OPTIONAL_COLUMNS]
    if unknown:
        return f"Unknown column(s) in the header: {', '.join(unknown)}."
    return None


def _whole_numbers(series: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """(values as int64, mask of cells that are not whole numbers)."""
    if pd.api.types.is_integer_dtype(series.dtype):
        return series.to_numpy(dtype=np.int64), np.zeros(len(series), dtype=bool)
    numbers = pd.to_numeric(series, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
    bad = ~np.isfinite(numbers) | (numbers != np.floor(numbers)) | (np.abs(numbers) > 2**31 - 1)
    return np.where(bad, 0, numbers).astype(np.int64), bad


def _categories(series: pd.Series) -> tuple[pd.Index, np.ndarray]:
    """(distinct values, code per row): files repeat each device and hour many times, so the
    work on text is done once per distinct value, not per row."""
    cat = series if isinstance(series.dtype, pd.CategoricalDtype) else series.astype("category")
    return cat.cat.categories, cat.cat.codes.to_numpy()


def validate_chunk(frame: pd.DataFrame, *, first_line: int, devices: DeviceTable,
                   now: datetime) -> ChunkResult:
    """Apply every per-row rule to ``frame`` (a CSV chunk whose first row is ``first_line``).

    Reasons are built only for bad rows (``cell(column, i)`` reads the raw text lazily).
    """
    n = len(frame)
    lines = np.arange(first_line, first_line + n, dtype=np.int64)
    reasons: list[tuple[np.ndarray, object]] = []  # (mask, callable(i) -> reason for a bad row)

    def cell(column: str, i: int) -> str:
        value = frame[column].iloc[i]
        return "" if value is None or (isinstance(value, float) and np.isnan(value)) else str(value)

    device_values, device_codes = _categories(frame["device"])
    lookup = np.array([devices.codes.get(str(c).strip(), -1) for c in device_values] + [-1], dtype=np.int64)
    pos = lookup[device_codes]  # code -1 (missing) picks the trailing -1
    unknown = pos < 0
    reasons.append((unknown, lambda i: f"unknown device '{cell('device', i).strip()}'"))
    safe_pos = np.where(unknown, 0, pos)
    if len(devices.ids):
        gpu_count, max_wh = devices.gpu_count[safe_pos], devices.max_wh[safe_pos]
    else:
        gpu_count = max_wh = np.zeros(n, dtype=np.int64)
    not_gpu = ~unknown & (gpu_count == 0)
    reasons.append((not_gpu, lambda i: f"device '{cell('device', i).strip()}' is a "
                    f"{devices.kind_label[pos[i]]}, not a GPU server; it has no GPU metering"))

    hour_values, hour_codes = _categories(frame["hour"])
    parsed = pd.to_datetime(pd.Series(hour_values.astype(str), dtype=object), format="ISO8601", utc=True,
                            errors="coerce")
    parsed_us = np.append(parsed.to_numpy(dtype="datetime64[us]").astype(np.int64), 0)
    parsed_bad = np.append(parsed.isna().to_numpy(), True)
    hour_us, bad_hour = parsed_us[hour_codes], parsed_bad[hour_codes]
    reasons.append((bad_hour, lambda i: f"hour '{cell('hour', i)}' is not an ISO 8601 date and time"))
    off_hour = ~bad_hour & (hour_us % US_PER_HOUR != 0)
    reasons.append((off_hour, lambda i: f"hour '{cell('hour', i)}' is not the start of a clock hour"))
    early = ~bad_hour & (hour_us < EARLIEST_HOUR_US)
    reasons.append((early, lambda i: f"hour '{cell('hour', i)}' is before 1990-01-01"))
    now_us = int(now.timestamp() * 1_000_000)
    future = ~bad_hour & ~off_hour & (hour_us + US_PER_HOUR > now_us)
    reasons.append((future, lambda i: f"hour '{cell('hour', i)}' is in the future (the hour has not ended)"))

    gpu_hours, gpu_bad = _whole_numbers(frame["gpu_hours"])
    energy, energy_bad = _whole_numbers(frame["energy_wh"])
    reasons.append((gpu_bad, lambda i: f"gpu_hours '{cell('gpu_hours', i)}' is not a whole number"))
    reasons.append((energy_bad, lambda i: f"energy_wh '{cell('energy_wh', i)}' is not a whole number"))
    reasons.append((~gpu_bad & (gpu_hours < 0), lambda i: f"negative value: gpu_hours {gpu_hours[i]}"))
    reasons.append((~energy_bad & (energy < 0), lambda i: f"negative value: energy_wh {energy[i]}"))
    known_gpu = ~unknown & ~not_gpu
    too_many = known_gpu & ~gpu_bad & (gpu_hours > gpu_count)
    reasons.append((too_many, lambda i: f"gpu_hours {gpu_hours[i]} is above the device's "
                    f"{gpu_count[i]} GPUs x 1 h"))
    too_much = known_gpu & ~energy_bad & (energy > max_wh)
    reasons.append((too_much, lambda i: f"energy {energy[i]} Wh is above what the device can draw "
                    f"in an hour (TDP x GPUs x 1 h = {max_wh[i]} Wh)"))

    if "utilisation" in frame.columns:
        column = frame["utilisation"]
        if pd.api.types.is_float_dtype(column.dtype) or pd.api.types.is_integer_dtype(column.dtype):
            util = column.to_numpy(dtype=np.float64, na_value=np.nan)
            present = ~np.isnan(util)
        else:
            text = column.astype(object)
            present = text.notna().to_numpy() & (text.astype(str).str.strip() != "").to_numpy()
            util = pd.to_numeric(text.where(present), errors="coerce").to_numpy(dtype=np.float64,
                                                                                 na_value=np.nan)
        bad_util = present & ~((util >= 0) & (util <= 1))
        reasons.append((bad_util, lambda i: f"utilisation '{cell('utilisation', i)}' is not a fraction "
                        "from 0 to 1"))
        util_bp = np.where(present & ~bad_util, np.rint(np.nan_to_num(util) * 10000), -1).astype(np.int64)
    else:
        util_bp = np.full(n, -1, dtype=np.int64)

    any_bad = np.zeros(n, dtype=bool)
    for mask, _ in reasons:
        any_bad |= mask
    errors: list[RowError] = []
    if any_bad.any():
        for mask, reason in reasons:
            for i in np.flatnonzero(mask):
                errors.append(RowError(int(lines[i]), reason(i)))
        errors.sort(key=lambda e: e.line)
    ok = ~any_bad
    valid = ValidChunk(
        line=lines[ok], device_id=devices.ids[safe_pos[ok]] if len(devices.ids) else lines[ok] * 0,
        hour_us=hour_us[ok], gpu_hours=gpu_hours[ok], energy_wh=energy[ok], utilisation_bp=util_bp[ok],
    )
    return ChunkResult(valid=valid, errors=errors)


def duplicate_errors(keys_device: np.ndarray, keys_hour: np.ndarray, lines: np.ndarray) -> list[RowError]:
    """Rows repeating a (device, hour) seen earlier in the same file, naming the first line."""
    if len(lines) < 2:
        return []
    order = np.lexsort((lines, keys_hour, keys_device))
    d, h, ln = keys_device[order], keys_hour[order], lines[order]
    same = (d[1:] == d[:-1]) & (h[1:] == h[:-1])
    if not same.any():
        return []
    errors = []
    first_line = ln.copy()
    for i in range(1, len(ln)):  # only walks when there are duplicates
        if same[i - 1]:
            first_line[i] = first_line[i - 1]
            hour = np.datetime64(int(h[i]), "us").astype(datetime).strftime("%Y-%m-%dT%H:%MZ")
            errors.append(RowError(int(ln[i]), f"duplicate hour: same device and hour {hour} "
                                   f"as line {int(first_line[i])}"))
    return errors


def to_pg_binary(chunk: ValidChunk) -> bytes:
    """The rows in PostgreSQL's binary COPY format, built with numpy (no per-row Python).

    Columns: line bigint, device_id bigint, hour timestamptz, gpu_hours integer,
    energy_wh integer, utilisation_bp smallint (NULL where absent).
    """
    header = b"PGCOPY\n\xff\r\n\x00" + (0).to_bytes(4, "big") + (0).to_bytes(4, "big")
    parts = [header]
    has_util = chunk.utilisation_bp >= 0
    for with_util in (True, False):
        sel = has_util if with_util else ~has_util
        count = int(sel.sum())
        if not count:
            continue
        fields = [("n", ">i2"), ("l1", ">i4"), ("line", ">i8"), ("l2", ">i4"), ("dev", ">i8"),
                  ("l3", ">i4"), ("hour", ">i8"), ("l4", ">i4"), ("gpu", ">i4"), ("l5", ">i4"),
                  ("wh", ">i4"), ("l6", ">i4")]
        if with_util:
            fields.append(("util", ">i2"))
        rec = np.empty(count, dtype=np.dtype(fields))
        rec["n"] = 6
        rec["l1"], rec["l2"], rec["l3"], rec["l4"], rec["l5"] = 8, 8, 8, 4, 4
        rec["line"] = chunk.line[sel]
        rec["dev"] = chunk.device_id[sel]
        rec["hour"] = chunk.hour_us[sel] - PG_EPOCH_US
        rec["gpu"] = chunk.gpu_hours[sel]
        rec["wh"] = chunk.energy_wh[sel]
        if with_util:
            rec["l6"] = 2
            rec["util"] = chunk.utilisation_bp[sel]
        else:
            rec["l6"] = -1
        parts.append(rec.tobytes())
    parts.append((-1).to_bytes(2, "big", signed=True))
    return b"".join(parts)
