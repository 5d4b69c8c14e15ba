"""A local stand-in for the Gemini REST API, so tests run the real google-genai SDK against it.

It answers `POST /<version>/models/<model>:generateContent` with replies queued by the test, in the camelCase JSON the
Gemini API returns, and records every request (path, headers, JSON body) for assertions.
"""

import base64
import io
import json
import threading
from collections import deque
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler

from PIL import Image

from tests.fakes import LocalHTTPServer


@dataclass
class RecordedRequest:
    path: str
    headers: dict[str, str]
    body: dict

    @property
    def model(self) -> str:
        """Return the model id in the path, e.g. `gemini-2.5-flash`."""
        return self.path.rsplit("/models/", 1)[-1].split(":", 1)[0]

    @property
    def prompt(self) -> str:
        """Return the text of every part of the request's contents, joined."""
        return "\n".join(part.get("text", "") for content in self.body.get("contents", []) for part in content["parts"])

    @property
    def system_instruction(self) -> str:
        return "\n".join(part.get("text", "") for part in self.body.get("systemInstruction", {}).get("parts", []))


class FakeGenAIServer(LocalHTTPServer):
    """Serve queued replies on 127.0.0.1 (a random port) from a background thread."""

    def __init__(self) -> None:
        self.requests: list[RecordedRequest] = []
        self.replies: deque[tuple[int, dict]] = deque()
        self._lock = threading.Lock()
        super().__init__(self._handler_class(), name="fake-genai")

    def reply(self, body: dict, status: int = 200) -> None:
        """Queue the answer to the next request."""
        with self._lock:
            self.replies.append((status, body))

    def _next_reply(self, recorded: RecordedRequest) -> tuple[int, dict]:
        with self._lock:
            self.requests.append(recorded)
            if self.replies:
                return self.replies.popleft()
        # 400 is not retried by the SDK, so a test that forgot a reply fails at once instead of backing off.
        return 400, error_body(400, "INVALID_ARGUMENT", "fake genai server: no reply queued for this request")

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                body = json.loads(raw) if raw else {}
                recorded = RecordedRequest(path=self.path, headers={k.lower(): v for k, v in self.headers.items()}, body=body)
                if not self.path.split("?", 1)[0].endswith(":generateContent"):
                    status, answer = 404, error_body(404, "NOT_FOUND", f"fake genai server: no route for {self.path}")
                    with fake._lock:
                        fake.requests.append(recorded)
                else:
                    status, answer = fake._next_reply(recorded)
                payload = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=UTF-8")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, format: str, *args) -> None:  # noqa: A002 (http.server's signature)
                pass  # requests are recorded in fake.requests; stderr noise helps nobody

        return Handler


def usage(prompt_tokens: int = 120, candidates_tokens: int = 480) -> dict:
    return {
        "promptTokenCount": prompt_tokens,
        "candidatesTokenCount": candidates_tokens,
        "totalTokenCount": prompt_tokens + candidates_tokens,
    }


def text_body(text: str, finish_reason: str = "STOP", model_version: str = "gemini-2.5-flash") -> dict:
    """Return a generateContent answer carrying one text part, as the Gemini API sends it."""
    return {
        "candidates": [
            {
                "content": {"parts": [{"text": text}], "role": "model"},
                "finishReason": finish_reason,
                "index": 0,
            }
        ],
        "usageMetadata": usage(),
        "modelVersion": model_version,
        "responseId": "fake-response-text",
    }


def story_body(page_count: int, title: str = "Zoë and the Moon", language: str = "en", **kwargs) -> dict:
    """Return an answer whose text is a story in Hera's response schema, with `page_count` pages."""
    word = {"en": "Page", "fr": "Page"}[language]
    story = {
        "title": title,
        "character": "a small girl with curly red hair, green dungarees and a yellow scarf",
        "pages": [
            {"text": f"{word} {n}: Zoë looks at the stars.", "illustration_prompt": f"Zoë on a hill at night, scene {n}"}
            for n in range(1, page_count + 1)
        ],
    }
    return text_body(json.dumps(story, ensure_ascii=False), **kwargs)


def png_bytes(width: int, height: int, color: tuple[int, int, int] = (70, 130, 180)) -> bytes:
    """Return a PNG with an alpha channel, as image models send."""
    buffer = io.BytesIO()
    Image.new("RGBA", (width, height), (*color, 255)).save(buffer, format="PNG")
    return buffer.getvalue()


def image_body(image: bytes, mime_type: str = "image/png", with_text: bool = True) -> dict:
    """Return a generateContent answer carrying an inline image (and, as image models often do, a text part first)."""
    parts = [{"text": "Here is the illustration."}] if with_text else []
    parts.append({"inlineData": {"mimeType": mime_type, "data": base64.b64encode(image).decode("ascii")}})
    return {
        "candidates": [{"content": {"parts": parts, "role": "model"}, "finishReason": "STOP", "index": 0}],
        "usageMetadata": usage(candidates_tokens=1290),
        "modelVersion": "gemini-2.5-flash-image",
        "responseId": "fake-response-image",
    }


def prompt_blocked_body(reason: str = "SAFETY") -> dict:
    """Return the answer to a prompt refused before generation: no candidates, promptFeedback.blockReason."""
    return {
        "promptFeedback": {
            "blockReason": reason,
            "safetyRatings": [{"category": "HARM_CATEGORY_DANGEROUS_CONTENT", "probability": "HIGH"}],
        },
        "usageMetadata": {"promptTokenCount": 120, "totalTokenCount": 120},
        "modelVersion": "gemini-2.5-flash",
        "responseId": "fake-response-blocked",
    }


def candidate_blocked_body(finish_reason: str = "SAFETY") -> dict:
    """Return an answer whose only candidate was stopped by a filter: a finish reason and no content parts."""
    return {
        "candidates": [
            {
                "content": {"role": "model"},
                "finishReason": finish_reason,
                "index": 0,
                "safetyRatings": [{"category": "HARM_CATEGORY_DANGEROUS_CONTENT", "probability": "HIGH", "blocked": True}],
            }
        ],
        "usageMetadata": {"promptTokenCount": 120, "totalTokenCount": 120},
        "modelVersion": "gemini-2.5-flash",
        "responseId": "fake-response-filtered",
    }


def error_body(code: int, status: str, message: str) -> dict:
    """Return a Google API error envelope."""
    return {"error": {"code": code, "message": message, "status": status}}
