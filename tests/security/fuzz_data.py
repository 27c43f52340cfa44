"""The data the API fuzzing runs against: a little of everything, built through the services.

Every row is created once per fuzzing module inside a transaction that is rolled back at the
end, so the rest of the suite never sees it. ``ids()`` lists the primary keys the fuzzer may
put into paths, so that detail and transition operations reach real rows, not only 404s.
"""

from datetime import date
from decimal import Decimal
from pathlib import Path

from django.apps import apps

from assets.services import bank, fleet, invoicing
from compliance import services as compliance_services
from core import roles
from screening.services import list_import
from tests.assets.builders import make_gpu_server, make_lease, make_site
from tests.factories import make_deal, make_investor, make_user, pdf, subscribe, to_state
from tests.two_factor import api_token_key

ROOT = Path(__file__).resolve().parents[2]
SANCTIONS = ROOT / "screening" / "fixtures" / "sample_targets.simple.csv"
CAMT = ROOT / "tests" / "assets" / "data" / "camt053_sample.xml"


def seed() -> dict[str, str]:
    """Build the data; answer the API token of each fuzzing user by role name."""
    ops = make_user(roles.ISSUER_OPERATIONS, "fuzz-ops")
    officer = make_user(roles.COMPLIANCE_OFFICER, "fuzz-officer")
    investor_user = make_user(roles.INVESTOR, "fuzz-investor")
    investor = make_investor(actor=ops, user=investor_user, name="Fuzz Investor Ltd")
    other = make_investor(actor=ops, name="Other Fuzz Investor Ltd")
    onboarding = make_investor(actor=ops, name="Onboarding Fuzz Investor Ltd", eligible=False)
    compliance_services.document_upload(actor=officer, investor=onboarding, kind="incorporation", file=pdf())
    compliance_services.kyc_case_open(actor=officer, investor=onboarding)
    list_import(name="fuzz-sanctions", version_label="v1", data=SANCTIONS.read_bytes(), actor=officer)

    make_deal(actor=ops)
    deal = to_state(make_deal(actor=ops), "open", maker=ops, checker=officer)
    senior, junior = deal.tranches.order_by("seniority")
    subscribe(actor=ops, investor=investor, tranche=senior, amount="7000000")
    subscribe(actor=ops, investor=other, tranche=junior, amount="100000", accept=False)

    site = make_site(actor=ops)
    gpu = make_gpu_server(actor=ops, site=site, deal=deal)
    make_gpu_server(actor=ops, site=site, spv=deal.spv, life=40, bought=date(2000, 1, 1))
    fleet.appraisal_record(actor=ops, device=gpu, valued_on=date(2026, 6, 30), value=Decimal("200000.00"),
                           appraiser="Valuers Ltd", method="market comparables")
    fleet.insurance_policy_create(actor=ops, device=gpu, insurer="Insurer Ltd", policy_number="POL-1",
                                  cover_amount=Decimal("250000.00"), currency="USD",
                                  starts_on=date(2026, 1, 1), expires_on=date(2027, 1, 1))
    fleet.investment_model_create(actor=ops, name="Fuzz station", kind="green_energy_station",
                                  currency="USD", capex=Decimal("1000.00"), revenue=["400.00", "400.00"],
                                  opex=["50.00", "50.00"], discount_rate=Decimal("0.08"))
    lease = make_lease(actor=ops, devices=[gpu], minimum="1500.00")
    invoice = invoicing.invoice_generate(lease=lease, period_start=date(2026, 1, 1), actor=ops)
    invoicing.invoice_issue(invoice=invoice, actor=ops, issue_date=date(2026, 2, 1))
    bank.bank_statement_import(data=CAMT.read_bytes(), actor=ops, filename="fuzz.xml")
    _green(ops, deal)
    return {"ops": api_token_key(ops), "investor": api_token_key(investor_user)}


def _green(ops, deal) -> None:
    """Certificates: a block partly sold and partly retired, and an issued request."""
    from green.services import blocks
    from tests.green.builders import make_block

    block = make_block(actor=ops, code="I-REC", spv=deal.spv)
    blocks.block_sell(block=block, actor=ops, quantity=10, buyer="Fuzz Buyer", price=Decimal("100.00"),
                      currency="USD", sold_on=date(2026, 4, 1), deal=deal)
    rest = block.pieces.get(first_serial=11)
    blocks.block_retire(block=rest, actor=ops, quantity=5, beneficiary="Fuzz Lessee", purpose="GPU-hours",
                        period_start=date(2026, 1, 1), period_end=date(2026, 3, 31))


def ids() -> list[int]:
    """Every primary key in use in the project's own tables (a few hundred), sorted."""
    found = set()
    for model in apps.get_models():
        if model._meta.app_label in {"core", "compliance", "screening", "issuance", "assets", "chain",
                                     "green"}:
            found.update(model.objects.values_list("pk", flat=True)[:50])
    return sorted(pk for pk in found if isinstance(pk, int))
