"""A local stand-in for Render's public API, for the one call Hera makes: updating a service's plan.

It answers `PATCH /v1/services/{serviceId}` as Render's "Update service" endpoint does and refuses what Render
refuses: no or a wrong `Authorization: Bearer` key (401), an unknown service (404), another method on the path
(405), a body that is not a JSON object, a field the endpoint does not take, or an unknown plan (400). Every
request is recorded, accepted or not.
"""

import json
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler

from tests.fakes import LocalHTTPServer, send_json

# The instance types a service's plan may name (Render's API reference, `plan` of serviceDetails).
PLANS = {"free", "starter", "standard", "pro", "pro_plus", "pro_max", "pro_ultra"}
# The top-level fields of the update body (servicePATCH).
UPDATABLE = {"autoDeploy", "repo", "branch", "image", "name", "buildFilter", "rootDir", "serviceDetails"}


@dataclass
class RenderRequest:
    method: str
    path: str
    authorization: str | None
    content_type: str | None
    body: bytes
    status: int


class FakeRenderAPI(LocalHTTPServer):
    def __init__(self, *, api_key: str = "rnd_test_key", service_id: str = "srv-hera0test0000000000", plan: str = "free"):
        self.api_key = api_key
        self.service = {"id": service_id, "name": "hera", "type": "web_service", "serviceDetails": {"plan": plan}}
        self.requests: list[RenderRequest] = []
        self.lock = threading.Lock()
        self.outages: list[int] = []  # statuses to answer the next requests with, as Render does when busy (429, 503)
        api = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def do_PATCH(self) -> None:
                api.handle(self, "PATCH")

            def do_POST(self) -> None:
                api.handle(self, "POST")

            def do_PUT(self) -> None:
                api.handle(self, "PUT")

            def do_GET(self) -> None:
                api.handle(self, "GET")

        super().__init__(Handler, name="fake-render")

    @property
    def api_base(self) -> str:
        return f"{self.base_url}/v1"

    @property
    def plan(self) -> str:
        return self.service["serviceDetails"]["plan"]

    def handle(self, handler: BaseHTTPRequestHandler, method: str) -> None:
        body = handler.rfile.read(int(handler.headers.get("Content-Length") or 0))
        status, answer = self.answer(method, handler.path, handler.headers, body)
        with self.lock:
            self.requests.append(RenderRequest(
                method, handler.path, handler.headers.get("Authorization"), handler.headers.get("Content-Type"),
                body, status,
            ))
        send_json(handler, status, answer)

    def answer(self, method: str, path: str, headers, body: bytes) -> tuple[int, dict]:
        with self.lock:
            if self.outages:
                status = self.outages.pop(0)
                return status, {"id": str(status), "message": "rate limit exceeded" if status == 429 else "unavailable"}
        if headers.get("Authorization") != f"Bearer {self.api_key}":
            return 401, {"id": "unauthorized", "message": "unauthorized"}
        prefix = "/v1/services/"
        if not path.startswith(prefix) or "/" in path[len(prefix):]:
            return 404, {"id": "not_found", "message": "not found"}
        if path[len(prefix):] != self.service["id"]:
            return 404, {"id": "not_found", "message": "service not found"}
        if method == "GET":
            return 200, self.service
        if method != "PATCH":
            return 405, {"id": "method_not_allowed", "message": f"{method} not allowed"}
        if not (headers.get("Content-Type") or "").startswith("application/json"):
            return 400, {"id": "invalid_input", "message": "body must be application/json"}
        try:
            update = json.loads(body)
        except ValueError:
            return 400, {"id": "invalid_input", "message": "invalid JSON"}
        if not isinstance(update, dict) or not update or set(update) - UPDATABLE:
            return 400, {"id": "invalid_input", "message": f"unknown fields: {sorted(set(update) - UPDATABLE)}"}
        details = update.get("serviceDetails", {})
        if not isinstance(details, dict):
            return 400, {"id": "invalid_input", "message": "serviceDetails must be an object"}
        if "plan" in details and details["plan"] not in PLANS:
            return 400, {"id": "invalid_input", "message": f"invalid plan {details['plan']!r}"}
        with self.lock:
            self.service["serviceDetails"].update(details)
        return 200, self.service

    def accepted(self) -> list[RenderRequest]:
        return [request for request in self.requests if request.status == 200]
