"""Builders for asset test data, through the services like the product."""

from datetime import date
from decimal import Decimal

from assets.services import fleet, leasing
from tests.factories import make_deal, make_spv

_n = {"n": 0}


def _next() -> int:
    _n["n"] += 1
    return _n["n"]


def make_site(*, actor, name: str | None = None):
    return fleet.site_create(
        actor=actor,
        name=name or f"Site {_next()}",
        location="1 Data Way",
        country="SG",
        grid_region="SG national grid",
        grid_emission_factor=Decimal("402.000"),
        grid_emission_factor_source="EMA Singapore Energy Statistics",
        grid_emission_factor_year=2025,
        pue=Decimal("1.350"),
    )


def make_gpu_server(
    *,
    actor,
    site=None,
    spv=None,
    deal=None,
    code: str | None = None,
    gpus: int = 8,
    tdp: int = 700,
    cost: str = "250000.00",
    residual: str = "25000.00",
    bought: date = date(2026, 1, 1),
    life: int = 4,
    currency: str = "USD",
):
    n = _next()
    spv = spv or (deal.spv if deal else make_spv(actor=actor))
    return fleet.device_create(
        actor=actor,
        code=code or f"GPU-{n:04d}",
        kind="gpu_server",
        site=site or make_site(actor=actor),
        manufacturer="NVIDIA",
        model="HGX H100 8-GPU",
        serial_number=f"SN{n:06d}",
        gpu_count=gpus,
        tdp_watts=tdp,
        purchase_date=bought,
        currency=currency,
        purchase_cost=Decimal(cost),
        useful_life_years=life,
        residual_value=Decimal(residual),
        spv=spv,
        deal=deal,
    )


def make_counterparty(*, actor, name: str | None = None, kyb: str = "approved"):
    return leasing.counterparty_create(
        actor=actor, legal_name=name or f"Lessee {_next()} AI Ltd", country="SG", kyb_status=kyb
    )


def make_lease(
    *,
    actor,
    devices,
    lessee=None,
    price: str = "2.500000",
    minimum: str = "0.00",
    start: date = date(2026, 1, 1),
    end: date = date(2027, 12, 31),
    terms: int = 30,
    late_fee: str = "0.120000",
    cycle: str = "monthly",
    activate: bool = True,
    currency: str = "USD",
):
    lease = leasing.lease_create(
        actor=actor,
        reference=f"L-{_next():04d}",
        lessee=lessee or make_counterparty(actor=actor),
        spv=devices[0].spv,
        devices=devices,
        gpu_count=sum(d.gpu_count for d in devices),
        currency=currency,
        price_per_gpu_hour=Decimal(price),
        minimum_monthly_commitment=Decimal(minimum),
        start_date=start,
        end_date=end,
        billing_cycle=cycle,
        payment_terms_days=terms,
        late_fee_annual_rate=Decimal(late_fee),
    )
    if activate:
        lease = leasing.lease_transition(lease=lease, name="activate", actor=actor)
    return lease


__all__ = ["make_deal", "make_spv", "make_site", "make_gpu_server", "make_counterparty", "make_lease"]
