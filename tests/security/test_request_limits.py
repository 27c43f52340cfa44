"""CPU and memory exhaustion (issue 9, finding 5): bounded bodies, lists and rates.

The read-only trustee could post 5,000 cash-flow lines to ``/investment-models/evaluate/`` and
hold a worker; a 400 MB document was received whole before being refused; nothing limited how
often one user could ask.
"""

import io

import pytest
from django.conf import settings
from django.core.cache import cache
from rest_framework.throttling import SimpleRateThrottle

from assets.models import Lease
from compliance.models import DealEligibility, Document
from tests.assets.builders import make_counterparty, make_gpu_server

pytestmark = pytest.mark.django_db
MB = 1024 * 1024


class RecordingStream(io.BytesIO):
    """A request body that remembers whether anyone read it."""

    reads = 0

    def read(self, *args):
        self.reads += 1
        return super().read(*args)

    def readline(self, *args):
        self.reads += 1
        return super().readline(*args)


def declared(size: int, body: bytes = b"%PDF-1.4 tiny") -> tuple[dict, RecordingStream]:
    stream = RecordingStream(body)
    return {"CONTENT_LENGTH": str(size), "wsgi.input": stream}, stream


def test_a_400_mb_document_is_refused_before_its_body_is_read(investor, investor_user, api):
    documents = Document.objects.count()
    extra, stream = declared(400 * MB)

    response = api(investor_user).generic("POST", "/api/v1/documents/",
                                          content_type="multipart/form-data; boundary=x", **extra)

    assert response.status_code == 413
    assert response.json() == {"error": {"code": "too_large", "message": (
        "The request body is 419430400 bytes (400.0 MB); /api/v1/documents/ takes at most 10551296 bytes "
        "(10.1 MB).")}}
    assert stream.reads == 0
    assert Document.objects.count() == documents


def test_a_json_body_over_the_general_limit_is_refused_unread(trustee, api):
    extra, stream = declared(2 * MB, b"{}")

    response = api(trustee).generic("POST", "/api/v1/investment-models/evaluate/",
                                    content_type="application/json", **extra)

    assert response.status_code == 413
    assert response.json()["error"]["message"] == (
        "The request body is 2097152 bytes (2.0 MB); /api/v1/investment-models/evaluate/ takes at most "
        "1048576 bytes (1.0 MB).")
    assert stream.reads == 0


def test_each_upload_route_has_its_own_limit_and_every_other_route_the_general_one():
    from core.middleware import body_limit

    assert body_limit("/api/v1/documents/") == settings.COMPLIANCE_MAX_UPLOAD_BYTES + 64 * 1024
    assert body_limit("/api/v1/metering-imports/upload/") == 200 * MB + 64 * 1024
    assert body_limit("/api/v1/bank-statements/upload/") == 50 * MB + 64 * 1024
    assert body_limit("/api/v1/deals/") == settings.DATA_UPLOAD_MAX_MEMORY_SIZE == MB


def test_5000_cash_flow_lines_from_the_trustee_are_refused_naming_the_field(trustee, api):
    body = {"currency": "USD", "capex": "1000.00", "revenue": ["10.00"] * 5000, "opex": ["1.00"] * 5000,
            "discount_rate": "0.08"}

    response = api(trustee).post("/api/v1/investment-models/evaluate/", body)

    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {
        "revenue": ["Ensure this field has no more than 100 elements."],
        "opex": ["Ensure this field has no more than 100 elements."]}


def test_a_hundred_years_of_cash_flows_still_evaluate(trustee, api):
    body = {"currency": "USD", "capex": "1000.00", "revenue": ["400.00"] * 100, "opex": ["50.00"] * 100,
            "discount_rate": "0.08"}

    response = api(trustee).post("/api/v1/investment-models/evaluate/", body)

    assert response.status_code == 200
    assert response.json()["payback_years"] == "2.86"


def test_json_nested_too_deeply_is_a_400_not_a_500(trustee, api):
    deep = "[" * 100_000 + "]" * 100_000

    response = api(trustee).generic("POST", "/api/v1/investment-models/evaluate/", deep,
                                    content_type="application/json")

    assert response.status_code == 400
    assert response.json()["error"] == {
        "code": "parse_error", "message": "JSON parse error - the document is nested deeper than 64 levels."}


def test_a_lease_naming_more_devices_than_allowed_is_refused_before_any_lookup(
        ops, api, django_assert_max_num_queries):
    lessee = make_counterparty(actor=ops)
    device = make_gpu_server(actor=ops)
    body = {"reference": "L-MANY", "lessee": lessee.pk, "spv": device.spv_id,
            "devices": list(range(1, 1002)), "currency": "USD", "price_per_gpu_hour": "2.000000",
            "start_date": "2026-01-01", "end_date": "2026-12-31"}
    client = api(ops)
    client.get("/api/v1/leases/")  # the token and permissions are read once

    with django_assert_max_num_queries(8):
        response = client.post("/api/v1/leases/", body)

    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"devices": ["At most 1000 ids; 1001 given."]}
    assert Lease.objects.count() == 0


def test_device_ids_of_a_lease_are_read_in_one_query_and_unknown_ones_named(ops, api):
    lessee = make_counterparty(actor=ops)
    device = make_gpu_server(actor=ops)
    body = {"reference": "L-UNKNOWN", "lessee": lessee.pk, "spv": device.spv_id,
            "devices": [device.pk, 999999991, "abc"], "currency": "USD", "price_per_gpu_hour": "2.000000",
            "start_date": "2026-01-01", "end_date": "2026-12-31"}

    response = api(ops).post("/api/v1/leases/", body)

    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"devices": ["'abc' is not an id."]}
    body["devices"] = [device.pk, 999999991]
    assert api(ops).post("/api/v1/leases/", body).json()["error"]["fields"] == {
        "devices": ["No such id: 999999991."]}
    assert Lease.objects.count() == 0


def test_eligibility_lists_are_bounded(officer, draft_deal, api):
    body = {"deal": draft_deal.pk, "allowed_jurisdictions": ["SG"] * 301}

    response = api(officer).post("/api/v1/deal-eligibility/", body)

    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {
        "allowed_jurisdictions": ["Ensure this field has no more than 300 elements."]}
    assert DealEligibility.objects.count() == 0


def test_a_form_with_more_fields_than_allowed_is_a_400_in_the_api_format(officer, draft_deal, api):
    fields = [("blocked_jurisdictions", "SG")] * 201
    body = "&".join(f"{name}={value}" for name, value in fields)

    response = api(officer).generic("POST", "/api/v1/deal-eligibility/", body,
                                    content_type="application/x-www-form-urlencoded")

    assert response.status_code == 400
    assert response.json() == {"error": {"code": "bad_request", "message": (
        "The number of GET/POST parameters exceeded settings.DATA_UPLOAD_MAX_NUMBER_FIELDS.")}}
    assert DealEligibility.objects.count() == 0


@pytest.fixture
def rates(settings):
    """Low rates for one test, on a clean count and a clock that stands still."""

    def set_rates(**rates):
        settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], **rates}}

    cache.clear()
    yield set_rates
    cache.clear()


@pytest.fixture
def frozen_clock(monkeypatch):
    monkeypatch.setattr(SimpleRateThrottle, "timer", staticmethod(lambda: 1_800_000_000.0))


def test_the_request_after_a_users_rate_gets_429_with_retry_after(rates, frozen_clock, ops, api):
    rates(user="3/minute")
    client = api(ops)

    statuses = [client.get("/api/v1/deals/").status_code for _ in range(3)]
    refused = client.get("/api/v1/deals/")

    assert statuses == [200, 200, 200]
    assert (refused.status_code, refused["Retry-After"]) == (429, "60")
    assert refused.json() == {"error": {
        "code": "throttled", "message": "Request was throttled. Expected available in 60 seconds."}}


def test_one_users_rate_does_not_spend_anothers(rates, frozen_clock, ops, trustee, api):
    rates(user="2/minute")
    for _ in range(2):
        api(ops).get("/api/v1/deals/")

    assert api(ops).get("/api/v1/deals/").status_code == 429
    assert api(trustee).get("/api/v1/deals/").status_code == 200


def test_a_costly_route_has_its_own_lower_rate(rates, frozen_clock, trustee, api):
    rates(compute="2/minute")
    body = {"currency": "USD", "capex": "1000.00", "revenue": ["400.00"], "opex": ["50.00"],
            "discount_rate": "0.08"}
    client = api(trustee)

    statuses = [client.post("/api/v1/investment-models/evaluate/", body).status_code for _ in range(3)]

    assert statuses == [200, 200, 429]
    assert client.get("/api/v1/investment-models/").status_code == 200  # other routes still answer


def test_anonymous_requests_have_their_own_rate(rates, frozen_clock, api):
    rates(anon="1/minute")

    first = api(None).get("/api/schema/")  # open to all, and costly to build
    second = api(None).get("/api/schema/")

    assert (first.status_code, second.status_code, second["Retry-After"]) == (200, 429, "60")
