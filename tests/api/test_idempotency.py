"""Idempotency-Key: a retry gets the first answer back, without doing the work twice."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from compliance.models import Document
from core.models import AuditEvent, IdempotencyRecord
from issuance.models import SPV, Subscription
from tests.factories import PDF_BYTES, make_deal, make_lei, to_state

pytestmark = pytest.mark.django_db

REPLAYED = "Idempotent-Replayed"


def spv_body(**overrides):
    return {"legal_name": "Retry Compute SPV Ltd", "jurisdiction": "SG", "registration_number": "R-1",
            "lei": make_lei(313131), "trustee": "Trustee Ltd", "administrator": "Admin Ltd",
            "base_currency": "USD", **overrides}


def spv_events():
    return AuditEvent.objects.filter(content_type__model="spv").count()


def test_the_same_key_and_body_replays_the_first_response(ops, api):
    client = api(ops)

    first = client.post("/api/v1/spvs/", spv_body(), HTTP_IDEMPOTENCY_KEY="create-spv-1")
    again = client.post("/api/v1/spvs/", spv_body(), HTTP_IDEMPOTENCY_KEY="create-spv-1")

    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert first.json()["legal_name"] == "Retry Compute SPV Ltd"
    assert REPLAYED not in first
    assert again[REPLAYED] == "true"
    assert list(SPV.objects.values_list("pk", flat=True)) == [first.json()["id"]]
    assert spv_events() == 1


def test_the_same_key_with_another_body_is_refused(ops, api):
    client = api(ops)
    first = client.post("/api/v1/spvs/", spv_body(), HTTP_IDEMPOTENCY_KEY="create-spv-2")
    events = AuditEvent.objects.count()

    response = client.post("/api/v1/spvs/", spv_body(legal_name="Another SPV Ltd", lei=make_lei(313132)),
                           HTTP_IDEMPOTENCY_KEY="create-spv-2")

    assert first.status_code == 201
    assert response.status_code == 422
    assert response.json() == {"error": {
        "code": "idempotency_key_reused",
        "message": "Idempotency-Key 'create-spv-2' was already used for a different request; "
                   "use a new key for a new request.",
    }}
    assert REPLAYED not in response
    assert list(SPV.objects.values_list("legal_name", flat=True)) == ["Retry Compute SPV Ltd"]
    assert AuditEvent.objects.count() == events


def test_the_same_key_on_another_path_is_refused(ops, draft_deal, api):
    client = api(ops)
    assert client.post("/api/v1/spvs/", spv_body(), HTTP_IDEMPOTENCY_KEY="k-3").status_code == 201
    events = AuditEvent.objects.count()

    response = client.post(f"/api/v1/deals/{draft_deal.pk}/start-structuring/", spv_body(),
                           HTTP_IDEMPOTENCY_KEY="k-3")

    assert response.status_code == 422
    assert response.json()["error"]["code"] == "idempotency_key_reused"
    draft_deal.refresh_from_db()
    assert draft_deal.state == "draft"
    assert AuditEvent.objects.count() == events


def test_keys_belong_to_the_user_who_sent_them(ops, ops2, api):
    mine = api(ops).post("/api/v1/spvs/", spv_body(), HTTP_IDEMPOTENCY_KEY="shared-key")
    theirs = api(ops2).post("/api/v1/spvs/", spv_body(legal_name="Second SPV Ltd", lei=make_lei(313133)),
                            HTTP_IDEMPOTENCY_KEY="shared-key")

    assert (mine.status_code, theirs.status_code) == (201, 201)
    assert REPLAYED not in theirs
    assert sorted(SPV.objects.values_list("legal_name", flat=True)) == [
        "Retry Compute SPV Ltd", "Second SPV Ltd"]
    assert sorted(IdempotencyRecord.objects.values_list("user__username", "key")) == [
        ("ops", "shared-key"), ("ops2", "shared-key")]
    assert spv_events() == 2


def test_a_failed_request_stores_nothing_and_a_corrected_retry_succeeds(ops, api):
    client = api(ops)

    failed = client.post("/api/v1/spvs/", spv_body(jurisdiction="XX"), HTTP_IDEMPOTENCY_KEY="fix-and-retry")

    assert failed.status_code == 400
    assert failed.json()["error"]["fields"] == {"jurisdiction": ['"XX" is not a valid choice.']}
    assert IdempotencyRecord.objects.count() == 0
    assert (SPV.objects.count(), spv_events()) == (0, 0)

    fixed = client.post("/api/v1/spvs/", spv_body(), HTTP_IDEMPOTENCY_KEY="fix-and-retry")

    assert fixed.status_code == 201
    assert REPLAYED not in fixed
    assert (SPV.objects.count(), spv_events()) == (1, 1)


def test_a_refused_transition_stores_nothing_so_it_can_be_retried(ops, officer, api):
    deal = to_state(make_deal(actor=ops), "compliance_review", maker=ops, checker=officer)
    client = api(officer)

    refused = client.post(f"/api/v1/deals/{deal.pk}/return-to-structuring/", {"reason": ""},
                          HTTP_IDEMPOTENCY_KEY="return-1")
    assert refused.status_code == 400
    assert IdempotencyRecord.objects.count() == 0

    retried = client.post(f"/api/v1/deals/{deal.pk}/return-to-structuring/",
                          {"reason": "Coupon above mandate."}, HTTP_IDEMPOTENCY_KEY="return-1")
    assert retried.status_code == 200
    assert retried.json()["state"] == "structuring"


def test_approving_twice_with_the_same_key_approves_once(ops, officer, api):
    deal = to_state(make_deal(actor=ops), "compliance_review", maker=ops, checker=officer)
    client = api(officer)

    first = client.post(f"/api/v1/deals/{deal.pk}/approve/", {}, HTTP_IDEMPOTENCY_KEY="approve-1")
    again = client.post(f"/api/v1/deals/{deal.pk}/approve/", {}, HTTP_IDEMPOTENCY_KEY="approve-1")

    assert (first.status_code, again.status_code) == (200, 200)
    assert again.json() == first.json()
    assert (first.json()["state"], first.json()["approved_by"]) == ("approved", "officer")
    assert REPLAYED not in first
    assert again[REPLAYED] == "true"
    assert AuditEvent.objects.filter(content_type__model="deal", object_id=deal.pk,
                                     name="approve").count() == 1
    deal.refresh_from_db()
    assert (deal.state, deal.approved_by) == ("approved", officer)


def test_without_a_key_a_second_approve_is_refused(ops, officer, api):
    deal = to_state(make_deal(actor=ops), "compliance_review", maker=ops, checker=officer)
    client = api(officer)
    assert client.post(f"/api/v1/deals/{deal.pk}/approve/", {}).status_code == 200

    again = client.post(f"/api/v1/deals/{deal.pk}/approve/", {})

    assert again.status_code == 409
    assert again.json()["error"]["code"] == "transition_not_allowed"
    assert AuditEvent.objects.filter(content_type__model="deal", object_id=deal.pk,
                                     name="approve").count() == 1


def test_record_funding_with_the_same_key_is_recorded_once(ops, investor, closed_deal, api):
    sub = Subscription.objects.get(tranche__deal=closed_deal, investor=investor)
    client = api(ops)
    body = {"amount": "1000000", "reference": "WIRE-7"}

    first = client.post(f"/api/v1/subscriptions/{sub.pk}/record-funding/", body, HTTP_IDEMPOTENCY_KEY="w7")
    again = client.post(f"/api/v1/subscriptions/{sub.pk}/record-funding/", body, HTTP_IDEMPOTENCY_KEY="w7")

    assert (first.status_code, again.status_code) == (200, 200)
    assert again.json() == first.json()
    assert again[REPLAYED] == "true"
    sub.refresh_from_db()
    assert str(sub.funded_amount) == "1000000.00"
    assert AuditEvent.objects.filter(content_type__model="subscription", object_id=sub.pk,
                                     action="update").count() == 1


@pytest.mark.parametrize("key", ["", "   ", "k" * 256], ids=["empty", "blank", "too-long"])
def test_an_unusable_key_is_refused(key, ops, api):
    response = api(ops).post("/api/v1/spvs/", spv_body(), HTTP_IDEMPOTENCY_KEY=key)

    assert response.status_code == 400
    assert response.json() == {"error": {"code": "invalid_idempotency_key",
                                         "message": "Idempotency-Key must be 1 to 255 characters."}}
    assert (SPV.objects.count(), IdempotencyRecord.objects.count()) == (0, 0)


def test_the_same_key_with_another_file_is_refused_and_stores_nothing(ops, investor, api):

    def upload(content: bytes):
        return api(ops).post("/api/v1/documents/", {
            "investor": investor.pk, "kind": "identity",
            "file": SimpleUploadedFile("id.pdf", content, content_type="application/pdf"),
        }, format="multipart", HTTP_IDEMPOTENCY_KEY="upload-id-1")

    before = set(Document.objects.values_list("pk", flat=True))
    first = upload(PDF_BYTES)
    other = upload(PDF_BYTES.replace(b"%%EOF", b"% another file\n%%EOF"))

    assert (first.status_code, other.status_code) == (201, 422)
    assert set(Document.objects.values_list("pk", flat=True)) - before == {first.json()["id"]}
    assert upload(PDF_BYTES)[REPLAYED] == "true"


def test_a_metering_upload_retried_with_another_file_under_the_same_key_is_refused(ops, api):
    from assets.models import MeterReading
    from tests.assets.builders import make_gpu_server

    make_gpu_server(actor=ops, code="GPU-K")

    def upload(hours: int):
        body = b"device,hour,gpu_hours,energy_wh\n" + b"".join(
            f"GPU-K,2026-01-01T{h:02d}:00:00Z,1,100\n".encode() for h in range(hours))
        return api(ops).post("/api/v1/metering-imports/upload/", {"file": SimpleUploadedFile("m.csv", body)},
                             format="multipart", HTTP_IDEMPOTENCY_KEY="meter-upload-1")

    first, other, again = upload(2), upload(3), upload(2)

    assert (first.status_code, other.status_code, again.status_code) == (201, 422, 201)
    assert again[REPLAYED] == "true"
    assert MeterReading.objects.count() == 2
