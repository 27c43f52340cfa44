"""A bad stored value must not take the service down (issue 9, finding 2).

A PATCH of ``useful_life_years=8000`` used to answer 500 yet be saved, and from then on the
device list and the collateral view answered 500 for everyone. Now every number and date has a
business range, refused at the serializer (400 naming the field), in the service and in the
database; and a device whose stored figures cannot give a book value shows why on its row while
the pages keep working.
"""

from datetime import date

import pytest
from django.apps import apps as django_apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, connection, migrations, transaction

from assets.models import Device, MeterReading
from core import bounds
from core.models import AuditEvent
from tests.assets.builders import make_gpu_server, make_lease
from tests.factories import make_deal
from tests.two_factor import VerifiedClient

pytestmark = pytest.mark.django_db


def min_message(limit) -> str:
    return f"Ensure this value is greater than or equal to {limit}."


def max_message(limit) -> str:
    return f"Ensure this value is less than or equal to {limit}."


def assert_refused(response, field: str, message: str) -> None:
    assert response.status_code == 400, response.content
    assert response.json()["error"]["fields"] == {field: [message]}


@pytest.fixture
def device(ops):
    return make_gpu_server(actor=ops, deal=make_deal(actor=ops), life=4)


def test_a_useful_life_of_8000_years_is_refused_and_nothing_is_saved(ops, device, api):
    events = AuditEvent.objects.count()

    response = api(ops).patch(f"/api/v1/devices/{device.pk}/", {"useful_life_years": 8000})

    assert_refused(response, "useful_life_years", max_message(50))
    device.refresh_from_db()
    assert device.useful_life_years == 4
    assert AuditEvent.objects.count() == events


@pytest.mark.parametrize(("field", "value", "message"), [
    ("useful_life_years", 0, min_message(1)),
    ("useful_life_years", 51, max_message(50)),
    ("gpu_count", 257, max_message(256)),
    ("tdp_watts", 10_001, max_message(10_000)),
    ("purchase_date", "1989-12-31", min_message(date(1990, 1, 1))),
    ("purchase_date", "9999-12-31", max_message(date(2200, 12, 31))),
])
def test_each_device_figure_outside_its_range_is_refused_naming_it(field, value, message, ops, device, api):
    before = Device.objects.values().get(pk=device.pk)

    response = api(ops).patch(f"/api/v1/devices/{device.pk}/", {field: value})

    assert_refused(response, field, message)
    assert Device.objects.values().get(pk=device.pk) == before


@pytest.mark.parametrize(("method", "path", "body", "field", "message"), [
    ("patch", "/api/v1/leases/{lease}/", {"payment_terms_days": 366}, "payment_terms_days", max_message(365)),
    ("patch", "/api/v1/leases/{lease}/", {"end_date": "9999-12-31"}, "end_date",
     max_message(date(2200, 12, 31))),
    ("post", "/api/v1/invoices/generate/", {"through": "0001-01-01"}, "through",
     min_message(date(1990, 1, 1))),
    ("patch", "/api/v1/deals/{deal}/", {"legal_final_maturity": "9999-12-31"}, "legal_final_maturity",
     max_message(date(2200, 12, 31))),
])
def test_lease_invoice_and_deal_dates_and_terms_are_bounded(method, path, body, field, message, ops, api):
    lease = make_lease(actor=ops, devices=[make_gpu_server(actor=ops)], activate=False)
    deal = make_deal(actor=ops)
    events = AuditEvent.objects.count()

    response = getattr(api(ops), method)(path.format(lease=lease.pk, deal=deal.pk), body)

    assert_refused(response, field, message)
    assert AuditEvent.objects.count() == events


@pytest.mark.parametrize(("column", "value"), [("useful_life_years", 8000), ("purchase_date", date(1, 1, 1)),
                                               ("gpu_count", 300)])
def test_the_database_refuses_a_device_figure_outside_its_range(column, value, device):
    with pytest.raises(IntegrityError), transaction.atomic():
        Device.objects.filter(pk=device.pk).update(**{column: value})


def _store_a_life_from_before_the_bounds(device: Device, years: int) -> None:
    """A row saved before the database had the bound (the migration names such rows; a restored
    backup could still hold one): drop the constraint inside the test's transaction, then write."""
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no deferred checks pending before the ALTER
        cursor.execute("ALTER TABLE assets_device DROP CONSTRAINT device_useful_life_years_range")
    Device.objects.filter(pk=device.pk).update(useful_life_years=years)


PROBLEM = ("no book value: a useful life of 8000 years from 2026-01-01 ends after the last date the "
           "calendar knows (year 9999).")


def test_a_device_that_cannot_be_valued_shows_its_problem_and_the_device_pages_still_work(
        ops, trustee, device, api, business_day):
    business_day(date(2026, 7, 1))
    # 100,000 over 1,826 days (2026-01-01 to 2031-01-01), 181 days gone: 100,000 x 1,645 / 1,826
    good = make_gpu_server(actor=ops, deal=device.deal, cost="100000.00", residual="0.00", life=5)
    _store_a_life_from_before_the_bounds(device, 8000)

    listed = api(trustee).get("/api/v1/devices/")
    one = api(trustee).get(f"/api/v1/devices/{device.pk}/")

    assert (listed.status_code, one.status_code) == (200, 200)
    rows = {row["code"]: (row["book_value"], row["book_value_problem"]) for row in listed.json()["results"]}
    assert rows == {device.code: (None, PROBLEM), good.code: ("90087.62", None)}
    assert (one.json()["book_value"], one.json()["book_value_problem"]) == (None, PROBLEM)


def test_the_collateral_view_leaves_an_unvalued_device_out_of_the_totals_and_says_why(
        ops, trustee, device, api, business_day):
    business_day(date(2026, 7, 1))
    make_gpu_server(actor=ops, deal=device.deal, cost="100000.00", residual="0.00", life=5)
    _store_a_life_from_before_the_bounds(device, 8000)

    response = api(trustee).get(f"/api/v1/collateral/{device.deal_id}/", {"as_of": "2026-07-01"})

    assert response.status_code == 200
    body = response.json()
    assert body["problems"] == [{"device": device.code, "problem": PROBLEM}]
    assert body["totals"] == [{"currency": "USD", "purchase_cost": "350000.00", "book_value": "90087.62",
                               "latest_appraisal": "0.00", "insurance_cover": "0.00"}]
    row = next(r for r in body["devices"] if r["code"] == device.code)
    assert (row["book_value"], row["book_value_problem"]) == (None, PROBLEM)


def test_the_admin_device_pages_show_the_problem_instead_of_failing(ops, device, business_day):
    business_day(date(2026, 7, 1))
    _store_a_life_from_before_the_bounds(device, 8000)
    client = VerifiedClient()  # staff pass the second factor
    client.force_login(ops)

    change = client.get(f"/admin/assets/device/{device.pk}/change/")
    collateral = client.get("/admin/assets/device/collateral/",
                            {"deal": device.deal_id, "as_of": "2026-07-01"})

    assert (change.status_code, collateral.status_code) == (200, 200)
    assert PROBLEM in change.content.decode()
    assert PROBLEM in collateral.content.decode()


def test_the_admin_collateral_form_refuses_a_day_outside_the_business_range(ops, device):
    client = VerifiedClient()  # staff pass the second factor
    client.force_login(ops)

    response = client.get("/admin/assets/device/collateral/", {"deal": device.deal_id, "as_of": "0001-01-01"})

    assert response.status_code == 200
    assert response.context["form"].errors == {"as_of": [min_message(date(1990, 1, 1))]}


def test_a_metering_hour_before_1990_is_refused_naming_the_line(ops, api):
    """Devices are bought in 1990 at the earliest, so the service-life check names such hours."""
    make_gpu_server(actor=ops, code="GPU-OLD")
    data = (b"device,hour,gpu_hours,energy_wh\nGPU-OLD,2026-01-01T00:00:00Z,1,100\n"
            b"GPU-OLD,1989-12-31T23:00:00Z,1,1\n")

    response = api(ops).post("/api/v1/metering-imports/upload/",
                             {"file": SimpleUploadedFile("m.csv", data)}, format="multipart")

    assert response.status_code == 400
    assert response.json()["error"]["reasons"] == [
        "line 3: hour '1989-12-31T23:00:00Z' is before device 'GPU-OLD' entered service "
        "(purchased 2026-01-01)"]
    assert MeterReading.objects.count() == 0


def test_a_migration_adding_a_bound_names_the_stored_rows_that_break_it(device):
    _store_a_life_from_before_the_bounds(device, 8000)
    constraint = bounds.check("device", "useful_life_years", *bounds.USEFUL_LIFE_YEARS)
    step = bounds.refuse_rows_breaking("assets", [migrations.AddConstraint("device", constraint)])

    with pytest.raises(ValueError) as refused:
        step.code(django_apps, None)

    assert str(refused.value) == (
        "Stored rows lie outside the bounds this migration adds; correct them and migrate again:\n"
        f"  Device {device.pk} breaks device_useful_life_years_range")
