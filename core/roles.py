"""The permission matrix: which role (group) holds which Django permission.

This table is the single source for the admin, the API and the services (which
check transition permissions through django-fsm). ``sync_roles`` makes the
groups match it after every migrate; docs/permissions.md is rendered from it by
``manage.py permission_matrix`` and a test keeps the two equal.

Object-level rules that a permission cannot express (an investor sees only
their own subscriptions) live in each app's selectors.
"""

from django.contrib.auth.models import Group, Permission

ISSUER_OPERATIONS = "issuer operations"
COMPLIANCE_OFFICER = "compliance officer"
TRUSTEE_AUDITOR = "trustee / auditor"
INVESTOR = "investor"
ROLES = (ISSUER_OPERATIONS, COMPLIANCE_OFFICER, TRUSTEE_AUDITOR, INVESTOR)

_VIEW_ALL = [
    "issuance.view_spv",
    "issuance.view_deal",
    "issuance.view_tranche",
    "issuance.view_subscription",
    "compliance.view_investor",
    "core.view_auditevent",
    "screening.view_listversion",
    "screening.view_listentry",
    "screening.view_screeningrun",
    "screening.view_screeninghit",
    "screening.view_whitelistentry",
]

# Compliance rows every staff role reads (documents are for officers and their investor only).
_COMPLIANCE_VIEW = [
    "compliance.view_beneficialowner",
    "compliance.view_kyccase",
    "compliance.view_investorclassification",
    "compliance.view_dealeligibility",
    "compliance.view_wallet",
    "compliance.view_walletchallenge",
    "compliance.view_investorloginchange",
]

MATRIX: dict[str, list[str]] = {
    ISSUER_OPERATIONS: _VIEW_ALL
    + [
        "issuance.add_spv",
        "issuance.change_spv",
        "issuance.activate_spv",
        "issuance.wind_down_spv",
        "issuance.dissolve_spv",
        "issuance.add_deal",
        "issuance.change_deal",
        "issuance.start_structuring_deal",
        "issuance.submit_for_review_deal",
        "issuance.open_subscriptions_deal",
        "issuance.close_book_deal",
        "issuance.issue_deal",
        "issuance.start_servicing_deal",
        "issuance.mature_deal",
        "issuance.redeem_deal",
        "issuance.cancel_deal",
        "issuance.declare_default_deal",
        "issuance.add_tranche",
        "issuance.change_tranche",
        "issuance.add_subscription",
        "issuance.accept_subscription",
        "issuance.reject_subscription",
        "issuance.record_funding_subscription",
        "issuance.cancel_subscription",
        "issuance.release_allocation_subscription",
        "compliance.add_investor",
        "compliance.change_investor",
        *_COMPLIANCE_VIEW,
        "compliance.add_beneficialowner",
        "compliance.change_beneficialowner",
        "compliance.add_kyccase",
        "compliance.submit_kyccase",
        "compliance.add_document",
        "compliance.add_dealeligibility",
        "compliance.change_dealeligibility",
        "compliance.add_walletchallenge",
    ],
    COMPLIANCE_OFFICER: _VIEW_ALL
    + [
        "issuance.approve_deal",
        "issuance.return_to_structuring_deal",
        "issuance.reject_subscription",
        "compliance.add_investor",
        "compliance.change_investor",
        "screening.add_listversion",
        "screening.add_screeningrun",
        "screening.decide_screeninghit",
        "screening.add_whitelistentry",
        *_COMPLIANCE_VIEW,
        "compliance.add_beneficialowner",
        "compliance.change_beneficialowner",
        "compliance.add_kyccase",
        "compliance.submit_kyccase",
        "compliance.review_kyccase",
        "compliance.approve_kyccase",
        "compliance.reject_kyccase",
        "compliance.view_document",
        "compliance.add_document",
        "compliance.decide_document",
        "compliance.add_investorclassification",
        "compliance.change_investorclassification",
        "compliance.add_dealeligibility",
        "compliance.change_dealeligibility",
        "compliance.add_walletchallenge",
        "compliance.add_investorloginchange",
        "compliance.approve_investorloginchange",
        "compliance.reject_investorloginchange",
    ],
    TRUSTEE_AUDITOR: _VIEW_ALL + _COMPLIANCE_VIEW,
    INVESTOR: [
        "issuance.view_spv",
        "issuance.view_deal",
        "issuance.view_tranche",
        "issuance.view_subscription",
        "issuance.add_subscription",
        "issuance.cancel_subscription",
        "compliance.view_investor",
        "core.view_auditevent",
        "compliance.view_beneficialowner",
        "compliance.view_kyccase",
        "compliance.add_kyccase",
        "compliance.submit_kyccase",
        "compliance.view_document",
        "compliance.add_document",
        "compliance.view_investorclassification",
        "compliance.view_dealeligibility",
        "compliance.view_wallet",
        "compliance.view_walletchallenge",
        "compliance.add_walletchallenge",
    ],
}

# Collateral and cash flows (assets app): operations write, trustee and compliance read, investors none.
_ASSETS_MODELS = ["site", "device", "appraisal", "insurancepolicy", "investmentmodel", "meterreading",
                  "meterimportbatch", "counterparty", "lease", "leasedevice", "invoice", "invoiceline",
                  "invoicepayment", "bankstatement", "bankentry", "bankentrymatch"]
_ASSETS_VIEW = [f"assets.view_{m}" for m in _ASSETS_MODELS]
_ASSETS_WRITE = [
    *(f"assets.{verb}_{m}" for m in ("site", "device", "appraisal", "insurancepolicy", "investmentmodel",
                                     "counterparty", "lease") for verb in ("add", "change")),
    "assets.transition_device",
    "assets.transition_lease",
    "assets.import_meterimportbatch",
    "assets.add_invoice",
    "assets.issue_invoice",
    "assets.record_payment_invoice",
    "assets.mark_overdue_invoice",
    "assets.write_off_invoice",
    "assets.import_bankstatement",
    "assets.change_bankentry",
]
MATRIX[ISSUER_OPERATIONS] += _ASSETS_VIEW + _ASSETS_WRITE
MATRIX[COMPLIANCE_OFFICER] += _ASSETS_VIEW
MATRIX[TRUSTEE_AUDITOR] += _ASSETS_VIEW

# Green attributes (green app): operations keep the certificate inventory and request issuance;
# compliance and the trustee read it; investors none.
_GREEN_MODELS = ["registry", "certificateblock", "issuancerequest", "generationimport", "generationreading",
                 "retirement", "certificatesale", "emissionfactorimport", "hourlyemissionfactor",
                 "embodiedemissions"]
_GREEN_VIEW = [f"green.view_{m}" for m in _GREEN_MODELS]
_GREEN_WRITE = [
    "green.add_registry", "green.change_registry", "green.add_certificateblock",
    "green.reserve_certificateblock", "green.pledge_certificateblock", "green.release_certificateblock",
    "green.split_certificateblock", "green.transfer_certificateblock", "green.retire_certificateblock",
    "green.import_generationimport", "green.add_issuancerequest", "green.issue_issuancerequest",
    "green.reject_issuancerequest", "green.record_receipt_certificatesale",
    "green.import_emissionfactorimport", "green.add_embodiedemissions", "green.change_embodiedemissions",
]
MATRIX[ISSUER_OPERATIONS] += _GREEN_VIEW + _GREEN_WRITE
MATRIX[COMPLIANCE_OFFICER] += _GREEN_VIEW
MATRIX[TRUSTEE_AUDITOR] += _GREEN_VIEW

# Exchange rates (core): every staff role reads them, operations record them.
MATRIX[ISSUER_OPERATIONS] += ["core.view_fxrate", "core.add_fxrate"]
MATRIX[COMPLIANCE_OFFICER] += ["core.view_fxrate"]
MATRIX[TRUSTEE_AUDITOR] += ["core.view_fxrate"]

# The outbox (core): staff read the side effects waiting to run; operations may send one again.
MATRIX[ISSUER_OPERATIONS] += ["core.view_outboxmessage", "core.dispatch_outboxmessage"]
MATRIX[COMPLIANCE_OFFICER] += ["core.view_outboxmessage"]
MATRIX[TRUSTEE_AUDITOR] += ["core.view_outboxmessage"]

# The chain (chain app): staff read intents, contracts, the index and snapshots; operations may
# ask the chain about open intents now and resolve a chain reset alert. Chain writes happen only
# through chain services.
_CHAIN_VIEW = [f"chain.view_{m}" for m in ("chaintransaction", "contract", "indexercursor", "reorgalert",
                                           "tokentransfer", "chainevent", "holdersnapshot", "holderbalance",
                                           "chainidentity", "chainresetalert")]
MATRIX[ISSUER_OPERATIONS] += _CHAIN_VIEW + [
    "chain.follow_chaintransaction", "chain.pay_distribution_chaintransaction",
    "chain.resolve_chainresetalert"]
MATRIX[COMPLIANCE_OFFICER] += _CHAIN_VIEW
MATRIX[TRUSTEE_AUDITOR] += _CHAIN_VIEW

# Accounts (core.accounts): compliance officers oversee sign-ins - they see every API token and
# revoke any, see and lift login locks, and see who enrolled a second factor. Removing a second
# factor is left to superusers. Each user lists and revokes their own tokens without a permission.
MATRIX[COMPLIANCE_OFFICER] += ["core.view_apitoken", "core.revoke_apitoken", "core.view_loginlock",
                               "core.unlock_loginlock", "axes.view_accessattempt", "otp_totp.view_totpdevice"]

# Servicing periods (servicing app): operations sets the terms, generates and determines periods,
# describes waterfalls and proposes adjustments and amendments; a second operations user approves
# (maker-checker in the services); the trustee approves a determination only where the deal's
# servicing terms say so, and otherwise reads like the compliance officer. Investors see none of it.
_SERVICING_PERIODS_VIEW = [f"servicing.view_{m}" for m in (
    "servicingterms", "collectionperiod", "fundsadjustment", "availablefundsline", "waterfallrun",
    "waterfalldescription", "waterfallamendment")]
MATRIX[ISSUER_OPERATIONS] += _SERVICING_PERIODS_VIEW + [
    "servicing.add_servicingterms", "servicing.change_servicingterms",
    "servicing.add_collectionperiod", "servicing.determine_collectionperiod",
    "servicing.approve_collectionperiod",
    "servicing.close_collectionperiod",
    "servicing.add_fundsadjustment", "servicing.approve_fundsadjustment", "servicing.reject_fundsadjustment",
    "servicing.add_waterfalldescription", "servicing.change_waterfalldescription",
    "servicing.add_waterfallamendment", "servicing.approve_waterfallamendment",
    "servicing.reject_waterfallamendment"]
MATRIX[COMPLIANCE_OFFICER] += _SERVICING_PERIODS_VIEW
MATRIX[TRUSTEE_AUDITOR] += _SERVICING_PERIODS_VIEW + ["servicing.approve_collectionperiod"]
# Servicing - distributions and payouts (servicing app): operations distribute an approved period,
# a second person approves the entitlements for payment, operations pay and retry failed batches;
# compliance decides escrowed entitlements; the trustee reads; an investor reads its own entitlements.
_DISTRIBUTIONS_VIEW = [f"servicing.view_{m}" for m in ("distribution", "entitlement", "escrowline",
                                                       "payoutbatch")]
MATRIX[ISSUER_OPERATIONS] += _DISTRIBUTIONS_VIEW + [
    "servicing.distribute_collectionperiod", "servicing.approve_distribution", "servicing.pay_distribution",
    "servicing.retry_payoutbatch"]
MATRIX[COMPLIANCE_OFFICER] += _DISTRIBUTIONS_VIEW + ["servicing.decide_escrowline"]
MATRIX[TRUSTEE_AUDITOR] += _DISTRIBUTIONS_VIEW
MATRIX[INVESTOR] += ["servicing.view_entitlement"]
# Oversight: roles that read the compliance officers' review queue and case pages without acting
# (no buttons, no forms; documents only with compliance.view_document, which they do not hold).
OVERSIGHT_ROLES = (TRUSTEE_AUDITOR,)
# Reconciliation (reconciliation app): operations run the cash matching, match by hand (a second
# operations user approves above the threshold), work and resolve the exceptions; a second person
# approves write-offs and waivers; operations run the chain matching and re-pay missing holders.
# Trustee and compliance officer read.
_RECON_VIEW = [f"reconciliation.view_{m}" for m in ("matchrun", "lesseecredit", "manualmatch",
                                                    "reconexception", "exceptionlink")]
MATRIX[ISSUER_OPERATIONS] += _RECON_VIEW + [
    "reconciliation.run_matchrun", "reconciliation.add_manualmatch", "reconciliation.approve_manualmatch",
    "reconciliation.assign_reconexception", "reconciliation.resolve_reconexception",
    "reconciliation.approve_write_off_reconexception", "reconciliation.approve_waive_reconexception",
    "reconciliation.repay_reconexception", "reconciliation.match_chain_reconexception"]
MATRIX[COMPLIANCE_OFFICER] += _RECON_VIEW
MATRIX[TRUSTEE_AUDITOR] += _RECON_VIEW
# Reports (reporting app): operations request reports and bulk statement runs; every staff role reads
# every report; an investor reads its own final statements and the final reports of deals it holds
# (object-level scope in reporting.selectors).
MATRIX[ISSUER_OPERATIONS] += ["reporting.view_report", "reporting.add_report", "reporting.view_statementrun",
                              "reporting.add_statementrun"]
MATRIX[COMPLIANCE_OFFICER] += ["reporting.view_report", "reporting.view_statementrun"]
MATRIX[TRUSTEE_AUDITOR] += ["reporting.view_report", "reporting.view_statementrun"]
MATRIX[INVESTOR] += ["reporting.view_report"]
# Funding receipts (issuance): every staff role reads the payments received; operations record
# them with issuance.record_funding_subscription.
for _role in (ISSUER_OPERATIONS, COMPLIANCE_OFFICER, TRUSTEE_AUDITOR):
    MATRIX[_role] += ["issuance.view_fundingreceipt"]

# Roles whose members work in the admin site (investors use the API and the portal).
STAFF_ROLES = (ISSUER_OPERATIONS, COMPLIANCE_OFFICER, TRUSTEE_AUDITOR)

# What each role sees of rows that belong to investors (enforced in selectors).
SCOPE = {
    ISSUER_OPERATIONS: "all",
    COMPLIANCE_OFFICER: "all",
    TRUSTEE_AUDITOR: "all (read-only)",
    INVESTOR: "own investor profile and subscriptions; deals open for subscription or subscribed to; "
              "own final statements and the final reports of deals held",
}


def _permission(dotted: str) -> Permission:
    app_label, codename = dotted.split(".")
    return Permission.objects.get(content_type__app_label=app_label, codename=codename)


def sync_roles() -> None:
    """Create the groups and give each exactly the permissions in ``MATRIX``."""
    from django.apps import apps
    from django.contrib.auth.management import create_permissions
    from django.contrib.contenttypes.management import create_contenttypes

    for config in apps.get_app_configs():
        create_contenttypes(config, verbosity=0)
        create_permissions(config, verbosity=0)
    for role, perms in MATRIX.items():
        group, _ = Group.objects.get_or_create(name=role)
        group.permissions.set([_permission(p) for p in perms])


def roles_of(user) -> frozenset[str]:
    """The user's role names, read once per user object (one request)."""
    if not user.is_authenticated:
        return frozenset()
    if not hasattr(user, "_role_names"):
        user._role_names = frozenset(user.groups.values_list("name", flat=True))
    return user._role_names


def sees_all(user) -> bool:
    """Staff roles see every row; everyone else only what selectors grant them."""
    if not user.is_authenticated:
        return False
    return user.is_superuser or bool(roles_of(user) & frozenset(STAFF_ROLES))


def oversees(user) -> bool:
    """A member of an oversight role (reads the review queue and case pages, read-only)."""
    return bool(roles_of(user) & frozenset(OVERSIGHT_ROLES))
