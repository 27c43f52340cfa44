from django.apps import AppConfig


class AssetsConfig(AppConfig):
    name = "assets"
    verbose_name = "collateral and cash flows"

    def ready(self) -> None:
        # The app's panels on the home page (core/dashboard.py).
        from assets import dashboard

        dashboard.register()

        # Issuance sits below assets and asks it through issuance.providers.
        from assets.selectors import pledged_collateral
        from issuance.providers import register_collateral

        register_collateral(pledged=pledged_collateral)
