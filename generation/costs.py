"""What a book's Gemini calls cost, estimated from the tokens Google reported and the HERA_GOOGLE_*_PRICE settings.

Prices are US dollars per million tokens (defaults and their source in hera/settings.py). Thinking tokens are
billed as output: at the text output price for the story model, at the image model's text price for pictures.
"""

from django.conf import settings

from .base import UsageMeter

PER_MILLION = 1_000_000


def estimated_cost_usd(usage: dict) -> float:
    """Return the estimated cost in US dollars of the calls recorded in `usage` (an order's generation_usage)."""
    story = usage.get("story", {})
    pictures = usage.get("pictures", {})
    total = (
        story.get("prompt_tokens", 0) * settings.HERA_GOOGLE_TEXT_INPUT_PRICE
        + (story.get("output_tokens", 0) + story.get("thoughts_tokens", 0)) * settings.HERA_GOOGLE_TEXT_OUTPUT_PRICE
        + pictures.get("prompt_tokens", 0) * settings.HERA_GOOGLE_IMAGE_INPUT_PRICE
        + pictures.get("output_tokens", 0) * settings.HERA_GOOGLE_IMAGE_OUTPUT_PRICE
        + pictures.get("thoughts_tokens", 0) * settings.HERA_GOOGLE_IMAGE_THINKING_PRICE
    )
    return total / PER_MILLION


def usage_summary(usage: dict) -> list[str]:
    """Return one plain line per kind of call: calls, retries and tokens."""
    lines = []
    for role in UsageMeter.ROLES:
        counts = usage.get(role)
        if not counts:
            continue
        retries = counts.get("retries", 0)
        lines.append(
            f"{role}: {counts.get('calls', 0)} call(s)"
            + (f" incl. {retries} softened retr{'y' if retries == 1 else 'ies'}" if retries else "")
            + f", {counts.get('prompt_tokens', 0):,} tokens in, {counts.get('output_tokens', 0):,} out"
            + f", {counts.get('thoughts_tokens', 0):,} thinking"
            + (f"; {counts['transient_errors']} answer(s) 429/5xx retried" if counts.get("transient_errors") else "")
        )
    return lines
