"""Whose fault is it: every generation error is the book's own, the upstream's weather, or the configuration.

Decided here, once, from what Google says (google-genai's APIError: `code`, `status`, and `details`, the whole
error envelope `{"error": {"code", "message", "status", "details": [...]}}` whose details are google.rpc messages:
ErrorInfo.reason such as API_KEY_INVALID, QuotaFailure.violations[].quotaId such as
GenerateRequestsPerDayPerProjectPerModel-FreeTier, RetryInfo.retryDelay such as "26s"). Callers act on the kind and
never read HTTP codes themselves.

- 400 INVALID_ARGUMENT with ErrorInfo API_KEY_INVALID, 401, 403 PERMISSION_DENIED, 404 NOT_FOUND, 400
  FAILED_PRECONDITION (the free tier is not offered in this country: billing is needed): the configuration.
- Any other 400: unsettled. The refusal may be this book's (its content) or every book's (a request shape this model
  refuses); `settle` repeats the call's model and configuration with a neutral prompt to tell which.
- 429 RESOURCE_EXHAUSTED, 408, 5xx, timeouts, refused or dropped connections: the upstream's weather, after the
  client's own retries. A spent per-day quota is not back before midnight Pacific time, when Google resets it.
- A safety block, a truncated or unreadable answer, any other error: the book's own.
"""

import enum
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone

from .base import GenerationConfigError, GenerationError

QUOTA_RESET_ZONE = ZoneInfo("America/Los_Angeles")  # "Requests per day (RPD) quotas reset at midnight Pacific time"
CONFIGURATION_REASONS = {"API_KEY_INVALID", "API_KEY_SERVICE_BLOCKED", "SERVICE_DISABLED", "API_KEY_HTTP_REFERRER_BLOCKED"}
CONFIGURATION_CODES = {401, 403, 404}
UPSTREAM_CODES = {408, 429, 500, 502, 503, 504}


class Fault(enum.StrEnum):
    BOOK = "book"
    UPSTREAM = "upstream"
    CONFIGURATION = "configuration"


class UpstreamError(GenerationError):
    """The upstream could not answer (429, 5xx, a timeout, a lost connection): weather, not the book's fault."""

    def __init__(
        self, message: str, *, role: str = "", retry_at: datetime | None = None, quota: bool = False, per_day: bool = False
    ):
        super().__init__(message)
        self.role, self.retry_at, self.quota, self.per_day = role, retry_at, quota, per_day


class RequestRefused(GenerationError):
    """The upstream refused one call with a 400 that does not say whose fault it is; a probe settles it."""

    def __init__(self, message: str, *, role: str):
        super().__init__(message)
        self.role = role


class ConfigurationRefused(GenerationConfigError):
    """The upstream refused the setup (key, model, permission, billing) for one kind of call."""

    def __init__(self, message: str, *, role: str = ""):
        super().__init__(message)
        self.role = role


@dataclass(frozen=True)
class Verdict:
    """What a failure was, in words staff can read, and when trying again makes sense."""

    fault: Fault
    reason: str
    retry_at: datetime | None = None
    # The book's own calls failed with weather while the neutral probe passed: charged only from the second time.
    weather_for_one_book: bool = False
    role: str = ""


def error_details(envelope) -> list[dict]:
    """Return the google.rpc details of an error envelope (google-genai's APIError.details), [] when absent."""
    if not isinstance(envelope, dict):
        return []
    error = envelope.get("error", envelope)
    details = error.get("details") if isinstance(error, dict) else None
    return [d for d in details or [] if isinstance(d, dict)]


def detail_of(details: list[dict], kind: str) -> dict | None:
    return next((d for d in details if str(d.get("@type", "")).endswith(f"google.rpc.{kind}")), None)


def quota_ids(details: list[dict]) -> list[str]:
    failure = detail_of(details, "QuotaFailure") or {}
    return [str(v.get("quotaId", "")) for v in failure.get("violations") or [] if isinstance(v, dict)]


def retry_delay_seconds(details: list[dict]) -> float | None:
    """Return RetryInfo.retryDelay in seconds (a google.protobuf.Duration in JSON: "26s", "0.5s")."""
    info = detail_of(details, "RetryInfo") or {}
    match = re.fullmatch(r"(\d+(?:\.\d+)?)s", str(info.get("retryDelay", "")))
    return float(match.group(1)) if match else None


def next_quota_reset(now: datetime | None = None) -> datetime:
    """Return the next midnight in Pacific time, when Google resets per-day quotas."""
    local = (now or timezone.now()).astimezone(QUOTA_RESET_ZONE)
    midnight = datetime.combine(local.date() + timedelta(days=1), datetime.min.time(), tzinfo=QUOTA_RESET_ZONE)
    return midnight


def api_error(code: int, status: str | None, message: str | None, envelope, *, model: str, role: str) -> Exception:
    """Return the exception that says whose fault an API error is (google-genai's APIError fields)."""
    details = error_details(envelope)
    words = f"Gemini ({model}) answered {code} {status}: {message}"
    reason = str((detail_of(details, "ErrorInfo") or {}).get("reason", ""))
    if code in UPSTREAM_CODES or code >= 500:
        per_day = any("PerDay" in quota for quota in quota_ids(details))
        delay = retry_delay_seconds(details)
        if per_day:
            retry_at = next_quota_reset()
        elif delay is not None:
            retry_at = timezone.now() + timedelta(seconds=delay)
        else:
            retry_at = None
        return UpstreamError(words, role=role, retry_at=retry_at, quota=code == 429, per_day=per_day)
    if code in CONFIGURATION_CODES or reason in CONFIGURATION_REASONS or status == "FAILED_PRECONDITION":
        return ConfigurationRefused(words, role=role)
    if code == 400:
        return RequestRefused(words, role=role)
    return GenerationError(words)


def unreachable(model: str, exc: Exception, *, role: str) -> UpstreamError:
    """Say a timeout, a refused or dropped connection is weather."""
    return UpstreamError(f"Gemini ({model}) could not be reached: {exc!r}", role=role)


def fault_of(exc: BaseException) -> Fault | None:
    """Return the fault an error shows by itself, or None when only a probe can tell (an ambiguous refusal)."""
    if isinstance(exc, RequestRefused):
        return None
    if isinstance(exc, UpstreamError):
        return Fault.UPSTREAM
    if isinstance(exc, GenerationConfigError):
        return Fault.CONFIGURATION
    return Fault.BOOK


def settle(exc: BaseException, generator) -> Verdict:
    """Decide whose fault `exc` is; an ambiguous refusal or weather is settled with a neutral probe of the same call.

    The probe repeats the refused call's model and configuration (modalities, image size, schema) with a prompt no
    filter refuses. Refused too: the configuration. Passes: the book's own (for weather: the book's own calls fail
    while the same model answers others). Weather again: the upstream.
    """
    fault = fault_of(exc)
    role = getattr(exc, "role", "")
    reason = f"{exc.__class__.__name__}: {exc}" if fault is Fault.BOOK else str(exc)
    if fault in (Fault.BOOK, Fault.CONFIGURATION):
        return Verdict(fault, reason, role=role)
    probe = getattr(generator, "probe", None)
    if fault is Fault.UPSTREAM and exc.quota:  # a quota is the account's, never one book's: nothing to probe
        return Verdict(Fault.UPSTREAM, reason, exc.retry_at, role=role)
    if probe is None or not role:
        return Verdict(Fault.UPSTREAM if fault else Fault.CONFIGURATION, reason, getattr(exc, "retry_at", None), role=role)
    try:
        probe(role)
    except UpstreamError as weather:
        return Verdict(Fault.UPSTREAM, str(exc), exc.retry_at if fault else weather.retry_at, role=role)
    except GenerationError as refused:
        if fault is Fault.UPSTREAM:
            return Verdict(Fault.UPSTREAM, str(exc), exc.retry_at, role=role)
        return Verdict(Fault.CONFIGURATION, f"{exc} (a neutral request of the same shape is refused too: {refused})", role=role)
    if fault is Fault.UPSTREAM:
        return Verdict(Fault.BOOK, f"{exc} (the same call with a neutral prompt was answered)", weather_for_one_book=True, role=role)
    return Verdict(Fault.BOOK, f"{exc} (the same call with a neutral prompt was answered)", role=role)
