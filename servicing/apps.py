from django.apps import AppConfig


class ServicingConfig(AppConfig):
    name = "servicing"
    verbose_name = "servicing (periods, waterfall, distributions)"
