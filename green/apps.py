from django.apps import AppConfig


class GreenConfig(AppConfig):
    name = "green"
    verbose_name = "green attributes (certificates, carbon)"
