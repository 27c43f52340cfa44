from django.apps import AppConfig
from django.db.models.signals import post_migrate


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Audit and platform"

    def ready(self) -> None:
        # Groups and their permissions follow core.roles after every migrate,
        # so a fresh database, the demo and the test database all agree.
        post_migrate.connect(_sync_roles_after_migrate, sender=self, weak=False)
        from core.accounts import lockout  # noqa: F401  (audits the start of each lock)
        from core.admin_speed import apply

        apply()  # the admin theme's list pages: headers once per page (core/admin_speed.py)


def _sync_roles_after_migrate(sender, **kwargs) -> None:  # noqa: ARG001
    from core.roles import sync_roles

    sync_roles()
