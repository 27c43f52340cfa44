"""API tokens: named, expiring, revocable, stored as digests.

A token is made by signing in at ``POST /api/v1/auth/token/`` or, when already signed in, at
``POST /api/v1/auth/tokens/``; its key (40 hex characters) is shown once and only its SHA-256 is
kept. It expires ``API_TOKEN_TTL_HOURS`` after it was made; a user holds at most
``API_TOKEN_MAX_ACTIVE`` unexpired, unrevoked tokens. Its owner revokes it
(``DELETE /api/v1/auth/tokens/{id}/``), and so may anyone holding ``core.revoke_apitoken`` (compliance
officers, superusers: the admin's "API tokens"). Staff tokens are made only after a TOTP code
(``two_factor``). Making and revoking are audited.
"""

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from core.accounts.two_factor import needs_second_factor
from core.audit import audit_created, audit_event, audit_transition_rows
from core.authz import require_perm
from core.errors import InvalidInput, NotPermitted, Refused
from core.models import ApiToken, AuditEvent

KEY_BYTES = 20  # 40 hex characters, as DRF's tokens


def digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def api_token_issue(*, actor, name: str, two_factor: bool = False) -> tuple[ApiToken, str]:
    """Make an API token for ``actor`` themself; answers the token and its key (shown once).
    ``two_factor``: the caller verified a TOTP code for this request or session; staff need it."""
    if actor is None or not actor.is_authenticated:
        raise NotPermitted("You may not make an API token: sign in first.")
    if needs_second_factor(actor) and not two_factor:
        raise NotPermitted("Staff make API tokens only with a code from their authenticator app.")
    name = name.strip()
    if not name or len(name) > ApiToken.NAME_MAX_LENGTH:
        raise InvalidInput(f"A token's name is 1 to {ApiToken.NAME_MAX_LENGTH} characters.", field="name")
    with transaction.atomic():
        get_user_model().objects.select_for_update().only("pk").get(pk=actor.pk)  # one issue at a time
        now = timezone.now()
        active = ApiToken.objects.active(now).filter(user=actor).count()
        if active >= settings.API_TOKEN_MAX_ACTIVE:
            raise Refused(f"You hold {active} active API tokens, the most allowed: revoke one first.")
        key = secrets.token_hex(KEY_BYTES)
        token = ApiToken.objects.create(
            user=actor, name=name, key_digest=digest(key), prefix=key[:8], created_at=now,
            expires_at=now + timedelta(hours=settings.API_TOKEN_TTL_HOURS), two_factor=two_factor,
        )
        audit_created(instance=token, actor=actor, fields=["name", "prefix", "expires_at", "two_factor"])
    return token, key


def api_token_revoke(*, actor, token: ApiToken) -> ApiToken:
    """Revoke one token: its owner, or anyone with ``core.revoke_apitoken``. Audited."""
    if actor is None or not actor.is_authenticated or token.user_id != actor.pk:
        require_perm(actor, "core.revoke_apitoken", doing="revoke another user's API token")
    with transaction.atomic():
        token = ApiToken.objects.select_for_update(of=("self",)).select_related("user").get(pk=token.pk)
        if token.revoked_at is not None:
            raise Refused(f"The token '{token.name}' is already revoked.")
        now = timezone.now()
        before = token.state(now)
        token.revoked_at = now
        token.revoked_by = actor
        token.save(update_fields=["revoked_at", "revoked_by"])
        audit_event(instance=token, actor=actor, action=AuditEvent.Action.TRANSITION, name="revoke",
                    from_state=before, to_state="revoked")
    return token


def api_tokens_revoke(*, actor, tokens, reason: str = "") -> int:
    """Revoke every unrevoked token of ``tokens`` (a queryset), for the admin: needs
    ``core.revoke_apitoken``. One update and the audit rows in bulk; answers how many were revoked."""
    require_perm(actor, "core.revoke_apitoken", doing="revoke API tokens")
    with transaction.atomic():
        rows = list(tokens.select_for_update(of=("self",)).filter(revoked_at__isnull=True)
                    .select_related("user").order_by("pk"))
        now = timezone.now()
        ApiToken.objects.filter(pk__in=[t.pk for t in rows]).update(revoked_at=now, revoked_by=actor)
        for before in ("active", "expired"):
            audit_transition_rows(
                model=ApiToken, actor=actor, name="revoke", to_state="revoked",
                rows=[(t.pk, str(t), before, reason, {}) for t in rows if t.state(now) == before])
    return len(rows)
