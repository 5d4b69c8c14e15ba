"""The fake Gemini server refuses what Google's published definitions refuse, at any depth, per API version."""

import httpx2
import pytest

from tests.fakes.genai_server import API_KEY, FakeGenAIServer, story_body


@pytest.fixture
def fake():
    server = FakeGenAIServer().start()
    yield server
    server.stop()


def post(fake, path: str, body: dict, key: str | None = API_KEY) -> httpx2.Response:
    headers = {"x-goog-api-key": key} if key else {}
    return httpx2.post(fake.base_url + path, json=body, headers=headers, timeout=10)


def request(**extra) -> dict:
    return {"contents": [{"role": "user", "parts": [{"text": "hello"}]}], **extra}


def test_an_unknown_field_deep_in_the_body_is_refused_with_its_path(fake):
    body = request()
    body["contents"][0]["parts"][0]["colour"] = "red"

    answer = post(fake, "/v1beta/models/gemini-test-text:generateContent", body)

    assert answer.status_code == 400
    error = answer.json()["error"]
    assert error["status"] == "INVALID_ARGUMENT"
    assert error["message"] == "Invalid JSON payload received. Unknown name \"colour\" at 'contents[0].parts[0]': Cannot find field."
    assert error["details"][0]["fieldViolations"][0]["field"] == "contents[0].parts[0]"


def test_v1_refuses_the_generation_fields_only_v1beta_has(fake):
    config = {"responseMimeType": "application/json", "responseModalities": ["IMAGE"], "imageConfig": {"imageSize": "2K"}}

    v1 = post(fake, "/v1/models/gemini-test-image:generateContent", request(generationConfig=config))
    fake.reply(story_body(1))
    v1beta = post(fake, "/v1beta/models/gemini-test-image:generateContent", request(generationConfig=config))

    assert v1.status_code == 400
    assert v1.json()["error"]["message"].splitlines() == [
        f"Invalid JSON payload received. Unknown name \"{name}\" at 'generation_config': Cannot find field."
        for name in ("responseMimeType", "responseModalities", "imageConfig")
    ]
    assert v1beta.status_code == 200


def test_snake_case_names_are_accepted_as_googles_json_parser_does(fake):
    fake.reply(story_body(1))
    body = request(generation_config={"response_mime_type": "application/json"})

    assert post(fake, "/v1beta/models/gemini-test-text:generateContent", body).status_code == 200


def test_an_unknown_field_inside_a_response_schema_is_refused(fake):
    schema = {"type": "OBJECT", "properties": {"title": {"type": "STRING", "colour": "red"}}}

    answer = post(fake, "/v1beta/models/gemini-test-text:generateContent", request(generationConfig={"responseSchema": schema}))

    assert "at 'generation_config.response_schema.properties[title]'" in answer.json()["error"]["message"]


def test_a_missing_key_is_403_and_a_wrong_one_400_as_google_answers(fake):
    missing = post(fake, "/v1beta/models/gemini-test-text:generateContent", request(), key=None)
    wrong = post(fake, "/v1beta/models/gemini-test-text:generateContent", request(), key="nope")

    assert (missing.status_code, missing.json()["error"]["status"]) == (403, "PERMISSION_DENIED")
    assert (wrong.status_code, wrong.json()["error"]["details"][0]["reason"]) == (400, "API_KEY_INVALID")


def test_models_get_describes_a_model_and_404s_a_shut_down_one(fake):
    found = httpx2.get(fake.base_url + "/v1beta/models/gemini-3.1-flash-image", headers={"x-goog-api-key": API_KEY})
    gone = httpx2.get(fake.base_url + "/v1beta/models/gemini-2.5-flash-image", headers={"x-goog-api-key": API_KEY})

    assert found.json()["name"] == "models/gemini-3.1-flash-image"
    assert "generateContent" in found.json()["supportedGenerationMethods"]
    assert gone.status_code == 404
    assert gone.json()["error"]["message"].startswith("models/gemini-2.5-flash-image is not found for API version v1beta")


def test_a_size_the_model_does_not_offer_is_refused(fake):
    config = {"responseModalities": ["IMAGE"], "imageConfig": {"imageSize": "2K"}}

    answer = post(fake, "/v1beta/models/gemini-3.1-flash-lite-image:generateContent", request(generationConfig=config))

    assert answer.status_code == 400
