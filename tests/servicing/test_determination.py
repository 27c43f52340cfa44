"""Determination (issuer operations runs the waterfall on the period's available funds) and approval
(a second person) with every run kept (docs/servicing.md, "Determination and approval")."""

from datetime import date
from decimal import Decimal

import pytest

from core.errors import GuardFailed, InvalidInput, MakerCheckerViolation, NotPermitted, TransitionNotAllowed
from core.models import AuditEvent
from servicing.models import AvailableFundsLine, CollectionPeriod, Distribution, WaterfallRun
from servicing.services.descriptions import waterfall_description_set
from servicing.services.funds import funds_adjustment_approve, funds_adjustment_propose
from servicing.services.periods import latest_run, period_approve, period_determine, servicing_terms_set
from tests.servicing.builders import description, import_csv, make_abs_deal, with_periods
from tests.servicing.test_available_funds import ENTRIES

pytestmark = pytest.mark.django_db

POOL = Decimal("9800000.00")


@pytest.fixture
def deal(ops):
    deal = make_abs_deal(actor=ops)
    waterfall_description_set(deal=deal, description=description(), actor=ops)
    with_periods(deal, actor=ops)
    import_csv(ENTRIES, actor=ops)
    return deal


@pytest.fixture
def first(deal):
    return CollectionPeriod.objects.get(deal=deal, number=1)


def step_table(run):
    return [(s["step"], s["target"], s["due"], s["paid"], s["shortfall"]) for s in run.outputs["steps"]]


def test_determination_runs_the_waterfall_on_the_available_funds(ops, first, business_day):
    business_day(date(2027, 4, 5))

    run = period_determine(period=first, actor=ops, pool_balance=POOL)

    # 30/360 from the closing date 31 Dec 2026 to 15 Apr 2027 is 105 days:
    # A 7,000,000 x 5 % x 105/360 = 102,083.33; B 2,500,000 x 8 % x 105/360 = 58,333.33.
    assert step_table(run) == [
        (1, "trustee", "2500.00", "2500.00", "0.00"),
        (2, "A", "102083.33", "102083.33", "0.00"),
        (3, "B", "58333.33", "58333.33", "0.00"),
        (4, "reserve", "100000.00", "100000.00", "0.00"),
        (5, "A", "50000.00", "50000.00", "0.00"),
        (5, "B", "0.00", "0.00", "0.00"),
        (6, "R", "50584.09", "50584.09", "0.00"),  # 363,500.75 less everything above
    ]
    assert (run.number, run.available_funds, run.description_version) == (1, Decimal("363500.75"), 1)
    assert run.inputs == {
        "payment_date": "2027-04-15",
        "collections": "363500.75",
        "pool_balance": "9800000.00",
        "losses": "0.00",
        "delinquent": "0.00",
        "available_funds": "363500.75",
        "previous_run": None,
        "description_version": 1,
    }
    assert run.outputs["tranche_balances"] == {"A": "6950000.00", "B": "2500000.00", "R": "500000.00"}
    assert (run.outputs["accounts"], run.outputs["cash_left"]) == ({"reserve": "100000.00"}, "0.00")
    assert run.state["balances"] == {"A": "6950000.00", "B": "2500000.00", "R": "500000.00"}
    assert list(run.funds_lines.values_list("position", "kind", "amount")) == [
        (1, "lease_receipt", Decimal("100000.00")),
        (2, "lease_receipt", Decimal("250000.50")),
        (3, "certificate_sale", Decimal("12500.25")),
        (4, "lease_receipt", Decimal("1000.00")),
    ]
    payments = {t.class_name: parts for t, parts in run.tranche_payments().items()}
    assert payments == {
        "A": {
            "interest": Decimal("102083.33"),
            "principal": Decimal("50000.00"),
            "residual": Decimal("0.00"),
        },
        "B": {"interest": Decimal("58333.33"), "principal": Decimal("0.00"), "residual": Decimal("0.00")},
        "R": {"interest": Decimal("0.00"), "principal": Decimal("0.00"), "residual": Decimal("50584.09")},
    }
    first.refresh_from_db()
    assert (first.state, first.determined_by) == ("determined", ops)


def test_determining_again_keeps_every_run(ops, ops2, first, business_day):
    business_day(date(2027, 4, 5))
    period_determine(period=first, actor=ops, pool_balance=POOL)
    interest = funds_adjustment_propose(
        period=first, kind="interest", amount=Decimal("812.40"), reason="Bank advice", actor=ops
    )
    funds_adjustment_approve(adjustment=interest, actor=ops2)

    second = period_determine(period=first, actor=ops2, pool_balance=POOL)

    assert list(WaterfallRun.objects.filter(period=first).values_list("number", "available_funds")) == [
        (1, Decimal("363500.75")),
        (2, Decimal("364313.15")),
    ]
    assert step_table(second)[-1] == (6, "R", "51396.49", "51396.49", "0.00")  # 50,584.09 + 812.40
    assert AvailableFundsLine.objects.filter(run=second).count() == 5


def snapshot():
    return (
        CollectionPeriod.objects.filter(state="determined").count(),
        WaterfallRun.objects.count(),
        AvailableFundsLine.objects.count(),
        AuditEvent.objects.count(),
    )


def test_a_period_that_has_not_ended_is_not_determined(ops, first, business_day):
    business_day(date(2027, 3, 31))
    before = snapshot()

    with pytest.raises(GuardFailed) as caught:
        period_determine(period=first, actor=ops, pool_balance=POOL)

    assert (
        caught.value.message
        == "Cannot 'determine': Period 1 ends on 2027-03-31; it can be determined from 2027-04-01."
    )
    assert snapshot() == before


def test_approval_by_a_second_person_only(ops, ops2, first, business_day):
    business_day(date(2027, 4, 5))
    with pytest.raises(TransitionNotAllowed):  # not determined yet
        period_approve(period=first, actor=ops2)
    period_determine(period=first, actor=ops, pool_balance=POOL)
    before = snapshot()

    with pytest.raises(MakerCheckerViolation) as caught:
        period_approve(period=first, actor=ops)

    assert caught.value.message == (
        "Maker-checker: you are this collection period's determined by, so a different "
        "person must 'approve' it."
    )
    assert snapshot() == before

    approved = period_approve(period=first, actor=ops2)

    # Approval hands the run's payments to distributions at once: the period is distributing.
    assert (approved.state, approved.approved_by) == ("distributing", ops2)
    paid = {tranche.class_name: parts for tranche, parts in latest_run(first).tranche_payments().items()
            if any(parts.values())}
    assert {d.tranche.class_name: {"interest": d.interest, "principal": d.principal, "residual": d.residual}
            for d in Distribution.objects.filter(period=first)} == paid


def test_whoever_determined_any_run_may_not_approve(ops, ops2, first, business_day):
    business_day(date(2027, 4, 5))
    period_determine(period=first, actor=ops, pool_balance=POOL)
    period_determine(period=first, actor=ops2, pool_balance=POOL)

    with pytest.raises(MakerCheckerViolation, match=r"audit trail shows you took part .* \(determine\)"):
        period_approve(period=first, actor=ops)
    first.refresh_from_db()
    assert first.state == "determined"


def test_the_trustee_approves_only_where_the_deal_says_so(ops, trustee, deal, first, business_day):
    business_day(date(2027, 4, 5))
    period_determine(period=first, actor=ops, pool_balance=POOL)

    with pytest.raises(NotPermitted):
        period_approve(period=first, actor=trustee)
    first.refresh_from_db()
    assert first.state == "determined"

    servicing_terms_set(deal=deal, actor=ops, trustee_may_approve=True)
    assert period_approve(period=first, actor=trustee).approved_by == trustee


def test_the_next_period_starts_from_the_approved_run(ops, ops2, deal, first, business_day):
    business_day(date(2027, 7, 5))
    second = CollectionPeriod.objects.get(deal=deal, number=2)
    period_determine(period=first, actor=ops, pool_balance=POOL)

    with pytest.raises(GuardFailed, match="Period 1 is determined: its approved run gives the balances"):
        period_determine(period=second, actor=ops, pool_balance=POOL)

    period_approve(period=first, actor=ops2)
    run = period_determine(period=second, actor=ops, pool_balance=Decimal("9750000.00"))

    # Collections 5,000.00 (R5, 1 Apr 2027); the reserve of 100,000.00 is shown but held by the engine.
    assert list(run.funds_lines.values_list("kind", "label", "amount")) == [
        ("lease_receipt", "2027-04-01 Kestrel Robotics R5", Decimal("5000.00")),
        ("reserve_balance", "reserve balance after period 1", Decimal("100000.00")),
    ]
    assert (run.available_funds, run.inputs["collections"]) == (Decimal("105000.00"), "5000.00")
    # A accrues on 6,950,000 from 15 Apr to 15 Jul 2027 (90 days): 86,875.00, of which 2,500.00 is paid
    assert step_table(run)[:2] == [
        (1, "trustee", "2500.00", "2500.00", "0.00"),
        (2, "A", "86875.00", "2500.00", "84375.00"),
    ]


def test_no_description_no_determination(ops, business_day):
    deal = make_abs_deal(actor=ops)
    with_periods(deal, actor=ops)
    business_day(date(2027, 4, 5))
    period = CollectionPeriod.objects.get(deal=deal, number=1)

    with pytest.raises(GuardFailed, match=f"Deal '{deal}' has no waterfall description yet."):
        period_determine(period=period, actor=ops, pool_balance=POOL)
    assert WaterfallRun.objects.count() == 0


def test_determine_and_approve_through_the_api(ops, ops2, api, first, business_day):
    business_day(date(2027, 4, 5))
    url = f"/api/v1/servicing/periods/{first.pk}"

    determined = api(ops).post(
        f"{url}/determine/", {"pool_balance": "9800000.00"}, format="json", HTTP_IDEMPOTENCY_KEY="det-1"
    )
    again = api(ops).post(
        f"{url}/determine/", {"pool_balance": "9800000.00"}, format="json", HTTP_IDEMPOTENCY_KEY="det-1"
    )
    assert (determined.status_code, determined.json()["state"], again.headers["Idempotent-Replayed"]) == (
        200,
        "determined",
        "true",
    )
    assert WaterfallRun.objects.count() == 1

    own = api(ops).post(f"{url}/approve/", {}, format="json")
    assert (own.status_code, own.json()["error"]["code"]) == (403, "maker_checker")
    approved = api(ops2).post(f"{url}/approve/", {}, format="json")
    assert (approved.status_code, approved.json()["state"]) == (200, "distributing")

    runs = api(ops).get("/api/v1/servicing/runs/", {"period": first.pk}).json()["results"]
    assert [(r["number"], r["available_funds"]) for r in runs] == [(1, "363500.75")]
    exported = api(ops).get(f"/api/v1/servicing/runs/{runs[0]['id']}/available-funds/csv/")
    assert exported.content.decode().splitlines()[-1] == ",total,available funds,363500.75,USD,,"


def test_a_bad_pool_balance_is_a_400_naming_the_field(ops, api, first, business_day):
    business_day(date(2027, 4, 5))
    response = api(ops).post(
        f"/api/v1/servicing/periods/{first.pk}/determine/", {"pool_balance": "12.345"}, format="json"
    )
    assert (response.status_code, list(response.json()["error"]["fields"])) == (400, ["pool_balance"])
    assert WaterfallRun.objects.count() == 0


def test_the_admin_period_page_shows_the_waterfall_table(ops, client, first, business_day):
    business_day(date(2027, 4, 5))
    period_determine(period=first, actor=ops, pool_balance=POOL)
    client.force_login(ops)

    page = client.get(f"/admin/servicing/collectionperiod/{first.pk}/change/").content.decode()

    assert "Waterfall (run 1)" in page
    assert (
        '<tr><td>2</td><td>Class A interest</td><td style="text-align:right">102,083.33 USD</td>\n'
        '              <td style="text-align:right">102,083.33 USD</td>'
        '<td style="text-align:right">0.00 USD</td></tr>'
    ) in page


def test_adjustments_that_take_more_than_the_collections_are_refused(ops, ops2, first, business_day):
    business_day(date(2027, 4, 5))
    cut = funds_adjustment_propose(period=first, amount=Decimal("-363600.75"), reason="Clawback", actor=ops)
    funds_adjustment_approve(adjustment=cut, actor=ops2)
    before = snapshot()

    with pytest.raises(InvalidInput) as caught:
        period_determine(period=first, actor=ops, pool_balance=POOL)

    assert (caught.value.field, caught.value.message) == (
        "collections",
        (
            "Period 1's collections with its adjustments come to -100.00 USD: a waterfall cannot pay out "
            "less than nothing; correct the adjustments first."
        ),
    )
    assert snapshot() == before
