"""The investor portal's pages (docs/reporting.md, "Portal and verification"). Views only read
through ``portal.selectors`` / ``reporting.selectors`` and call services: another investor's row is a
404 on every route, a page for investors a 404 for a login that is not one."""

from __future__ import annotations

import json

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse, reverse_lazy
from django.views.decorators.http import require_GET

from core.errors import NotPermitted, Refused
from core.roles import sees_all
from portal import selectors
from reporting.models import Kind, Report
from reporting.selectors import reports_visible_to
from reporting.services import report_open_for_download

LOGIN = reverse_lazy("portal:login")


class Login(auth_views.LoginView):
    """Password sign-in; staff then pass their second factor (core.accounts), investors go on."""

    template_name = "portal/login.html"
    redirect_authenticated_user = True

    def get_default_redirect_url(self):
        return reverse("portal:home")


class Logout(auth_views.LogoutView):
    next_page = LOGIN


def _investor(request):
    investor = selectors.investor_of(request.user)
    if investor is None:
        raise Http404("No investor profile belongs to this login.")
    return investor


def _page(request, template: str, **context):
    context.setdefault("investor", selectors.investor_of(request.user))
    context["staff"] = sees_all(request.user)
    return render(request, template, context, status=context.pop("status", 200))


@login_required(login_url=LOGIN)
@require_GET
def home(request):
    investor = selectors.investor_of(request.user)
    if investor is None:
        reports = reports_visible_to(request.user).filter(state=Report.State.DONE)
        return _page(request, "portal/home_staff.html",
                     deal_reports=reports.exclude(kind=Kind.INVESTOR_STATEMENT)[:20])
    holdings = selectors.holdings(investor)
    return _page(
        request,
        "portal/home.html",
        holdings=holdings,
        next_payment=selectors.next_payment(investor, holdings),
        recent=selectors.entitlements_of(investor)[:5],
        kyc=selectors.kyc_status(investor),
    )


@login_required(login_url=LOGIN)
@require_GET
def payments(request):
    investor = _investor(request)
    return _page(request, "portal/payments.html", entitlements=selectors.entitlements_of(investor))


@login_required(login_url=LOGIN)
@require_GET
def payment_proof(request, pk: int):
    entitlement = selectors.entitlement_of(selectors.investor_of(request.user), pk)
    if entitlement is None:
        raise Http404("No such payment of yours.")
    proof = selectors.payment_proof(entitlement)
    if proof is None:
        return _page(request, "portal/message.html", status=409, title="No proof yet",
                     message="This payment's Merkle root is not anchored on chain yet: the proof can be "
                             "downloaded once the distribution is paid and its root anchored.")
    response = HttpResponse(json.dumps(proof, indent=2) + "\n", content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="payment-proof-{entitlement.pk}.json"'
    return response


def _reports(request):
    return reports_visible_to(request.user).filter(state=Report.State.DONE)


@login_required(login_url=LOGIN)
@require_GET
def reports(request):
    visible = list(_reports(request).order_by("deal__name", "kind", "-period__number", "-year", "-version"))
    anchors = selectors.document_anchors([r.file_sha256 for r in visible])
    rows = [(r, anchors.get(r.file_sha256)) for r in visible]
    return _page(
        request,
        "portal/reports.html",
        statements=[row for row in rows if row[0].kind == Kind.INVESTOR_STATEMENT],
        deal_reports=[row for row in rows if row[0].kind != Kind.INVESTOR_STATEMENT],
    )


@login_required(login_url=LOGIN)
@require_GET
def report_download(request, pk: int):
    report = get_object_or_404(_reports(request), pk=pk)
    try:
        found = report_open_for_download(actor=request.user, report=report)
    except NotPermitted:
        raise Http404("No such report.") from None
    except Refused as exc:
        return _page(request, "portal/message.html", status=409, title="Download refused", message=str(exc))
    response = HttpResponse(found.data, content_type=found.content_type)
    response["Content-Disposition"] = f'attachment; filename="{found.filename}"'
    response["ETag"] = f'"{found.sha256}"'
    response["X-Content-SHA256"] = found.sha256
    return response


@login_required(login_url=LOGIN)
@require_GET
def kyc(request):
    investor = _investor(request)
    return _page(request, "portal/kyc.html", kyc=selectors.kyc_status(investor))


@login_required(login_url=LOGIN)
@require_GET
def wallets(request):
    investor = _investor(request)
    return _page(request, "portal/wallets.html", wallets=selectors.wallets(investor))


@require_GET
def verify(request):
    """How to check a report's hash and a payment proof; open to anyone (auditors included)."""
    return _page(request, "portal/verify.html", anchor=selectors.anchor_contract_or_none())
