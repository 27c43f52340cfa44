"""Sign-in lockout, on django-axes.

Every failed sign-in - a wrong password at the admin login or at ``POST /api/v1/auth/token/``, a
wrong TOTP code on the second-factor page or at the token endpoint - is an axes ``AccessAttempt``
for that username and client address. When ``LOGIN_FAILURE_LIMIT`` of them follow each other within
``LOGIN_LOCKOUT_MINUTES``, that account is locked from that address: the right password is refused
(429) until ``LOGIN_LOCKOUT_MINUTES`` after the last failure, or until someone with
``core.unlock_loginlock`` unlocks it (the admin's "Login locks", or ``manage.py unlock_login``). The
lock and the unlock are audited on the lock row (``core.models.LoginLock``).
"""

import ipaddress
from datetime import timedelta

from axes.helpers import get_failure_limit
from axes.signals import user_locked_out
from django.conf import settings
from django.contrib import admin
from django.db import transaction
from django.dispatch import receiver
from django.http import JsonResponse
from django.shortcuts import render

from core.api.errors import error_body
from core.audit import audit_event, audit_transition_rows
from core.authz import require_system_or_perm
from core.models import AuditEvent, LoginLock


def failure_limit(request=None, credentials=None) -> int:  # noqa: ARG001  (axes' signature)
    """``AXES_FAILURE_LIMIT``: read on every attempt, so the setting can change without a restart."""
    return settings.LOGIN_FAILURE_LIMIT


def cool_off(request=None) -> timedelta:  # noqa: ARG001
    """``AXES_COOLOFF_TIME``: how long a lock lasts after the last failure."""
    return timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES)


def client_ip(request) -> str | None:
    """``AXES_CLIENT_IP_CALLABLE``: the client's address. Behind ``TRUSTED_PROXY_COUNT`` proxies it is
    the entry that many places from the right of X-Forwarded-For (what the outermost proxy saw);
    entries further left are the client's own claims and are not believed."""
    remote = request.META.get("REMOTE_ADDR") or None
    count = settings.TRUSTED_PROXY_COUNT
    if not count:
        return remote
    hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
    if len(hops) < count:
        return remote
    try:
        return str(ipaddress.ip_address(hops[-count]))
    except ValueError:
        return remote


def lockout_message() -> str:
    minutes = settings.LOGIN_LOCKOUT_MINUTES
    return (f"Too many failed sign-ins for this account from this address: it is locked for {minutes} "
            f"minute{'s' if minutes != 1 else ''}. Try again later, or ask an administrator to unlock it.")


def lockout_response(request, original_response=None, credentials=None):  # noqa: ARG001
    """``AXES_LOCKOUT_CALLABLE``: 429 with Retry-After; the API's error body, or a page."""
    message = lockout_message()
    if request.path.startswith("/api/"):
        response = JsonResponse(error_body("locked_out", message), status=429)
    else:
        context = {**admin.site.each_context(request), "has_permission": False, "title": "Locked out",
                   "message": message}
        response = render(request, "accounts/locked_out.html", context, status=429)
    response["Retry-After"] = str(int(cool_off().total_seconds()))
    return response


@receiver(user_locked_out)
def _audit_lock(sender, request, username, ip_address, **kwargs) -> None:  # noqa: ARG001
    """Audit a lock once, when it begins: axes sends this signal on every failure past the limit."""
    if getattr(request, "axes_failures_since_start", None) != get_failure_limit(request, None):
        return
    lock = LoginLock.objects.filter(username=username, ip_address=ip_address,
                                    user_agent=getattr(request, "axes_user_agent", "")).first()
    if lock is None:
        return
    with transaction.atomic():
        audit_event(instance=lock, actor=None, action=AuditEvent.Action.TRANSITION, name="login_locked",
                    from_state="", to_state="locked",
                    reason=f"{lock.failures_since_start} failed sign-ins; locked for "
                           f"{settings.LOGIN_LOCKOUT_MINUTES} minutes after the last one.")


def login_unlock(*, actor, locks, reason: str = "") -> list[str]:
    """Unlock: delete the failure records ``locks`` (a ``LoginLock`` queryset), each audited.
    ``actor`` None is an operator at the command line. Answers "username from address" per row."""
    require_system_or_perm(actor, "core.unlock_loginlock", doing="unlock logins")
    with transaction.atomic():
        rows = list(locks.select_for_update().order_by("pk"))
        audit_transition_rows(
            model=LoginLock, actor=actor, name="login_unlocked", to_state="unlocked",
            rows=[(row.pk, str(row), "", reason, {"failures_since_start": [row.failures_since_start, 0]})
                  for row in rows])
        LoginLock.objects.filter(pk__in=[row.pk for row in rows]).delete()
    return [str(row) for row in rows]
