"""The deal's waterfall description: validated with every error and its JSON path, checked against
the deal, audited, edited until issue and then only through an amendment a second person approves
(docs/servicing.md, "The waterfall description")."""

import pytest

from core.errors import InvalidInput, MakerCheckerViolation, NotPermitted, Refused
from core.models import AuditEvent
from servicing.models import WaterfallAmendment, WaterfallDescription
from servicing.services.descriptions import (
    waterfall_amendment_approve,
    waterfall_amendment_propose,
    waterfall_amendment_reject,
    waterfall_description_set,
)
from tests.servicing.builders import description, issue, make_abs_deal

pytestmark = pytest.mark.django_db


@pytest.fixture
def deal(ops):
    return make_abs_deal(actor=ops)


def refused(deal, ops, text) -> InvalidInput:
    events = AuditEvent.objects.count()
    with pytest.raises(InvalidInput) as caught:
        waterfall_description_set(deal=deal, description=text, actor=ops)
    assert (WaterfallDescription.objects.count(), AuditEvent.objects.count()) == (0, events)
    assert caught.value.field == "description"
    return caught.value


def test_a_valid_description_is_stored_and_each_change_audited(ops, deal):
    stored = waterfall_description_set(deal=deal, description=description(), actor=ops)
    assert (stored.version, stored.description) == (1, description())

    changed = description(name="After the rating review")
    stored = waterfall_description_set(deal=deal, description=changed, actor=ops)

    assert (stored.version, WaterfallDescription.objects.get().description["name"]) == (
        2,
        "After the rating review",
    )
    create, update = AuditEvent.objects.filter(content_type__model="waterfalldescription").order_by("id")
    assert (create.action, create.changes["version"]) == ("create", [None, 1])
    assert update.changes["version"] == [1, 2]
    assert update.changes["description"][0]["name"] == "ABS deal waterfall"


def test_every_engine_error_is_named_by_its_path_and_nothing_stored(ops, deal):
    text = description()
    text["steps"][1]["tranches"] = ["A3"]
    text["steps"].append({"kind": "fund_reserve", "account": "cash"})

    error = refused(deal, ops, text)

    assert error.reasons == [
        "steps[1].tranches[0]: unknown tranche 'A3'",
        "steps[6].account: unknown account 'cash'",
    ]


def test_a_description_that_disagrees_with_the_deal_is_refused_naming_each_difference(ops, deal):
    text = description(currency="EUR", closing_date="2027-01-15")
    text["tranches"][0] = {
        "name": "A",
        "kind": "debt",
        "balance": "7500000.00",
        "rate": "0.06",
        "day_count": "ACT/360",
    }
    text["tranches"][2]["name"] = "Z"
    text["steps"][5]["tranche"] = "Z"

    error = refused(deal, ops, text)

    assert error.reasons == [
        "currency: 'EUR' but the deal is in USD",
        "closing_date: '2027-01-15' but the deal closes on 2026-12-31",
        "tranches[0].balance: 7500000.00 but A's original principal is 7000000.00",
        "tranches[0].rate: 0.06 but A's coupon rate is 0.050000",
        "tranches[0].day_count: 'ACT/360' but A's day count is '30/360'",
        "tranches[2].name: 'Z' is not a tranche of the deal (A, B, R)",
        "tranches: the deal's R not described",
    ]


def test_not_a_json_object_is_refused(ops, deal):
    assert refused(deal, ops, ["not", "an", "object"]).reasons == [
        "$: a waterfall description is a JSON object"
    ]


def test_the_trustee_may_not_describe(trustee, deal):
    with pytest.raises(NotPermitted):
        waterfall_description_set(deal=deal, description=description(), actor=trustee)
    assert WaterfallDescription.objects.count() == 0


@pytest.fixture
def issued(ops, officer, deal, investor, other_investor):
    waterfall_description_set(deal=deal, description=description(), actor=ops)
    return issue(deal, ops=ops, officer=officer, investor=investor, other_investor=other_investor)


def test_after_issue_only_an_approved_amendment_changes_it(ops, ops2, issued):
    with pytest.raises(Refused, match="is issued: its waterfall changes only through an amendment"):
        waterfall_description_set(deal=issued, description=description(name="x"), actor=ops)

    amendment = waterfall_amendment_propose(
        deal=issued,
        description=description(name="Amended"),
        reason="Noteholder resolution 2027-01",
        actor=ops,
    )
    assert WaterfallDescription.objects.get().version == 1
    with pytest.raises(MakerCheckerViolation):
        waterfall_amendment_approve(amendment=amendment, actor=ops)
    assert (WaterfallDescription.objects.get().version, WaterfallAmendment.objects.get().state) == (
        1,
        "proposed",
    )

    waterfall_amendment_approve(amendment=amendment, actor=ops2)

    stored = WaterfallDescription.objects.get()
    assert (stored.version, stored.description["name"]) == (2, "Amended")
    amendment.refresh_from_db()
    assert (amendment.state, amendment.decided_by, amendment.base_version) == ("approved", ops2, 1)
    update = AuditEvent.objects.get(content_type__model="waterfalldescription", action="update")
    assert (update.actor, update.reason) == (
        ops2,
        f"amendment #{amendment.pk}: Noteholder resolution 2027-01",
    )


def test_an_invalid_amendment_is_refused_and_not_kept(ops, issued):
    with pytest.raises(InvalidInput) as caught:
        waterfall_amendment_propose(
            deal=issued, description=description(currency="EUR"), reason="x", actor=ops
        )
    assert caught.value.reasons == ["currency: 'EUR' but the deal is in USD"]
    assert WaterfallAmendment.objects.count() == 0


def test_an_amendment_of_a_superseded_version_is_refused(ops, ops2, issued):
    first = waterfall_amendment_propose(
        deal=issued, description=description(name="One"), reason="a", actor=ops
    )
    second = waterfall_amendment_propose(
        deal=issued, description=description(name="Two"), reason="b", actor=ops
    )
    waterfall_amendment_approve(amendment=first, actor=ops2)

    with pytest.raises(Refused, match="changes version 1, but the waterfall is at version 2 now"):
        waterfall_amendment_approve(amendment=second, actor=ops2)

    second.refresh_from_db()
    assert (second.state, WaterfallDescription.objects.get().description["name"]) == ("proposed", "One")
    waterfall_amendment_reject(amendment=second, actor=ops2, reason="Superseded")
    second.refresh_from_db()
    assert second.state == "rejected"


def test_amending_before_issue_is_refused(ops, deal):
    waterfall_description_set(deal=deal, description=description(), actor=ops)
    with pytest.raises(Refused, match="not yet issued: edit its waterfall directly"):
        waterfall_amendment_propose(deal=deal, description=description(name="x"), reason="r", actor=ops)


def test_the_api_answers_400_with_every_path(ops, api, deal):
    text = description()
    text["steps"][1]["tranches"] = ["A3"]
    response = api(ops).post(
        "/api/v1/servicing/descriptions/",
        {"deal": deal.pk, "description": text},
        format="json",
        HTTP_IDEMPOTENCY_KEY="d-1",
    )

    assert response.status_code == 400
    assert response.json()["error"]["reasons"] == ["steps[1].tranches[0]: unknown tranche 'A3'"]
    assert WaterfallDescription.objects.count() == 0

    created = api(ops).post(
        "/api/v1/servicing/descriptions/",
        {"deal": deal.pk, "description": description()},
        format="json",
        HTTP_IDEMPOTENCY_KEY="d-2",
    )
    assert (created.status_code, created.json()["version"]) == (201, 1)


def test_a_patch_replaces_the_description_and_an_empty_patch_changes_nothing(ops, api, deal):
    stored = waterfall_description_set(deal=deal, description=description(), actor=ops)
    url = f"/api/v1/servicing/descriptions/{stored.pk}/"

    changed = api(ops).patch(url, {"description": description(name="Renamed")}, format="json")
    empty = api(ops).patch(url, {}, format="json")

    assert (changed.status_code, changed.json()["version"]) == (200, 2)
    assert (empty.status_code, empty.json()["version"], empty.json()["description"]["name"]) == (
        200,
        2,
        "Renamed",
    )
    assert AuditEvent.objects.filter(content_type__model="waterfalldescription", action="update").count() == 1


def test_a_deal_issued_without_a_description_gets_its_first_one(ops, officer, deal, investor, other_investor):
    issued = issue(deal, ops=ops, officer=officer, investor=investor, other_investor=other_investor)

    stored = waterfall_description_set(deal=issued, description=description(), actor=ops)

    assert (stored.version, stored.deal_id) == (1, issued.pk)
    with pytest.raises(Refused, match="is issued: its waterfall changes only through an amendment"):
        waterfall_description_set(deal=issued, description=description(name="x"), actor=ops)
    assert WaterfallDescription.objects.get().version == 1
