"""A local stand-in for the Stripe API and Stripe's webhook signing, so tests run the real stripe SDK.

FakeStripeAPI answers, from Stripe's own example objects (tests/fixtures/stripe), what Hera calls:
- `POST /v1/checkout/sessions` (a new open session), `GET /v1/checkout/sessions/{id}`, and
  `POST /v1/checkout/sessions/{id}/expire`, which Stripe allows only for an `open` session;
- `GET /v1/payment_intents/{id}` and `GET /v1/charges/{id}` for payments a test put there (`pay`);
- `POST /v1/refunds` for a `payment_intent` or `charge`: a refund of what is left, refused with 400
  `charge_already_refunded` once the charge is fully refunded.
An Idempotency-Key replays the first answer for the same parameters and is a 400 `idempotency_error` with other ones
(Stripe compares them). Every request is recorded. `stripe_event` and `stripe_signature` build webhook deliveries
exactly as Stripe signs them.
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
        self.payment_intents: dict[str, dict] = {}
        self.charges: dict[str, dict] = {}
        self.refunds: dict[str, dict] = {}
        self.error: tuple[int, dict] | None = None
        self._by_idempotency_key: dict[str, tuple[str, dict, tuple[int, dict]]] = {}
        self._lock = threading.Lock()
        super().__init__(self._handler_class(), name="fake-stripe")

    def pay(self, session_id: str | None = None, *, amount: int, currency: str = "eur", payment_status: str = "paid",
            livemode: bool = False) -> dict:
        """Pay (or complete unpaid) a session as a customer would: a succeeded PaymentIntent and its charge."""
        intent = stripe_fixture("payment_intent")
        charge = stripe_fixture("charge")
        intent.update(id=f"pi_test_{secrets.token_hex(12)}", amount=amount, amount_received=amount, currency=currency,
                      status="succeeded", livemode=livemode, canceled_at=None, latest_charge=None)
        charge.update(id=f"ch_test_{secrets.token_hex(12)}", amount=amount, amount_captured=amount, captured=True,
                      amount_refunded=0, refunded=False, currency=currency, payment_intent=intent["id"],
                      livemode=livemode, status="succeeded", paid=True)
        charge["refunds"] = {"object": "list", "data": [], "has_more": False, "url": f"/v1/charges/{charge['id']}/refunds"}
        intent["latest_charge"] = charge["id"]
        with self._lock:
            self.payment_intents[intent["id"]] = intent
            self.charges[charge["id"]] = charge
            if session_id:
                self.sessions[session_id].update(
                    status="complete", payment_status=payment_status, payment_intent=intent["id"], livemode=livemode
                )
        return intent

    def charge_of(self, payment_intent_id: str) -> dict:
        return self.charges[self.payment_intents[payment_intent_id]["latest_charge"]]

    def posts(self, path: str) -> list[RecordedRequest]:
        return [request for request in self.requests if request.method == "POST" and request.path == path]

    def fail_with(self, status: int, error_type: str, message: str) -> None:
        """Answer every following request with a Stripe error."""
        self.error = (status, {"error": {"type": error_type, "message": message}})

    def _answer(self, request: RecordedRequest) -> tuple[int, dict]:
        with self._lock:
            self.requests.append(request)
            if self.error:
                return self.error
            key = request.headers.get("Idempotency-Key") if request.method == "POST" else None
            if key and key in self._by_idempotency_key:
                path, params, answer = self._by_idempotency_key[key]
                if (path, params) != (request.path, request.params):
                    return 400, error(
                        "idempotency_error",
                        "Keys for idempotent requests can only be used with the same parameters they were first "
                        f"used with. Try using a key other than '{key}' if you meant to execute a different request.",
                    )
                return answer
            answer = self._route(request)
            # Stripe saves the answer once the endpoint ran (not for a request refused before it, such as a 404).
            if key and answer[0] != 404:
                self._by_idempotency_key[key] = (request.path, request.params, answer)
            return answer

    def _route(self, request: RecordedRequest) -> tuple[int, dict]:
        parts = request.path.split("?", 1)[0].strip("/").split("/")
        match request.method, parts:
            case "POST", ["v1", "checkout", "sessions"]:
                session = session_from_params(request.params)
                self.sessions[session["id"]] = session
                return 200, session
            case "GET", ["v1", "checkout", "sessions", session_id]:
                return self._found(self.sessions, session_id, "checkout.session")
            case "POST", ["v1", "checkout", "sessions", session_id, "expire"]:
                return self._expire(session_id)
            case "GET", ["v1", "payment_intents", intent_id]:
                return self._found(self.payment_intents, intent_id, "payment_intent")
            case "GET", ["v1", "charges", charge_id]:
                return self._found(self.charges, charge_id, "charge")
            case "POST", ["v1", "refunds"]:
                return self._refund(request.params)
        return 404, error("invalid_request_error", f"Unrecognized request URL ({request.method}: {request.path}).")

    @staticmethod
    def _found(objects: dict, object_id: str, name: str) -> tuple[int, dict]:
        if object_id in objects:
            return 200, objects[object_id]
        return 404, error("invalid_request_error", f"No such {name}: '{object_id}'", code="resource_missing")

    def _expire(self, session_id: str) -> tuple[int, dict]:
        status, session = self._found(self.sessions, session_id, "checkout.session")
        if status != 200:
            return status, session
        if session["status"] != "open":
            return 400, error("invalid_request_error", 'Only Checkout Sessions with a status in ["open"] can be expired.')
        session.update(status="expired", url=None)
        return 200, session

    def _refund(self, params: dict[str, str]) -> tuple[int, dict]:
        if "payment_intent" in params:
            intent = self.payment_intents.get(params["payment_intent"])
            if intent is None:
                return 400, error("invalid_request_error", f"No such payment_intent: '{params['payment_intent']}'",
                                  code="resource_missing", param="payment_intent")
            charge = self.charges[intent["latest_charge"]]
        elif "charge" in params:
            charge = self.charges.get(params["charge"])
            if charge is None:
                return 400, error("invalid_request_error", f"No such charge: '{params['charge']}'",
                                  code="resource_missing", param="charge")
        else:
            return 400, error("invalid_request_error", "One of the following params should be provided for this "
                              "request: payment_intent or charge.")
        left = charge["amount_captured"] - charge["amount_refunded"]
        if charge["refunded"] or left <= 0:
            return 400, error("invalid_request_error", f"Charge {charge['id']} has already been refunded.",
                              code="charge_already_refunded")
        amount = int(params.get("amount", left))
        if amount > left:
            return 400, error("invalid_request_error", f"Refund amount ({amount}) is greater than unrefunded amount "
                              f"on charge ({left})", param="amount")
        refund = stripe_fixture("refund")
        refund.update(id=f"re_test_{secrets.token_hex(12)}", amount=amount, charge=charge["id"],
                      currency=charge["currency"], payment_intent=charge["payment_intent"], created=int(time.time()),
                      metadata={key[len("metadata["):-1]: value for key, value in params.items()
                                if key.startswith("metadata[")}, status="succeeded")
        charge["amount_refunded"] += amount
        charge["refunded"] = charge["amount_refunded"] >= charge["amount_captured"]
        charge["refunds"]["data"].insert(0, refund)
        self.refunds[refund["id"]] = refund
        return 200, refund

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


def error(error_type: str, message: str, *, code: str | None = None, param: str | None = None) -> dict:
    """Shape an error answer as Stripe does: {"error": {"type", "message", "code"?, "param"?}}."""
    body = {"type": error_type, "message": message}
    if code:
        body["code"] = code
    if param:
        body["param"] = param
    return {"error": body}


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
