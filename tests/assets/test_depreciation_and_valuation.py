"""Straight-line book values to the cent, and a device's valuation history."""

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import pytest

from assets.depreciation import accumulated_depreciation, book_value
from assets.selectors import devices_visible_to
from assets.services import fleet
from core.errors import InvalidInput
from core.models import AuditEvent
from tests.assets.builders import make_gpu_server

COST, RESIDUAL = Decimal("120000.00"), Decimal("20000.00")


def value_at(at, **kw):
    return book_value(cost=COST, residual=RESIDUAL, start=date(2024, 1, 1), life_years=4, at=at,
                      currency="USD", **kw)


def test_book_value_is_the_cost_until_the_purchase_date():
    assert value_at(date(2023, 6, 30)) == Decimal("120000.00")
    assert value_at(date(2024, 1, 1)) == Decimal("120000.00")


def test_after_one_year_of_a_four_year_life_including_a_leap_day():
    # 100,000 x 366 / 1,461 days = 25,051.3347...; 120,000 - that = 94,948.6652... -> 94,948.67
    assert value_at(date(2025, 1, 1)) == Decimal("94948.67")
    assert accumulated_depreciation(
        cost=COST, residual=RESIDUAL, start=date(2024, 1, 1), life_years=4, at=date(2025, 1, 1),
        currency="USD",
    ) == Decimal("25051.33")


def test_mid_life():
    # 912 days: 100,000 x 912 / 1,461 = 62,422.9979...; book 57,577.0020... -> 57,577.00
    assert value_at(date(2026, 7, 1)) == Decimal("57577.00")


def test_residual_value_from_the_end_of_life_on():
    assert value_at(date(2028, 1, 1)) == Decimal("20000.00")
    assert value_at(date(2031, 1, 1)) == Decimal("20000.00")


def test_rounding_is_half_even_by_default_and_can_be_named():
    kw = {
        "cost": Decimal("1000.05"),
        "residual": Decimal("0"),
        "start": date(2025, 1, 1),
        "life_years": 2,
        "at": date(2026, 1, 1),
        "currency": "USD",
    }
    assert book_value(**kw) == Decimal("500.02")  # exactly 500.025
    assert book_value(**kw, rounding=ROUND_HALF_UP) == Decimal("500.03")


def test_leap_day_purchase_ends_on_28_february():
    leap = {"cost": Decimal("1000.00"), "residual": Decimal("0"), "start": date(2024, 2, 29), "life_years": 1,
            "currency": "USD"}
    assert book_value(**leap, at=date(2025, 2, 27)) == Decimal("2.74")  # 1 of 365 days left
    assert book_value(**leap, at=date(2025, 2, 28)) == Decimal("0.00")


def test_book_value_uses_the_currency_minor_unit():
    jpy = {"cost": Decimal("1000000"), "residual": Decimal("0"), "start": date(2025, 1, 1), "life_years": 3,
           "at": date(2025, 1, 2)}
    # 1,000,000 x (1 - 1/1,095) = 999,086.7579... -> 999,087 yen, no decimals
    assert str(book_value(**jpy, currency="JPY")) == "999087"
    assert str(book_value(**jpy, currency="KWD")) == "999086.758"
    assert str(book_value(**jpy, currency="USD")) == "999086.76"


def test_bad_parameters_are_refused():
    with pytest.raises(ValueError, match="residual"):
        book_value(
            cost=Decimal("10"),
            residual=Decimal("11"),
            start=date(2025, 1, 1),
            life_years=1,
            at=date(2025, 6, 1),
            currency="USD",
        )
    with pytest.raises(ValueError, match="life_years"):
        book_value(
            cost=Decimal("10"),
            residual=Decimal("0"),
            start=date(2025, 1, 1),
            life_years=0,
            at=date(2025, 6, 1),
            currency="USD",
        )


@pytest.mark.django_db
def test_device_book_value_uses_its_own_terms(ops):
    device = make_gpu_server(
        actor=ops, cost="250000.00", residual="25000.00", bought=date(2026, 1, 1), life=4
    )
    # 225,000 x 181 / 1,461 = 27,874.743...; 250,000 - that = 222,125.2566... -> 222,125.26
    assert device.book_value(date(2026, 7, 1)) == Decimal("222125.26")


@pytest.mark.django_db
def test_appraisals_form_a_history_and_the_latest_is_shown(ops):
    device = make_gpu_server(actor=ops)
    fleet.appraisal_record(
        actor=ops,
        device=device,
        valued_on=date(2026, 3, 31),
        value=Decimal("240000.00"),
        appraiser="GPU Valuers Ltd",
        method="market comparables",
    )
    fleet.appraisal_record(
        actor=ops,
        device=device,
        valued_on=date(2026, 9, 30),
        value=Decimal("205000.00"),
        appraiser="GPU Valuers Ltd",
        method="market comparables",
    )

    row = devices_visible_to(ops).get(pk=device.pk)

    assert row.latest_appraisal_value == Decimal("205000.00")
    assert row.latest_appraisal_date == date(2026, 9, 30)
    assert [a.value for a in device.appraisals.all()] == [Decimal("205000.00"), Decimal("240000.00")]
    assert AuditEvent.objects.filter(content_type__model="appraisal", action="create").count() == 2


@pytest.mark.django_db
def test_an_appraisal_in_another_currency_is_refused_and_nothing_is_stored(ops):
    device = make_gpu_server(actor=ops)
    with pytest.raises(InvalidInput, match="in USD"):
        fleet.appraisal_record(
            actor=ops,
            device=device,
            valued_on=date(2026, 3, 31),
            value=Decimal("1.00"),
            currency="EUR",
            appraiser="X",
        )
    assert device.appraisals.count() == 0
