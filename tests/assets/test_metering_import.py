"""Hourly metering import: every validation rule names its row, bad files import nothing,
re-imports change nothing."""

from datetime import UTC, datetime

import pytest

from assets.models import MeterImportBatch, MeterReading
from assets.services.metering import MeteringRejected, import_metering, metering_csv
from core.errors import InvalidInput
from tests.assets.builders import make_gpu_server

NOW = datetime(2026, 11, 22, 6, 30, tzinfo=UTC)
pytestmark = pytest.mark.django_db


@pytest.fixture
def gpu(ops):
    return make_gpu_server(actor=ops, code="GPU-A", gpus=8, tdp=700)  # at most 5,600 Wh an hour


def run(rows, ops, name="m.csv"):
    return import_metering(source=metering_csv(rows), actor=ops, filename=name, now=NOW)


def test_a_clean_file_is_stored_exactly(ops, gpu):
    result = run(
        [
            ("GPU-A", "2026-11-01T00:00:00Z", 8, 5200, "0.9731"),
            ("GPU-A", "2026-11-01T01:00:00+00:00", 6, 4100, None),
        ],
        ops,
    )

    assert result.already_imported is False
    assert (result.batch.rows_total, result.batch.rows_inserted, result.batch.rows_unchanged) == (2, 2, 0)
    assert len(result.batch.sha256) == 64
    assert list(
        MeterReading.objects.order_by("hour").values_list(
            "device__code", "hour", "gpu_hours", "energy_wh", "utilisation_bp", "batch"
        )
    ) == [
        ("GPU-A", datetime(2026, 11, 1, 0, tzinfo=UTC), 8, 5200, 9731, result.batch.pk),
        ("GPU-A", datetime(2026, 11, 1, 1, tzinfo=UTC), 6, 4100, None, result.batch.pk),
    ]


def _rejected(rows, ops) -> list[str]:
    with pytest.raises(MeteringRejected) as caught:
        run(rows, ops)
    assert MeterReading.objects.count() == 0
    assert MeterImportBatch.objects.count() == 0
    return caught.value.reasons


def test_unknown_device(ops, gpu):
    assert _rejected(
        [("GPU-A", "2026-11-01T00:00:00Z", 1, 100), ("GPU-ZZZ", "2026-11-01T00:00:00Z", 1, 100)], ops
    ) == ["line 3: unknown device 'GPU-ZZZ'"]


def test_duplicate_hour_in_the_file(ops, gpu):
    assert _rejected(
        [
            ("GPU-A", "2026-11-01T00:00:00Z", 1, 100),
            ("GPU-A", "2026-11-01T01:00:00Z", 1, 100),
            ("GPU-A", "2026-11-01T00:00:00Z", 2, 200),
        ],
        ops,
    ) == ["line 4: duplicate hour: same device and hour 2026-11-01T00:00Z as line 2"]


def test_future_hour(ops, gpu):
    # 06:00 has not ended at 06:30; 05:00 has.
    assert _rejected(
        [
            ("GPU-A", "2026-11-22T05:00:00Z", 1, 100),
            ("GPU-A", "2026-11-22T06:00:00Z", 1, 100),
            ("GPU-A", "2027-01-01T00:00:00Z", 1, 100),
        ],
        ops,
    ) == [
        "line 3: hour '2026-11-22T06:00:00Z' is in the future (the hour has not ended)",
        "line 4: hour '2027-01-01T00:00:00Z' is in the future (the hour has not ended)",
    ]


def test_negative_values(ops, gpu):
    assert _rejected(
        [("GPU-A", "2026-11-01T00:00:00Z", -1, 100), ("GPU-A", "2026-11-01T01:00:00Z", 1, -5)], ops
    ) == ["line 2: negative value: gpu_hours -1", "line 3: negative value: energy_wh -5"]


def test_energy_above_tdp_times_gpus_for_one_hour(ops, gpu):
    assert _rejected(
        [("GPU-A", "2026-11-01T00:00:00Z", 8, 5600), ("GPU-A", "2026-11-01T01:00:00Z", 8, 5601)], ops
    ) == ["line 3: energy 5601 Wh is above what the device can draw in an hour (TDP x GPUs x 1 h = 5600 Wh)"]


def test_more_gpu_hours_than_gpus_malformed_cells_and_utilisation(ops, gpu):
    assert _rejected(
        [
            ("GPU-A", "2026-11-01T00:00:00Z", 9, 100),
            ("GPU-A", "yesterday", 1, 100),
            ("GPU-A", "2026-11-01T02:30:00Z", 1, 100),
            ("GPU-A", "2026-11-01T03:00:00Z", "1.5", 100),
            ("GPU-A", "2026-11-01T04:00:00Z", 1, 100, "1.2"),
        ],
        ops,
    ) == [
        "line 2: gpu_hours 9 is above the device's 8 GPUs x 1 h",
        "line 3: hour 'yesterday' is not an ISO 8601 date and time",
        "line 4: hour '2026-11-01T02:30:00Z' is not the start of a clock hour",
        "line 5: gpu_hours '1.5' is not a whole number",
        "line 6: utilisation '1.2' is not a fraction from 0 to 1",
    ]


def test_every_bad_row_is_reported_with_its_reason_and_nothing_is_imported(ops, gpu):
    rows = [("GPU-A", f"2026-11-01T{h:02d}:00:00Z", 1, 100) for h in range(10)]
    rows[2] = ("NOPE", "2026-11-01T02:00:00Z", 1, 100)
    rows[5] = ("GPU-A", "2026-11-01T05:00:00Z", 1, 999999)
    rows[7] = ("GPU-A", "2026-11-01T06:00:00Z", 1, 100)
    with pytest.raises(MeteringRejected) as caught:
        import_metering(source=metering_csv(rows), actor=ops, now=NOW, chunk_rows=3)  # across chunks
    assert [str(e) for e in caught.value.errors] == [
        "line 4: unknown device 'NOPE'",
        "line 7: energy 999999 Wh is above what the device can draw in an hour (TDP x GPUs x 1 h = 5600 Wh)",
        "line 9: duplicate hour: same device and hour 2026-11-01T06:00Z as line 8",
    ]
    assert caught.value.message.startswith("Nothing imported: 3 bad row(s) of 10: line 4: unknown device")
    assert MeterReading.objects.count() == 0


def test_reimporting_the_same_file_changes_nothing(ops, gpu):
    rows = [("GPU-A", f"2026-11-01T{h:02d}:00:00Z", 8, 5000) for h in range(24)]
    first = run(rows, ops)
    before = list(MeterReading.objects.values_list("device", "hour", "gpu_hours", "energy_wh", "batch"))

    again = run(rows, ops)

    assert again.already_imported is True
    assert again.batch.pk == first.batch.pk
    fields = ("device", "hour", "gpu_hours", "energy_wh", "batch")
    assert list(MeterReading.objects.values_list(*fields)) == before
    assert MeterImportBatch.objects.count() == 1


def test_an_overlapping_file_with_identical_values_imports_only_the_new_hours(ops, gpu):
    run([("GPU-A", f"2026-11-01T{h:02d}:00:00Z", 8, 5000) for h in range(12)], ops)

    second = run([("GPU-A", f"2026-11-01T{h:02d}:00:00Z", 8, 5000) for h in range(6, 18)], ops, "b.csv")

    assert (second.batch.rows_total, second.batch.rows_inserted, second.batch.rows_unchanged) == (12, 6, 6)
    assert MeterReading.objects.count() == 18


def test_a_row_contradicting_a_stored_one_refuses_the_file(ops, gpu):
    run([("GPU-A", "2026-11-01T00:00:00Z", 8, 5000)], ops)
    with pytest.raises(MeteringRejected) as caught:
        run(
            [("GPU-A", "2026-11-01T01:00:00Z", 8, 5000), ("GPU-A", "2026-11-01T00:00:00Z", 7, 5000)], ops, "c"
        )
    assert caught.value.reasons[0].startswith(
        "line 3: device 'GPU-A' hour 2026-11-01T00:00Z is already stored with different values"
    )
    assert MeterReading.objects.count() == 1
    assert MeterImportBatch.objects.count() == 1


def test_a_bad_header_or_empty_file_is_refused(ops, gpu):
    import io

    with pytest.raises(InvalidInput, match="missing: energy_wh"):
        import_metering(
            source=io.BytesIO(b"device,hour,gpu_hours\nGPU-A,2026-11-01T00:00:00Z,1\n"), actor=ops, now=NOW
        )
    with pytest.raises(InvalidInput, match="empty"):
        import_metering(source=io.BytesIO(b""), actor=ops, now=NOW)
    assert MeterImportBatch.objects.count() == 0
