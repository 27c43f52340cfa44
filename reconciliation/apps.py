from django.apps import AppConfig


class ReconciliationConfig(AppConfig):
    name = "reconciliation"
    verbose_name = "reconciliation (cash matching, chain matching, exceptions)"

    def ready(self) -> None:
        from reconciliation import receivers  # noqa: F401 - connects the signal receivers
        from reconciliation.periods import close_blocker
        from servicing.providers import register_close_blocker

        register_close_blocker("reconciliation", close_blocker)
