"""Malformed or extreme request parameters answer 400 naming the parameter (issue 9, finding 3).

Before, they reached the code: ``/collateral/abc/`` and ``as_of=0001-01-01`` answered 500, a
day count of 99999999999999 overflowed in the officers' queue, and minimum datetimes shifted
by a timezone, dates in year 1 or 9999 were taken as filters and silently matched nothing.
"""

from datetime import date

import pytest

from assets.models import Device
from assets.services import invoicing
from core.errors import InvalidInput
from core.models import AuditEvent
from screening.services import list_import
from tests.assets.builders import make_gpu_server, make_lease
from tests.factories import make_deal
from tests.two_factor import VerifiedClient

pytestmark = pytest.mark.django_db

RANGE = "is outside 1990-01-01 to 2200-12-31."
DATETIME_RANGE = "is outside 1990-01-01T00:00:00+00:00 to 2200-12-31T23:59:59.999999+00:00."
BIGINT = "from 1 to 9223372036854775807."


def assert_bad(response, field: str, message: str) -> None:
    """400 ``invalid`` naming ``field`` with exactly ``message``."""
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert (error["code"], error["fields"]) == ("invalid", {field: [message]})


@pytest.fixture
def deal(ops):
    deal = make_deal(actor=ops)
    make_gpu_server(actor=ops, deal=deal)
    return deal


def test_collateral_of_a_deal_id_that_is_not_a_number_is_a_400_naming_id(trustee, deal, api):
    response = api(trustee).get("/api/v1/collateral/abc/")

    assert_bad(response, "id", f"id 'abc' is not a whole number {BIGINT}")


@pytest.mark.parametrize("raw", ["null,null", "99999999999999999999", "１２"])
def test_collateral_ids_that_are_no_bigint_are_refused(raw, trustee, deal, api):
    response = api(trustee).get(f"/api/v1/collateral/{raw}/")

    assert_bad(response, "id", f"id '{raw}' is not a whole number {BIGINT}")


@pytest.mark.parametrize("as_of", ["0001-01-01", "9999-12-31", "1989-12-31"])
def test_collateral_as_of_outside_the_business_range_is_a_400(as_of, trustee, deal, api):
    response = api(trustee).get(f"/api/v1/collateral/{deal.pk}/", {"as_of": as_of})

    assert_bad(response, "as_of", f"as_of {as_of} {RANGE}")


def test_collateral_as_of_that_is_not_a_date_is_a_400(trustee, deal, api):
    response = api(trustee).get(f"/api/v1/collateral/{deal.pk}/", {"as_of": "2026-02-30"})

    assert_bad(response, "as_of", "as_of '2026-02-30' is not a date (YYYY-MM-DD).")


@pytest.mark.parametrize("deal", ["²", "1e9", "99999999999999999999"])
def test_eligibility_of_a_deal_that_is_no_id_is_a_400_naming_deal(deal, investor, investor_user, api):
    response = api(investor_user).get(f"/api/v1/investors/{investor.pk}/eligibility/", {"deal": deal})

    assert_bad(response, "deal", f"deal '{deal}' is not a whole number {BIGINT}")


def test_aging_as_of_year_1_is_a_400(ops, api):
    response = api(ops).get("/api/v1/invoices/aging/", {"as_of": "0001-01-01"})

    assert_bad(response, "as_of", f"as_of 0001-01-01 {RANGE}")


@pytest.mark.parametrize("moment", ["0001-01-01T00:00:00+01:00", "0001-01-01T00:00:00",
                                    "9999-12-31T23:59:59-01:00"])
def test_an_investor_filtering_the_audit_trail_with_an_extreme_datetime_gets_a_400(
        moment, investor, investor_user, api):
    response = api(investor_user).get("/api/v1/audit-events/", {"at_after": moment})

    assert response.status_code == 400, response.content
    assert list(response.json()["error"]["fields"]) == ["at_after"]
    assert response.json()["error"]["fields"]["at_after"][0].endswith(DATETIME_RANGE)


def test_the_audit_filter_names_the_shifted_minimum_datetime(ops, api):
    response = api(ops).get("/api/v1/audit-events/", {"at_before": "0001-01-01T00:00:00+01:00"})

    assert_bad(response, "at_before", f"0001-01-01T00:00:00+01:00 {DATETIME_RANGE}")


def test_a_date_time_with_an_offset_postgresql_refuses_is_compared_in_utc(investor, investor_user, api):
    """PostgreSQL takes offsets up to 15:59; Python up to 23:59. The filter sends UTC."""
    response = api(investor_user).get("/api/v1/audit-events/", {"at_after": "2026-01-01T00:00:00+21:28"})

    assert response.status_code == 200
    assert [e["object_repr"] for e in response.json()["results"]] == ["Own Investor Ltd"]


@pytest.mark.parametrize(("name", "moment"), [("hour_after", "0001-01-01T00:00:00+01:00"),
                                              ("hour_before", "9999-12-31T23:59:59-05:00")])
def test_metering_filters_refuse_datetimes_outside_the_range(name, moment, ops, api):
    response = api(ops).get("/api/v1/meter-readings/", {name: moment})

    assert_bad(response, name, f"{moment} {DATETIME_RANGE}")


@pytest.mark.parametrize(("path", "name", "value"), [
    ("/api/v1/invoices/", "period_start", "0001-01-01"),
    ("/api/v1/invoices/", "due_before", "9999-12-31"),
    ("/api/v1/deals/", "closing_after", "0001-01-01"),
    ("/api/v1/bank-entries/", "booking_date", "0001-01-01"),
    ("/api/v1/fx-rates/", "as_of", "9999-12-31"),
])
def test_date_filters_refuse_dates_outside_the_range(path, name, value, ops, api):
    response = api(ops).get(path, {name: value})

    assert_bad(response, name, f"{value} {RANGE}")


@pytest.mark.parametrize(("path", "name", "value", "bounds"), [
    ("/api/v1/tranches/", "seniority", "99999999999999999999", "0 to 32767."),
    ("/api/v1/audit-events/", "object_id", "1e999999", "0 to 9223372036854775807."),
    ("/api/v1/subscriptions/", "deal", "1e999999", "-9223372036854775808 to 9223372036854775807."),
    ("/api/v1/subscriptions/", "deal", "%(x)s %d", "-9223372036854775808 to 9223372036854775807."),
])
def test_number_filters_take_whole_numbers_that_fit_their_column(path, name, value, bounds, ops, api):
    response = api(ops).get(path, {name: value})

    assert response.status_code == 400, response.content
    [message] = response.json()["error"]["fields"][name]
    assert message.endswith(bounds)


def officer_client(officer) -> VerifiedClient:
    client = VerifiedClient()  # staff pass the second factor
    client.force_login(officer)
    return client


@pytest.mark.parametrize(("params", "field", "message"), [
    ({"older_than_days": "99999999999999"}, "older_than_days",
     "Ensure this value is less than or equal to 36500."),
    ({"assignee": "²"}, "assignee", "Give 'me', 'none' or a user id: '²' is not a whole number from 1 to "
                                    "9223372036854775807."),
])
def test_the_review_queue_refuses_filters_it_cannot_use_naming_them(params, field, message, officer):
    response = officer_client(officer).get("/compliance/queue/", params)

    assert response.status_code == 400
    assert response.context["form"].errors == {field: [message]}


def test_the_review_queue_still_filters_by_age(officer, investor):
    response = officer_client(officer).get("/compliance/queue/", {"older_than_days": "36500"})

    assert response.status_code == 200


@pytest.mark.parametrize(("field", "value", "message"), [
    ("reference", "R" * 201, "Ensure this field has no more than 200 characters."),
    ("value_date", "0001-01-01", f"Ensure this value is greater than or equal to {date(1990, 1, 1)}."),
])
def test_over_long_references_and_year_1_dates_in_a_payment_are_400s(field, value, message, ops, api):
    lease = make_lease(actor=ops, devices=[make_gpu_server(actor=ops)], minimum="1500.00")
    invoice = invoicing.invoice_generate(lease=lease, period_start=date(2026, 1, 1), actor=ops)
    invoicing.invoice_issue(invoice=invoice, actor=ops, issue_date=date(2026, 2, 1))
    events = AuditEvent.objects.count()

    response = api(ops).post(f"/api/v1/invoices/{invoice.pk}/record-payment/",
                             {"amount": "10.00", "value_date": "2026-02-02", field: value})

    assert_bad(response, field, message)
    assert AuditEvent.objects.count() == events


def test_an_over_long_device_code_is_a_400_naming_it(ops, api):
    devices = Device.objects.count()

    response = api(ops).post("/api/v1/devices/", {"code": "C" * 65})

    assert response.status_code == 400
    assert response.json()["error"]["fields"]["code"] == ["Ensure this field has no more than 64 characters."]
    assert Device.objects.count() == devices


LIST_HEADER = ("id,schema,name,aliases,birth_date,countries,addresses,identifiers,sanctions,phones,emails,"
               "dataset,first_seen,last_seen,last_change\n")


def test_a_sanctions_list_with_a_first_seen_past_year_9999_is_refused_naming_the_line(officer, ops, api):
    row = "gcx-9,Person,Far Future,,,,,,,,,Demo,9999-12-31T23:00:00-05:00,,\n"

    with pytest.raises(InvalidInput) as refused:
        list_import(name="future", version_label="v1", data=(LIST_HEADER + row).encode(), actor=officer)

    assert refused.value.reasons == [
        "line 2: first_seen '9999-12-31T23:00:00-05:00' is outside the business range: "
        "9999-12-31T23:00:00-05:00 is outside 1990-01-01T00:00:00+00:00 to 2200-12-31T23:59:59.999999+00:00."]
    assert api(ops).get("/api/v1/screening/entries/").status_code == 200
