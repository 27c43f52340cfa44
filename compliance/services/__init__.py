"""Every write the compliance business knows by name (see each module).

Each service is keyword-only, runs in one transaction, locks what it changes
(investor before case before document), writes the audit trail in the same
transaction, and raises a ``core.errors.Refused`` before writing anything when a
rule says no.
"""

from compliance.services.classification import classification_record, classification_revoke
from compliance.services.documents import document_decide, document_upload
from compliance.services.eligibility import deal_eligibility_set
from compliance.services.investors import (
    beneficial_owner_add,
    beneficial_owner_remove,
    investor_create,
    investor_update,
)
from compliance.services.kyc import (
    KYC_CASE_ACTIONS,
    kyc_case_approve,
    kyc_case_assign,
    kyc_case_open,
    kyc_case_recommend,
    kyc_case_reject,
    kyc_case_request_information,
    kyc_case_return_to_review,
    kyc_case_start_review,
    kyc_case_submit,
    kyc_case_transition,
    kyc_cases_expire_due,
)
from compliance.services.login_changes import (
    LOGIN_CHANGE_ACTIONS,
    investor_login_change_approve,
    investor_login_change_reject,
    investor_login_change_request,
    investor_login_change_transition,
)
from compliance.services.wallets import wallet_challenge_issue, wallet_verify

__all__ = [
    "beneficial_owner_add", "beneficial_owner_remove", "classification_record",
    "classification_revoke", "deal_eligibility_set", "document_decide", "document_upload",
    "investor_create", "investor_login_change_approve", "investor_login_change_reject",
    "investor_login_change_request", "investor_login_change_transition", "investor_update",
    "KYC_CASE_ACTIONS", "kyc_case_approve", "kyc_case_assign",
    "kyc_case_open", "kyc_case_recommend", "kyc_case_reject", "kyc_case_request_information",
    "kyc_case_return_to_review", "kyc_case_start_review", "kyc_case_submit", "kyc_case_transition",
    "kyc_cases_expire_due", "LOGIN_CHANGE_ACTIONS", "wallet_challenge_issue", "wallet_verify",
]
