"""Lease lifecycle: draft -> active -> suspended -> terminated / expired, guarded and audited."""

from datetime import date

import pytest

from assets.models import Lease
from assets.services import leasing
from core.errors import GuardFailed, InvalidInput, NotPermitted, Refused, TransitionNotAllowed
from core.models import AuditEvent
from tests.assets.builders import make_counterparty, make_gpu_server, make_lease

pytestmark = pytest.mark.django_db


def transitions_of(lease):
    return list(
        AuditEvent.objects.filter(content_type__model="lease", object_id=lease.pk, action="transition")
        .order_by("id")
        .values_list("name", "from_state", "to_state", "reason")
    )


def test_draft_active_suspended_active_terminated(ops):
    lease = make_lease(actor=ops, devices=[make_gpu_server(actor=ops)], activate=False)
    assert lease.state == Lease.State.DRAFT
    for name, reason in [
        ("activate", ""),
        ("suspend", "payment overdue 45 days"),
        ("resume", ""),
        ("terminate", "lessee insolvent"),
    ]:
        lease = leasing.lease_transition(lease=lease, name=name, actor=ops, reason=reason)
    assert lease.state == Lease.State.TERMINATED
    assert transitions_of(lease) == [
        ("activate", "draft", "active", ""),
        ("suspend", "active", "suspended", "payment overdue 45 days"),
        ("resume", "suspended", "active", ""),
        ("terminate", "active", "terminated", "lessee insolvent"),
    ]


def test_activation_needs_an_approved_lessee_and_devices(ops):
    lessee = make_counterparty(actor=ops, kyb="pending")
    lease = make_lease(actor=ops, devices=[make_gpu_server(actor=ops)], lessee=lessee, activate=False)
    lease.devices.clear()
    with pytest.raises(GuardFailed) as caught:
        leasing.lease_transition(lease=lease, name="activate", actor=ops)
    assert caught.value.reasons == [
        f"Lessee '{lessee}' KYB is 'pending', not approved.",
        "The lease names no devices, so no usage could be metered.",
    ]
    lease.refresh_from_db()
    assert lease.state == Lease.State.DRAFT
    assert transitions_of(lease) == []


def test_suspending_needs_a_reason(ops):
    lease = make_lease(actor=ops, devices=[make_gpu_server(actor=ops)])
    with pytest.raises(InvalidInput, match="reason is required"):
        leasing.lease_transition(lease=lease, name="suspend", actor=ops, reason=" ")
    lease.refresh_from_db()
    assert lease.state == Lease.State.ACTIVE


def test_expiry_only_after_the_term(ops):
    running = make_lease(actor=ops, devices=[make_gpu_server(actor=ops)], end=date(2099, 12, 31))
    with pytest.raises(GuardFailed, match="has not ended"):
        leasing.lease_transition(lease=running, name="expire", actor=ops)
    ended = make_lease(
        actor=ops, devices=[make_gpu_server(actor=ops)], start=date(2025, 1, 1), end=date(2025, 12, 31)
    )
    assert leasing.lease_transition(lease=ended, name="expire", actor=ops).state == Lease.State.EXPIRED


def test_final_states_allow_nothing(ops):
    lease = make_lease(actor=ops, devices=[make_gpu_server(actor=ops)])
    leasing.lease_transition(lease=lease, name="terminate", actor=ops, reason="ended early")
    with pytest.raises(TransitionNotAllowed, match="final state"):
        leasing.lease_transition(lease=lease, name="resume", actor=ops)


def test_trustee_and_compliance_may_not_move_a_lease(ops, trustee, officer):
    lease = make_lease(actor=ops, devices=[make_gpu_server(actor=ops)])
    for user in (trustee, officer):
        with pytest.raises(NotPermitted):
            leasing.lease_transition(lease=lease, name="suspend", actor=user, reason="x")
    lease.refresh_from_db()
    assert lease.state == Lease.State.ACTIVE
    assert [t[0] for t in transitions_of(lease)] == ["activate"]


def test_terms_change_only_in_draft(ops):
    lease = make_lease(actor=ops, devices=[make_gpu_server(actor=ops)])
    with pytest.raises(Refused, match="terms change only in draft"):
        leasing.lease_update(lease=lease, actor=ops, payment_terms_days=60)
    lease.refresh_from_db()
    assert lease.payment_terms_days == 30


def test_devices_of_another_spv_are_refused(ops):
    mine, theirs = make_gpu_server(actor=ops), make_gpu_server(actor=ops)
    with pytest.raises(InvalidInput, match="not to the lessor"):
        make_lease(actor=ops, devices=[mine, theirs], activate=False)
    assert Lease.objects.count() == 0
