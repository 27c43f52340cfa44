"""Permissions come from roles, and roles from ``core.roles.MATRIX``.

``sync_roles`` keeps each role's group holding exactly the matrix's permissions, so the
matrix is the truth and the permission tables are a copy for the admin to display. This
backend answers ``user.has_perm`` from the user's role names (one query per request,
cached on the user by ``roles_of``) and the matrix in memory, instead of the two
permission-table joins Django's ``ModelBackend`` runs on every request. Permissions
granted to a single user (``user_permissions``) are not used: access is given by role only.
"""

from django.contrib.auth.backends import ModelBackend

from core.roles import MATRIX, roles_of


class RoleBackend(ModelBackend):
    """Authentication as Django's; authorization from the role matrix."""

    def get_user_permissions(self, user_obj, obj=None) -> set[str]:
        return set()

    def get_group_permissions(self, user_obj, obj=None) -> set[str]:
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if user_obj.is_superuser:
            return super().get_group_permissions(user_obj, obj)
        return {perm for role in roles_of(user_obj) for perm in MATRIX.get(role, ())}

    def get_all_permissions(self, user_obj, obj=None) -> set[str]:
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if user_obj.is_superuser:
            return super().get_all_permissions(user_obj, obj)
        if not hasattr(user_obj, "_role_perm_cache"):
            user_obj._role_perm_cache = self.get_group_permissions(user_obj)
        return user_obj._role_perm_cache
