"""Metering files: hours outside a device's service life are refused, the error count counts rows,
and a malformed row (too many fields, a cell longer than its column) is an error of that row while
the parser goes on naming every later bad row. A refused file writes nothing."""

import io
from datetime import UTC, date, datetime

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from assets.models import MeterImportBatch, MeterReading
from assets.services.metering import MeteringRejected, import_metering, metering_csv
from core.models import AuditEvent
from tests.assets.builders import make_gpu_server

NOW = datetime(2026, 11, 22, 6, 30, tzinfo=UTC)
HEADER = "device,hour,gpu_hours,energy_wh,utilisation\n"
pytestmark = pytest.mark.django_db


@pytest.fixture
def gpu(ops):
    # In service from 2026-01-01 (its purchase date) to 2030-01-01 (four years later).
    return make_gpu_server(actor=ops, code="GPU-A", gpus=8, tdp=700, bought=date(2026, 1, 1), life=4)


@pytest.fixture
def old_gpu(ops):
    # In service from 2020-03-01 to 2023-03-01 (three years later): retired before NOW.
    return make_gpu_server(actor=ops, code="GPU-OLD", gpus=8, tdp=700, bought=date(2020, 3, 1), life=3)


def refused(source: io.BytesIO, ops, **kwargs) -> MeteringRejected:
    audit_before = AuditEvent.objects.count()
    with pytest.raises(MeteringRejected) as caught:
        import_metering(source=source, actor=ops, now=NOW, **kwargs)
    assert MeterReading.objects.count() == 0
    assert MeterImportBatch.objects.count() == 0
    assert AuditEvent.objects.count() == audit_before
    return caught.value


def text_file(text: str) -> io.BytesIO:
    return io.BytesIO(text.encode())


# Service life


def test_hours_before_the_device_entered_service_are_refused(ops, gpu):
    error = refused(metering_csv([
        ("GPU-A", "0001-01-01T00:00:00Z", 1, 100),
        ("GPU-A", "1970-01-01T00:00:00Z", 1, 100),
        ("GPU-A", "2025-12-31T23:00:00Z", 1, 100),
        ("GPU-A", "2026-01-01T00:00:00Z", 1, 100),  # the first hour of the purchase date: in service
    ]), ops)

    assert error.reasons == [
        "line 2: hour '0001-01-01T00:00:00Z' is before device 'GPU-A' entered service (purchased 2026-01-01)",
        "line 3: hour '1970-01-01T00:00:00Z' is before device 'GPU-A' entered service (purchased 2026-01-01)",
        "line 4: hour '2025-12-31T23:00:00Z' is before device 'GPU-A' entered service (purchased 2026-01-01)",
    ]


def test_hours_after_the_end_of_the_service_life_are_refused(ops, old_gpu):
    error = refused(metering_csv([
        ("GPU-OLD", "2023-02-28T23:00:00Z", 8, 5000),  # the last hour of its life
        ("GPU-OLD", "2023-03-01T00:00:00Z", 8, 5000),
        ("GPU-OLD", "2026-11-01T00:00:00Z", 8, 5000),
    ]), ops)

    assert error.reasons == [
        "line 3: hour '2023-03-01T00:00:00Z' is after the service life of device 'GPU-OLD' "
        "(3 years from 2020-03-01, ended 2023-03-01)",
        "line 4: hour '2026-11-01T00:00:00Z' is after the service life of device 'GPU-OLD' "
        "(3 years from 2020-03-01, ended 2023-03-01)",
    ]


def test_the_hours_of_the_service_life_are_imported_in_bulk(ops, gpu, old_gpu):
    result = import_metering(source=metering_csv([
        ("GPU-A", "2026-01-01T00:00:00Z", 8, 5000),
        ("GPU-A", "2026-11-22T05:00:00Z", 8, 5000),  # the last hour that has ended at NOW
        ("GPU-OLD", "2020-03-01T00:00:00Z", 8, 5000),
        ("GPU-OLD", "2023-02-28T23:00:00Z", 8, 5000),
    ]), actor=ops, now=NOW, chunk_rows=2)

    assert (result.batch.rows_total, result.batch.rows_inserted) == (4, 4)
    stored = MeterReading.objects.order_by("device__code", "hour").values_list("device__code", "hour")
    assert list(stored) == [
        ("GPU-A", datetime(2026, 1, 1, 0, tzinfo=UTC)),
        ("GPU-A", datetime(2026, 11, 22, 5, tzinfo=UTC)),
        ("GPU-OLD", datetime(2020, 3, 1, 0, tzinfo=UTC)),
        ("GPU-OLD", datetime(2023, 2, 28, 23, tzinfo=UTC)),
    ]


# The error count


def test_the_error_count_counts_bad_rows_not_reasons(ops, gpu):
    error = refused(metering_csv([
        ("GPU-A", "2026-11-01T00:00:00Z", -1, -5, "1.5"),  # three reasons, one row
        ("GPU-A", "2026-11-01T01:00:00Z", 8, 5000),
        ("GPU-A", "2026-11-01T02:00:00Z", 9, 100),  # one reason
    ]), ops)

    assert error.reasons == [
        "line 2: negative value: gpu_hours -1",
        "line 2: negative value: energy_wh -5",
        "line 2: utilisation '1.5' is not a fraction from 0 to 1",
        "line 4: gpu_hours 9 is above the device's 8 GPUs x 1 h",
    ]
    assert error.bad_rows == 2
    assert error.message.startswith("Nothing imported: 2 bad row(s) of 3 (4 problems): line 2: negative")


def test_the_command_reports_the_number_of_bad_rows(ops, gpu, tmp_path, capsys):
    path = tmp_path / "bad.csv"
    path.write_text(HEADER + "GPU-A,2026-11-01T00:00:00Z,-1,-5,1.5\nGPU-A,2026-11-01T01:00:00Z,8,5000,\n")

    with pytest.raises(CommandError, match="1 file"):
        call_command("import_metering", str(path))

    assert f"{path}: nothing imported, 1 bad row(s) of 2 (3 problems):" in capsys.readouterr().err
    assert MeterReading.objects.count() == 0


# Malformed rows


def test_a_row_with_too_many_fields_is_named_and_the_parser_goes_on(ops, gpu):
    rows = [f"GPU-A,2026-11-01T{h:02d}:00:00Z,1,100," for h in range(8)]
    rows[1] = "GPU-A,2026-11-01T01:00:00Z,1,100,,,,,,,,,,,,,,,,,,,"  # line 3: a list of 23 fields
    rows[3] = "GPU-A,2026-11-01T03:00:00Z,1,100,0.5,extra"  # line 5, at a chunk's end
    rows[4] = "NOPE,2026-11-01T04:00:00Z,1,100,"  # line 6: named with its own line number
    rows[6] = "GPU-A,2026-11-01T06:00:00Z,1,999999,"  # line 8

    error = refused(text_file(HEADER + "\n".join(rows) + "\n"), ops, chunk_rows=2)

    assert error.reasons == [
        "line 3: 23 fields, but the header names 5 columns",
        "line 5: 6 fields, but the header names 5 columns",
        "line 6: unknown device 'NOPE'",
        "line 8: energy 999999 Wh is above what the device can draw in an hour (TDP x GPUs x 1 h = 5600 Wh)",
    ]
    assert error.message.startswith("Nothing imported: 4 bad row(s) of 8: line 3: 23 fields")


def test_a_cell_longer_than_its_column_is_an_error_of_its_row(ops, gpu):
    long_code = "GPU-" + "A" * 296  # the device code column holds 64 characters
    text = (HEADER + f"{long_code},2026-11-01T00:00:00Z,1,100,\n"
            + "GPU-A,2026-11-01T01:00:00Z," + "9" * 400 + ",100,\n"
            + "GPU-A,2026-11-01T02:00:00Z,1,100,\n"
            + "NOPE,2026-11-01T03:00:00Z,1,100,\n")

    error = refused(text_file(text), ops)

    assert error.reasons == [
        "line 2: device 'GPU-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA...' (300 characters) is longer than "
        "a device code (at most 64 characters)",
        "line 3: gpu_hours '9999999999999999999999999999999999999999...' (400 characters) is not a "
        "whole number",
        "line 5: unknown device 'NOPE'",
    ]


def test_a_first_row_with_too_many_fields_is_named_and_does_not_shift_the_columns(ops, gpu):
    text = (HEADER + "GPU-A,2026-11-01T00:00:00Z,1,100,0.5,surplus\n"  # not taken for an index column
            + "GPU-A,2026-11-01T01:00:00Z,1,100,\n"
            + "NOPE,2026-11-01T02:00:00Z,1,100,\n")

    error = refused(text_file(text), ops)

    assert error.reasons == [
        "line 2: 6 fields, but the header names 5 columns",
        "line 4: unknown device 'NOPE'",
    ]


def test_blank_lines_are_ignored_and_keep_their_line_numbers(ops, gpu):
    text = (HEADER + "GPU-A,2026-11-01T00:00:00Z,1,100,\n\n\n"
            + "GPU-A,2026-11-01T01:00:00Z,1,100,,\n"  # line 5
            + "\nNOPE,2026-11-01T02:00:00Z,1,100,\n\n")  # line 7

    error = refused(text_file(text), ops, chunk_rows=2)

    assert error.reasons == [
        "line 5: 6 fields, but the header names 5 columns",
        "line 7: unknown device 'NOPE'",
    ]
    assert error.counts == "2 bad row(s) of 3"
