"""A local stand-in for the Gemini REST API, as strict as Google's published definitions, so the real SDK runs.

It answers `POST /<version>/models/<model>:generateContent` and `GET /<version>/models/<model>` (models.get), and
refuses what the real API refuses, before any queued reply is used:

- an unknown field anywhere in the request body, per API version (400 INVALID_ARGUMENT, `Invalid JSON payload
  received. Unknown name "…" at '…': Cannot find field.`). The message definitions below are transcribed from
  googleapis/googleapis `google/ai/generativelanguage/{v1,v1beta}/generative_service.proto` and `content.proto`,
  for the messages Hera and google-genai send: v1 has no systemInstruction, tools, responseMimeType,
  responseSchema, responseModalities, thinkingConfig or imageConfig;
- a model that does not exist or was shut down (404 NOT_FOUND, Google's wording);
- the IMAGE modality asked of a text model, an imageSize or aspectRatio the model does not offer (400);
- a missing API key (403 PERMISSION_DENIED), a wrong one (400 INVALID_ARGUMENT, reason API_KEY_INVALID), a blocked
  one (403 PERMISSION_DENIED): the codes Google answers with.

Google's documented failures can be staged after those checks, with the error envelope Google sends (code, message,
status and the google.rpc `details`: ErrorInfo, QuotaFailure, RetryInfo, Help): `refuse()` answers matching requests
with one (for a number of times, or until `clear_refusals()`), `stall()` holds answers longer than a client waits.

Replies are queued by the test (`reply()`), in the camelCase JSON the API returns; with `auto=True` (benches, a
standalone server) the fake writes a story of the asked length and draws JPEG pictures of the asked size itself,
`picture_seconds` each. Every request is recorded (path, headers, JSON body) for assertions.
"""

import base64
import io
import json
import re
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler

from PIL import Image, ImageChops

from tests.fakes import LocalHTTPServer

API_KEY = "test-google-key"
BLOCKED_KEY = "blocked-google-key"  # a key Google refuses with 403 (reported as leaked, API not enabled…)
IMAGE_SIZES = {"1K": 1024, "2K": 2048, "4K": 4096}
# Nano Banana 2's aspect ratios (https://ai.google.dev/gemini-api/docs/image-generation, "Aspect ratios").
ASPECT_RATIOS = {"1:1", "2:3", "3:2", "3:4", "4:3", "4:5", "5:4", "9:16", "16:9", "21:9", "1:4", "4:1", "1:8", "8:1"}


@dataclass(frozen=True)
class FakeModel:
    kind: str  # "text" or "image"
    shut_down: bool = False
    image_sizes: frozenset = frozenset(IMAGE_SIZES)


# The catalogue the fake knows: today's models, the test ids, and shut-down ones (docs/deprecations).
MODELS = {
    "gemini-3.5-flash-lite": FakeModel("text"),
    "gemini-3.5-flash": FakeModel("text"),
    "gemini-3.1-flash-lite": FakeModel("text"),
    "gemini-3.1-flash-image": FakeModel("image"),
    "gemini-3-pro-image": FakeModel("image"),
    "gemini-3.1-flash-lite-image": FakeModel("image", image_sizes=frozenset({"1K"})),
    "gemini-test-text": FakeModel("text"),
    "gemini-test-image": FakeModel("image"),
    "gemini-2.5-flash": FakeModel("text", shut_down=True),
    "gemini-2.5-flash-image": FakeModel("image", shut_down=True),
    "gemini-2.0-flash": FakeModel("text", shut_down=True),
    "gemini-3.1-flash-image-preview": FakeModel("image", shut_down=True),
}

# Message definitions: field (lowerCamel) -> type. A type is a message name, "scalar", "any" (not walked: Struct,
# Value, or a message Hera never sends), or a list of one type for a repeated field; "map:X" for map<string, X>.
COMMON = {
    "Content": {"parts": ["Part"], "role": "scalar"},
    "Blob": {"mimeType": "scalar", "data": "scalar"},
    "FileData": {"mimeType": "scalar", "fileUri": "scalar"},
    "SafetySetting": {"category": "scalar", "threshold": "scalar"},
}
V1_GENERATION_CONFIG = {
    "candidateCount": "scalar", "stopSequences": ["scalar"], "maxOutputTokens": "scalar", "temperature": "scalar",
    "topP": "scalar", "topK": "scalar", "seed": "scalar", "presencePenalty": "scalar", "frequencyPenalty": "scalar",
    "responseLogprobs": "scalar", "logprobs": "scalar", "enableEnhancedCivicAnswers": "scalar",
}
MESSAGES = {
    "v1": {
        **COMMON,
        "GenerateContentRequest": {
            "model": "scalar", "contents": ["Content"], "safetySettings": ["SafetySetting"],
            "generationConfig": "GenerationConfig",
        },
        "Part": {"text": "scalar", "inlineData": "Blob", "fileData": "FileData"},
        "GenerationConfig": V1_GENERATION_CONFIG,
    },
    "v1beta": {
        **COMMON,
        "GenerateContentRequest": {
            "model": "scalar", "systemInstruction": "Content", "contents": ["Content"], "tools": ["any"],
            "toolConfig": "any", "safetySettings": ["SafetySetting"], "generationConfig": "GenerationConfig",
            "cachedContent": "scalar",
        },
        "Part": {
            "text": "scalar", "inlineData": "Blob", "fileData": "FileData", "functionCall": "any",
            "functionResponse": "any", "executableCode": "any", "codeExecutionResult": "any", "thought": "scalar",
            "thoughtSignature": "scalar", "videoMetadata": "any", "mediaResolution": "any",
        },
        "GenerationConfig": {
            **V1_GENERATION_CONFIG,
            "responseMimeType": "scalar", "responseSchema": "Schema", "responseJsonSchema": "any",
            "responseModalities": ["scalar"], "speechConfig": "any", "thinkingConfig": "ThinkingConfig",
            "imageConfig": "ImageConfig", "mediaResolution": "scalar",
        },
        "ThinkingConfig": {"includeThoughts": "scalar", "thinkingBudget": "scalar", "thinkingLevel": "scalar"},
        "ImageConfig": {"aspectRatio": "scalar", "imageSize": "scalar"},
        "Schema": {
            "type": "scalar", "format": "scalar", "title": "scalar", "description": "scalar", "nullable": "scalar",
            "enum": ["scalar"], "maxItems": "scalar", "minItems": "scalar", "properties": "map:Schema",
            "required": ["scalar"], "minProperties": "scalar", "maxProperties": "scalar", "minLength": "scalar",
            "maxLength": "scalar", "pattern": "scalar", "example": "any", "anyOf": ["Schema"],
            "propertyOrdering": ["scalar"], "default": "any", "items": "Schema", "minimum": "scalar",
            "maximum": "scalar",
        },
    },
}
MESSAGES["v1alpha"] = MESSAGES["v1beta"]


def camel(name: str) -> str:
    """Return the lowerCamel JSON name of a proto field; Google's JSON parser accepts both spellings."""
    head, *rest = name.split("_")
    return head + "".join(word[:1].upper() + word[1:] for word in rest)


def snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def unknown_fields(version: str, message: str, value, path: str = "") -> list[tuple[str, str]]:
    """Return (name, proto path) for every field of `value` its message definition does not have."""
    definition = MESSAGES[version][message]
    found = []
    if not isinstance(value, dict):
        return found
    for name, child in value.items():
        kind = definition.get(camel(name))
        if kind is None:
            found.append((name, path))
            continue
        child_path = f"{path}.{snake(camel(name))}" if path else snake(camel(name))
        found.extend(walk(version, kind, child, child_path))
    return found


def walk(version: str, kind, value, path: str) -> list[tuple[str, str]]:
    if isinstance(kind, list):
        return [hit for i, item in enumerate(value or []) for hit in walk(version, kind[0], item, f"{path}[{i}]")]
    if kind in ("scalar", "any"):
        return []
    if kind.startswith("map:"):
        return [hit for key, item in (value or {}).items() for hit in walk(version, kind[4:], item, f"{path}[{key}]")]
    return unknown_fields(version, kind, value, path)


def unknown_field_error(hits: list[tuple[str, str]]) -> dict:
    """Return the 400 Google answers for unknown fields, one line and one field violation per field."""
    lines = [
        f'Invalid JSON payload received. Unknown name "{name}"' + (f" at '{path}'" if path else "") + ": Cannot find field."
        for name, path in hits
    ]
    violations = [{"field": path, "description": line} if path else {"description": line} for (_, path), line in zip(hits, lines, strict=True)]
    body = error_body(400, "INVALID_ARGUMENT", "\n".join(lines))
    body["error"]["details"] = [{"@type": "type.googleapis.com/google.rpc.BadRequest", "fieldViolations": violations}]
    return body


def not_found_body(model: str, version: str, method: str = "generateContent") -> dict:
    return error_body(
        404, "NOT_FOUND",
        f"models/{model} is not found for API version {version}, or is not supported for {method}. "
        "Call ListModels to see the list of available models and their supported methods.",
    )


@dataclass
class RecordedRequest:
    path: str
    headers: dict[str, str]
    body: dict
    method: str = "POST"

    @property
    def model(self) -> str:
        """Return the model id in the path, e.g. `gemini-3.1-flash-image`."""
        return self.path.split("?", 1)[0].rsplit("/models/", 1)[-1].split(":", 1)[0]

    @property
    def version(self) -> str:
        return self.path.lstrip("/").split("/", 1)[0]

    @property
    def prompt(self) -> str:
        """Return the text of every part of the request's contents, joined."""
        return "\n".join(part.get("text", "") for content in self.body.get("contents", []) for part in content["parts"])

    @property
    def images(self) -> list[bytes]:
        """Return the inline images the request carries (a reference picture), decoded."""
        return [
            decode_bytes(part["inlineData"]["data"])
            for content in self.body.get("contents", [])
            for part in content["parts"]
            if "inlineData" in part
        ]

    @property
    def system_instruction(self) -> str:
        return "\n".join(part.get("text", "") for part in self.body.get("systemInstruction", {}).get("parts", []))


def decode_bytes(data: str) -> bytes:
    """Decode a proto `bytes` field: Google accepts standard and URL-safe base64 (google-genai sends the latter)."""
    return base64.urlsafe_b64decode(data.replace("+", "-").replace("/", "_"))


@dataclass
class Refusal:
    """A staged failure: answer `status` with `body` to every accepted request `when` accepts, `times` times."""

    status: int
    body: dict
    when: object = None  # a callable taking the RecordedRequest; None: every generateContent request
    times: int | None = None


@dataclass
class FakeGenAIServer(LocalHTTPServer):
    """Serve the fake API on 127.0.0.1 (a random port) from a background thread."""

    api_key: str = API_KEY
    auto: bool = False
    picture_seconds: float = 0.0
    picture_mime: str = "image/jpeg"
    thought_drafts: int = 0
    models: dict = field(default_factory=lambda: dict(MODELS))

    def __post_init__(self) -> None:
        self.requests: list[RecordedRequest] = []
        self.replies: deque[tuple[int, dict]] = deque()
        self.refusals: list[Refusal] = []
        self.stall_seconds = 0.0
        self._lock = threading.Lock()
        self._pictures: dict[tuple[str, str], bytes] = {}
        super().__init__(self._handler_class(), name="fake-genai")

    def reply(self, body: dict, status: int = 200) -> None:
        """Queue the answer to the next accepted generateContent request."""
        with self._lock:
            self.replies.append((status, body))

    def refuse(self, status: int, body: dict, *, when=None, times: int | None = None) -> Refusal:
        """Answer accepted generateContent requests (those `when(request)` accepts) with a documented failure."""
        refusal = Refusal(status, body, when, times)
        with self._lock:
            self.refusals.append(refusal)
        return refusal

    def lift(self, refusal: Refusal) -> None:
        """End one staged failure (an outage window closes), leaving the others."""
        with self._lock:
            if refusal in self.refusals:
                self.refusals.remove(refusal)

    def clear_refusals(self) -> None:
        """Google is back: answer normally again."""
        with self._lock:
            self.refusals.clear()

    def stall(self, seconds: float) -> None:
        """Hold every generateContent answer `seconds` before sending it (a client with a shorter timeout gives up)."""
        self.stall_seconds = seconds

    def generate_requests(self) -> list[RecordedRequest]:
        return [r for r in self.requests if r.method == "POST"]

    def answer(self, method: str, path: str, headers: dict[str, str], raw: bytes) -> tuple[int, dict]:
        """Check the request as Google does, then answer it."""
        try:
            body = json.loads(raw) if raw else {}
        except ValueError:
            body = None
        recorded = RecordedRequest(path=path, headers=headers, body=body if isinstance(body, dict) else {}, method=method)
        with self._lock:
            self.requests.append(recorded)
        route = re.fullmatch(r"/(v1|v1beta|v1alpha)/models/([^/:?]+)(:generateContent)?(\?.*)?", path)
        if route is None or (method == "POST") != bool(route.group(3)):
            return 404, error_body(404, "NOT_FOUND", f"fake genai server: no route for {method} {path}")
        version, model_id = route.group(1), route.group(2)
        refused = self.refusal_of_key(headers, path)
        if refused:
            return refused
        model = self.models.get(model_id)
        if model is None or model.shut_down:
            return 404, not_found_body(model_id, version, "generateContent" if method == "POST" else "get")
        if method == "GET":
            return 200, model_resource(model_id, model)
        if not isinstance(body, dict):
            return 400, error_body(400, "INVALID_ARGUMENT", "Invalid JSON payload received. Unexpected token.")
        hits = unknown_fields(version, "GenerateContentRequest", body)
        if hits:
            return 400, unknown_field_error(hits)
        refused = self.refusal_of_config(model_id, model, body.get("generationConfig") or body.get("generation_config") or {})
        if refused:
            return refused
        return self.next_reply(model_id, model, recorded)

    def refusal_of_key(self, headers: dict[str, str], path: str) -> tuple[int, dict] | None:
        key = headers.get("x-goog-api-key") or dict(re.findall(r"[?&](key)=([^&]+)", path)).get("key")
        if not key:
            return 403, error_body(
                403, "PERMISSION_DENIED",
                "Method doesn't allow unregistered callers (callers without established identity). "
                "Please use API Key or other form of API consumer identity to call this API.",
            )
        if key == BLOCKED_KEY:
            return 403, error_body(403, "PERMISSION_DENIED", "Your API key was reported as leaked. Please use another API key.")
        if key != self.api_key:
            body = error_body(400, "INVALID_ARGUMENT", "API key not valid. Please pass a valid API key.")
            body["error"]["details"] = [
                {"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "API_KEY_INVALID",
                 "domain": "googleapis.com", "metadata": {"service": "generativelanguage.googleapis.com"}}
            ]
            return 400, body
        return None

    def refusal_of_config(self, model_id: str, model: FakeModel, config: dict) -> tuple[int, dict] | None:
        modalities = [m.upper() for m in config.get("responseModalities") or config.get("response_modalities") or []]
        if "IMAGE" in modalities and model.kind != "image":
            return 400, error_body(
                400, "INVALID_ARGUMENT", "Model does not support the requested response modalities: image"
            )
        image_config = config.get("imageConfig") or config.get("image_config") or {}
        size = image_config.get("imageSize") or image_config.get("image_size")
        if size is not None and (model.kind != "image" or size not in model.image_sizes):
            return 400, error_body(400, "INVALID_ARGUMENT", f"Unsupported image size {size!r} for models/{model_id}.")
        ratio = image_config.get("aspectRatio") or image_config.get("aspect_ratio")
        if ratio is not None and ratio not in ASPECT_RATIOS:
            return 400, error_body(400, "INVALID_ARGUMENT", f"Unsupported aspect ratio {ratio!r}.")
        return None

    def next_reply(self, model_id: str, model: FakeModel, recorded: RecordedRequest) -> tuple[int, dict]:
        if self.stall_seconds:
            time.sleep(self.stall_seconds)
        with self._lock:
            for refusal in self.refusals:
                if refusal.when is None or refusal.when(recorded):
                    if refusal.times is not None:
                        refusal.times -= 1
                        if refusal.times <= 0:
                            self.refusals.remove(refusal)
                    return refusal.status, refusal.body
            if self.replies:
                return self.replies.popleft()
        if self.auto:
            return 200, self.automatic_answer(model_id, model, recorded)
        # 400 is not retried by the SDK, so a test that forgot a reply fails at once instead of backing off.
        return 400, error_body(400, "INVALID_ARGUMENT", "fake genai server: no reply queued for this request")

    def automatic_answer(self, model_id: str, model: FakeModel, recorded: RecordedRequest) -> dict:
        if model.kind == "text":
            pages = re.search(r"Number of pages: (\d+)", recorded.prompt)
            return story_body(int(pages.group(1)) if pages else 4, model_version=model_id)
        time.sleep(self.picture_seconds)
        size = (recorded.body.get("generationConfig", {}).get("imageConfig") or {}).get("imageSize", "1K")
        return image_body(
            self.picture(size), mime_type=self.picture_mime, with_text=False, thought_drafts=self.thought_drafts,
            model_version=model_id,
        )

    def picture(self, size: str) -> bytes:
        """Return a square picture of the asked size, with grain so it compresses like a real one (made once)."""
        key = (size, self.picture_mime)
        with self._lock:
            if key not in self._pictures:
                side = IMAGE_SIZES.get(size, 1024)
                self._pictures[key] = grainy_picture(side, "PNG" if self.picture_mime == "image/png" else "JPEG")
            return self._pictures[key]

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
                self.respond(*fake.answer("GET", self.path, self.lowered_headers(), b""))

            def do_POST(self) -> None:  # noqa: N802
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                self.respond(*fake.answer("POST", self.path, self.lowered_headers(), raw))

            def lowered_headers(self) -> dict[str, str]:
                return {k.lower(): v for k, v in self.headers.items()}

            def respond(self, status: int, answer: dict) -> None:
                payload = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=UTF-8")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, format: str, *args) -> None:  # noqa: A002 (http.server's signature)
                pass  # requests are recorded in fake.requests; stderr noise helps nobody

        return Handler


def serve(**options) -> FakeGenAIServer:
    """Start a fake on a random port for a bench or another process; read `.base_url`, call `.stop()` at the end."""
    options.setdefault("auto", True)
    return FakeGenAIServer(**options).start()


def model_resource(model_id: str, model: FakeModel) -> dict:
    """Return the Model resource models.get answers (ai.google.dev/api/models#Model)."""
    return {
        "name": f"models/{model_id}",
        "baseModelId": model_id,
        "version": "001",
        "displayName": model_id.replace("-", " ").title(),
        "description": f"Fake {model.kind} model.",
        "inputTokenLimit": 1048576 if model.kind == "text" else 65536,
        "outputTokenLimit": 65536 if model.kind == "text" else 32768,
        "supportedGenerationMethods": ["generateContent", "countTokens", "batchGenerateContent"],
        "temperature": 1.0,
        "maxTemperature": 2.0,
        "topP": 0.95,
        "topK": 64,
        "thinking": True,
    }


def grainy_picture(side: int, fmt: str = "JPEG") -> bytes:
    """Return a `side`-px square illustration-like picture (flat shapes, light grain), as a model's answer weighs.

    A 2K JPEG of it is about 0.5 MB, a PNG about 6 MB: pure noise would weigh four times a real illustration.
    """
    from generation.base import BookRequest
    from generation.offline import draw_page

    request = BookRequest(child_name="Zoë", child_age=6, theme="space", language="en", page_count=1, seed=7)
    grain = Image.merge("RGB", [Image.effect_noise((side, side), 3) for _ in range(3)])
    picture = ImageChops.add(draw_page(request, 0).resize((side, side)), grain, scale=1.0, offset=-128)
    buffer = io.BytesIO()
    picture.save(buffer, format=fmt, **({"quality": 90} if fmt == "JPEG" else {}))
    return buffer.getvalue()


def usage(prompt_tokens: int = 120, candidates_tokens: int = 480, thoughts_tokens: int = 0) -> dict:
    meta = {
        "promptTokenCount": prompt_tokens,
        "candidatesTokenCount": candidates_tokens,
        "totalTokenCount": prompt_tokens + candidates_tokens + thoughts_tokens,
    }
    if thoughts_tokens:
        meta["thoughtsTokenCount"] = thoughts_tokens
    return meta


def text_body(text: str, finish_reason: str = "STOP", model_version: str = "gemini-3.5-flash-lite") -> dict:
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


def jpeg_bytes(width: int, height: int, color: tuple[int, int, int] = (200, 120, 60)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), color).save(buffer, format="JPEG", quality=90)
    return buffer.getvalue()


def inline_part(image: bytes, mime_type: str, thought: bool = False) -> dict:
    part = {"inlineData": {"mimeType": mime_type, "data": base64.b64encode(image).decode("ascii")}}
    if thought:
        part["thought"] = True
    else:
        # Gemini 3 models sign their final parts; the signature is opaque bytes.
        part["thoughtSignature"] = base64.b64encode(b"fake-signature").decode("ascii")
    return part


def image_body(
    image: bytes, mime_type: str = "image/png", with_text: bool = True, thought_drafts: int = 0,
    draft: bytes | None = None, model_version: str = "gemini-3.1-flash-image",
) -> dict:
    """Return an answer carrying an inline image as Gemini 3 image models send it.

    With `thought_drafts`, interim images marked `thought: true` come first (the model's drafts, not billed as
    output and never to be used); an optional text part precedes the final image.
    """
    parts = [inline_part(draft or png_bytes(64, 64, (255, 0, 0)), "image/png", thought=True) for _ in range(thought_drafts)]
    if with_text:
        parts.append({"text": "Here is the illustration."})
    parts.append(inline_part(image, mime_type))
    return {
        "candidates": [{"content": {"parts": parts, "role": "model"}, "finishReason": "STOP", "index": 0}],
        "usageMetadata": usage(prompt_tokens=300, candidates_tokens=1680, thoughts_tokens=200 if thought_drafts else 0),
        "modelVersion": model_version,
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
        "modelVersion": "gemini-3.5-flash-lite",
        "responseId": "fake-response-blocked",
    }


def candidate_blocked_body(finish_reason: str = "SAFETY", model_version: str = "gemini-3.5-flash-lite") -> dict:
    """Return an answer whose only candidate was stopped by a filter: a finish reason, a message, no content."""
    return {
        "candidates": [
            {
                "finishReason": finish_reason,
                "finishMessage": "Unable to show the generated image. The image was filtered out because it violated "
                "Google's Generative AI Prohibited Use policy.",
                "index": 0,
                "safetyRatings": [{"category": "HARM_CATEGORY_DANGEROUS_CONTENT", "probability": "HIGH", "blocked": True}],
            }
        ],
        "usageMetadata": {"promptTokenCount": 120, "totalTokenCount": 120},
        "modelVersion": model_version,
        "responseId": "fake-response-filtered",
    }


def error_body(code: int, status: str, message: str) -> dict:
    """Return a Google API error envelope."""
    return {"error": {"code": code, "message": message, "status": status}}



# Google's documented failures (https://ai.google.dev/gemini-api/docs/troubleshooting), with the details the API
# attaches (google.rpc.ErrorInfo, QuotaFailure, RetryInfo, Help: googleapis/googleapis google/rpc/error_details.proto).
HELP = {
    "@type": "type.googleapis.com/google.rpc.Help",
    "links": [{"description": "Learn more about Gemini API quotas", "url": "https://ai.google.dev/gemini-api/docs/rate-limits"}],
}


def invalid_argument_body(message: str = "Request contains an invalid argument.") -> dict:
    """400 INVALID_ARGUMENT: the request body is malformed or refused (no reason says whose fault it is)."""
    return error_body(400, "INVALID_ARGUMENT", message)


def failed_precondition_body() -> dict:
    """400 FAILED_PRECONDITION: the free tier is not offered in the caller's country; billing is needed."""
    return error_body(
        400, "FAILED_PRECONDITION",
        "User location is not supported for the API use without a billing account linked.",
    )


def permission_denied_body() -> dict:
    """403 PERMISSION_DENIED: the key lacks the permission (or the model needs an allow-listed project)."""
    body = error_body(403, "PERMISSION_DENIED", "Permission denied: Consumer 'api_key:…' has been suspended.")
    body["error"]["details"] = [{
        "@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "CONSUMER_SUSPENDED",
        "domain": "googleapis.com", "metadata": {"service": "generativelanguage.googleapis.com"},
    }]
    return body


def quota_body(per: str = "minute", retry_delay: str | None = "26s", model: str = "gemini-3.1-flash-image") -> dict:
    """429 RESOURCE_EXHAUSTED: a per-minute or per-day quota spent, with QuotaFailure, Help and RetryInfo."""
    quota_id = {
        "minute": "GenerateRequestsPerMinutePerProjectPerModel",
        "day": "GenerateRequestsPerDayPerProjectPerModel",
    }[per]
    body = error_body(
        429, "RESOURCE_EXHAUSTED",
        "You exceeded your current quota, please check your plan and billing details. For more information on this "
        "error, head to: https://ai.google.dev/gemini-api/docs/rate-limits.",
    )
    body["error"]["details"] = [
        {
            "@type": "type.googleapis.com/google.rpc.QuotaFailure",
            "violations": [{
                "quotaMetric": "generativelanguage.googleapis.com/generate_content_requests",
                "quotaId": quota_id,
                "quotaDimensions": {"location": "global", "model": model},
                "quotaValue": "10" if per == "minute" else "250",
            }],
        },
        HELP,
    ]
    if retry_delay:
        body["error"]["details"].append({"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": retry_delay})
    return body


def internal_body() -> dict:
    """500 INTERNAL: an unexpected error on Google's side."""
    return error_body(500, "INTERNAL", "An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting")


def unavailable_body() -> dict:
    """503 UNAVAILABLE: the service is temporarily overloaded or down."""
    return error_body(503, "UNAVAILABLE", "The model is overloaded. Please try again later.")


def deadline_body() -> dict:
    """504 DEADLINE_EXCEEDED: the service could not finish within the deadline."""
    return error_body(504, "DEADLINE_EXCEEDED", "Deadline expired before operation could complete.")
