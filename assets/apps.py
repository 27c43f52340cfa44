from django.apps import AppConfig


class AssetsConfig(AppConfig):
    name = "assets"
    verbose_name = "collateral and cash flows"

    def ready(self) -> None:
        # The app's panels on the home page (core/dashboard.py).
        from assets import dashboard

        dashboard.register()
