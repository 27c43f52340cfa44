"""No tipping off: an investor never reads their own screening or risk internals.

The investor here has a sanctions hit awaiting an officer's decision (list entry, list version,
matched name), a high risk rating with its reasons on an approved KYC case, an earlier case
rejected for PEP risk, the PEP flag set by an officer, and a subscription an officer rejected with
a note about the hit. Every route an investor can reach is walked as that investor: no body may
carry a screening or risk word or value. Officers still read every detail.
"""

import re
from datetime import date
from decimal import Decimal

import pytest
from eth_account import Account
from eth_account.messages import encode_defunct

from compliance import services
from compliance.disclosure import UNDER_REVIEW, WITHHELD
from core import roles
from tests.factories import make_user, pdf, subscribe

pytestmark = pytest.mark.django_db

HEADER = ("id,schema,name,aliases,birth_date,countries,addresses,identifiers,sanctions,phones,emails,"
          "dataset,first_seen,last_seen,last_change")
ENTRY = ("gcx-7731,Person,Borislav Zanzibarov-Petrov,Boris Zanzibarov,1961-07-04,ru,,,"
         "Fictional Programme 9,,,Secret Test List,2025-01-10T09:00:00,2026-11-20T09:00:00,"
         "2025-06-01T09:00:00")
WALLET = Account.from_key("0x" + "33" * 32)

# Words and values of screening and risk. None may reach an investor.
FORBIDDEN = [
    r"screen", r"sanction", r"\bhits?\b", r"watch.?list", r"list entry", r"list version",
    r"\bpep\b", r"is_pep", r"politically exposed", r"risk", r"\bhigh\b", r"\bmatch",
    r"gcx-7731", r"Borislav", r"Zanzibarov-Petrov", r"v-secret-7", r"secret-sanctions",
    r"Fictional Programme", r"Secret Test List",
]


def assert_no_internals(response) -> None:
    body = response.content.decode()
    for pattern in FORBIDDEN:
        found = re.search(pattern, body, re.IGNORECASE)
        assert found is None, (
            f"{response.request['PATH_INFO']} shows {found.group(0)!r} to the investor: "
            f"...{body[max(0, found.start() - 120):found.end() + 120]}...")


@pytest.fixture
def officer2(db):
    return make_user(roles.COMPLIANCE_OFFICER, "officer2")


@pytest.fixture
def flagged(ops, officer, officer2, investor_user, open_deal):
    """The investor with every internal an officer keeps, and a pending sanctions hit."""
    from screening.services import list_import, screen_investor

    investor = services.investor_create(
        actor=ops, kind="individual", legal_name="Boris Zanzibarov", email="boris@example.test",
        country_of_residence="CY", nationality="CY", date_of_birth=date(1961, 7, 4),
        address="1 Harbour Street, Limassol", user=investor_user)
    services.investor_update(investor=investor, actor=officer, is_pep=True)
    for kind in ("identity", "proof_of_address"):
        doc = services.document_upload(actor=officer, investor=investor, kind=kind, file=pdf())
        services.document_decide(document=doc, decision="accept", actor=officer)
    first = services.kyc_case_open(actor=ops, investor=investor)
    for name in ("submit", "start_review"):
        first = services.kyc_case_transition(case=first, name=name, actor=officer)
    services.kyc_case_reject(case=first, actor=officer, reason_code="pep_risk",
                             reason="PEP exposure above our appetite.")
    case = services.kyc_case_open(actor=ops, investor=investor)
    for name, actor in (("submit", officer), ("start_review", officer), ("recommend", officer),
                        ("approve", officer2)):
        case = services.kyc_case_transition(case=case, name=name, actor=actor)
    assert (case.state, case.risk_rating) == ("approved", "high")

    challenge = services.wallet_challenge_issue(actor=investor_user, investor=investor,
                                                address=WALLET.address)
    signed = Account.sign_message(encode_defunct(text=challenge.message), WALLET.key).signature
    services.wallet_verify(actor=investor_user, challenge=challenge, signature="0x" + bytes(signed).hex())
    senior, junior = open_deal.tranches.order_by("seniority")
    subscribe(actor=ops, investor=investor, tranche=senior, amount="100000")
    refused = subscribe(actor=ops, investor=investor, tranche=junior, amount="100000", accept=False)
    from issuance import services as issuance

    issuance.subscription_transition(subscription=refused, name="reject", actor=officer,
                                     reason="Sanctions screening hit pending on the Secret Test List.")

    list_import(name="secret-sanctions", version_label="v-secret-7",
                data=f"{HEADER}\n{ENTRY}\n".encode(), actor=officer)
    hits = screen_investor(investor=investor, actor=officer)
    assert [(h.state, h.entity_id) for h in hits] == [("pending", "gcx-7731")]
    return investor


def investor_routes(investor, deal):
    case_ids = list(investor.kyc_cases.order_by("id").values_list("id", flat=True))
    sub_ids = list(investor.subscriptions.order_by("id").values_list("id", flat=True))
    doc_ids = list(investor.documents.order_by("id").values_list("id", flat=True))
    return [
        "/api/v1/investors/", f"/api/v1/investors/{investor.pk}/",
        f"/api/v1/investors/{investor.pk}/eligibility/?deal={deal.pk}",
        f"/api/v1/investors/{investor.pk}/status/",
        "/api/v1/kyc-cases/", *(f"/api/v1/kyc-cases/{pk}/" for pk in case_ids),
        "/api/v1/kyc-cases/?risk_rating=high", "/api/v1/kyc-cases/?state=rejected",
        "/api/v1/subscriptions/", *(f"/api/v1/subscriptions/{pk}/" for pk in sub_ids),
        "/api/v1/wallets/", "/api/v1/wallet-challenges/",
        "/api/v1/documents/", *(f"/api/v1/documents/{pk}/" for pk in doc_ids),
        "/api/v1/classifications/", "/api/v1/beneficial-owners/", "/api/v1/deal-eligibility/",
        "/api/v1/deals/", f"/api/v1/deals/{deal.pk}/", "/api/v1/tranches/",
        "/api/v1/audit-events/", "/api/v1/audit-events/?object_type=investor",
        "/api/v1/audit-events/?object_type=subscription",
        "/api/v1/screening/hits/", "/api/v1/screening/entries/", "/api/v1/screening/lists/",
    ]


def test_no_investor_route_shows_screening_or_risk_internals(api, flagged, investor_user, open_deal):
    client = api(investor_user)

    for path in investor_routes(flagged, open_deal):
        response = client.get(path)
        assert response.status_code in (200, 403), (path, response.status_code)
        assert_no_internals(response)


def test_the_eligibility_answer_is_a_neutral_under_review(api, flagged, investor_user, officer,
                                                          open_deal):
    path = f"/api/v1/investors/{flagged.pk}/eligibility/"

    mine = api(investor_user).get(path, {"deal": open_deal.pk})
    theirs = api(officer).get(path, {"deal": open_deal.pk})

    assert mine.json() == {"investor": flagged.pk, "deal": open_deal.pk, "ok": False,
                           "reasons": [UNDER_REVIEW]}
    [detail] = theirs.json()["reasons"]
    assert detail.startswith("Screening: Screening hit awaiting an officer's decision")
    assert "'Boris Zanzibarov' matches list entry gcx-7731 'Borislav Zanzibarov-Petrov'" in detail
    assert "v-secret-7" in detail


def test_a_refused_subscription_is_neutral_for_the_investor_and_detailed_for_staff(
        api, flagged, investor_user, ops, open_deal):
    from issuance.models import Subscription

    junior = open_deal.tranches.get(seniority=2)
    before = (Subscription.objects.count(), flagged.subscriptions.count())

    mine = api(investor_user).post("/api/v1/subscriptions/",
                                   {"tranche": junior.pk, "requested_amount": "100000"})
    theirs = api(ops).post("/api/v1/subscriptions/", {"investor": flagged.pk, "tranche": junior.pk,
                                                      "requested_amount": "100000"})

    assert (mine.status_code, mine.json()["error"]["reasons"]) == (409, [UNDER_REVIEW])
    assert mine.json()["error"]["message"] == (
        f"Boris Zanzibarov is not eligible for {open_deal} now: {UNDER_REVIEW}")
    assert_no_internals(mine)
    assert theirs.status_code == 409
    assert "gcx-7731" in theirs.json()["error"]["message"]
    assert (Subscription.objects.count(), flagged.subscriptions.count()) == before


def test_kyc_cases_and_status_drop_the_risk_for_the_investor_only(api, flagged, investor_user,
                                                                  officer):
    rejected, approved = flagged.kyc_cases.order_by("id")

    mine = {c["id"]: c for c in api(investor_user).get("/api/v1/kyc-cases/").json()["results"]}
    theirs = {c["id"]: c for c in api(officer).get("/api/v1/kyc-cases/").json()["results"]}
    status = api(investor_user).get(f"/api/v1/investors/{flagged.pk}/status/").json()

    assert "risk_rating" not in mine[approved.pk] and "risk_reasons" not in mine[approved.pk]
    assert "risk_rating" not in status["latest_case"]
    assert (mine[rejected.pk]["state"], mine[rejected.pk]["reason_code"],
            mine[rejected.pk]["reason_text"]) == ("rejected", "", WITHHELD)
    assert (theirs[approved.pk]["risk_rating"], theirs[approved.pk]["risk_reasons"]) == (
        "high", ["high: politically exposed person"])
    assert (theirs[rejected.pk]["reason_code"], theirs[rejected.pk]["reason_text"]) == (
        "pep_risk", "PEP exposure above our appetite.")


def test_filtering_on_risk_tells_the_investor_nothing(api, flagged, investor_user):
    client = api(investor_user)

    def ids(**params):
        return [c["id"] for c in client.get("/api/v1/kyc-cases/", params).json()["results"]]

    assert ids(risk_rating="high") == ids(risk_rating="low") == ids() == list(
        flagged.kyc_cases.order_by("created_at", "id").values_list("id", flat=True))


def test_the_investor_profile_has_no_pep_flag_for_the_investor(api, flagged, investor_user, officer):
    mine = api(investor_user).get(f"/api/v1/investors/{flagged.pk}/").json()
    listed = api(investor_user).get("/api/v1/investors/").json()["results"]
    theirs = api(officer).get(f"/api/v1/investors/{flagged.pk}/").json()

    assert "is_pep" not in mine and all("is_pep" not in row for row in listed)
    assert (mine["legal_name"], theirs["is_pep"]) == ("Boris Zanzibarov", True)


def test_audit_rows_about_screening_or_risk_stay_with_staff(api, flagged, investor_user, officer):
    from core.models import AuditEvent

    mine = api(investor_user).get("/api/v1/audit-events/").json()["results"]
    searched = api(investor_user).get("/api/v1/audit-events/", {"search": "sanctions"}).json()["results"]
    theirs = api(officer).get("/api/v1/audit-events/", {"object_type": "investor",
                                                        "object_id": flagged.pk}).json()["results"]

    pep_edit = AuditEvent.objects.get(content_type__model="investor", object_id=flagged.pk,
                                      changes__has_key="is_pep", action="update")
    assert pep_edit.pk not in [row["id"] for row in mine]
    assert pep_edit.pk in [row["id"] for row in theirs]
    created = next(row for row in mine if row["object_type"] == "investor" and row["action"] == "create")
    assert "is_pep" not in created["changes"] and created["changes"]["legal_name"] == [
        None, "Boris Zanzibarov"]
    rejection = next(row for row in mine if row["name"] == "reject")
    assert rejection["reason"] == WITHHELD
    assert searched == []


def test_submitting_a_case_as_the_investor_shows_no_internals(api, flagged, investor_user):
    client = api(investor_user)

    opened = client.post("/api/v1/kyc-cases/", {"investor": flagged.pk})
    submitted = client.post(f"/api/v1/kyc-cases/{opened.json()['id']}/submit/")
    approve = client.post(f"/api/v1/kyc-cases/{opened.json()['id']}/approve/")

    assert (opened.status_code, submitted.status_code, submitted.json()["state"]) == (
        201, 200, "submitted")
    assert approve.status_code == 409  # not from this state; nothing more is said
    for response in (opened, submitted, approve):
        assert_no_internals(response)


def test_a_refusal_inside_the_service_is_neutral_for_the_investor(flagged, investor_user, open_deal):
    from compliance.eligibility import require_eligible
    from core.errors import GuardFailed

    with pytest.raises(GuardFailed) as mine:
        require_eligible(flagged, open_deal, actor=investor_user, amount=Decimal("100000"))

    assert mine.value.reasons == [UNDER_REVIEW]


def test_the_schema_documents_the_staff_only_fields_as_optional(api, ops, investor_user):
    for user in (ops, investor_user):
        schemas = api(user).get("/api/schema/", {"format": "json"}).json()["components"]["schemas"]

        for component, fields in (("KycCase", ("risk_rating", "risk_reasons")), ("Investor", ("is_pep",))):
            assert set(fields) <= set(schemas[component]["properties"])
            assert not set(fields) & set(schemas[component]["required"])
        assert "state" in schemas["KycCase"]["required"]
