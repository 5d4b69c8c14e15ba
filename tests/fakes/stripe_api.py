"""A local stand-in for the Stripe API and Stripe's webhook signing, so tests run the real stripe SDK.

FakeStripeAPI answers form-encoded `POST /v1/checkout/sessions` with a `checkout.session` built from Stripe's own
example object (tests/fixtures/stripe), replays the answer for a repeated Idempotency-Key as Stripe does, and
records every request. `stripe_event` and `stripe_signature` build webhook deliveries exactly as Stripe signs them.
"""

import hashlib
import hmac
import json
import secrets
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from urllib.parse import parse_qsl

from tests.fakes import LocalHTTPServer, send_json

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "stripe"


def stripe_fixture(name: str) -> dict:
    """Return a fresh copy of one of Stripe's example objects: checkout.session, charge, event."""
    return json.loads((FIXTURES / f"{name}.json").read_text())


def stripe_event(event_type: str, obj: dict, *, event_id: str | None = None) -> dict:
    """Wrap `obj` in a Stripe event of `event_type`, shaped like Stripe's example event."""
    event = stripe_fixture("event")
    event.update(id=event_id or f"evt_test_{secrets.token_hex(12)}", type=event_type, created=int(time.time()))
    event["data"] = {"object": obj}
    return event


def checkout_session(**fields) -> dict:
    """Return Stripe's example checkout.session with `fields` filled in (id, client_reference_id, metadata…)."""
    session = stripe_fixture("checkout.session")
    session["id"] = f"cs_test_{secrets.token_hex(16)}"
    session.update(fields)
    return session


def stripe_signature(payload: bytes, secret: str, timestamp: int | None = None) -> str:
    """Sign `payload` as Stripe does: `t=<ts>,v1=<hex HMAC-SHA256 of "<ts>.<payload>">`."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + payload, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


@dataclass
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]
    params: dict[str, str]


class FakeStripeAPI(LocalHTTPServer):
    """Serve the Checkout Sessions endpoint on 127.0.0.1 (a random port) from a background thread."""

    def __init__(self) -> None:
        self.requests: list[RecordedRequest] = []
        self.sessions: dict[str, dict] = {}
        self.error: tuple[int, dict] | None = None
        self._by_idempotency_key: dict[str, dict] = {}
        self._lock = threading.Lock()
        super().__init__(self._handler_class(), name="fake-stripe")

    def fail_with(self, status: int, error_type: str, message: str) -> None:
        """Answer every following request with a Stripe error."""
        self.error = (status, {"error": {"type": error_type, "message": message}})

    def _answer(self, request: RecordedRequest) -> tuple[int, dict]:
        with self._lock:
            self.requests.append(request)
            if self.error:
                return self.error
            if request.method != "POST" or request.path != "/v1/checkout/sessions":
                return 404, {"error": {"type": "invalid_request_error", "message": f"no route {request.path}"}}
            key = request.headers.get("Idempotency-Key")
            if key and key in self._by_idempotency_key:
                return 200, self._by_idempotency_key[key]
            session = session_from_params(request.params)
            self.sessions[session["id"]] = session
            if key:
                self._by_idempotency_key[key] = session
            return 200, session

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode()
                self._reply(*fake._answer(RecordedRequest("POST", self.path, dict(self.headers), dict(parse_qsl(body)))))

            def do_GET(self):
                self._reply(*fake._answer(RecordedRequest("GET", self.path, dict(self.headers), {})))

            def _reply(self, status: int, body: dict) -> None:
                send_json(self, status, body, headers={"Request-Id": f"req_{secrets.token_hex(7)}"})

            def log_message(self, format, *args):
                pass

        return Handler


def session_from_params(params: dict[str, str]) -> dict:
    """Build the checkout.session Stripe would answer to these form-encoded creation parameters."""
    session = checkout_session()
    unit_amount = int(params.get("line_items[0][price_data][unit_amount]", "0"))
    quantity = int(params.get("line_items[0][quantity]", "1"))
    session.update(
        client_reference_id=params.get("client_reference_id"),
        customer_email=params.get("customer_email"),
        metadata={key[len("metadata["):-1]: value for key, value in params.items() if key.startswith("metadata[")},
        mode=params.get("mode", "payment"),
        currency=params.get("line_items[0][price_data][currency]"),
        amount_subtotal=unit_amount * quantity,
        amount_total=unit_amount * quantity,
        success_url=params.get("success_url"),
        cancel_url=params.get("cancel_url"),
        payment_intent=None,
        payment_status="unpaid",
        status="open",
        expires_at=int(time.time()) + 24 * 3600,
    )
    session["url"] = f"https://checkout.stripe.com/c/pay/{session['id']}"
    return session
