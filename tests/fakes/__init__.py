"""Local stand-ins for outside services (Gemini, Stripe, SMTP): the real SDKs talk to them over the network."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def send_json(handler: BaseHTTPRequestHandler, status: int, answer, *, content_type: str = "application/json",
              headers: dict[str, str] | None = None) -> None:
    """Answer the handler's request with `answer` as JSON, its length and any extra headers."""
    data = json.dumps(answer).encode()
    handler.send_response(status)
    handler.send_header("Content-Type", content_type)
    handler.send_header("Content-Length", str(len(data)))
    for name, value in (headers or {}).items():
        handler.send_header(name, value)
    handler.end_headers()
    handler.wfile.write(data)


class LocalHTTPServer:
    """Serve `handler_class` on 127.0.0.1 (a random port) from a background thread; start() and stop() it."""

    def __init__(self, handler_class: type[BaseHTTPRequestHandler], name: str = "fake-http") -> None:
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler_class)
        # A short poll interval keeps stop() (and so each test's teardown) fast.
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, name=name, daemon=True
        )

    @property
    def base_url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def start(self):
        self._thread.start()
        return self

    def stop(self) -> None:
        # shutdown() waits for serve_forever() to return: it would wait forever on a server never started.
        if self._thread.is_alive():
            self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)
