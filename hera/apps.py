import logging

from django.apps import AppConfig
from django.conf import settings
from django.core.management import call_command
from django.db.models.signals import post_migrate

log = logging.getLogger("hera")


class HeraConfig(AppConfig):
    name = "hera"
    verbose_name = "Hera"

    def ready(self) -> None:
        post_migrate.connect(cache_table_create, sender=self, dispatch_uid="hera-cache-table")
        if mail_only_printed():
            log.warning(
                "EMAIL_HOST is not set: with DJANGO_DEBUG off, customers' emails are NOT sent, only printed to this "
                "log and written to var/mail/. Set EMAIL_HOST (and EMAIL_HOST_USER, EMAIL_HOST_PASSWORD) to send them."
            )


def mail_only_printed() -> bool:
    """Tell whether a production process would only print its emails (no SMTP host)."""
    return not settings.DEBUG and not settings.EMAIL_HOST


def cache_table_create(sender, using="default", **kwargs) -> None:
    """Create the database cache's table (rate-limit counters) with every migrate; idempotent."""
    call_command("createcachetable", database=using, verbosity=0)
