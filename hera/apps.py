from django.apps import AppConfig


class HeraConfig(AppConfig):
    name = "hera"
    verbose_name = "Hera"
