"""Two-factor sign-in for staff, on django-otp's TOTP devices.

Staff - issuer operations, compliance officers, trustees, superusers and any ``is_staff`` login - sign
in with their password and then a 6-digit code from an authenticator app. Until the code is passed
the session is "unverified": ``StaffSecondFactorMiddleware`` sends every page (the admin, the
compliance queue) to ``/account/two-factor/`` and ``core.api.authentication.SessionAuthentication``
answers the API with 403. A staff user without a confirmed device is sent to enrol one (a QR code
and the secret; the device counts once a code from it is entered). Staff API tokens are made only
with a code (``core.accounts.tokens``). Investors are not asked for a second factor.

A wrong code is a failed sign-in for the lockout (``core.accounts.lockout``). Enrolment and removal
of a device are audited on the device.
"""

import math
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.signals import user_login_failed
from django.db import transaction
from django.shortcuts import redirect
from django.utils import timezone
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from core.audit import audit_event, audit_transition_rows
from core.authz import require_perm
from core.errors import NotPermitted, Refused
from core.models import AuditEvent
from core.roles import STAFF_ROLES, roles_of

VERIFY_PATH = "/account/two-factor/"
_STAFF_ROLES = frozenset(STAFF_ROLES)
# Paths an unverified staff session may still open: the second-factor pages, signing out, static
# files, and the API (which answers for itself, core.api.authentication).
_OPEN_PATHS = (VERIFY_PATH, "/admin/logout/", "/api/")


def needs_second_factor(user) -> bool:
    """Staff need a second factor; investors do not."""
    if not user.is_authenticated:
        return False
    return user.is_superuser or user.is_staff or bool(roles_of(user) & _STAFF_ROLES)


def is_verified(user) -> bool:
    """Whether this session passed a TOTP code (set by django-otp's ``OTPMiddleware``)."""
    check = getattr(user, "is_verified", None)
    return bool(check and check())


def confirmed_device(user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def with_next(path: str, next_url: str | None) -> str:
    return f"{path}?{urlencode({'next': next_url})}" if next_url else path


class StaffSecondFactorMiddleware:
    """Send a staff session that has not passed its second factor to ``/account/two-factor/``."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.open_paths = (*_OPEN_PATHS, settings.STATIC_URL if settings.STATIC_URL.startswith("/")
                           else f"/{settings.STATIC_URL}")

    def __call__(self, request):
        if not request.path.startswith(self.open_paths):
            user = request.user
            if needs_second_factor(user) and not is_verified(user):
                return redirect(with_next(VERIFY_PATH, request.get_full_path()))
        return self.get_response(request)


def totp_check(*, request, user, device: TOTPDevice, code: str) -> str:
    """Check that ``code`` is ``device``'s current code (each code is accepted once): answers "" when it
    is, else why not. A refused code is a failed sign-in of ``user`` for the lockout. After a wrong
    code django-otp also makes the device wait (1, 2, 4, ... seconds) before it checks another."""
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().get(pk=device.pk)
        allowed, details = device.verify_is_allowed()
        if device.verify_token(code.strip()):
            return ""
    user_login_failed.send(sender=__name__, credentials={"username": user.get_username()}, request=request)
    if not allowed:
        wait = (details or {}).get("locked_until")
        seconds = max(1, math.ceil((wait - timezone.now()).total_seconds())) if wait else 1
        return (f"Too many wrong codes in a row: wait {seconds} second{'s' if seconds != 1 else ''}, "
                "then enter the new code.")
    return "That code is not valid."


def totp_verify(*, request, device: TOTPDevice) -> None:
    """Mark this session as having passed ``device``'s code (after ``totp_check``)."""
    otp_login(request, device)
    request.session.cycle_key()


def totp_enrolment_device(*, actor) -> TOTPDevice:
    """The device ``actor`` is enrolling: their pending (unconfirmed) one, made if there is none.
    Refused once they hold a confirmed device: a second one is added only after an administrator
    removed the first (a stolen password alone must not add a device)."""
    if not needs_second_factor(actor):
        raise NotPermitted("Only staff enrol a second factor.")
    if confirmed_device(actor) is not None:
        raise Refused("You already have an authenticator app; to replace it, ask an administrator to "
                      "remove the old one.")
    device = TOTPDevice.objects.filter(user=actor, confirmed=False).order_by("pk").first()
    return device or TOTPDevice.objects.create(user=actor, name="Authenticator app", confirmed=False)


def totp_enrol(*, actor, device: TOTPDevice, code: str) -> bool:
    """Confirm ``actor``'s pending ``device`` with a code from it; audited. False if the code is wrong."""
    if device.user_id != actor.pk or device.confirmed:
        raise NotPermitted("This is not a device you are enrolling.")
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().get(pk=device.pk)
        if not device.verify_token(code.strip()):
            return False
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        audit_event(instance=device, actor=actor, action=AuditEvent.Action.TRANSITION, name="enrol",
                    from_state="pending", to_state="confirmed")
    return True


def totp_devices_remove(*, actor, devices, reason: str = "") -> int:
    """Remove second-factor devices (a lost phone): their users enrol again at their next sign-in.
    Needs ``otp_totp.delete_totpdevice`` (superusers); audited."""
    require_perm(actor, "otp_totp.delete_totpdevice", doing="remove second-factor devices")
    with transaction.atomic():
        rows = list(devices.select_for_update().select_related("user").order_by("pk"))
        audit_transition_rows(
            model=TOTPDevice, actor=actor, name="remove", to_state="removed",
            rows=[(d.pk, str(d), "", reason, {"confirmed": [d.confirmed, None]}) for d in rows])
        TOTPDevice.objects.filter(pk__in=[d.pk for d in rows]).delete()
    return len(rows)
