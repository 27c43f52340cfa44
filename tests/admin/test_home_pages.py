"""The home page (the admin index): each staff role sees the panels its permissions allow, with
exact figures, links to the admin list of the rows counted, and a query count that does not grow
with the rows."""

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from assets.services import fleet, invoicing
from chain.models import ChainTransaction, Signer
from compliance import services as compliance
from compliance.models import KycCase
from core import roles
from core.dashboard import Row, home, panels_for
from core.svg_chart import bar_chart
from issuance import services as issuance
from issuance.models import Subscription
from tests.assets.builders import make_gpu_server, make_lease
from tests.compliance.conftest import accept_required_documents
from tests.factories import make_deal, make_investor, make_user, pledge_collateral, subscribe, to_state

pytestmark = pytest.mark.django_db
TODAY = date(2026, 12, 15)
HEADER = ("id,schema,name,aliases,birth_date,countries,addresses,identifiers,sanctions,phones,emails,"
          "dataset,first_seen,last_seen,last_change")
ROW = ("gcx-9001,Person,Boris Zanzibarov,,1961-07-04,ru,,,Fictional Programme,,,Test List,"
       "2025-01-10T09:00:00,2026-11-20T09:00:00,2025-06-01T09:00:00")

OPS_PANELS = ["invoices-overdue", "kyc-expiring", "insurance-expiring", "chain-not-confirmed",
              "assets-under-management", "deals-by-state", "collections-this-month"]
OFFICER_PANELS = ["deals-awaiting-approval", "kyc-cases", "screening-hits-pending", "kyc-expiring",
                  "assets-under-management", "deals-by-state", "collections-this-month"]
TRUSTEE_PANELS = ["assets-under-management", "deals-by-state", "collections-this-month"]


@pytest.fixture(autouse=True)
def _today(business_day):
    business_day(TODAY)


def issue_deal(deal, *, ops, officer, investors):
    """Open ``deal``, fill each tranche from one investor, close, fund and issue it."""
    deal = to_state(deal, "open", maker=ops, checker=officer)
    for tranche, who in zip(deal.tranches.order_by("seniority"), investors, strict=True):
        subscribe(actor=ops, investor=who, tranche=tranche, amount=str(tranche.original_principal))
    issuance.deal_transition(deal=deal, name="close_book", actor=ops)
    for sub in Subscription.objects.filter(tranche__deal=deal):
        issuance.subscription_record_funding(subscription=sub, actor=ops, amount=sub.allocated_amount,
                                                  reference=f"TEST-{sub.pk}")
    pledge_collateral(actor=ops, deal=deal)
    return issuance.deal_transition(deal=deal, name="issue", actor=ops)


def chain_tx(signer, n: int, state: str) -> ChainTransaction:
    return ChainTransaction.objects.create(
        idempotency_key=f"home-{n}", purpose="freeze wallet", payload={}, signer=signer, chain_id=31337,
        to_address=f"0x{n + 1:040x}", data="0x", nonce=n, gas_limit=50_000, max_fee_per_gas=10**9,
        max_priority_fee_per_gas=10**8, state=state, raw_transaction="" if state == "planned" else "0x02",
        tx_hash="" if state == "planned" else f"0x{n:064x}")


def insure(device, ops, number: str, expires: date):
    return fleet.insurance_policy_create(actor=ops, device=device, insurer="Lloyd's", policy_number=number,
                                         cover_amount=Decimal("250000.00"), currency="USD",
                                         starts_on=expires - timedelta(days=365), expires_on=expires)


def submitted_case(ops, officer, name: str, *, age_days: int, assignee=None) -> KycCase:
    person = make_investor(actor=ops, name=name, eligible=False)
    accept_required_documents_for_entity(person, officer)
    case = compliance.kyc_case_open(actor=ops, investor=person)
    case = compliance.kyc_case_transition(case=case, name="submit", actor=ops)
    if assignee is not None:
        case = compliance.kyc_case_assign(case=case, actor=assignee)
    # The case was opened ``age_days`` ago (created_at is set when the row is written).
    KycCase.objects.filter(pk=case.pk).update(created_at=timezone.now() - timedelta(days=age_days, hours=1))
    return case


def accept_required_documents_for_entity(investor, officer):
    from compliance.rules import REQUIRED_DOCUMENTS
    from tests.factories import pdf

    for kind in REQUIRED_DOCUMENTS[investor.kind]:
        doc = compliance.document_upload(actor=officer, investor=investor, kind=kind, file=pdf())
        compliance.document_decide(document=doc, decision="accept", actor=officer)


@pytest.fixture
def both(db):
    """Someone in operations and compliance at once: a maker of the deals they prepare."""
    user = make_user(roles.ISSUER_OPERATIONS, "ops-and-officer")
    user.groups.add(Group.objects.get(name=roles.COMPLIANCE_OFFICER))
    return user


@pytest.fixture
def book(ops, officer, both, investor, other_investor):
    """Two deals issued (USD 10,000,000 and EUR 5,000,000), two in compliance review (one prepared by
    ``both``), one draft; a lease with two overdue invoices and three payments in December; insurance
    ending soon; two chain intents not confirmed; three KYC cases waiting; one screening hit."""
    from screening.services import list_import

    usd = issue_deal(make_deal(actor=ops), ops=ops, officer=officer, investors=[investor, other_investor])
    eur = issue_deal(make_deal(actor=ops, currency="EUR", size="5000000", tranches=("5000000",)),
                     ops=ops, officer=officer, investors=[investor])
    review = to_state(make_deal(actor=ops), "compliance_review", maker=ops, checker=officer)
    theirs = to_state(make_deal(actor=both), "compliance_review", maker=both, checker=officer)
    draft = make_deal(actor=ops)

    gpu, other = make_gpu_server(actor=ops), make_gpu_server(actor=ops)
    lease = make_lease(actor=ops, devices=[gpu], minimum="1000.00", terms=30, start=date(2026, 1, 1))
    invoices = {}
    for month, issued in ((9, date(2026, 10, 1)), (10, date(2026, 11, 1)), (11, date(2026, 12, 1))):
        invoice = invoicing.invoice_generate(lease=lease, period_start=date(2026, month, 1), actor=ops)
        invoices[month] = invoicing.invoice_issue(invoice=invoice, actor=ops, issue_date=issued)
    invoicing.invoice_record_payment(invoice=invoices[10], amount=Decimal("400.00"), actor=ops,
                                     value_date=date(2026, 12, 10))
    invoicing.invoice_record_payment(invoice=invoices[11], amount=Decimal("250.00"), actor=ops,
                                     value_date=date(2026, 12, 3))
    invoicing.invoice_record_payment(invoice=invoices[9], amount=Decimal("100.00"), actor=ops,
                                     value_date=date(2026, 11, 30))  # November: not this month
    assert invoicing.invoices_mark_overdue(actor=ops, as_of=TODAY) == 2  # September's and October's

    insure(gpu, ops, "P-1", date(2026, 12, 20))  # ends in 5 days, not renewed
    insure(other, ops, "P-2", date(2026, 12, 25))  # ends in 10 days but renewed by P-3
    insure(other, ops, "P-3", date(2027, 12, 25))
    insure(gpu, ops, "P-0", date(2026, 12, 10))  # already ended: not "expiring"

    signer = Signer.objects.create(chain_id=31337, address="0x" + "ab" * 20, next_nonce=3)
    for n, state in enumerate(("planned", "mined", "confirmed", "failed")):
        chain_tx(signer, n, state)

    fresh = submitted_case(ops, officer, "Fresh Ltd", age_days=2)
    weeks = submitted_case(ops, officer, "Weeks Ltd", age_days=12, assignee=officer)
    old = submitted_case(ops, officer, "Old Ltd", age_days=40, assignee=officer)

    list_import(name="test", version_label="v1", data=f"{HEADER}\n{ROW}\n".encode(), actor=officer)
    boris = make_investor(actor=ops, name="Boris Zanzibarov", eligible=False, kind="individual",
                          country_of_residence="CY", nationality="CY", date_of_birth=date(1961, 7, 4),
                          registration_number="")
    accept_required_documents(boris, officer)
    case = compliance.kyc_case_open(actor=ops, investor=boris)
    compliance.kyc_case_transition(case=case, name="submit", actor=ops)  # one hit, pending
    return {"usd": usd, "eur": eur, "review": review, "theirs": theirs, "draft": draft, "lease": lease,
            "cases": (fresh, weeks, old, case), "signer": signer, "devices": (gpu, other)}


def figures(user, today=TODAY):
    return {panel.key: f for panel, f in home(user, today)}


def shown(rows):
    return [(r.label, r.value) for r in rows]


def panel_ids(html: str) -> list[str]:
    return re.findall(r'<section class="home-panel" id="panel-([a-z-]+)"', html)


def test_each_role_sees_the_panels_its_permissions_allow(client, ops, officer, trustee, investor_user):
    for user, expected in ((ops, OPS_PANELS), (officer, OFFICER_PANELS), (trustee, TRUSTEE_PANELS)):
        client.force_login(user)
        response = client.get("/admin/")
        assert response.status_code == 200
        html = response.content.decode()
        assert panel_ids(html) == expected, user.username
        assert [p.key for p in panels_for(user)] == expected
        # The panels come first, the app list after them.
        assert html.index('id="home"') < html.index('class="app-')
    # A trustee has no to-do panel: no deal to approve, no hit to decide, no invoice to chase.
    client.force_login(trustee)
    html = client.get("/admin/").content.decode()
    assert "What needs doing now" not in html and "Deals awaiting my approval" not in html
    # Investors never reach the admin.
    client.force_login(investor_user)
    assert client.get("/admin/").status_code == 302
    assert panels_for(investor_user) == []


def test_deals_awaiting_my_approval_leave_out_the_deals_i_prepared(officer, both, book):
    mine = figures(officer)["deals-awaiting-approval"]
    assert shown(mine.rows) == sorted([(book["review"].name, "10,000,000.00 USD"),
                                       (book["theirs"].name, "10,000,000.00 USD")])
    assert mine.rows[0].link == f"/admin/issuance/deal/{min(book['review'].pk, book['theirs'].pk)}/change/"
    assert mine.link == "/admin/issuance/deal/?state__exact=compliance_review"
    # ``both`` created, edited and submitted one of them: only the other awaits their approval.
    theirs = figures(both)["deals-awaiting-approval"]
    assert shown(theirs.rows) == [(book["review"].name, "10,000,000.00 USD")]


def test_deals_by_state_and_assets_under_management_per_currency(trustee, book):
    f = figures(trustee)
    assert shown(f["deals-by-state"].rows) == [("draft", "1"), ("compliance review", "2"), ("issued", "2")]
    assert f["deals-by-state"].rows[1].link == "/admin/issuance/deal/?state__exact=compliance_review"
    # Never added across currencies: a total per currency, then its states.
    assert shown(f["assets-under-management"].rows) == [
        ("EUR", "5,000,000.00 EUR"), ("EUR issued (1 deal)", "5,000,000.00 EUR"),
        ("USD", "10,000,000.00 USD"), ("USD issued (1 deal)", "10,000,000.00 USD")]
    assert f["assets-under-management"].rows[0].link == (
        "/admin/issuance/deal/?state__in=issued%2Cservicing&currency__exact=EUR")
    assert [r.group for r in f["assets-under-management"].rows if r.bar is not None] == ["EUR", "USD"]


def test_kyc_cases_by_age_and_assignee(officer, book):
    kyc = figures(officer)["kyc-cases"]
    assert kyc.columns == ("0-7 days", "8-30 days", "over 30 days")
    assert [(r.label, [c.text for c in r.cells], r.value) for r in kyc.rows] == [
        ("officer", ["0", "1", "1"], "2"),
        ("unassigned", ["2", "0", "0"], "2"),  # Fresh Ltd, and Boris Zanzibarov's case submitted today
    ]
    assert kyc.rows[0].link == (f"/admin/compliance/kyccase/?state__in=submitted%2Cin_review%2C"
                                f"information_requested%2Crecommended&assignee__id__exact={officer.pk}")


def test_kyc_and_insurance_expiring_in_30_days(ops, officer, book):
    approved = KycCase.objects.filter(state="approved").order_by("refresh_due", "id")
    first = approved[0]
    day = first.refresh_due - timedelta(days=30)  # the first approvals end on the 30th day
    on_that_day = approved.filter(refresh_due=first.refresh_due).count()
    kyc = figures(officer, day)["kyc-expiring"]
    assert len(kyc.rows) == min(on_that_day, 10)
    assert kyc.rows[0] == Row(label=str(first.investor), value=first.refresh_due.isoformat(),
                              link=f"/admin/compliance/kyccase/{first.pk}/change/")
    assert figures(officer, day - timedelta(days=1))["kyc-expiring"].rows == []

    insurance = figures(ops)["insurance-expiring"]
    gpu = book["devices"][0]
    assert shown(insurance.rows) == [(f"{gpu.code}: Lloyd's P-1", "2026-12-20")]
    assert insurance.link == ("/admin/assets/insurancepolicy/?expires_on__gte=2026-12-15"
                              "&expires_on__lte=2027-01-14")


def test_invoices_overdue_and_collections_this_month(ops, book):
    f = figures(ops)
    # September's 1,000.00 (100.00 paid: 900.00 owed, 45 days late), October's 1,000.00 less 400.00 paid
    # (14 days late).
    assert shown(f["invoices-overdue"].rows) == [
        ("USD (2 invoices)", "1,500.00 USD"), ("USD 1-30 days late", "600.00 USD"),
        ("USD 31-60 days late", "900.00 USD")]
    assert f["invoices-overdue"].rows[1].link == (
        "/admin/assets/invoice/?state__exact=overdue&currency__exact=USD&due_date__lte=2026-12-14"
        "&due_date__gte=2026-11-15")
    assert shown(f["collections-this-month"].rows) == [
        ("USD (2 payments)", "650.00 USD"), ("USD 1-7 Dec 2026", "250.00 USD"),
        ("USD 8-14 Dec 2026", "400.00 USD"), ("USD 15-21 Dec 2026", "0.00 USD"),
        ("USD 22-31 Dec 2026", "0.00 USD")]


def test_screening_hits_and_chain_transactions(ops, officer, book):
    hits = figures(officer)["screening-hits-pending"]
    assert shown(hits.rows) == [("investor (oldest 0 day(s))", "1")]
    assert hits.rows[0].link == ("/admin/screening/screeninghit/?state__exact=pending"
                                 "&subject_kind__exact=investor")
    chain = figures(ops)["chain-not-confirmed"]
    assert shown(chain.rows) == [("planned", "1"), ("mined", "1")]
    assert chain.link == ("/admin/chain/chaintransaction/"
                          "?state__in=planned%2Csigned%2Cbroadcast%2Cmined%2Cheld")


def test_every_link_opens_the_admin_list_of_the_rows_it_counts(client, ops, officer, book):
    """Each count's link lists exactly that many rows (the admin list accepts every filter)."""
    for user in (ops, officer):
        client.force_login(user)
        for key, f in figures(user).items():
            for row in f.rows:
                links = [(row.link, row.value)] + [(c.link, c.text) for c in row.cells if c.link]
                for link, value in links:
                    response = client.get(link)
                    assert response.status_code == 200, (key, link)
                    if "/change/" in link or not value.replace(",", "").isdigit():
                        continue
                    assert response.context["cl"].result_count == int(value.replace(",", "")), (key, link)
            if f.link:
                assert client.get(f.link).status_code == 200, (key, f.link)


def more_of_everything(ops, officer, book, n: int):
    """More rows in every panel: deals in review and draft, waiting cases, policies, intents."""
    for i in range(n):
        to_state(make_deal(actor=ops), "compliance_review", maker=ops, checker=officer)
        make_deal(actor=ops)
        submitted_case(ops, officer, f"More {n}-{i} Ltd", age_days=9 * i, assignee=officer if i % 2 else None)
        insure(book["devices"][1], ops, f"M-{n}-{i}", TODAY + timedelta(days=40 + i))
        insure(make_gpu_server(actor=ops), ops, f"S-{n}-{i}", TODAY + timedelta(days=3 + i))
        chain_tx(book["signer"], 100 * n + i, ("signed", "broadcast", "held")[i % 3])


@pytest.mark.parametrize("role", ["ops", "officer", "trustee"])
def test_the_home_page_costs_the_same_queries_however_many_rows(client, role, ops, officer, trustee, book,
                                                                monkeypatch):
    user = {"ops": ops, "officer": officer, "trustee": trustee}[role]
    client.force_login(user)
    client.get("/admin/")

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/admin/").status_code == 200
        return len(queries)

    before = count()
    more_of_everything(ops, officer, book, 3)
    assert count() == before
    more_of_everything(ops, officer, book, 6)
    assert count() == before
    # Over the page without panels: one query per panel, two for those that list rows (a count and
    # the first 10). Operations: 4 to do (6 queries) and 3 figures; the officer the same; the trustee
    # 3 figures.
    with monkeypatch.context() as m:
        m.setattr("core.dashboard._PANELS", {})
        bare = count()
    assert (bare, before - bare) == (5, {"ops": 6 + 3, "officer": 6 + 3, "trustee": 3}[role])


def test_charts_scale_bars_per_currency_and_escape_labels():
    svg = str(bar_chart([Row("USD <b>", "10.00 USD", bar=Decimal("10"), group="USD"),
                         Row("USD small", "5.00 USD", bar=Decimal("5"), group="USD"),
                         Row("JPY", "1,000 JPY", bar=Decimal("1000"), group="JPY"),
                         Row("no bar", "-")], title="A & B"))
    assert re.findall(r'width="(\d+)" height="12"', svg) == ["130", "65", "130"]
    assert "USD &lt;b&gt;" in svg and 'aria-label="A &amp; B"' in svg and "no bar" not in svg
    assert "<script" not in svg and "http" not in svg.replace('xmlns="http://www.w3.org/2000/svg"', "")
