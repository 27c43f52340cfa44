"""Recorded exchange rates: who may record one, the bounds, once per pair/day/source, which one applies."""

from datetime import date
from decimal import Decimal

import pytest

from core.errors import InvalidInput, NotPermitted, Refused
from core.fx import fx_rate_record, latest_rates
from core.models import AuditEvent, FxRate

pytestmark = pytest.mark.django_db
ECB = "ECB reference rate"


def _record(actor, **overrides):
    values = {"base": "EUR", "quote": "USD", "rate": Decimal("1.0850"), "as_of": date(2026, 6, 30),
              "source": ECB}
    return fx_rate_record(actor=actor, **(values | overrides))


def _audit_count() -> int:
    return AuditEvent.objects.filter(content_type__model="fxrate").count()


def test_operations_record_a_rate_and_it_is_audited(ops):
    row = _record(ops)

    assert (row.base, row.quote, row.rate, row.as_of, row.source, row.recorded_by) == (
        "EUR", "USD", Decimal("1.0850"), date(2026, 6, 30), ECB, ops)
    event = AuditEvent.objects.get(content_type__model="fxrate", object_id=row.pk)
    assert (event.actor, event.action, event.changes["rate"], event.changes["source"]) == (
        ops, "create", [None, "1.0850"], [None, ECB])


@pytest.mark.parametrize("role", ["trustee", "officer", "investor_user"])
def test_other_roles_may_not_record_rates(role, request):
    with pytest.raises(NotPermitted, match="record FX rates"):
        _record(request.getfixturevalue(role))
    assert (FxRate.objects.count(), _audit_count()) == (0, 0)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"rate": Decimal("NaN")}, "rate"),
        ({"rate": Decimal("Infinity")}, "rate"),
        ({"rate": "abc"}, "rate"),
        ({"rate": Decimal("0")}, "rate"),
        ({"rate": Decimal("-1.08")}, "rate"),
        ({"rate": Decimal("100000001")}, "rate"),
        ({"rate": Decimal("0.00000001")}, "rate"),
        ({"rate": Decimal("1.08500000001")}, "rate"),
        ({"base": "XYZ"}, "base"),
        ({"quote": "usd", "base": "usd"}, "quote"),
        ({"source": "  "}, "source"),
        ({"as_of": date(2999, 1, 1)}, "as_of"),
    ],
)
def test_bad_rates_are_refused_naming_the_field(ops, overrides, field):
    with pytest.raises(InvalidInput) as refused:
        _record(ops, **overrides)
    assert refused.value.field == field
    assert (FxRate.objects.count(), _audit_count()) == (0, 0)


def test_a_rate_is_recorded_once_per_pair_day_and_source(ops):
    _record(ops)
    with pytest.raises(Refused) as refused:
        _record(ops, rate=Decimal("1.0900"))
    assert refused.value.message == (
        "EUR/USD from 'ECB reference rate' on 2026-06-30 is already recorded as 1.0850000000 (by ops); "
        "rates are recorded once and never changed.")
    _record(ops, source="WM/Refinitiv 4pm London", rate=Decimal("1.0852"))  # another source is another rate
    assert (FxRate.objects.count(), _audit_count()) == (2, 2)


def test_the_latest_rate_on_or_before_the_day_applies(ops):
    _record(ops, as_of=date(2026, 6, 29), rate=Decimal("1.0800"))
    _record(ops, as_of=date(2026, 6, 30), rate=Decimal("1.0850"))
    _record(ops, as_of=date(2026, 7, 2), rate=Decimal("1.0999"))  # after the day: not used

    applied = latest_rates({("EUR", "USD")}, on=date(2026, 7, 1))[("EUR", "USD")]

    assert (applied.rate.rate, applied.rate.as_of, applied.inverted) == (Decimal("1.0850"), date(2026, 6, 30),
                                                                          False)
    # 1,000,000.00 EUR x 1.085 = 1,085,000.00 USD; 0.01 EUR x 1.085 = 0.01085 -> 0.01 USD (half-even)
    assert applied.convert(Decimal("1000000.00")) == Decimal("1085000.00")
    assert applied.convert(Decimal("0.01")) == Decimal("0.01")
    assert applied.describe() == "EUR/USD 1.085 on 2026-06-30 (ECB reference rate)"
    assert latest_rates({("EUR", "USD")}, on=date(2026, 6, 28)) == {}


def test_the_inverse_pair_converts_by_division_to_the_minor_unit(ops):
    _record(ops, base="USD", quote="JPY", rate=Decimal("150.00"), source="BOJ")

    applied = latest_rates({("JPY", "USD"), ("USD", "JPY")}, on=date(2026, 7, 1))

    # 50,000,000 JPY / 150 = 333,333.333... USD -> 333,333.33
    assert applied[("JPY", "USD")].inverted is True
    assert applied[("JPY", "USD")].convert(Decimal("50000000")) == Decimal("333333.33")
    assert applied[("JPY", "USD")].describe() == "USD/JPY 150 on 2026-06-30 (BOJ, inverted)"
    # 1,234.56 USD x 150 = 185,184 JPY (yen have no minor unit)
    assert applied[("USD", "JPY")].convert(Decimal("1234.56")) == Decimal("185184")


def test_a_later_inverse_rate_beats_an_older_direct_one(ops):
    _record(ops, base="JPY", quote="USD", rate=Decimal("0.0070"), as_of=date(2026, 6, 1), source="BOJ")
    _record(ops, base="USD", quote="JPY", rate=Decimal("160"), as_of=date(2026, 6, 30), source="BOJ")

    applied = latest_rates({("JPY", "USD")}, on=date(2026, 7, 1))[("JPY", "USD")]

    assert (applied.inverted, applied.convert(Decimal("16000"))) == (True, Decimal("100.00"))


def test_staff_read_rates_in_the_api_and_operations_record_them(ops, trustee, investor_user, api):
    created = api(ops).post("/api/v1/fx-rates/", {"base": "EUR", "quote": "USD", "rate": "1.0850",
                                                  "as_of": "2026-06-30", "source": ECB}, format="json")
    assert created.status_code == 201, created.json()

    listed = api(trustee).get("/api/v1/fx-rates/", {"base": "EUR"}).json()["results"]

    rows = [(r["base"], r["quote"], r["rate"], r["as_of"], r["source"], r["recorded_by"]) for r in listed]
    assert rows == [("EUR", "USD", "1.0850000000", "2026-06-30", ECB, "ops")]
    assert api(trustee).post("/api/v1/fx-rates/", {}, format="json").status_code == 403
    assert api(investor_user).get("/api/v1/fx-rates/").status_code == 403


def test_the_api_refuses_a_second_rate_for_the_same_day_and_nan(ops, api):
    body = {"base": "EUR", "quote": "USD", "rate": "1.0850", "as_of": "2026-06-30", "source": ECB}
    assert api(ops).post("/api/v1/fx-rates/", body, format="json").status_code == 201

    again = api(ops).post("/api/v1/fx-rates/", body | {"rate": "1.09"}, format="json")
    nan = api(ops).post("/api/v1/fx-rates/", body | {"rate": "NaN", "as_of": "2026-06-29"}, format="json")

    assert (again.status_code, list(again.json()["error"]["fields"])) == (409, ["rate"])
    assert (nan.status_code, list(nan.json()["error"]["fields"])) == (400, ["rate"])
    assert FxRate.objects.count() == 1


def test_the_admin_records_through_the_service_and_never_edits(ops, trustee, client):
    client.force_login(ops)
    history = "core-auditevent-content_type-object_id"  # the audit trail inline's (empty) formset
    response = client.post("/admin/core/fxrate/add/", {
        "base": "EUR", "quote": "USD", "rate": "1.0850", "as_of": "2026-06-30", "source": ECB,
        f"{history}-TOTAL_FORMS": "0", f"{history}-INITIAL_FORMS": "0"})

    assert response.status_code == 302
    row = FxRate.objects.get()
    assert (row.recorded_by, _audit_count()) == (ops, 1)
    assert client.get(f"/admin/core/fxrate/{row.pk}/change/").context["has_change_permission"] is False
    client.force_login(trustee)
    assert client.get("/admin/core/fxrate/").status_code == 200
    assert client.get("/admin/core/fxrate/add/").status_code == 403
