"""The admin's sidebar (django-unfold ``UNFOLD["SIDEBAR"]["navigation"]``): the models each user
may open, grouped by business area rather than by Django app, plus the KYC review queue.

Built per request from ``admin.site.get_app_list(request)``, so a role sees exactly the pages
its permissions allow (core/roles.py) and an app added later shows up under its area without
editing settings. An app not named in ``AREAS`` falls into "Administration".
"""

from django.conf import settings
from django.contrib import admin
from django.templatetags.static import static
from django.urls import reverse

from core.roles import oversees

# (area title, the app labels it gathers), in sidebar order.
AREAS: list[tuple[str, tuple[str, ...]]] = [
    ("Issuance", ("issuance",)),
    ("Investors and compliance", ("compliance", "screening")),
    ("Collateral and cash flows", ("assets", "green")),
    ("Servicing and reconciliation", ("servicing", "reconciliation")),
    ("Chain", ("chain",)),
    ("Administration", ("core", "auth", "otp_totp")),
]

ICONS = {
    "issuance.deal": "request_quote", "issuance.tranche": "stacked_bar_chart",
    "issuance.subscription": "assignment", "issuance.spv": "corporate_fare",
    "compliance.investor": "groups", "compliance.kyccase": "fact_check",
    "compliance.wallet": "account_balance_wallet", "compliance.document": "description",
    "screening.screeninghit": "policy", "assets.device": "dns", "assets.lessee": "apartment",
    "assets.lease": "handshake", "assets.invoice": "receipt_long", "assets.bankentry": "account_balance",
    "servicing.collectionperiod": "event_repeat", "servicing.distribution": "payments",
    "chain.chaintransaction": "link", "core.auditevent": "history", "auth.user": "person",
}

REVIEWER = "compliance.review_kyccase"


def _item(title: str, link: str, icon: str) -> dict:
    # every key the theme's sidebar template reads, so none is a failed lookup (each costs a dir())
    return {"title": title, "link": link, "icon": icon, "badge": None, "link_callback": None}


def sidebar(request) -> list[dict]:
    apps = {app["app_label"]: app for app in admin.site.get_app_list(request)}
    groups = [{"title": "Home", "separator": False, "collapsible": False, "items": [
        _item("Home", reverse("admin:index"), "home")]}]
    if request.user.has_perm(REVIEWER) or oversees(request.user):
        groups[0]["items"].append(_item("KYC review queue", reverse("compliance:queue"), "checklist"))
    placed = {label for _, labels in AREAS for label in labels}
    for title, labels in AREAS:
        labels = labels + tuple(sorted(set(apps) - placed)) if title == "Administration" else labels
        items = [
            _item(model["name"], model["admin_url"], ICONS.get(f"{label}.{model['object_name'].lower()}", ""))
            for label in labels if label in apps for model in apps[label]["models"] if model.get("admin_url")
        ]
        if items:
            groups.append({"title": title, "separator": True, "collapsible": True, "items": items})
    return groups


def favicon(request) -> str:
    """The favicon's URL (its hashed name once collected)."""
    return static("core/favicon.svg")


def admin_frame(request) -> dict:
    """Context processor: staff pages outside /admin/ (the compliance queue and case pages, the
    URL namespaces in ``settings.ADMIN_FRAME_NAMESPACES``) get the admin's frame, sidebar and
    header included, when their template extends ``admin/base_site.html``."""
    match = getattr(request, "resolver_match", None)
    if match is None or match.app_name not in settings.ADMIN_FRAME_NAMESPACES:
        return {}
    if not request.user.is_authenticated:
        return {}
    return {**admin.site.each_context(request), "is_nav_sidebar_enabled": True}


def stylesheet(request) -> str:
    """The back office's own stylesheet, loaded on every admin page after the theme's."""
    return static("core/back_office.css")
