"""API token authentication in one query: the token, its user and the user's role names.

DRF's ``TokenAuthentication`` reads the token with its user, then ``core.roles.roles_of``
reads the user's groups: two queries (and two SQL compilations) before any work. Here
one fixed SQL statement returns the user row and an array of role names, which
``roles_of`` then finds cached on the user. Answers are DRF's own: a missing, unknown or
inactive user's token gets the same 401 messages.
"""

from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions
from rest_framework.authtoken.models import Token

_SQL = """
SELECT u.*, ARRAY(
    SELECT g.name FROM auth_group g JOIN auth_user_groups ug ON ug.group_id = g.id
    WHERE ug.user_id = u.id
) AS role_names
FROM authtoken_token t JOIN auth_user u ON u.id = t.user_id
WHERE t.key = %s
"""


class TokenAuthentication(authentication.TokenAuthentication):
    def authenticate_credentials(self, key):
        user = next(iter(get_user_model().objects.raw(_SQL, [key])), None)
        if user is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        if not user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        user._role_names = frozenset(user.role_names)
        return user, Token(key=key, user=user)
