"""An investor login sees its own investor profile and subscriptions, the deals on offer or held,
and nothing of other investors: rows it may not see answer as if they did not exist."""

import re

import pytest

from compliance.models import Investor
from core import roles
from core.models import AuditEvent
from issuance import services
from issuance.models import Subscription
from tests.factories import make_deal, make_user, subscribe, to_state

pytestmark = pytest.mark.django_db


@pytest.fixture
def own_sub(ops, investor, open_deal):
    return subscribe(actor=ops, investor=investor, tranche=open_deal.tranches.get(seniority=1),
                     amount="100000")


@pytest.fixture
def others_sub(ops, other_investor, open_deal):
    return subscribe(actor=ops, investor=other_investor, tranche=open_deal.tranches.get(seniority=2),
                     amount="200000", accept=False)


def ids(response):
    assert response.status_code == 200, response.json()
    return [row["id"] for row in response.json()["results"]]


def select_options(html: str) -> list[tuple[str, list[str]]]:
    """Every <select> of a browsable-API page: its name and the texts of its options."""
    return [
        (m.group(1), re.findall(r"<option[^>]*>([^<]*)</option>", m.group(2)))
        for m in re.finditer(r'<select[^>]*name="(\w+)"[^>]*>(.*?)</select>', html, re.S)
    ]


def test_an_investor_lists_only_their_own_subscriptions(investor_user, own_sub, others_sub, api):
    assert ids(api(investor_user).get("/api/v1/subscriptions/")) == [own_sub.pk]


def test_an_investor_sees_only_their_own_investor_profile(investor_user, investor, other_investor, api):
    client = api(investor_user)

    assert ids(client.get("/api/v1/investors/")) == [investor.pk]
    assert client.get(f"/api/v1/investors/{investor.pk}/").json()["legal_name"] == "Own Investor Ltd"
    response = client.get(f"/api/v1/investors/{other_investor.pk}/")
    assert response.status_code == 404
    assert response.json() == {"error": {"code": "not_found", "message": "Not found."}}


def test_another_investors_subscription_is_not_found(investor_user, others_sub, api):
    response = api(investor_user).get(f"/api/v1/subscriptions/{others_sub.pk}/")

    assert response.status_code == 404
    assert response.json() == {"error": {"code": "not_found", "message": "Not found."}}


def test_filtering_by_another_investor_is_refused_as_if_they_did_not_exist(
    investor_user, other_investor, others_sub, api
):
    client = api(investor_user)

    other = client.get("/api/v1/subscriptions/", {"investor": other_investor.pk})
    missing = client.get("/api/v1/subscriptions/", {"investor": 987654})

    message = "Select a valid choice. That choice is not one of the available choices."
    assert other.status_code == missing.status_code == 400
    assert other.json() == missing.json() == {
        "error": {"code": "invalid", "message": f"investor: {message}", "fields": {"investor": [message]}}
    }


def test_an_investor_cannot_cancel_another_investors_subscription(investor_user, others_sub, api):
    events = AuditEvent.objects.count()

    response = api(investor_user).post(f"/api/v1/subscriptions/{others_sub.pk}/cancel/",
                                       {"reason": "Not mine, but let us try."})

    assert response.status_code == 404
    assert response.json() == {"error": {"code": "not_found", "message": "Not found."}}
    others_sub.refresh_from_db()
    assert others_sub.state == "requested"
    assert AuditEvent.objects.count() == events


def test_an_investor_cancels_their_own_subscription(investor_user, own_sub, api):
    response = api(investor_user).post(f"/api/v1/subscriptions/{own_sub.pk}/cancel/",
                                       {"reason": "Changed my mind."})

    assert response.status_code == 200
    assert response.json()["state"] == "cancelled"
    own_sub.refresh_from_db()
    assert own_sub.state == "cancelled"
    event = AuditEvent.objects.latest("id")
    assert (event.object_id, event.name, event.actor, event.reason) == (
        own_sub.pk, "cancel", investor_user, "Changed my mind.")


def test_subscribing_without_naming_an_investor_uses_their_own_profile(
    investor_user, investor, open_deal, api
):
    tranche = open_deal.tranches.get(seniority=1)

    response = api(investor_user).post("/api/v1/subscriptions/",
                                       {"tranche": tranche.pk, "requested_amount": "300000"})

    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["investor"], body["tranche"], body["requested_amount"], body["currency"],
            body["state"]) == (investor.pk, tranche.pk, "300000.00", "USD", "requested")
    sub = Subscription.objects.get(pk=body["id"])
    assert (sub.investor, sub.requested_amount) == (investor, 300000)
    event = AuditEvent.objects.get(content_type__model="subscription", object_id=sub.pk)
    assert (event.action, event.actor) == ("create", investor_user)


def test_naming_another_investor_is_refused_as_if_they_did_not_exist(
    investor_user, other_investor, open_deal, api
):
    tranche = open_deal.tranches.get(seniority=1)
    client = api(investor_user)
    subs, events = Subscription.objects.count(), AuditEvent.objects.count()

    response = client.post("/api/v1/subscriptions/", {
        "investor": other_investor.pk, "tranche": tranche.pk, "requested_amount": "100000"})

    message = f'Invalid pk "{other_investor.pk}" - object does not exist.'
    assert response.status_code == 400
    assert response.json() == {"error": {"code": "invalid", "message": f"investor: {message}",
                                         "fields": {"investor": [message]}}}
    assert (Subscription.objects.count(), AuditEvent.objects.count()) == (subs, events)
    assert not Subscription.objects.filter(investor=other_investor).exists()


def test_an_investor_cannot_subscribe_to_a_deal_not_offered_to_them(investor_user, draft_deal, api):
    tranche = draft_deal.tranches.get(seniority=1)
    subs, events = Subscription.objects.count(), AuditEvent.objects.count()

    response = api(investor_user).post("/api/v1/subscriptions/",
                                       {"tranche": tranche.pk, "requested_amount": "100000"})

    message = f'Invalid pk "{tranche.pk}" - object does not exist.'
    assert response.status_code == 400
    assert response.json() == {"error": {"code": "invalid", "message": f"tranche: {message}",
                                         "fields": {"tranche": [message]}}}
    assert (Subscription.objects.count(), AuditEvent.objects.count()) == (subs, events)


def test_an_investor_login_without_a_profile_is_asked_to_name_one(open_deal, api):
    login = make_user(roles.INVESTOR, "no-profile")
    subs = Subscription.objects.count()

    response = api(login).post("/api/v1/subscriptions/",
                               {"tranche": open_deal.tranches.get(seniority=1).pk,
                                "requested_amount": "100000"})

    message = "Name the investor this subscription is for."
    assert response.status_code == 400
    assert response.json() == {"error": {"code": "invalid", "message": message, "reasons": [message],
                                         "fields": {"investor": [message]}}}
    assert Subscription.objects.count() == subs


def test_an_investor_sees_open_deals_but_not_draft_ones(investor_user, draft_deal, open_deal, api):
    client = api(investor_user)

    assert ids(client.get("/api/v1/deals/")) == [open_deal.pk]
    assert client.get(f"/api/v1/deals/{open_deal.pk}/").json()["state"] == "open"
    assert client.get(f"/api/v1/deals/{draft_deal.pk}/").status_code == 404
    assert sorted(ids(client.get("/api/v1/tranches/"))) == sorted(
        open_deal.tranches.values_list("pk", flat=True))
    assert ids(client.get("/api/v1/spvs/")) == [open_deal.spv_id]
    assert client.get(f"/api/v1/spvs/{draft_deal.spv_id}/").status_code == 404


def test_an_investor_still_sees_a_closed_deal_they_hold_but_not_one_they_do_not(
    ops, officer, investor_user, other_investor, closed_deal, api
):
    not_held = to_state(make_deal(actor=ops), "open", maker=ops, checker=officer)
    senior, junior = not_held.tranches.order_by("seniority")
    subscribe(actor=ops, investor=other_investor, tranche=senior, amount="7000000")
    subscribe(actor=ops, investor=other_investor, tranche=junior, amount="3000000")
    services.deal_transition(deal=not_held, name="close_book", actor=ops)
    client = api(investor_user)

    assert ids(client.get("/api/v1/deals/")) == [closed_deal.pk]
    assert client.get(f"/api/v1/deals/{not_held.pk}/").status_code == 404


def test_an_investor_sees_audit_events_only_of_their_own_subscriptions_and_profile(
    investor_user, investor, own_sub, others_sub, api
):
    client = api(investor_user)

    response = client.get("/api/v1/audit-events/")

    assert response.status_code == 200
    assert [(e["object_type"], e["object_id"], e["action"], e["name"], e["actor"])
            for e in response.json()["results"]] == [
        ("subscription", own_sub.pk, "transition", "accept", "issuer"),
        ("subscription", own_sub.pk, "create", "", "issuer"),
        ("investor", investor.pk, "create", "", "issuer"),
    ]
    others_event = AuditEvent.objects.get(content_type__model="subscription", object_id=others_sub.pk)
    assert client.get(f"/api/v1/audit-events/{others_event.pk}/").status_code == 404
    assert ids(client.get("/api/v1/audit-events/",
                          {"object_type": "subscription", "object_id": others_sub.pk})) == []


def test_the_browsable_api_offers_an_investor_only_what_they_may_see(
    investor_user, investor, other_investor, draft_deal, open_deal, others_sub, api
):
    assert Investor.objects.count() == 2  # there is someone else to hide
    client = api(investor_user)
    open_tranches = [str(t) for t in open_deal.tranches.order_by("seniority")]

    subscriptions_page = client.get("/api/v1/subscriptions/", HTTP_ACCEPT="text/html")
    audit_page = client.get("/api/v1/audit-events/", HTTP_ACCEPT="text/html")

    assert subscriptions_page.status_code == audit_page.status_code == 200
    selects = select_options(subscriptions_page.content.decode())
    # The create form, then the filter form.
    assert [(name, options) for name, options in selects if name in ("investor", "tranche")] == [
        ("investor", ["Own Investor Ltd"]),
        ("tranche", open_tranches),
        ("tranche", ["---------", *open_tranches]),
        ("investor", ["---------", "Own Investor Ltd"]),
    ]
    assert other_investor.legal_name not in subscriptions_page.content.decode()
    assert draft_deal.name not in subscriptions_page.content.decode()
    assert dict(select_options(audit_page.content.decode()))["actor"] == ["---------", "ops"]


@pytest.mark.parametrize("path", [
    "/api/v1/kyc-cases/", "/api/v1/documents/", "/api/v1/classifications/", "/api/v1/wallets/",
    "/api/v1/beneficial-owners/", "/api/v1/deal-eligibility/",
])
def test_compliance_filter_forms_offer_an_investor_only_their_own_rows(
    path, investor_user, investor, other_investor, draft_deal, api
):
    page = api(investor_user).get(path, HTTP_ACCEPT="text/html")

    html = page.content.decode()
    assert page.status_code in (200, 403)
    assert other_investor.legal_name not in html
    assert draft_deal.name not in html
    assert "other-investor" not in html  # no list of logins either
    for name, options in select_options(html):
        if name == "investor":
            assert options in (["---------", "Own Investor Ltd"], ["Own Investor Ltd"])


def test_filtering_by_another_investors_id_looks_like_an_unknown_id(investor_user, investor,
                                                                    other_investor, api):
    client = api(investor_user)

    theirs = client.get(f"/api/v1/kyc-cases/?investor={other_investor.pk}")
    unknown = client.get("/api/v1/kyc-cases/?investor=999999")

    assert theirs.status_code == unknown.status_code == 400
    assert theirs.json()["error"]["code"] == unknown.json()["error"]["code"] == "invalid"


def test_staff_see_audit_rows_only_for_objects_they_may_view(ops, trustee, officer, investor, api):
    from django.contrib.contenttypes.models import ContentType

    from compliance.models import Document
    from core.models import AuditEvent

    doc_type = ContentType.objects.get_for_model(Document)
    AuditEvent.objects.create(content_type=doc_type, object_id=1, object_repr="passport.pdf",
                              action="create")

    def document_rows(user):
        rows = api(user).get("/api/v1/audit-events/?object_type=document").json()["results"]
        return [r["object_repr"] for r in rows]

    assert "passport.pdf" in document_rows(officer)
    assert document_rows(trustee) == []
    assert document_rows(ops) == []
