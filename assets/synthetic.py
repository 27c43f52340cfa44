"""Synthetic hourly metering with a fixed seed, for the demo data and the benchmark (no Django).

Per device and hour: a utilisation drawn from Beta(6, 2), GPU-hours = utilisation x GPUs
rounded, IT energy = GPUs x TDP x (8 % idle + 92 % x utilisation x a draw in [0.55, 0.95])
rounded down, so every row obeys the import rules (energy never above TDP x GPUs x 1 h).
"""

import io
from collections.abc import Iterator
from datetime import datetime

import numpy as np
import pandas as pd

HEADER = "device,hour,gpu_hours,energy_wh,utilisation\n"


def metering_block(*, codes: np.ndarray, gpus: np.ndarray, tdp: np.ndarray, hours: pd.DatetimeIndex,
                   rng: np.random.Generator) -> pd.DataFrame:
    n_hours, n_devices = len(hours), len(codes)
    util = rng.beta(6, 2, size=(n_hours, n_devices))
    gpu_hours = np.floor(util * gpus + 0.5).astype(np.int64)
    draw = rng.uniform(0.55, 0.95, size=(n_hours, n_devices))
    energy = np.floor(gpus * tdp * (0.08 + 0.92 * util * draw)).astype(np.int64)
    util_bp = np.floor(util * 10000 + 0.5).astype(np.int64)
    util_text = np.char.add("0.", np.char.zfill(util_bp.ravel().astype(str), 4))
    util_text[util_bp.ravel() >= 10000] = "1.0000"
    return pd.DataFrame({
        "device": np.tile(codes, n_hours),
        "hour": np.repeat(hours.strftime("%Y-%m-%dT%H:%M:%SZ").to_numpy(), n_devices),
        "gpu_hours": gpu_hours.ravel(),
        "energy_wh": energy.ravel(),
        "utilisation": util_text,
    })


def metering_csv_chunks(*, codes: list[str], gpus: list[int], tdp: list[int], start: datetime, hours: int,
                        seed: int, hours_per_chunk: int = 500) -> Iterator[bytes]:
    """CSV bytes, header first, a block of ``hours_per_chunk`` hours (all devices) at a time."""
    rng = np.random.default_rng(seed)
    codes_a, gpus_a, tdp_a = np.array(codes), np.array(gpus, dtype=np.int64), np.array(tdp, dtype=np.int64)
    all_hours = pd.date_range(start, periods=hours, freq="h", tz="UTC")
    yield HEADER.encode()
    for lo in range(0, hours, hours_per_chunk):
        block = metering_block(codes=codes_a, gpus=gpus_a, tdp=tdp_a,
                               hours=all_hours[lo:lo + hours_per_chunk], rng=rng)
        out = io.StringIO()
        block.to_csv(out, header=False, index=False)
        yield out.getvalue().encode()
