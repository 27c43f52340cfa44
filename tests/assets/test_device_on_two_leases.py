"""A device is on one lease on any day: activation is refused naming the other lease, and the
database refuses it too (exclusion constraint on device and days)."""

from datetime import date

import pytest
from django.db import IntegrityError, transaction

from assets.models import Lease, LeaseDevice
from assets.services import leasing
from core.errors import Refused
from core.models import AuditEvent
from tests.assets.builders import make_gpu_server, make_lease

pytestmark = pytest.mark.django_db


def transitions_of(lease) -> list[str]:
    return list(AuditEvent.objects.filter(content_type__model="lease", object_id=lease.pk,
                                          action="transition").values_list("name", flat=True))


@pytest.fixture
def gpu(ops):
    return make_gpu_server(actor=ops, code="GPU-SHARED")


@pytest.fixture
def first(ops, gpu):
    return make_lease(actor=ops, devices=[gpu], start=date(2026, 1, 1), end=date(2027, 12, 31))


def test_a_second_lease_on_the_same_days_is_refused_naming_the_first(ops, gpu, first):
    second = make_lease(actor=ops, devices=[gpu], start=date(2026, 6, 1), end=date(2026, 12, 31),
                        activate=False)

    with pytest.raises(Refused) as caught:
        leasing.lease_activate(lease=second, actor=ops)

    assert caught.value.message == (
        f"Device 'GPU-SHARED' is on lease '{first}' from 2026-01-01 to 2027-12-31, which overlaps "
        f"lease '{second}' (2026-06-01 to 2026-12-31); a device is on one lease on any day."
    )
    second.refresh_from_db()
    assert second.state == Lease.State.DRAFT
    assert transitions_of(second) == []
    assert list(LeaseDevice.objects.filter(held=True).values_list("lease__reference", flat=True)) == [
        first.reference]


def test_the_next_lease_after_the_term_is_accepted(ops, gpu, first):
    after = make_lease(actor=ops, devices=[gpu], start=date(2028, 1, 1), end=date(2028, 12, 31))

    assert after.state == Lease.State.ACTIVE
    assert LeaseDevice.objects.filter(device=gpu, held=True).count() == 2


def test_termination_frees_the_device_from_the_next_day(ops, gpu, first, business_day):
    business_day(date(2026, 6, 30))
    leasing.lease_terminate(lease=first, actor=ops, reason="lessee insolvent")
    first.refresh_from_db()
    assert (first.state, first.terminated_on) == (Lease.State.TERMINATED, date(2026, 6, 30))
    assert LeaseDevice.objects.values_list("starts_on", "ends_on", "held").get(lease=first) == (
        date(2026, 1, 1), date(2026, 6, 30), True)

    on_the_same_day = make_lease(actor=ops, devices=[gpu], start=date(2026, 6, 30), end=date(2026, 12, 31),
                                 activate=False)
    with pytest.raises(Refused, match=f"Device 'GPU-SHARED' is on lease '{first}' from 2026-01-01 to "
                                      "2026-06-30"):
        leasing.lease_activate(lease=on_the_same_day, actor=ops)
    next_day = make_lease(actor=ops, devices=[gpu], start=date(2026, 7, 1), end=date(2026, 12, 31))
    assert next_day.state == Lease.State.ACTIVE


def test_the_database_refuses_a_device_held_twice(ops, gpu, first):
    second = make_lease(actor=ops, devices=[gpu], start=date(2026, 6, 1), end=date(2026, 12, 31),
                        activate=False)

    with pytest.raises(IntegrityError, match="lease_device_held_once"), transaction.atomic():
        LeaseDevice.objects.filter(lease=second).update(held=True)


def test_draft_leases_may_name_a_leased_device(ops, gpu, first):
    draft = make_lease(actor=ops, devices=[gpu], start=date(2026, 6, 1), end=date(2026, 12, 31),
                       activate=False)

    assert LeaseDevice.objects.values_list("starts_on", "ends_on", "held").get(lease=draft) == (
        date(2026, 6, 1), date(2026, 12, 31), False)
