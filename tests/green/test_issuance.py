"""Issuance from metered generation: Wh accrue toward RECs (1 per MWh), the fraction carried per device."""

from datetime import date

import pytest

from core.errors import InvalidInput, Refused
from core.models import AuditEvent
from green.models import CertificateBlock, GenerationReading, IssuanceRequest
from green.services import generation
from tests.factories import make_spv
from tests.green.builders import hours, import_generation, make_solar, registry, utc

pytestmark = pytest.mark.django_db

# March 2026, 31 days x 10 sunny hours of 400,000 Wh = 124,000,000 Wh = 124 MWh; plus 7 hours of
# 71,429 Wh on 1 March at 00:00..06:00 = 500,003 Wh. Total 124,500,003 Wh -> 124 RECs, 500,003 Wh carried.


def march_rows(code):
    rows = [(code, utc(2026, 3, day, h), 400_000) for day in range(1, 32) for h in range(8, 18)]
    rows += [(code, t, 71_429) for t in hours(utc(2026, 3, 1, 0), 7)]
    return rows


@pytest.fixture
def solar(ops):
    device = make_solar(actor=ops, spv=make_spv(actor=ops))
    import_generation(actor=ops, rows=march_rows(device.code))
    return device


def test_a_request_asks_for_whole_mwh_and_carries_the_fraction(ops, solar):
    request = generation.issuance_request_create(actor=ops, device=solar, registry=registry("I-REC"),
                                                 period_start=date(2026, 3, 1), period_end=date(2026, 3, 31))
    assert (request.metered_wh, request.carry_in_wh, request.eligible, request.carry_out_wh) == (
        124_500_003, 0, 124, 500_003)
    # April: 30 days x 10 hours x 50,000 Wh = 15,000,000 Wh; + 500,003 carried = 15,500,003 -> 15, 500,003.
    import_generation(actor=ops, rows=[(solar.code, utc(2026, 4, d, h), 50_000) for d in range(1, 31)
                                       for h in range(8, 18)])
    april = generation.issuance_request_create(actor=ops, device=solar, registry=registry("I-REC"),
                                               period_start=date(2026, 4, 1), period_end=date(2026, 4, 30))
    assert (april.metered_wh, april.carry_in_wh, april.eligible, april.carry_out_wh) == (
        15_000_000, 500_003, 15, 500_003)


def test_the_issued_block_is_recorded_against_the_request(ops, solar):
    request = generation.issuance_request_create(actor=ops, device=solar, registry=registry("I-REC"),
                                                 period_start=date(2026, 3, 1), period_end=date(2026, 3, 31))
    block = generation.issuance_request_issue(
        request=request, actor=ops, serial="IREC-SGSOL0001-SG-TZ01-202603-000000000001-000000000124")
    request.refresh_from_db()
    assert (request.state, request.issued_quantity) == ("issued", 124)
    assert (block.quantity, block.device, block.spv, block.issuance_request) == (
        124,
        solar,
        solar.spv,
        request,
    )


def test_a_block_larger_than_the_metered_generation_is_refused_and_nothing_changes(ops, solar):
    request = generation.issuance_request_create(
        actor=ops,
        device=solar,
        registry=registry("I-REC"),
        period_start=date(2026, 3, 1),
        period_end=date(2026, 3, 31),
    )
    before = (CertificateBlock.objects.count(), AuditEvent.objects.count())
    with pytest.raises(
        Refused, match="The block holds 125 certificates; device 'SOL-1' generated 124500003 Wh"
    ):
        generation.issuance_request_issue(
            request=request, actor=ops, serial="IREC-SGSOL0001-SG-TZ01-202603-000000000001-000000000125"
        )
    request.refresh_from_db()
    assert request.state == "requested"
    assert (CertificateBlock.objects.count(), AuditEvent.objects.count()) == before


def test_bulk_accrual_makes_one_request_per_device_with_a_mwh(ops):
    spv = make_spv(actor=ops)
    a, b = make_solar(actor=ops, spv=spv, code="SOL-A"), make_solar(actor=ops, spv=spv, code="SOL-B")
    import_generation(
        actor=ops, rows=[(a.code, utc(2026, 5, 1, 12), 2_300_000), (b.code, utc(2026, 5, 1, 12), 999_999)]
    )
    run = generation.issuance_requests_create(
        actor=ops, registry=registry("I-REC"), period_start=date(2026, 5, 1), period_end=date(2026, 5, 31)
    )
    assert [(r.device_id, r.eligible, r.carry_out_wh) for r in run.requests] == [(a.pk, 2, 300_000)]
    assert run.skipped == {b.pk: "999999 Wh accrued, under one MWh"}


def test_a_generation_file_with_bad_rows_is_refused_listing_the_lines(ops, solar):
    before = GenerationReading.objects.count()
    content = (
        f"device,hour,energy_wh\n{solar.code},2026-06-01T10:00:00+00:00,-5\n"
        f"{solar.code},2026-06-01T10:30:00+00:00,5\nNOPE,2026-06-01T10:00:00+00:00,5\n"
        f"{solar.code},2026-03-01T08:00:00+00:00,1\n"
    ).encode()
    with pytest.raises(InvalidInput) as exc:
        generation.generation_import(actor=ops, content=content)
    assert exc.value.reasons == [
        "line 2: energy_wh -5 is outside 0 to 2000000000",
        "line 3: hour '2026-06-01T10:30:00+00:00' is not the start of a clock hour",
        "line 4: unknown device 'NOPE'",
        "line 5: energy_wh 1 contradicts the stored 400000",
    ]
    assert GenerationReading.objects.count() == before


def test_a_request_overlapping_an_earlier_one_is_refused(ops, solar):
    generation.issuance_request_create(
        actor=ops,
        device=solar,
        registry=registry("I-REC"),
        period_start=date(2026, 3, 1),
        period_end=date(2026, 3, 31),
    )
    count = IssuanceRequest.objects.count()
    with pytest.raises(Refused, match="has a request up to 2026-03-31"):
        generation.issuance_request_create(
            actor=ops,
            device=solar,
            registry=registry("I-REC"),
            period_start=date(2026, 3, 15),
            period_end=date(2026, 4, 30),
        )
    assert IssuanceRequest.objects.count() == count
