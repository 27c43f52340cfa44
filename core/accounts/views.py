"""The second-factor pages: enter a code (``/account/two-factor/``), or enrol a device first
(``/account/two-factor/enrol/``). Both come after the password (the admin login) and send the user
on to ``next`` (a path on this site) once the code is right."""

import io
from base64 import b32encode

import qrcode
import qrcode.image.svg
from axes.handlers.proxy import AxesProxyHandler
from django.contrib import admin
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters

from core.accounts.lockout import lockout_response
from core.accounts.two_factor import (
    VERIFY_PATH,
    confirmed_device,
    is_verified,
    needs_second_factor,
    totp_check,
    totp_enrol,
    totp_enrolment_device,
    totp_verify,
    with_next,
)
from core.errors import Refused

ENROL_PATH = f"{VERIFY_PATH}enrol/"
CODE_MAX_LENGTH = 12


def _next(request) -> str:
    """Where to go afterwards: ``next`` when it is a path on this site, else the admin."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return target
    return "/admin/"


def _page(request, template: str, **context):
    context = {**admin.site.each_context(request), "is_nav_sidebar_enabled": False, "has_permission": False,
               "next": _next(request), **context}
    return render(request, template, context, status=context.pop("status", 200))


def _code(request) -> str:
    return request.POST.get("code", "")[:CODE_MAX_LENGTH]


def _locked(request) -> bool:
    return not AxesProxyHandler.is_allowed(request, {"username": request.user.get_username()})


@never_cache
@sensitive_post_parameters("code")
@login_required
def verify(request):
    """Enter the code from the authenticator app; a wrong one counts towards the lockout."""
    user = request.user
    if not needs_second_factor(user) or is_verified(user):
        return redirect(_next(request))
    device = confirmed_device(user)
    if device is None:
        return redirect(with_next(ENROL_PATH, request.GET.get("next")))
    if _locked(request):
        logout(request)
        return lockout_response(request)
    error = ""
    if request.method == "POST":
        error = totp_check(request=request, user=user, device=device, code=_code(request))
        if not error:
            totp_verify(request=request, device=device)
            return redirect(_next(request))
        if getattr(request, "axes_locked_out", False):
            logout(request)
            return lockout_response(request)
    return _page(request, "accounts/two_factor_verify.html", title="Second factor", error=error,
                 status=200)


@never_cache
@sensitive_post_parameters("code")
@login_required
def enrol(request):
    """Enrol an authenticator app: scan the QR code (or type the secret), then enter a code."""
    user = request.user
    if not needs_second_factor(user):
        return redirect(_next(request))
    try:
        device = totp_enrolment_device(actor=user)
    except Refused:
        return redirect(with_next(VERIFY_PATH, request.GET.get("next")))
    error = ""
    if request.method == "POST":
        if totp_enrol(actor=user, device=device, code=_code(request)):
            totp_verify(request=request, device=device)
            return redirect(_next(request))
        error = "That code is not valid. Check the app shows the account just added, and enter its code now."
    return _page(request, "accounts/two_factor_enrol.html", title="Enrol a second factor", error=error,
                 secret=b32encode(device.bin_key).decode(), config_url=device.config_url,
                 qr_svg=_qr_svg(device.config_url))


def _qr_svg(data: str) -> str:
    out = io.BytesIO()
    qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage).save(out)
    return out.getvalue().decode()
