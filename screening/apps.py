from django.apps import AppConfig


class ScreeningConfig(AppConfig):
    name = "screening"
    verbose_name = "Sanctions and PEP screening"

    def ready(self) -> None:
        # Compliance sits below screening and asks it through compliance.providers.
        from compliance.providers import register_screening
        from screening import gate, services

        register_screening(blockers=gate.screening_blockers, screen=services.screen_investor,
                           hit_counts=gate.hit_counts, hits=gate.investor_hits,
                           decide_hit=services.hit_decide)

        # The app's panels on the home page (core/dashboard.py).
        from screening import dashboard

        dashboard.register()
