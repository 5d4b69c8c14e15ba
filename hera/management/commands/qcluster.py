"""django-q2's `qcluster`, with its log lines in English whatever the customer-facing language.

django-q2 translates its log lines ("Failed …", "Processed …", "reincarnated …") into the active language, which in a
management command is LANGUAGE_CODE: the site's default for customers (French), not the language of the logs. The
sentinel, pusher, monitor and workers are forked from this process and inherit its active language. Customer-facing
text made by the worker (emails, books) is rendered in each order's own language, so it does not change.
"""

from django.utils import translation
from django_q.management.commands.qcluster import Command as QclusterCommand

LOG_LANGUAGE = "en"


class Command(QclusterCommand):
    def handle(self, *args, **options):
        translation.activate(LOG_LANGUAGE)
        super().handle(*args, **options)
