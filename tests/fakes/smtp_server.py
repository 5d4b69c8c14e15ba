"""A real local SMTP server (aiosmtpd) that keeps the messages it receives, for outbox tests."""

import email
import email.policy
import socket
import threading
import time
from email.message import EmailMessage

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class FakeSMTPServer:
    """Accept mail on 127.0.0.1:`port`; a server created but not started is an SMTP server that is down."""

    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.messages: list[EmailMessage] = []
        self.received_at: list[float] = []
        self._lock = threading.Lock()
        self._controller: Controller | None = None

    def start(self) -> "FakeSMTPServer":
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller:
            self._controller.stop()
            self._controller = None

    async def handle_DATA(self, server, session, envelope) -> str:
        message = email.message_from_bytes(envelope.original_content or envelope.content, policy=email.policy.default)
        with self._lock:
            self.messages.append(message)
            self.received_at.append(time.monotonic())
        return "250 Message accepted"

    def wait_for(self, count: int, timeout: float = 10) -> list[EmailMessage]:
        """Wait until `count` messages arrived (or the timeout passed) and return them."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and len(self.messages) < count:
            time.sleep(0.02)
        return list(self.messages)

    def django_settings(self) -> dict:
        """The Django settings that send mail to this server."""
        return {
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": self.port,
            "EMAIL_HOST_USER": "",
            "EMAIL_HOST_PASSWORD": "",
            "EMAIL_USE_TLS": False,
            "EMAIL_USE_SSL": False,
            "EMAIL_TIMEOUT": 5,
        }
