"""Keep customer data out of the logs: an order page's path carries its token (its only key), and an SMTP refusal
or a staff message may quote the parent's address. Logs name orders by their reference."""

import logging
import re

# The public order token in a path (orders.urls.TokenConverter).
ORDER_PATH = re.compile(r"/orders/[A-Za-z0-9_-]{16,64}")
EMAIL_ADDRESS = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


def redact(text: str) -> str:
    return EMAIL_ADDRESS.sub("<address>", ORDER_PATH.sub("/orders/<token>", text))


class RedactOrderTokens(logging.Filter):
    """Replace order tokens and email addresses in a record's message and arguments (django.request logs each 404's
    path; SMTP refusals quote the recipient)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(redact(arg) if isinstance(arg, str) else arg for arg in record.args)
        return True
