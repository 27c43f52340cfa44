from rest_framework.permissions import DjangoModelPermissions


class RolePermissions(DjangoModelPermissions):
    """Model permissions from the role matrix, with reads needing the view permission.

    Transition actions need only the view permission here: the service checks the
    transition's own permission (and maker-checker) and says exactly what is missing.
    Which rows a user sees is decided by the view's queryset (selectors).
    """

    perms_map = {
        "GET": ["%(app_label)s.view_%(model_name)s"],
        "OPTIONS": [],
        "HEAD": ["%(app_label)s.view_%(model_name)s"],
        "POST": ["%(app_label)s.add_%(model_name)s"],
        "PUT": ["%(app_label)s.change_%(model_name)s"],
        "PATCH": ["%(app_label)s.change_%(model_name)s"],
        "DELETE": ["%(app_label)s.delete_%(model_name)s"],
    }

    def has_permission(self, request, view) -> bool:
        if getattr(view, "action", None) in getattr(view, "service_checked_actions", ()):
            if not request.user or not request.user.is_authenticated:
                return False
            model = self._queryset(view).model
            return request.user.has_perm(
                f"{model._meta.app_label}.view_{model._meta.model_name}"
            )
        return super().has_permission(request, view)
