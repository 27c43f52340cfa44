"""Certificate blocks: record, overlap refused, split without loss, reserve, pledge, sell, retire."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from core.errors import InvalidInput, NotPermitted, Refused, TransitionNotAllowed
from core.models import AuditEvent
from green.models import CertificateBlock, CertificateSale, Retirement
from green.services import blocks
from tests.factories import make_deal, make_spv
from tests.green.builders import SERIALS, make_block

pytestmark = pytest.mark.django_db


def counts():
    return (CertificateBlock.objects.count(), Retirement.objects.count(), CertificateSale.objects.count(),
            AuditEvent.objects.count(), sorted(CertificateBlock.objects.values_list("state", flat=True)))


def retire(block, actor, quantity, first=None, **extra):
    return blocks.block_retire(
        block=block,
        actor=actor,
        quantity=quantity,
        first=first,
        beneficiary="Kestrel Robotics AI",
        purpose="GPU-hours of Kestrel Robotics, Q1 2026",
        period_start=date(2026, 1, 1),
        period_end=date(2026, 3, 31),
        **extra,
    )


def test_a_block_records_its_parts_quantity_and_audit(ops):
    block = make_block(actor=ops, code="VCS")
    assert (block.first_serial, block.last_serial, block.quantity, block.state) == (
        319616937,
        319623936,
        7000,
        "held",
    )
    assert (block.project, block.country, block.vintage_start) == ("1529", "CN", date(2017, 1, 1))
    assert block.parts["methodology"] == "259"
    assert (
        AuditEvent.objects.filter(
            content_type__model="certificateblock", object_id=block.pk, action="create"
        ).count()
        == 1
    )


def test_an_overlapping_block_is_refused_naming_the_block_and_nothing_changes(ops):
    spv = make_spv(actor=ops)
    first = make_block(actor=ops, code="I-REC", spv=spv)
    before = counts()
    with pytest.raises(Refused) as exc:
        make_block(
            actor=ops, code="I-REC", spv=spv, serial="IREC-SGSOL0001-SG-TZ01-202604-000000000100-000000000200"
        )
    assert f"overlap block #{first.pk} '{SERIALS['I-REC']}' (1 to 120, held)" in exc.value.message
    assert counts() == before
    # Another series (device) of the same registry may reuse the numbers.
    other = make_block(
        actor=ops, code="I-REC", spv=spv, serial="IREC-SGSOL0002-SG-TZ01-202603-000000000001-000000000120"
    )
    assert other.quantity == 120


def test_the_database_refuses_an_overlap_the_service_did_not_see(ops):
    block = make_block(actor=ops, code="GS")
    clone = CertificateBlock(
        **{
            f.attname: getattr(block, f.attname)
            for f in CertificateBlock._meta.concrete_fields
            if f.name not in ("id", "state")
        }
    )
    clone.first_serial, clone.last_serial, clone.quantity = 1000, 1000, 1
    with pytest.raises(IntegrityError, match="certificate_block_serials_once"), transaction.atomic():
        CertificateBlock.objects.bulk_create([clone])


def test_partial_retirement_splits_keeping_serials_history_and_parent(ops):
    block = make_block(actor=ops, code="I-REC")
    retirement = retire(block, ops, 30, first=41)
    block.refresh_from_db()
    pieces = list(block.pieces.order_by("first_serial"))
    assert block.state == "split"
    assert [(p.first_serial, p.last_serial, p.quantity, p.state) for p in pieces] == [
        (1, 40, 40, "held"),
        (41, 70, 30, "retired"),
        (71, 120, 50, "held"),
    ]
    assert [p.serial for p in pieces] == [
        "IREC-SGSOL0001-SG-TZ01-202603-000000000001-000000000040",
        "IREC-SGSOL0001-SG-TZ01-202603-000000000041-000000000070",
        "IREC-SGSOL0001-SG-TZ01-202603-000000000071-000000000120",
    ]
    assert retirement.block == pieces[1]
    assert (retirement.beneficiary, retirement.period_end) == ("Kestrel Robotics AI", date(2026, 3, 31))
    assert (
        AuditEvent.objects.filter(
            content_type__model="certificateblock", object_id=block.pk, name="split"
        ).count()
        == 1
    )
    assert (
        AuditEvent.objects.filter(
            content_type__model="certificateblock", object_id=pieces[1].pk, name="retire"
        ).count()
        == 1
    )


def test_retiring_more_than_held_a_pledged_or_a_retired_block_is_refused_and_nothing_changes(ops):
    deal = make_deal(actor=ops)
    block = make_block(actor=ops, code="M-RETS", spv=deal.spv)
    before = counts()
    with pytest.raises(
        InvalidInput, match="holds 250 certificates from serial 1 .250 in all.; 251 is more than held"
    ):
        retire(block, ops, 251)
    assert counts() == before
    blocks.block_pledge(block=block, deal=deal, actor=ops)
    before = counts()
    with pytest.raises(Refused, match=f"pledged to deal '{deal}'; release it before retiring"):
        retire(block, ops, 10)
    assert counts() == before
    blocks.block_release(block=block, actor=ops)
    retire(block, ops, 250)
    before = counts()
    with pytest.raises(Refused, match="already retired"):
        retire(block, ops, 1)
    assert counts() == before


def test_sale_transfers_out_part_and_the_receipt_must_be_a_certificate_sale(ops):
    block = make_block(actor=ops, code="GS")
    blocks.block_reserve(block=block, buyer="Acme Offsets", actor=ops)
    with pytest.raises(Refused, match="reserved for 'Acme Offsets', not 'Other'"):
        blocks.block_sell(
            block=block,
            actor=ops,
            quantity=100,
            buyer="Other",
            price=Decimal("1250.00"),
            currency="USD",
            sold_on=date(2026, 4, 1),
        )
    sale = blocks.block_sell(
        block=block,
        actor=ops,
        quantity=100,
        buyer="Acme Offsets",
        price=Decimal("1250.00"),
        currency="USD",
        sold_on=date(2026, 4, 1),
    )
    assert (sale.block.first_serial, sale.block.last_serial, sale.block.state) == (1, 100, "transferred")
    rest = CertificateBlock.objects.get(parent=block, first_serial=101)
    assert (rest.quantity, rest.state, rest.reserved_for) == (900, "reserved", "Acme Offsets")


def test_nobody_without_the_permission_retires(ops, trustee):
    block = make_block(actor=ops, code="I-REC")
    before = counts()
    with pytest.raises(NotPermitted):
        retire(block, trustee, 1)
    assert counts() == before


def test_a_transferred_block_cannot_be_retired(ops):
    block = make_block(actor=ops, code="I-REC")
    blocks.block_sell(
        block=block,
        actor=ops,
        quantity=120,
        buyer="B",
        price=Decimal("10.00"),
        currency="USD",
        sold_on=date(2026, 4, 1),
    )
    with pytest.raises(TransitionNotAllowed):
        retire(block, ops, 1)


def test_split_at_a_serial(ops):
    block = make_block(actor=ops, code="VCS")
    low, high = blocks.block_split(block=block, at=319620000, actor=ops)
    assert (low.first_serial, low.last_serial, high.first_serial, high.last_serial) == (
        319616937,
        319619999,
        319620000,
        319623936,
    )
    assert low.quantity + high.quantity == 7000
    assert high.serial == "6452-319620000-319623936-VCS-VCU-259-VER-CN-1-1529-01012017-31122017-0"
    with pytest.raises(InvalidInput, match="splits at a serial from 319616938"):
        blocks.block_split(block=low, at=319616937, actor=ops)
