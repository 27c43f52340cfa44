"""Counterparties and leases: terms, the devices a lease holds, and one named action per transition."""

from django.db import transaction

from assets.models import Counterparty, Device, Lease, LeaseDevice
from assets.services.common import create_audited, update_audited
from core import clock
from core.authz import require_perm
from core.errors import InvalidInput, Refused, TransitionNotAllowed
from core.transitions import check_transition, lock, run_transition

COUNTERPARTY_FIELDS = ("legal_name", "country", "registration_number", "billing_email", "kyb_status",
                       "kyb_reviewed_on")
LEASE_FIELDS = ("reference", "lessee", "spv", "devices", "gpu_count", "currency", "price_per_gpu_hour",
                "minimum_monthly_commitment", "start_date", "end_date", "billing_cycle",
                "payment_terms_days", "late_fee_annual_rate")


# Counterparties


@transaction.atomic
def counterparty_create(*, actor, **values) -> Counterparty:
    require_perm(actor, "assets.add_counterparty", doing="add counterparties")
    return create_audited(Counterparty, actor=actor, fields=COUNTERPARTY_FIELDS, **values)


@transaction.atomic
def counterparty_update(*, counterparty: Counterparty, actor, **values) -> Counterparty:
    require_perm(actor, "assets.change_counterparty", doing="change counterparties")
    return update_audited(lock(Counterparty, counterparty.pk), actor=actor, fields=COUNTERPARTY_FIELDS,
                          values=values)


# Lease terms


def _check_lease(values: dict) -> None:
    for device in values.get("devices") or []:
        if device.spv_id != values["spv"].pk:
            raise InvalidInput(f"Device '{device}' belongs to SPV '{device.spv}', not to the lessor.",
                               field="devices")
        if device.kind != device.Kind.GPU_SERVER:
            raise InvalidInput(f"Device '{device}' is a {device.get_kind_display()}; leases rent GPUs.",
                               field="devices")


def _term(lease: Lease) -> dict:
    """A draft lease's device rows span its term."""
    return {"starts_on": lease.start_date, "ends_on": lease.end_date}


@transaction.atomic
def lease_create(*, actor, **values) -> Lease:
    require_perm(actor, "assets.add_lease", doing="add leases")
    if not values.get("gpu_count") and values.get("devices"):
        values["gpu_count"] = sum(d.gpu_count for d in values["devices"])
    _check_lease(values)
    return create_audited(Lease, actor=actor, fields=(*LEASE_FIELDS, "state"), through_defaults=_term,
                          **values)


@transaction.atomic
def lease_update(*, lease: Lease, actor, **values) -> Lease:
    require_perm(actor, "assets.change_lease", doing="change leases")
    lease = lock(Lease, lease.pk)
    if lease.state != Lease.State.DRAFT:
        raise Refused(f"Lease '{lease}' is '{lease.get_state_display()}'; terms change only in draft "
                      "(suspend and terminate, or agree a new lease).")
    _check_lease({"spv": values.get("spv", lease.spv), "devices": values.get("devices")})
    lease = update_audited(lease, actor=actor, fields=LEASE_FIELDS, values=values, through_defaults=_term)
    LeaseDevice.objects.filter(lease=lease).update(**_term(lease))
    return lease


# Lease actions: one service each; ``lease_transition`` is the table the API and the admin use.


def _refuse_devices_held_elsewhere(lease: Lease) -> None:
    """Refuse, naming the other lease, when one of the lease's devices is held by another lease
    on any day of this one's term (the exclusion constraint ``lease_device_held_once`` is the
    database's own guarantee; this check says which lease is in the way)."""
    device_ids = list(LeaseDevice.objects.filter(lease=lease).values_list("device_id", flat=True))
    # One activation at a time per device: lock the devices (in id order) before looking.
    list(Device.objects.select_for_update().filter(pk__in=device_ids).order_by("pk"))
    clash = (LeaseDevice.objects.filter(device_id__in=device_ids, held=True, starts_on__lte=lease.end_date,
                                        ends_on__gte=lease.start_date)
             .exclude(lease=lease).select_related("lease", "device").order_by("device__code", "starts_on")
             .first())
    if clash is not None:
        raise Refused(
            f"Device '{clash.device}' is on lease '{clash.lease}' from {clash.starts_on} to {clash.ends_on}, "
            f"which overlaps lease '{lease}' ({lease.start_date} to {lease.end_date}); a device is on one "
            "lease on any day.")


@transaction.atomic
def lease_activate(*, lease: Lease, actor, reason: str = "") -> Lease:
    """Draft -> active: the lease now holds its devices over its term."""
    lease = lock(Lease, lease.pk)
    check_transition(lease, "activate", actor=actor, reason=reason)
    _refuse_devices_held_elsewhere(lease)
    run_transition(lease, "activate", actor=actor, reason=reason)
    LeaseDevice.objects.filter(lease=lease).update(held=True, **_term(lease))
    return lease


@transaction.atomic
def lease_suspend(*, lease: Lease, actor, reason: str = "") -> Lease:
    """Active -> suspended (a reason is required): still billed, still holding its devices."""
    lease = lock(Lease, lease.pk)
    run_transition(lease, "suspend", actor=actor, reason=reason)
    return lease


@transaction.atomic
def lease_resume(*, lease: Lease, actor, reason: str = "") -> Lease:
    lease = lock(Lease, lease.pk)
    run_transition(lease, "resume", actor=actor, reason=reason)
    return lease


@transaction.atomic
def lease_terminate(*, lease: Lease, actor, reason: str = "") -> Lease:
    """Ends the lease today: it is billed up to today and its devices are free from tomorrow."""
    lease = lock(Lease, lease.pk)
    today = clock.today()
    run_transition(lease, "terminate", actor=actor, reason=reason, terminated_on=today)
    terms = LeaseDevice.objects.filter(lease=lease)
    terms.filter(starts_on__gt=today).update(held=False)
    terms.filter(starts_on__lte=today, ends_on__gt=today).update(ends_on=today)
    return lease


@transaction.atomic
def lease_expire(*, lease: Lease, actor, reason: str = "") -> Lease:
    """Active or suspended -> expired, once the term has ended."""
    lease = lock(Lease, lease.pk)
    run_transition(lease, "expire", actor=actor, reason=reason)
    return lease


LEASE_ACTIONS = {
    "activate": lease_activate,
    "suspend": lease_suspend,
    "resume": lease_resume,
    "terminate": lease_terminate,
    "expire": lease_expire,
}


def lease_transition(*, lease: Lease, name: str, actor, reason: str = "") -> Lease:
    """The action called ``name`` (for the API's and the admin's transition buttons)."""
    action = LEASE_ACTIONS.get(name)
    if action is None:
        raise TransitionNotAllowed(f"A lease has no action '{name}'.")
    return action(lease=lease, actor=actor, reason=reason)
