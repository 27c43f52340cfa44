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
    INVESTOR: "own investor profile and subscriptions; deals open for subscription or subscribed to",
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
