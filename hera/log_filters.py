"""Keep customer secrets out of the logs: an order page's path carries its token, which is its only key."""

import logging
import re

# The public order token in a path (orders.urls.TokenConverter).
ORDER_PATH = re.compile(r"/orders/[A-Za-z0-9_-]{16,64}")


def redact(text: str) -> str:
    return ORDER_PATH.sub("/orders/<token>", text)


class RedactOrderTokens(logging.Filter):
    """Replace order tokens in a record's message and arguments (django.request logs each 404's path)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(redact(arg) if isinstance(arg, str) else arg for arg in record.args)
        return True
