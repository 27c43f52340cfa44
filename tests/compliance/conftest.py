from datetime import date

import pytest

from compliance import services
from core import roles
from tests.factories import make_investor, make_user, pdf


@pytest.fixture
def officer2(db):
    return make_user(roles.COMPLIANCE_OFFICER, "officer2")


@pytest.fixture
def person(ops, investor_user):
    """An individual in Hong Kong with complete details and no KYC case yet."""
    return make_investor(actor=ops, user=investor_user, name="Chan Tai Man", eligible=False,
                         kind="individual", country_of_residence="HK", nationality="HK",
                         date_of_birth=date(1980, 5, 17), registration_number="")


def accept_required_documents(investor, officer):
    for kind in ("identity", "proof_of_address"):
        doc = services.document_upload(actor=officer, investor=investor, kind=kind, file=pdf())
        services.document_decide(document=doc, decision="accept", actor=officer)


def walk(case, steps):
    """Run (name, actor) steps through the service; returns the case."""
    for name, actor in steps:
        case = services.kyc_case_transition(case=case, name=name, actor=actor)
    return case
