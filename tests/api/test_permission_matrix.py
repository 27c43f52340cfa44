"""Who may list, read, create and edit each resource, and take each deal transition, over the API.

The tables below are the expectation; ``test_the_table_follows_core_roles`` checks that they say
the same as the role matrix in core/roles.py, so the two cannot drift apart silently.
"""

from decimal import Decimal

import pytest
from django.db.models import Q

from compliance.models import Investor
from core import roles
from core.models import AuditEvent
from issuance import services
from issuance.models import SPV, Deal, Subscription, Tranche
from tests.factories import make_deal, make_lei, make_spv, pledge_collateral, subscribe, to_state

pytestmark = pytest.mark.django_db

ROLE_NAMES = ("ops", "officer", "trustee", "investor", "anonymous")
ROLE_OF = {
    "ops": roles.ISSUER_OPERATIONS,
    "officer": roles.COMPLIANCE_OFFICER,
    "trustee": roles.TRUSTEE_AUDITOR,
    "investor": roles.INVESTOR,
}

#                        ops  officer trustee investor anonymous
MATRIX = {
    "spvs": {
        "list":         (200, 200, 200, 200, 401),
        "retrieve":     (200, 200, 200, 200, 401),
        "create":       (201, 403, 403, 403, 401),
        "update":       (200, 403, 403, 403, 401),
    },
    "deals": {
        "list":         (200, 200, 200, 200, 401),
        "retrieve":     (200, 200, 200, 200, 401),
        "create":       (201, 403, 403, 403, 401),
        "update":       (200, 403, 403, 403, 401),
    },
    "tranches": {
        "list":         (200, 200, 200, 200, 401),
        "retrieve":     (200, 200, 200, 200, 401),
        "create":       (201, 403, 403, 403, 401),
        "update":       (200, 403, 403, 403, 401),
    },
    "subscriptions": {
        "list":         (200, 200, 200, 200, 401),
        "retrieve":     (200, 200, 200, 200, 401),
        "create":       (201, 403, 403, 201, 401),
        "update":       (403, 403, 403, 403, 401),
    },
    "investors": {
        "list":         (200, 200, 200, 200, 401),
        "retrieve":     (200, 200, 200, 200, 401),
        "create":       (201, 201, 403, 403, 401),
        "update":       (200, 200, 403, 403, 401),
    },
    "audit-events": {
        "list":         (200, 200, 200, 200, 401),
        "retrieve":     (200, 200, 200, 200, 401),
        "create":       (403, 403, 403, 403, 401),
        "update":       (403, 403, 403, 403, 401),
    },
}

MODEL = {"spvs": SPV, "deals": Deal, "tranches": Tranche, "subscriptions": Subscription,
         "investors": Investor, "audit-events": AuditEvent}
PERMISSION = {"list": "view", "retrieve": "view", "create": "add", "update": "change"}

# The field each PATCH changes, and the value it sends.
PATCH = {
    "spvs": ("trustee", "New Trustee Ltd"),
    "deals": ("name", "Renamed Deal"),
    "tranches": ("class_name", "Class A (senior)"),
    "subscriptions": ("requested_amount", "200000.00"),
    "investors": ("legal_name", "Renamed Investor Ltd"),
    "audit-events": ("reason", "tampered with"),
}


def cases(operation):
    return [
        pytest.param(endpoint, role, MATRIX[endpoint][operation][i], id=f"{endpoint}-{role}")
        for endpoint in MATRIX
        for i, role in enumerate(ROLE_NAMES)
    ]


@pytest.fixture
def world(ops, officer, trustee, investor_user, investor, other_investor, draft_deal, open_deal):
    """Rows of every kind: some an investor may see (open deal, own subscription), some not."""
    senior, junior = open_deal.tranches.order_by("seniority")
    own = subscribe(actor=ops, investor=investor, tranche=senior, amount="100000", accept=False)
    others = subscribe(actor=ops, investor=other_investor, tranche=senior, amount="100000",
                       accept=False)
    roomy = make_deal(actor=ops, tranches=("7000000",))
    users = {"ops": ops, "officer": officer, "trustee": trustee, "investor": investor_user,
             "anonymous": None}
    own_events = AuditEvent.objects.filter(
        Q(content_type__model="subscription", object_id=own.pk)
        | Q(content_type__model="investor", object_id=investor.pk)
    )
    return {
        "users": users,
        # What an investor may see of each resource (staff see every row).
        "investor_sees": {
            "spvs": {open_deal.spv_id},
            "deals": {open_deal.pk},
            "tranches": {senior.pk, junior.pk},
            "subscriptions": {own.pk},
            "investors": {investor.pk},
            "audit-events": set(own_events.values_list("pk", flat=True)),
        },
        # One row of each resource that every role may see.
        "visible": {
            "spvs": open_deal.spv, "deals": open_deal, "tranches": senior, "subscriptions": own,
            "investors": investor, "audit-events": own_events.earliest("id"),
        },
        # One row of each resource that may be edited (by whoever may edit it).
        "editable": {
            "spvs": draft_deal.spv, "deals": draft_deal,
            "tranches": draft_deal.tranches.get(seniority=1), "subscriptions": own,
            "investors": other_investor, "audit-events": own_events.earliest("id"),
        },
        "create": {
            "spvs": {"legal_name": "Matrix Compute SPV Ltd", "jurisdiction": "SG",
                     "registration_number": "M-1", "lei": make_lei(777001), "trustee": "T Ltd",
                     "administrator": "A Ltd", "base_currency": "USD"},
            "deals": {"spv": draft_deal.spv_id, "name": "Matrix Deal", "asset_class": "green_bond",
                      "currency": "USD", "target_size": "5000000", "closing_date": "2027-06-30",
                      "payment_frequency": "annual", "legal_final_maturity": "2032-06-30"},
            "tranches": {"deal": roomy.pk, "class_name": "Class B", "seniority": 2,
                         "original_principal": "3000000", "coupon_rate": "0.08",
                         "day_count": "ACT/360", "minimum_denomination": "100000",
                         "token_symbol": "MATRIXB"},
            "subscriptions": {"investor": investor.pk, "tranche": junior.pk,
                              "requested_amount": "100000"},
            "investors": {"kind": "individual", "legal_name": "New Person", "email": "np@example.test",
                          "country_of_residence": "HK"},
            "audit-events": {"object_id": others.pk, "action": "create", "reason": "forged"},
        },
        # The field checked after a create, and the value it must hold.
        "created_field": {
            "spvs": ("legal_name", "Matrix Compute SPV Ltd"), "deals": ("name", "Matrix Deal"),
            "tranches": ("class_name", "Class B"), "subscriptions": ("requested_amount", "100000.00"),
            "investors": ("legal_name", "New Person"), "audit-events": None,
        },
    }


def assert_refused(response, status):
    assert response.status_code == status
    if status == 401:
        assert response.json() == {"error": {"code": "not_authenticated",
                                             "message": "Authentication credentials were not provided."}}
    else:
        assert response.json() == {"error": {"code": "permission_denied",
                                             "message": "You do not have permission to perform this action."}}


def test_the_table_follows_core_roles():
    for endpoint, operations in MATRIX.items():
        model = MODEL[endpoint]
        for operation, statuses in operations.items():
            perm = f"{model._meta.app_label}.{PERMISSION[operation]}_{model._meta.model_name}"
            for role, status in zip(ROLE_NAMES, statuses, strict=True):
                if role == "anonymous":
                    assert status == 401
                    continue
                assert (status < 400) == (perm in roles.MATRIX[ROLE_OF[role]]), (endpoint, operation, role)


@pytest.mark.parametrize(("endpoint", "role", "status"), cases("list"))
def test_list(endpoint, role, status, world, api):
    response = api(world["users"][role]).get(f"/api/v1/{endpoint}/", {"page_size": 500})

    if status != 200:
        assert_refused(response, status)
        return
    assert response.status_code == 200
    ids = {row["id"] for row in response.json()["results"]}
    if role == "investor":
        assert ids == world["investor_sees"][endpoint]
    elif endpoint == "audit-events":  # staff see the trail of every object type they may view
        user = world["users"][role]
        rows = AuditEvent.objects.select_related("content_type")
        assert ids == {e.pk for e in rows
                       if user.has_perm(f"{e.content_type.app_label}.view_{e.content_type.model}")}
    else:
        assert ids == set(MODEL[endpoint].objects.values_list("pk", flat=True))
    if endpoint in ("subscriptions", "audit-events"):  # cursor-paginated: no count, one page here
        assert "count" not in response.json() and response.json()["next"] is None
    else:
        assert response.json()["count"] == len(ids)


@pytest.mark.parametrize(("endpoint", "role", "status"), cases("retrieve"))
def test_retrieve(endpoint, role, status, world, api):
    obj = world["visible"][endpoint]

    response = api(world["users"][role]).get(f"/api/v1/{endpoint}/{obj.pk}/")

    if status != 200:
        assert_refused(response, status)
        return
    assert response.status_code == 200
    assert response.json()["id"] == obj.pk


@pytest.mark.parametrize(("endpoint", "role", "status"), cases("create"))
def test_create(endpoint, role, status, world, api):
    model = MODEL[endpoint]
    rows, events = model.objects.count(), AuditEvent.objects.count()

    response = api(world["users"][role]).post(f"/api/v1/{endpoint}/", world["create"][endpoint])

    if status != 201:
        assert_refused(response, status)
        assert (model.objects.count(), AuditEvent.objects.count()) == (rows, events)
        return
    assert response.status_code == 201, response.json()
    field, value = world["created_field"][endpoint]
    assert response.json()[field] == value
    created = model.objects.get(pk=response.json()["id"])
    assert str(getattr(created, field)) == value
    assert model.objects.count() == rows + 1
    event = AuditEvent.objects.get(object_id=created.pk, content_type__model=model._meta.model_name)
    assert (event.action, event.actor) == ("create", world["users"][role])


@pytest.mark.parametrize(("endpoint", "role", "status"), cases("update"))
def test_update(endpoint, role, status, world, api):
    model = MODEL[endpoint]
    obj = world["editable"][endpoint]
    field, value = PATCH[endpoint]
    old = str(getattr(model.objects.get(pk=obj.pk), field))
    events = AuditEvent.objects.count()

    response = api(world["users"][role]).patch(f"/api/v1/{endpoint}/{obj.pk}/", {field: value})

    now = str(getattr(model.objects.get(pk=obj.pk), field))
    if status != 200:
        assert_refused(response, status)
        assert now == old
        assert AuditEvent.objects.count() == events
        return
    assert response.status_code == 200, response.json()
    assert response.json()[field] == value
    assert now == value
    event = AuditEvent.objects.latest("id")
    assert (event.action, event.object_id, event.changes) == ("update", obj.pk, {field: [old, value]})
    assert AuditEvent.objects.count() == events + 1


# Deal transitions: (stage it starts from, state it ends in, the role allowed, its label).
# "open+book" is an open deal whose tranches are fully subscribed; "closed+funded" a closed one
# whose allocations are all paid.
DEAL_TRANSITIONS = {
    "start_structuring": ("draft", "structuring", "ops", "start structuring"),
    "submit_for_review": ("structuring", "compliance_review", "ops", "submit for review"),
    "approve": ("compliance_review", "approved", "officer", "approve"),
    "return_to_structuring": ("compliance_review", "structuring", "officer", "return to structuring"),
    "open_subscriptions": ("approved", "open", "ops", "open for subscription"),
    "close_book": ("open+book", "closed", "ops", "close book and allocate"),
    "issue": ("closed+funded", "issued", "ops", "issue"),
    "start_servicing": ("issued", "servicing", "ops", "start servicing"),
    "mature": ("servicing", "matured", "ops", "mature"),
    "redeem": ("servicing", "redeemed", "ops", "redeem"),
    "cancel": ("open", "cancelled", "ops", "cancel"),
    "declare_default": ("servicing", "defaulted", "ops", "declare default"),
}
STAGES = ["draft", "structuring", "compliance_review", "approved", "open", "open+book", "closed",
          "closed+funded", "issued", "servicing"]
# An investor sees a deal once it is open (or they hold part of it); before that it does not exist
# for them, so a transition on it is 404, not 403.
HIDDEN_FROM_INVESTORS = {"draft", "structuring", "compliance_review", "approved"}


@pytest.fixture
def deal_in(ops, officer, investor, other_investor):
    def build(stage: str) -> Deal:
        if STAGES.index(stage) <= STAGES.index("open"):
            return to_state(make_deal(actor=ops), stage, maker=ops, checker=officer)
        deal = to_state(make_deal(actor=ops), "open", maker=ops, checker=officer)
        pledge_collateral(actor=ops, deal=deal)
        senior, junior = deal.tranches.order_by("seniority")
        subscribe(actor=ops, investor=investor, tranche=senior, amount="7000000")
        subscribe(actor=ops, investor=other_investor, tranche=junior, amount="3000000")
        steps = {
            "closed": lambda: services.deal_transition(deal=deal, name="close_book", actor=ops),
            "closed+funded": lambda: [
                services.subscription_record_funding(subscription=s, actor=ops, amount=s.allocated_amount,
                                                     reference=f"W{s.pk}")
                for s in Subscription.objects.filter(tranche__deal=deal)],
            "issued": lambda: services.deal_transition(deal=deal, name="issue", actor=ops),
            "servicing": lambda: services.deal_transition(deal=deal, name="start_servicing", actor=ops),
        }
        for reached, step in steps.items():
            if STAGES.index(reached) > STAGES.index(stage):
                break
            step()
        deal.refresh_from_db()
        return deal

    return build


@pytest.mark.parametrize("role", ROLE_NAMES)
@pytest.mark.parametrize("name", DEAL_TRANSITIONS)
def test_deal_transition_by_role(name, role, deal_in, ops, officer, trustee, investor_user, api):
    stage, target, allowed, label = DEAL_TRANSITIONS[name]
    user = {"ops": ops, "officer": officer, "trustee": trustee, "investor": investor_user,
            "anonymous": None}[role]
    deal = deal_in(stage)
    source = deal.state
    events = AuditEvent.objects.count()

    response = api(user).post(f"/api/v1/deals/{deal.pk}/{name.replace('_', '-')}/",
                              {"reason": "Decided at the credit committee."})

    deal.refresh_from_db()
    if role == allowed:
        assert response.status_code == 200, response.json()
        assert response.json()["state"] == target
        assert deal.state == target
        event = AuditEvent.objects.filter(content_type__model="deal", object_id=deal.pk).latest("id")
        assert (event.name, event.actor, event.from_state, event.to_state, event.reason) == (
            name, user, source, target, "Decided at the credit committee.")
        return
    if role == "anonymous":
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "not_authenticated"
    elif role == "investor" and stage in HIDDEN_FROM_INVESTORS:
        assert response.status_code == 404
        assert response.json() == {"error": {"code": "not_found", "message": "Not found."}}
    else:
        assert response.status_code == 403
        message = (f"You may not '{label}' this deal: it needs the permission "
                   f"'issuance.{name}_deal', which you do not have.")
        assert response.json() == {"error": {"code": "permission_denied", "message": message,
                                             "reasons": [message]}}
    assert deal.state == source
    assert AuditEvent.objects.count() == events


# Trustee / auditor: read-only everywhere, including SPV and subscription actions.
TRUSTEE_ACTIONS = {
    "spv activate": ("spv:forming", "activate", "activate", "SPV", "the permission 'issuance.activate_spv'"),
    "spv wind down": ("spv:active", "wind-down", "wind down", "SPV",
                      "the permission 'issuance.wind_down_spv'"),
    "subscription accept": ("sub:requested", "accept", "accept", "subscription",
                            "the permission 'issuance.accept_subscription'"),
    "subscription reject": ("sub:requested", "reject", "reject", "subscription",
                            "the permission 'issuance.reject_subscription'"),
    "subscription cancel": ("sub:requested", "cancel", "cancel", "subscription",
                            "the permission 'issuance.cancel_subscription'"),
    "subscription default allocation": ("sub:allocated", "default-allocation", "default allocation",
                                        "subscription",
                                        "the permission 'issuance.release_allocation_subscription'"),
    "subscription record funding": ("sub:allocated", "record-funding", "fund", "subscription",
                                    "the permission 'issuance.record_funding_subscription'"),
}


@pytest.mark.parametrize("action", TRUSTEE_ACTIONS)
def test_trustee_cannot_take_spv_or_subscription_actions(action, ops, officer, trustee, investor,
                                                         closed_deal, api):
    subject, path, label, noun, needs = TRUSTEE_ACTIONS[action]
    obj = {
        "spv:forming": lambda: make_spv(actor=ops, active=False),
        "spv:active": lambda: make_spv(actor=ops),
        "sub:requested": lambda: subscribe(actor=ops, investor=investor,
                                           tranche=to_state(make_deal(actor=ops), "open", maker=ops,
                                                            checker=officer).tranches.get(seniority=2),
                                           amount="100000", accept=False),
        "sub:allocated": lambda: Subscription.objects.get(tranche__deal=closed_deal, investor=investor),
    }[subject]()
    resource = "spvs" if noun == "SPV" else "subscriptions"
    obj.refresh_from_db()
    before = (obj.state, getattr(obj, "funded_amount", None))
    events = AuditEvent.objects.count()

    response = api(trustee).post(f"/api/v1/{resource}/{obj.pk}/{path}/",
                                 {"reason": "Audit sample.", "amount": "100000", "lots": "reduce_tranche",
                                  "reference": "MT103-1"})

    message = f"You may not '{label}' this {noun}: it needs {needs}, which you do not have."
    assert response.status_code == 403
    assert response.json() == {"error": {"code": "permission_denied", "message": message,
                                         "reasons": [message]}}
    obj.refresh_from_db()
    assert (obj.state, getattr(obj, "funded_amount", None)) == before
    assert AuditEvent.objects.count() == events
    if subject == "sub:allocated":
        assert obj.funded_amount == Decimal("0.00")
