"""Investors never read a staff member's username: not who prepared or approved a deal, not who
reviewed or decided their KYC case, not who acted in their audit trail ("issuer" instead, "you"
for their own steps). Staff still read the names."""

from core.audit import audit_event
from core.models import AuditEvent
from tests.factories import approve_kyc

STAFF_NAMES = {"ops", "ops2", "officer", "officer2", "compliance", "compliance2", "trustee"}


def _names_in(value) -> set[str]:
    if isinstance(value, dict):
        return set().union(*(_names_in(v) for v in value.values())) if value else set()
    if isinstance(value, list):
        return set().union(*(_names_in(v) for v in value)) if value else set()
    return {value} & STAFF_NAMES if isinstance(value, str) else set()


def test_deals_show_who_prepared_and_approved_them_to_staff_only(closed_deal, investor_user, ops, api):
    staff = api(ops).get(f"/api/v1/deals/{closed_deal.pk}/").json()
    mine = api(investor_user).get(f"/api/v1/deals/{closed_deal.pk}/").json()
    listed = api(investor_user).get("/api/v1/deals/").json()["results"]

    assert (staff["submitted_by"], staff["approved_by"]) == (closed_deal.submitted_by.username,
                                                             closed_deal.approved_by.username)
    assert {"submitted_by", "approved_by"} & (set(mine) | set(listed[0])) == set()
    assert _names_in(mine) | _names_in(listed) == set()


def test_an_investor_s_kyc_case_names_no_officer(investor, investor_user, api, officer):
    case = approve_kyc(investor)

    mine = api(investor_user).get(f"/api/v1/kyc-cases/{case.pk}/").json()
    staff = api(officer).get(f"/api/v1/kyc-cases/{case.pk}/").json()

    assert {"assignee", "recommended_by", "decided_by"} & set(mine) == set()
    assert _names_in(mine) == set()
    assert staff["decided_by"] is not None and staff["recommended_by"] is not None


def test_the_audit_trail_says_issuer_or_you_never_a_username(investor, investor_user, ops, api):
    audit_event(instance=investor, actor=investor_user, action=AuditEvent.Action.UPDATE,
                changes={"phone": ["", "+65 6000 0000"]})

    mine = api(investor_user).get("/api/v1/audit-events/").json()["results"]
    staff = api(ops).get("/api/v1/audit-events/", {"object_type": "investor",
                                                   "object_id": investor.pk}).json()["results"]

    assert [(e["action"], e["actor"]) for e in mine] == [("update", "you"), ("create", "issuer")]
    assert [(e["action"], e["actor"]) for e in staff] == [("update", "investor"), ("create", "ops")]
