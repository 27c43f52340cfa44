from django.apps import AppConfig


class ComplianceConfig(AppConfig):
    name = "compliance"
    verbose_name = "Compliance"

    def ready(self) -> None:
        # core sits below compliance: its audit API learns here which rows are an investor's own,
        # which of their fields only staff read, and how a reason is worded for an investor.
        from compliance import disclosure
        from compliance.models import Investor
        from compliance.selectors import investors_visible_to
        from core.audit_scope import register_investor_text, register_own_objects

        register_own_objects(Investor, investors_visible_to,
                             internal_fields=disclosure.INTERNAL_FIELDS["investor"])
        register_investor_text(disclosure.investor_text)

        # The app's panels on the home page (core/dashboard.py).
        from compliance import dashboard

        dashboard.register()
