"""The estimated cost of a book's Gemini calls, from the tokens Google reported and the price settings."""

import pytest

from generation.costs import estimated_cost_usd, usage_summary

BOOK_OF_24 = {
    "story": {"calls": 1, "retries": 0, "prompt_tokens": 1_000, "output_tokens": 3_000, "thoughts_tokens": 1_000},
    "pictures": {"calls": 24, "retries": 0, "prompt_tokens": 24 * 1_300, "output_tokens": 24 * 1_680, "thoughts_tokens": 0},
}


def test_a_24_page_book_costs_about_two_dollars_forty_five_at_the_default_prices():
    # story 1,000 × 0.30 + 4,000 × 2.50; pictures 31,200 × 0.50 + 40,320 × 60, per million tokens: $2.45
    assert estimated_cost_usd(BOOK_OF_24) == pytest.approx(0.0003 + 0.010 + 0.0156 + 2.4192)


def test_the_prices_come_from_settings(settings):
    settings.HERA_GOOGLE_IMAGE_OUTPUT_PRICE = 30.0

    assert estimated_cost_usd(BOOK_OF_24) == pytest.approx(0.0003 + 0.010 + 0.0156 + 1.2096)


def test_picture_thinking_is_priced_as_the_image_models_text_output(settings):
    usage = {"pictures": {"calls": 1, "thoughts_tokens": 1_000_000}}

    assert estimated_cost_usd(usage) == pytest.approx(settings.HERA_GOOGLE_IMAGE_THINKING_PRICE)


def test_the_summary_names_the_answers_the_sdk_retried():
    usage = {"story": {"calls": 1, "prompt_tokens": 10, "output_tokens": 20, "transient_errors": 2}}

    assert usage_summary(usage) == ["story: 1 call(s), 10 tokens in, 20 out, 0 thinking; 2 answer(s) 429/5xx retried"]


def test_nothing_recorded_costs_nothing():
    assert estimated_cost_usd({}) == 0
    assert usage_summary({}) == []


def test_the_summary_says_calls_retries_and_tokens():
    usage = {"pictures": {"calls": 25, "retries": 1, "prompt_tokens": 15_000, "output_tokens": 42_000, "thoughts_tokens": 0}}

    assert usage_summary(usage) == ["pictures: 25 call(s) incl. 1 softened retry, 15,000 tokens in, 42,000 out, 0 thinking"]
