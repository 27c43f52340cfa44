"""Load demo collateral and cash flows through the services (run after ``load_demo``).

Idempotent (does nothing when the demo sites exist) and deterministic (seed 20261122):
three sites, 40 GPU servers (308 GPUs) and energy assets pledged to GCABS 2026-1 (which is then
issued and put into servicing), two spare GPU servers pledged to no deal, appraisals and
insurance, three standard investment models, three lessees with active leases, a year of hourly
metering (2025-11-01 to 2026-10-31) loaded through the bulk import, twelve months of
invoices (with a credit note, a late fee, partial and missing payments), the lease receipts of
April to October 2026 as a camt.053 statement of the collection account, each entry applied to
the invoice it pays (the cash GCABS 2026-1's collection periods count), and a camt.053 statement
for November 2026 whose receipts do not all line up with the invoices (the exceptions queue's).
Receipts before the deal closed (2026-03-31) are recorded on the invoices without a bank entry.
"""

from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_EVEN, Decimal

import numpy as np
from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from assets.camt053 import ParsedEntry, build_camt053
from assets.models import BankEntry, Device, Invoice, MeterImportBatch, Site
from assets.services import bank, fleet, invoicing, late_fees, leasing
from assets.services.bank_matches import Application, bank_entries_apply
from assets.services.metering import import_metering
from assets.synthetic import metering_csv_chunks
from issuance import services as issuance
from issuance.models import Deal

SEED = 20261122
CENT = Decimal("0.01")
ACCOUNT = "SG12HELI0000000000000001"
RESERVE_ACCOUNT = "SG12HELI0000000000000002"
SITES = [
    ("Singapore Jurong DC", "2 Jurong West Ave, Singapore", "SG", "Singapore national grid", "402.000",
     "EMA Singapore Energy Statistics 2025 (grid emission factor)", 2024, "1.320"),
    ("Johor Green Campus", "Sedenak Tech Park, Johor, Malaysia", "MY", "Peninsular Malaysia grid", "585.000",
     "Suruhanjaya Tenaga grid emission factor 2023", 2023, "1.280"),
    ("Hong Kong TKO Edge", "Tseung Kwan O Industrial Estate, Hong Kong", "HK", "CLP Power grid", "390.000",
     "CLP Holdings Sustainability Report 2024", 2024, "1.450"),
]
# model, GPUs, TDP per GPU (W), cost (USD), life (years), count
GPU_MODELS = [
    ("NVIDIA HGX H100 8-GPU", 8, 700, "285000.00", 5, 16),
    ("NVIDIA HGX H200 8-GPU", 8, 700, "325000.00", 5, 12),
    ("NVIDIA L40S 8-GPU", 8, 350, "92000.00", 4, 9),
    ("NVIDIA RTX 6000 Ada 4-GPU", 4, 300, "41000.00", 4, 3),
]
LESSEES = [("Orion Inference Pte Ltd", "SG"), ("Nova Render GmbH", "DE"), ("Kestrel Robotics AI Inc", "US")]
# lessee index, device codes (by position), price per GPU-hour, monthly minimum
LEASES = [(0, range(0, 16), "2.150000", "150000.00"), (1, range(28, 37), "0.950000", "40000.00"),
          (2, range(16, 24), "2.400000", "80000.00")]
MONTHS = [date(2025 + (10 + m) // 12, (10 + m) % 12 + 1, 1) for m in range(12)]  # 2025-11 .. 2026-10
# Invoices from March 2026 are paid after GCABS 2026-1 closed (2026-03-31), into the collection account:
# their receipts are on a bank statement (what the deal's collection periods count), not recorded by hand.
BANKED_FROM = date(2026, 3, 1)
RECEIPTS_STATEMENT = "HSBC-STMT-2026-10-31"


def money(value) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_EVEN)


class Command(BaseCommand):
    help = "Load demo sites, devices, leases, a year of metering, invoices and a bank statement (idempotent)."

    def handle(self, *args, **options):
        if Site.objects.filter(name=SITES[0][0]).exists():
            self.stdout.write("Demo assets already loaded.")
            return
        ops = User.objects.filter(username="ops").first()
        deal = Deal.objects.filter(name="GCABS 2026-1").select_related("spv").first()
        if ops is None or deal is None:
            raise CommandError("Run 'manage.py load_demo' first (it creates the users and GCABS 2026-1).")
        rng = np.random.default_rng(SEED)
        with transaction.atomic():
            devices = self._fleet(ops, deal, rng)
            self._issue(ops, deal)
            self._spares(ops, deal)
            self._investment_models(ops)
            leases = self._leases(ops, deal, devices)
            self._metering(ops, devices)
            self._invoices(ops, leases)
            self._statement(ops, leases)
        self.stdout.write(self.style.SUCCESS(
            f"Demo assets loaded: {len(devices)} GPU servers, {MeterImportBatch.objects.get().rows_total} "
            f"metering rows, {Invoice.objects.count()} invoices."))

    def _fleet(self, ops, deal, rng) -> list[Device]:
        sites = [fleet.site_create(actor=ops, name=n, location=loc, country=c, grid_region=g,
                                   grid_emission_factor=Decimal(ef), grid_emission_factor_source=src,
                                   grid_emission_factor_year=y, pue=Decimal(pue))
                 for n, loc, c, g, ef, src, y, pue in SITES]
        devices, n = [], 0
        for model, gpus, tdp, cost, life, count in GPU_MODELS:
            for _ in range(count):
                n += 1
                bought = date(2025, 1 + int(rng.integers(0, 10)), 1 + int(rng.integers(0, 28)))
                device = fleet.device_create(
                    actor=ops, code=f"HEL-GPU-{n:03d}", kind=Device.Kind.GPU_SERVER, site=sites[n % 3],
                    manufacturer="NVIDIA", model=model, serial_number=f"SN{SEED % 10000}{n:05d}",
                    gpu_count=gpus, tdp_watts=tdp, purchase_date=bought, currency="USD",
                    purchase_cost=Decimal(cost), useful_life_years=life,
                    residual_value=money(Decimal(cost) / 10), spv=deal.spv, deal=deal)
                for name in ("commission", "activate"):
                    device = fleet.device_transition(device=device, name=name, actor=ops)
                fleet.appraisal_record(actor=ops, device=device, valued_on=bought, value=Decimal(cost),
                                       appraiser="Meridian Asset Valuers Pte Ltd", method="purchase invoice")
                fleet.appraisal_record(actor=ops, device=device, valued_on=date(2026, 6, 30),
                                       value=money(Decimal(cost) * Decimal(f"{rng.uniform(0.70, 0.9):.4f}")),
                                       appraiser="Meridian Asset Valuers Pte Ltd",
                                       method="market comparables")
                if n != 40:  # one device is not insured: the collateral view flags it
                    fleet.insurance_policy_create(
                        actor=ops, device=device, insurer="Raffles Specialty Insurance" if n % 2 else
                        "Lion City Marine & Tech Underwriters", policy_number=f"POL-{2026}-{n:04d}",
                        cover_amount=Decimal(cost), currency="USD", starts_on=date(2026, 1, 1),
                        expires_on=date(2026, 12, 31) if n % 5 == 0 else date(2027, 6, 30))
                devices.append(device)
        fleet.device_transition(device=devices[38], name="start_maintenance", actor=ops,
                                reason="Fan tray replacement")
        energy = [("HEL-PV-001", Device.Kind.SOLAR_PV, "Rooftop PV 1.2 MWp",
                   {"capacity_kwp": Decimal("1200")},
                   "960000.00", sites[1]),
                  ("HEL-BAT-001", Device.Kind.BATTERY, "LFP storage 2 MWh", {"capacity_kwh": Decimal("2000")},
                   "700000.00", sites[1])]
        energy += [(f"HEL-EVC-{k:03d}", Device.Kind.CHARGING_PILE, "DC fast charger 120 kW",
                    {"power_kw": Decimal("120")}, "38000.00", sites[0]) for k in range(1, 5)]
        for k, (code, kind, model, capacity, cost, site) in enumerate(energy, start=1):
            device = fleet.device_create(
                actor=ops, code=code, kind=kind, site=site, manufacturer="", model=model,
                serial_number=f"EN{SEED % 10000}{k:04d}", purchase_date=date(2025, 3, 1), currency="USD",
                purchase_cost=Decimal(cost), useful_life_years=15 if kind == Device.Kind.SOLAR_PV else 10,
                residual_value=Decimal("0"), spv=deal.spv, deal=deal, **capacity)
            for name in ("commission", "activate"):
                fleet.device_transition(device=device, name=name, actor=ops)
            fleet.insurance_policy_create(
                actor=ops, device=device, insurer="Raffles Specialty Insurance",
                policy_number=f"POL-EN-{k:04d}", cover_amount=Decimal(cost), currency="USD",
                starts_on=date(2025, 3, 1), expires_on=date(2027, 2, 28))
        return devices

    def _issue(self, ops, deal) -> None:
        """GCABS 2026-1 was closed and paid by load_demo; with its collateral pledged it is issued."""
        if deal.state == Deal.State.CLOSED:
            deal = issuance.deal_transition(deal=deal, name="issue", actor=ops)
            issuance.deal_transition(deal=deal, name="start_servicing", actor=ops)

    def _spares(self, ops, deal) -> None:
        """Two GPU servers of the same SPV pledged to no deal yet: the collateral a newcomer pledges
        to GCABS 2027-1 in the README's walk-through."""
        site = Site.objects.get(name=SITES[0][0])
        for n in (1, 2):
            device = fleet.device_create(
                actor=ops, code=f"HEL-SPARE-{n:03d}", kind=Device.Kind.GPU_SERVER, site=site,
                manufacturer="NVIDIA", model="NVIDIA HGX H200 8-GPU",
                serial_number=f"SP{SEED % 10000}{n:05d}",
                gpu_count=8, tdp_watts=700, purchase_date=date(2026, 9, 1), currency="USD",
                purchase_cost=Decimal("325000.00"), useful_life_years=5, residual_value=Decimal("32500.00"),
                spv=deal.spv, deal=None)
            for name in ("commission", "activate"):
                fleet.device_transition(device=device, name=name, actor=ops)

    def _investment_models(self, ops) -> None:
        def stream(first, growth, years=10):
            return [str(money(Decimal(first) * (Decimal(1) + Decimal(growth)) ** y)) for y in range(years)]

        for name, kind, capex, revenue, growth, opex, rate in [
            ("Green smart energy station (1.2 MWp PV, 2 MWh storage, 4 chargers, 8 GPU servers)",
             "green_energy_station", "3900000.00", "1150000.00", "-0.005", "310000.00", "0.08"),
            ("Charging and storage pile with AI compute (120 kW, 200 kWh, 1 GPU server)",
             "charging_storage_pile", "410000.00", "118000.00", "0.00", "29000.00", "0.08"),
            ("Home solar-storage-compute unit (10 kWp, 15 kWh, 1 GPU workstation)",
             "home_unit", "24000.00", "5200.00", "-0.005", "900.00", "0.06"),
        ]:
            fleet.investment_model_create(actor=ops, name=name, kind=kind, currency="USD",
                                          capex=Decimal(capex),
                                          revenue=stream(revenue, growth), opex=stream(opex, "0.02"),
                                          discount_rate=Decimal(rate))

    def _leases(self, ops, deal, devices) -> list:
        leases = []
        for k, (name, country) in enumerate(LESSEES):
            lessee = leasing.counterparty_create(actor=ops, legal_name=name, country=country,
                                                 kyb_status="approved",
                                                 kyb_reviewed_on=date(2025, 10, 1),
                                                 billing_email=f"ap@{name.split()[0].lower()}.example")
            index, positions, price, minimum = LEASES[k]
            lease = leasing.lease_create(
                actor=ops, reference=f"HEL-L-{k + 1:03d}", lessee=lessee, spv=deal.spv,
                devices=[devices[p] for p in positions], gpu_count=0, currency="USD",
                price_per_gpu_hour=Decimal(price), minimum_monthly_commitment=Decimal(minimum),
                start_date=date(2025, 11, 1), end_date=date(2028, 10, 31), billing_cycle="monthly",
                payment_terms_days=30, late_fee_annual_rate=Decimal("0.12"))
            leases.append(leasing.lease_transition(lease=lease, name="activate", actor=ops))
        return leases

    def _metering(self, ops, devices) -> None:
        data = b"".join(metering_csv_chunks(
            codes=[d.code for d in devices], gpus=[d.gpu_count for d in devices],
            tdp=[d.tdp_watts for d in devices], start=datetime(2025, 11, 1, tzinfo=UTC), hours=365 * 24,
            seed=SEED))
        import io

        import_metering(source=io.BytesIO(data), actor=ops, filename="demo-metering-2025-11-to-2026-10.csv",
                        via=MeterImportBatch.Source.COMMAND, now=datetime(2026, 11, 1, tzinfo=UTC))

    def _invoices(self, ops, leases) -> None:
        orion, nova, kestrel = leases
        receipts = []  # (invoice, amount, booking date): paid into the collection account

        def pay(invoice, amount, value_date, reference):
            if invoice.period_start >= BANKED_FROM:
                receipts.append((invoice, amount, value_date))
            else:
                invoicing.invoice_record_payment(invoice=invoice, amount=amount, actor=ops,
                                                 value_date=value_date, reference=reference)

        for month in MONTHS:
            issue_on = date(month.year + month.month // 12, month.month % 12 + 1, 1)
            for lease in leases:
                invoice = invoicing.invoice_generate(lease=lease, period_start=month, actor=ops)
                invoice = invoicing.invoice_issue(invoice=invoice, actor=ops, issue_date=issue_on)
                if lease == orion and month == date(2026, 6, 1):
                    invoicing.credit_note_issue(invoice=invoice, amount=Decimal("5000.00"), actor=ops,
                                                reason="SLA credit: 6 h outage on 2026-06-14",
                                                issue_date=issue_on)
                    invoice.refresh_from_db()
                if month >= date(2026, 10, 1):
                    continue  # October invoices are open; the November statement pays some
                if lease == kestrel and month == date(2026, 7, 1):
                    pay(invoice, money(invoice.outstanding * Decimal("0.6")), date(2026, 9, 15),
                        "KESTREL-PART-0726")
                    continue  # 15 days late, then 40 % left unpaid
                if lease == kestrel and month in (date(2026, 8, 1), date(2026, 9, 1)):
                    continue  # unpaid: overdue
                pay(invoice, invoice.outstanding, issue_on + timedelta(days=20), f"RCPT-{invoice.number}")
        self._receipts(ops, receipts)
        invoicing.invoices_mark_overdue(as_of=date(2026, 11, 1), actor=ops)
        july = Invoice.objects.get(number=f"INV-{kestrel.reference}-202607")
        late_fees.late_fee_charge(invoice=july, as_of=date(2026, 10, 31), actor=ops)

    def _receipts(self, ops, receipts) -> None:
        """The lease receipts of April to October 2026 on the collection account (camt.053), each
        applied to the invoice it quotes for exactly what it pays: the bank record of these payments,
        so the reconciliation finds every receipt matched and every invoice settled."""
        receipts = sorted(receipts, key=lambda r: (r[2], r[0].number))
        entries = [ParsedEntry(f"HSBC-RCPT-{n:04d}", booked, None, "CRDT", amount, invoice.currency,
                               f"E2E-{invoice.number}", invoice.lease.lessee.legal_name, "", invoice.number)
                   for n, (invoice, amount, booked) in enumerate(receipts, start=1)]
        data = build_camt053(statement_id=RECEIPTS_STATEMENT, account=ACCOUNT, currency="USD",
                             from_date=date(2026, 4, 1), to_date=date(2026, 10, 31),
                             opening_balance=Decimal("0.00"), entries=entries)
        bank.bank_statement_import(data=data, actor=ops, filename="camt053-2026-10-31.xml")
        entry_ids = dict(BankEntry.objects.filter(statement__statement_id=RECEIPTS_STATEMENT)
                         .values_list("end_to_end_id", "pk"))
        bank_entries_apply(actor=ops, source="demo lease receipts", applications=[
            Application(entry_id=entry_ids[f"E2E-{invoice.number}"], invoice_id=invoice.pk, rule="reference",
                        amount=amount)
            for invoice, amount, _booked in receipts])

    def _statement(self, ops, leases) -> None:
        orion, nova, kestrel = leases
        october = {lease.pk: Invoice.objects.get(lease=lease, period_start=date(2026, 10, 1), kind="invoice")
                   for lease in leases}
        august = Invoice.objects.get(lease=kestrel, period_start=date(2026, 8, 1), kind="invoice")
        e = [
            ParsedEntry("HSBC-261103-0001", date(2026, 11, 3), None, "CRDT", october[orion.pk].total, "USD",
                        "E2E-ORION-2610", orion.lessee.legal_name, "SG45ORIO0000000000000077",
                        october[orion.pk].number),
            ParsedEntry("HSBC-261105-0002", date(2026, 11, 5), None, "CRDT",
                        october[nova.pk].total - Decimal("1000.00"), "USD", "", nova.lessee.legal_name,
                        "DE89370400440532013000", f"{october[nova.pk].number} less disputed 1000"),
            ParsedEntry("HSBC-261109-0003", date(2026, 11, 9), None, "CRDT", money(august.outstanding / 2),
                        "USD",
                        "", "KESTREL ROBOTICS", "", "partial payment august"),
            ParsedEntry("HSBC-261110-0004", date(2026, 11, 10), None, "CRDT", Decimal("18400.00"), "USD", "",
                        "Verdant Offsets Trading Ltd", "",
                        "Purchase of 2300 I-REC certificates vintage 2026"),
            ParsedEntry("HSBC-261112-0005", date(2026, 11, 12), None, "DBIT", Decimal("96412.35"), "USD", "",
                        "Jurong Colocation Services", "", "Colocation and power October 2026"),
            ParsedEntry("HSBC-261116-0006", date(2026, 11, 16), None, "DBIT", Decimal("250000.00"), "USD", "",
                        "Helios Compute SPV 1 Ltd", RESERVE_ACCOUNT, "Transfer to reserve account"),
            ParsedEntry("HSBC-261118-0007", date(2026, 11, 18), None, "CRDT", Decimal("4999.99"), "USD", "",
                        "UNKNOWN REMITTER 8812", "", ""),
        ]
        data = build_camt053(statement_id="HSBC-STMT-2026-11-20", account=ACCOUNT, currency="USD",
                             from_date=date(2026, 11, 1), to_date=date(2026, 11, 20),
                             opening_balance=Decimal("1250000.00"), entries=e)
        bank.bank_statement_import(data=data, actor=ops, filename="camt053-2026-11-20.xml")
