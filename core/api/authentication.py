"""API authentication: a token in one query, or a session that passed its second factor.

DRF's ``TokenAuthentication`` reads the token with its user, then ``core.roles.roles_of`` reads the
user's groups: two queries (and two SQL compilations) before any work. Here one fixed SQL statement
finds the token by the digest of its key - refusing a revoked one and one past its expiry - notes
its use (at most once a minute, in the same statement), and returns the user row with an array of
role names, which ``roles_of`` then finds cached on the user. Answers are DRF's own 401s: an
unknown, revoked or expired token gets "Invalid token.", an inactive user's "User inactive or
deleted."; a staff user's token made without a second factor is refused too
(``core.accounts.tokens``).
"""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.authentication import SessionScheme
from rest_framework import authentication, exceptions

from core.accounts.tokens import digest
from core.accounts.two_factor import VERIFY_PATH, is_verified, needs_second_factor
from core.models import ApiToken

LAST_USED_RESOLUTION = timedelta(minutes=1)

_SQL = """
WITH token AS (
    SELECT t.id, t.user_id, t.name, t.expires_at, t.two_factor, t.last_used_at
    FROM core_apitoken t
    WHERE t.key_digest = %(digest)s AND t.revoked_at IS NULL AND t.expires_at > %(now)s
), used AS (
    UPDATE core_apitoken SET last_used_at = %(now)s
    FROM token
    WHERE core_apitoken.id = token.id AND (token.last_used_at IS NULL OR token.last_used_at < %(stale)s)
)
SELECT u.*, token.id AS token_id, token.name AS token_name, token.expires_at AS token_expires_at,
       token.two_factor AS token_two_factor, ARRAY(
    SELECT g.name FROM auth_group g JOIN auth_user_groups ug ON ug.group_id = g.id
    WHERE ug.user_id = u.id
) AS role_names
FROM token JOIN auth_user u ON u.id = token.user_id
"""


class TokenAuthentication(authentication.TokenAuthentication):
    def authenticate_credentials(self, key):
        now = timezone.now()
        params = {"digest": digest(key), "now": now, "stale": now - LAST_USED_RESOLUTION}
        user = next(iter(get_user_model().objects.raw(_SQL, params)), None)
        if user is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        if not user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        user._role_names = frozenset(user.role_names)
        if needs_second_factor(user) and not user.token_two_factor:
            raise exceptions.AuthenticationFailed(
                "This token was made without a second factor, which staff need: get a new one with a code.")
        token = ApiToken(pk=user.token_id, user=user, name=user.token_name, expires_at=user.token_expires_at,
                         two_factor=user.token_two_factor)
        return user, token


class SessionAuthentication(authentication.SessionAuthentication):
    """DRF's session authentication, refusing a staff session that has not passed its second factor."""

    def authenticate(self, request):
        result = super().authenticate(request)
        if result is not None and needs_second_factor(result[0]) and not is_verified(result[0]):
            raise exceptions.PermissionDenied(
                f"Staff must confirm a second factor before using the API: open {VERIFY_PATH}.")
        return result


class VerifiedSessionScheme(SessionScheme):
    """The OpenAPI description of ``SessionAuthentication``: DRF's session cookie."""

    target_class = "core.api.authentication.SessionAuthentication"
