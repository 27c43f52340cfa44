from django.apps import AppConfig


class ComplianceConfig(AppConfig):
    name = "compliance"
    verbose_name = "Compliance"

    def ready(self) -> None:
        # core sits below compliance: its audit API learns here which rows are an investor's own.
        from compliance.models import Investor
        from compliance.selectors import investors_visible_to
        from core.audit_scope import register_own_objects

        register_own_objects(Investor, investors_visible_to)
