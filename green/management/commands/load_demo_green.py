"""Load demo green attributes through the services (run after ``load_demo_assets``).

Idempotent (does nothing once the demo generation is imported) and deterministic: a year of
hourly generation of the Johor rooftop array (HEL-PV-001), quarterly I-REC issuance requests from
it (three issued), part of the first block retired for the lessee whose servers run at that site,
part of the second sold, a Verra carbon-credit block with part retired, hourly grid factors for
the site, embodied emissions for every GPU server; then the footprint of GCABS 2026-1 for a
quarter is printed.
"""

import math
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from assets.models import Counterparty, Device, Lease
from green import footprint
from green.models import GenerationImport, Registry
from green.services import blocks, carbon, generation
from issuance.models import Deal

FILE = "demo-generation-hel-pv-001.csv"
START = datetime(2025, 11, 1, tzinfo=UTC)
HOURS = 8760
QUARTERS = [(date(2025, 11, 1), date(2026, 1, 31)), (date(2026, 2, 1), date(2026, 4, 30)),
            (date(2026, 5, 1), date(2026, 7, 31)), (date(2026, 8, 1), date(2026, 10, 31))]


def _solar_wh(hour: datetime) -> int:
    """1.2 MWp in Johor (UTC+8): daylight 07:00 to 19:00 local, a sine peaking at 780 kWh."""
    local = (hour.hour + 8) % 24
    if not 7 <= local < 19:
        return 0
    return int(780_000 * math.sin(math.pi * (local - 7 + 0.5) / 12))


def _grid_g_per_kwh(hour: datetime) -> str:
    local = (hour.hour + 8) % 24
    return "560.000" if 7 <= local < 19 else "610.500"


class Command(BaseCommand):
    help = "Load demo certificates, retirements, a carbon-credit block and carbon inputs (idempotent)."

    def handle(self, *args, **options):
        if GenerationImport.objects.filter(filename=FILE).exists():
            self.stdout.write("Demo green attributes already loaded.")
            return
        ops = User.objects.filter(username="ops").first()
        deal = Deal.objects.filter(name="GCABS 2026-1").select_related("spv").first()
        solar = Device.objects.filter(code="HEL-PV-001").select_related("site").first()
        if ops is None or deal is None or solar is None:
            raise CommandError("Run 'manage.py load_demo' and 'manage.py load_demo_assets' first.")
        hours = [START + timedelta(hours=h) for h in range(HOURS)]
        with transaction.atomic():
            rows = "".join(f"{solar.code},{h:%Y-%m-%dT%H:00:00Z},{_solar_wh(h)}\n" for h in hours)
            generation.generation_import(actor=ops, content=("device,hour,energy_wh\n" + rows).encode(),
                                         filename=FILE)
            factors = "".join(f"{h:%Y-%m-%dT%H:00:00Z},{_grid_g_per_kwh(h)}\n" for h in hours)
            carbon.emission_factors_import(actor=ops, site=solar.site, filename="demo-johor-factors.csv",
                                           source="Demo hourly factors (Peninsular Malaysia grid)",
                                           content=("hour,g_per_kwh\n" + factors).encode())
            for server in Device.objects.filter(kind=Device.Kind.GPU_SERVER).order_by("code"):
                carbon.embodied_emissions_set(actor=ops, device=server, kg_co2e=1_500 * server.gpu_count,
                                              source="Demo: 1.5 tCO2e per GPU (vendor LCA range)")
            issued = self._issue(ops, solar)
            self._retire_and_sell(ops, deal, solar, issued)
            self._carbon_credits(ops, deal)
        q = footprint.compute("deal", deal.pk, start=date(2026, 8, 1), end=date(2026, 10, 31))
        for fp in q:
            self.stdout.write(
                f"GCABS 2026-1, Aug-Oct 2026: {fp.gpu_hours} GPU-hours, "
                f"facility {fp.facility_wh / 1e6:.3f} MWh, "
                f"location {fp.location_g / 1e6:.3f} tCO2e, market {fp.market_g / 1e6:.3f} tCO2e, "
                f"hourly matching {fp.hourly_matching}, {fp.total_g_per_gpu_hour} gCO2e per GPU-hour"
            )
        self.stdout.write(self.style.SUCCESS(f"Demo green attributes loaded: {len(issued)} I-REC blocks."))

    def _issue(self, ops, solar):
        registry = Registry.objects.get(code="I-REC")
        issued, next_serial = [], 1
        for n, (start, end) in enumerate(QUARTERS):
            request = generation.issuance_request_create(
                actor=ops, device=solar, registry=registry, period_start=start, period_end=end
            )
            if n == len(QUARTERS) - 1:
                break  # the last quarter is still with the registry
            last = next_serial + request.eligible - 1
            serial = f"IREC-HELPV001-MY-TZ01-{start:%Y%m}-{next_serial:012d}-{last:012d}"
            issued.append(generation.issuance_request_issue(request=request, serial=serial, actor=ops))
            next_serial = last + 1
        return issued

    def _retire_and_sell(self, ops, deal, solar, issued) -> None:
        lessee = (
            Counterparty.objects.filter(leases__device_terms__device__site=solar.site)
            .distinct()
            .order_by("legal_name")
            .first()
        ) or Lease.objects.order_by("pk").first().lessee
        for block, (start, end) in zip(issued, QUARTERS, strict=False):
            blocks.block_retire(
                block=block,
                actor=ops,
                quantity=min(block.quantity, 150),
                beneficiary=lessee.legal_name,
                purpose=f"GPU-hours of {lessee.legal_name}, {start:%b %Y} to {end:%b %Y}",
                period_start=start,
                period_end=end,
                lessee=lessee,
            )
        rest = issued[1].pieces.order_by("first_serial").last()
        if rest is not None and rest.state == "held":
            blocks.block_sell(
                block=rest,
                actor=ops,
                quantity=min(rest.quantity, 40),
                buyer="Acme Offsets Pte Ltd",
                price=Decimal("180.00"),
                currency="USD",
                sold_on=date(2026, 6, 15),
                deal=deal,
            )

    def _carbon_credits(self, ops, deal) -> None:
        vcs = Registry.objects.get(code="VCS")
        block = blocks.block_record(
            actor=ops,
            registry=vcs,
            spv=deal.spv,
            serial="17342-410200001-410205000-VCS-VCU-1491-VER-MY-1-2410-01012024-31122024-0",
        )
        blocks.block_retire(
            block=block,
            actor=ops,
            quantity=1_000,
            beneficiary=deal.spv.legal_name,
            purpose="Offset of the SPV's 2025 operations (Scope 1 and 2 residual)",
            period_start=date(2025, 1, 1),
            period_end=date(2025, 12, 31),
        )
