from django.apps import AppConfig


class IssuanceConfig(AppConfig):
    name = "issuance"
    verbose_name = "Issuance"

    def ready(self) -> None:
        # Compliance and core sit below issuance and ask it through registries.
        from compliance.providers import register_deals
        from core.audit_scope import register_own_objects
        from issuance import selectors
        from issuance.models import Subscription

        register_deals(visible_to=selectors.deals_visible_to, investor_ids=selectors.deal_investor_ids)
        register_own_objects(Subscription, selectors.subscriptions_visible_to)

        # The investor's admin page shows its eligibility per open deal and its subscriptions.
        from compliance.providers import register_investor_section
        from issuance.investor_section import render_investor_deals

        register_investor_section("deals", render_investor_deals)

        # The app's panels on the home page (core/dashboard.py).
        from issuance import dashboard

        dashboard.register()
