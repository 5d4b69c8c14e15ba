"""Scaling with the queue over a simulated timeline, acted on by a signed webhook and by Render's API (local fakes)."""

import hashlib
import hmac
import json
import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from orders import pause, scaling, tasks
from orders.models import Order, ScaleDecision, ScalingState, Status
from tests.conftest import free_port, make_order, order_in
from tests.fakes import LocalHTTPServer
from tests.fakes.render_api import FakeRenderAPI

pytestmark = pytest.mark.django_db

T0 = timezone.now().replace(microsecond=0)
SECRET = "scale-webhook-secret"


def at(minutes: float):
    return T0 + timedelta(minutes=minutes)


def queue_of(size: int) -> None:
    """Make exactly `size` orders wait in the queue (cancelling any extra)."""
    waiting = list(Order.objects.queued().order_by("id"))
    for order in waiting[size:]:
        order.cancel(actor="test")
    for _ in range(size - len(waiting)):
        make_order(status="queued")


def run(timeline: list[tuple[float, int]]) -> list[tuple[float, str]]:
    """Tick at each (minute, queue size) of the timeline; return the decisions made, at the minute they were made."""
    made = []
    for minute, size in timeline:
        queue_of(size)
        decision = scaling.scale_evaluate(now=at(minute))
        if decision:
            made.append((minute, decision.direction))
    return made


def test_a_queue_that_grows_holds_drains_and_stays_empty_scales_up_once_then_down_once(settings):
    settings.HERA_SCALE_UP_QUEUE, settings.HERA_SCALE_UP_MINUTES, settings.HERA_SCALE_DOWN_MINUTES = 5, 10, 60
    grows = [(0, 2), (2, 4), (4, 6)]
    holds = [(6, 7), (10, 8), (13, 6), (14, 9), (20, 8), (30, 6)]
    drains = [(40, 3), (50, 1), (55, 0)]
    stays_empty = [(60, 0), (100, 0), (114, 0), (115, 0), (130, 0), (300, 0)]
    assert run(grows + holds + drains + stays_empty) == [(14, "up"), (115, "down")]
    assert list(ScaleDecision.objects.order_by("decided_at").values_list("direction", "decided_at")) == [
        ("up", at(14)), ("down", at(115)),
    ]


def test_a_queue_at_the_threshold_is_not_more_than_it(settings):
    settings.HERA_SCALE_UP_QUEUE = 5
    assert run([(minute, 5) for minute in range(0, 120, 5)]) == []


def test_a_dip_below_the_threshold_starts_the_wait_again(settings):
    settings.HERA_SCALE_UP_QUEUE, settings.HERA_SCALE_UP_MINUTES = 5, 10
    assert run([(0, 6), (8, 6), (9, 5), (10, 6), (19, 6), (20, 6)]) == [(20, "up")]


def test_an_empty_queue_without_a_scale_up_recommends_nothing(settings):
    settings.HERA_SCALE_DOWN_MINUTES = 60
    assert run([(minute, 0) for minute in range(0, 600, 30)]) == []


def test_a_book_still_generating_is_not_an_empty_queue(settings):
    settings.HERA_SCALE_UP_QUEUE, settings.HERA_SCALE_UP_MINUTES, settings.HERA_SCALE_DOWN_MINUTES = 5, 10, 60
    assert run([(0, 6), (10, 6)]) == [(10, "up")]
    queue_of(0)
    order_in(Status.GENERATING)
    assert run([(20, 0), (100, 0)]) == []
    Order.objects.generating().get().cancel(actor="test")
    assert run([(101, 0), (161, 0)]) == [(161, "down")]


def test_a_queue_long_while_generation_is_paused_never_scales_up(settings):
    settings.HERA_SCALE_UP_QUEUE, settings.HERA_SCALE_UP_MINUTES = 5, 10
    pause.generation_pause(pause.CONFIGURATION, "the key was refused")
    assert run([(minute, 6) for minute in range(0, 60, 5)]) == []
    pause.generation_resume(pause.CONFIGURATION)
    # The long queue's clock starts when generation runs again, not when the pause began.
    assert run([(60, 6), (65, 6), (70, 6)]) == [(70, "up")]


def test_the_rule_remembers_across_restarts_in_the_database(settings):
    settings.HERA_SCALE_UP_QUEUE, settings.HERA_SCALE_UP_MINUTES = 5, 10
    run([(0, 6), (5, 6)])
    state = ScalingState.objects.get()
    assert state.busy_since == at(0) and not state.scaled_up
    assert run([(10, 6)]) == [(10, "up")]  # a new process reads the same row
    assert ScalingState.objects.get().scaled_up


def test_queue_tick_evaluates_the_rule(settings):
    settings.HERA_SCALE_UP_QUEUE, settings.HERA_SCALE_UP_MINUTES = 5, 10
    queue_of(6)
    ScalingState.objects.create(pk=1, busy_since=timezone.now() - timedelta(minutes=11))
    tasks.queue_tick()
    assert ScaleDecision.objects.get().direction == "up"


def test_each_decision_is_logged_once(settings, caplog):
    settings.HERA_SCALE_UP_QUEUE, settings.HERA_SCALE_UP_MINUTES = 5, 10
    with caplog.at_level("INFO", logger="hera.queue"):
        run([(0, 6), (10, 6), (11, 6), (12, 7), (30, 8)])
    assert [r.getMessage() for r in caplog.records if "scaling" in r.getMessage()] == [
        "scaling: recommend scaling up (more than 5 orders waiting for 10 minutes (6 now))",
    ]


def test_the_live_queue_page_shows_the_decisions(english_admin, settings):
    settings.HERA_SCALE_UP_QUEUE, settings.HERA_SCALE_UP_MINUTES = 5, 10
    run([(0, 6), (10, 6)])
    html = english_admin.get(reverse("admin:orders_order_queue") + "?fragment=1").content.decode()
    assert 'id="scaling"' in html
    assert "Scale up" in html
    assert "more than 5 orders waiting for 10 minutes" in html
    assert "not acted on" in html


# The webhook.


class WebhookReceiver(LocalHTTPServer):
    """A receiver as the README tells one to write: check the timestamp, recompute the signature, compare."""

    def __init__(self, secret: str = SECRET):
        self.secret = secret
        self.deliveries: list[dict] = []
        self.refused = 0
        self.outages: list[int] = []  # statuses to answer the next deliveries with, before looking at them
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                if receiver.outages:
                    self.send_response(receiver.outages.pop(0))
                    self.end_headers()
                    return
                timestamp = self.headers.get("X-Hera-Timestamp", "")
                expected = "sha256=" + hmac.new(
                    receiver.secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256
                ).hexdigest()
                fresh = timestamp.isdigit() and abs(time.time() - int(timestamp)) < 300
                if fresh and hmac.compare_digest(expected, self.headers.get("X-Hera-Signature", "")):
                    receiver.deliveries.append(json.loads(body))
                    self.send_response(204)
                else:
                    receiver.refused += 1
                    self.send_response(401)
                self.end_headers()

        super().__init__(Handler, name="scale-webhook")


@pytest.fixture
def receiver(settings):
    server = WebhookReceiver().start()
    settings.HERA_SCALE_WEBHOOK_URL = server.base_url + "/hooks/scale"
    settings.HERA_SCALE_WEBHOOK_SECRET = SECRET
    yield server
    server.stop()


def scale_up_now(settings) -> ScaleDecision:
    settings.HERA_SCALE_UP_QUEUE, settings.HERA_SCALE_UP_MINUTES = 5, 10
    run([(0, 6)])
    return scaling.scale_evaluate(now=at(10))


def test_a_decision_reaches_the_webhook_signed_and_once(receiver, settings):
    settings.HERA_SCALE_UP_PLAN = "standard"
    decision = scale_up_now(settings)
    scaling.scale_deliver()
    scaling.scale_deliver()
    tasks.queue_tick()
    assert receiver.deliveries == [{
        "id": decision.pk, "direction": "up", "plan": "standard", "queue_size": 6,
        "reason": "more than 5 orders waiting for 10 minutes (6 now)", "decided_at": at(10).isoformat(),
    }]
    decision.refresh_from_db()
    assert decision.delivered and decision.outcome == "webhook: HTTP 204"


def test_each_change_is_sent_once_up_then_down(receiver, settings):
    settings.HERA_SCALE_UP_QUEUE, settings.HERA_SCALE_UP_MINUTES, settings.HERA_SCALE_DOWN_MINUTES = 5, 10, 60
    for minute, size in [(0, 6), (10, 6), (20, 7), (30, 0), (90, 0), (120, 0)]:
        queue_of(size)
        scaling.scale_evaluate(now=at(minute))
        scaling.scale_deliver()
    assert [delivery["direction"] for delivery in receiver.deliveries] == ["up", "down"]


def test_a_signature_the_receiver_refuses_is_recorded_and_not_sent_again(receiver, settings):
    settings.HERA_SCALE_WEBHOOK_SECRET = "another-secret"
    decision = scale_up_now(settings)
    scaling.scale_deliver()
    scaling.scale_deliver()
    assert receiver.refused == 1 and receiver.deliveries == []
    decision.refresh_from_db()
    assert not decision.delivered
    assert decision.outcome.startswith("webhook: failed, HTTP 401")


def test_a_webhook_that_did_not_take_the_decision_gets_it_again_at_the_next_ticks_until_it_does(receiver, settings):
    decision = scale_up_now(settings)
    receiver.outages = [503, 502]
    sent = [scaling.scale_deliver(now=at(11 + minutes)) for minutes in (0, 0.5, 1, 2.5, 3)]
    scaling.scale_deliver(now=at(30))

    assert [bool(attempt) for attempt in sent] == [True, False, True, False, True]  # after 1, then 2 minutes
    assert len(receiver.deliveries) == 1 and receiver.deliveries[0]["id"] == decision.pk
    decision.refresh_from_db()
    assert decision.delivered and decision.attempts == 3 and decision.retry_at is None
    assert decision.outcome.splitlines() == [
        "webhook: failed, HTTP 503; trying again at " + f"{timezone.localtime(at(12)):%H:%M}",
        "attempt 2: webhook: failed, HTTP 502; trying again at " + f"{timezone.localtime(at(14)):%H:%M}",
        "attempt 3: webhook: HTTP 204",
    ]


def test_an_unreachable_webhook_is_tried_five_times_then_left(receiver, settings):
    decision = scale_up_now(settings)
    settings.HERA_SCALE_WEBHOOK_URL = f"http://127.0.0.1:{free_port()}/hooks/scale"  # nobody listens
    for minute in range(11, 60):
        scaling.scale_deliver(now=at(minute))
    decision.refresh_from_db()
    assert decision.attempts == scaling.MAX_ATTEMPTS == 5
    assert not decision.delivered and decision.retry_at is None
    assert all("ConnectionRefusedError" in line or "Connection refused" in line
               for line in decision.outcome.splitlines())


def test_a_decision_overtaken_while_waiting_to_be_tried_again_is_left(receiver, settings):
    settings.HERA_SCALE_UP_QUEUE, settings.HERA_SCALE_UP_MINUTES, settings.HERA_SCALE_DOWN_MINUTES = 5, 10, 60
    run([(0, 6), (10, 6)])
    receiver.outages = [503]
    scaling.scale_deliver(now=at(10))
    run([(20, 0), (80, 0)])  # the queue emptied: down
    scaling.scale_deliver(now=at(80))
    scaling.scale_deliver(now=at(90))

    assert [delivery["direction"] for delivery in receiver.deliveries] == ["down"]
    up = ScaleDecision.objects.get(direction="up")
    assert up.attempts == 1 and up.retry_at is None and not up.delivered


def test_a_decision_overtaken_before_it_was_sent_is_not_sent(receiver, settings):
    settings.HERA_SCALE_UP_QUEUE, settings.HERA_SCALE_UP_MINUTES, settings.HERA_SCALE_DOWN_MINUTES = 5, 10, 60
    run([(0, 6), (10, 6), (20, 0), (80, 0)])  # up, then down, while the webhook was not reachable from the tick
    scaling.scale_deliver()
    assert [delivery["direction"] for delivery in receiver.deliveries] == ["down"]
    assert ScaleDecision.objects.get(direction="up").outcome == "superseded by a newer decision, not sent"


@pytest.mark.django_db(transaction=True)
def test_two_ticks_at_once_send_a_decision_once(receiver, settings):
    scale_up_now(settings)

    def tick() -> None:
        try:
            scaling.scale_deliver()
        finally:
            connection.close()

    threads = [threading.Thread(target=tick) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(receiver.deliveries) == 1


def test_nothing_is_sent_when_nothing_is_configured(settings):
    scale_up_now(settings)
    assert scaling.scale_deliver() is None
    assert ScaleDecision.objects.get().sent_at is None


# Render's API.


@pytest.fixture
def render(settings):
    api = FakeRenderAPI(plan="starter").start()
    settings.RENDER_API_BASE = api.api_base
    settings.RENDER_API_KEY = api.api_key
    settings.RENDER_SERVICE_ID = api.service["id"]
    settings.HERA_SCALE_UP_PLAN, settings.HERA_SCALE_DOWN_PLAN = "standard", "starter"
    yield api
    api.stop()


def test_scaling_up_changes_the_plan_through_renders_update_service_endpoint(render, settings):
    decision = scale_up_now(settings)
    scaling.scale_deliver()
    [call] = render.requests
    assert (call.method, call.path) == ("PATCH", f"/v1/services/{render.service['id']}")
    assert call.authorization == f"Bearer {render.api_key}"
    assert call.content_type == "application/json"
    assert json.loads(call.body) == {"serviceDetails": {"plan": "standard"}}
    assert render.plan == "standard"
    decision.refresh_from_db()
    assert decision.delivered and decision.outcome == "render: HTTP 200, plan standard"


def test_scaling_down_returns_to_the_smaller_plan(render, settings):
    settings.HERA_SCALE_UP_QUEUE, settings.HERA_SCALE_UP_MINUTES, settings.HERA_SCALE_DOWN_MINUTES = 5, 10, 60
    for minute, size in [(0, 6), (10, 6), (30, 0), (90, 0)]:
        queue_of(size)
        scaling.scale_evaluate(now=at(minute))
        scaling.scale_deliver()
    assert [json.loads(call.body)["serviceDetails"]["plan"] for call in render.accepted()] == ["standard", "starter"]
    assert render.plan == "starter"


def test_a_key_render_refuses_is_recorded(render, settings):
    settings.RENDER_API_KEY = "rnd_revoked"
    decision = scale_up_now(settings)
    scaling.scale_deliver()
    decision.refresh_from_db()
    assert not decision.delivered
    assert decision.outcome.startswith("render: failed, HTTP 401")
    assert render.plan == "starter"


def test_when_render_is_busy_only_render_is_asked_again(render, receiver, settings):
    decision = scale_up_now(settings)
    render.outages = [429]
    scaling.scale_deliver(now=at(10))
    scaling.scale_deliver(now=at(11))

    assert len(receiver.deliveries) == 1 and render.plan == "standard"
    assert [request.status for request in render.requests] == [429, 200]
    decision.refresh_from_db()
    assert decision.delivered and decision.delivered_to == "render,webhook"
    assert decision.outcome.splitlines()[1] == "attempt 2: render: HTTP 200, plan standard"


def test_the_webhook_and_render_are_both_acted_on_when_both_are_configured(render, receiver, settings):
    scale_up_now(settings)
    scaling.scale_deliver()
    assert len(receiver.deliveries) == 1 and render.plan == "standard"
    assert ScaleDecision.objects.get().outcome == "webhook: HTTP 204; render: HTTP 200, plan standard"


# The fake refuses what Render refuses.


def call_render(api: FakeRenderAPI, method: str, path: str, body: bytes | None, headers: dict) -> int:
    import urllib.error
    import urllib.request

    request = urllib.request.Request(api.base_url + path, data=body, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status
    except urllib.error.HTTPError as refused:
        return refused.code


@pytest.mark.parametrize(
    ("method", "path", "body", "auth", "status"),
    [
        ("PATCH", "/v1/services/{id}", {"serviceDetails": {"plan": "standard"}}, True, 200),
        ("PATCH", "/v1/services/{id}", {"serviceDetails": {"plan": "standard"}}, False, 401),
        ("POST", "/v1/services/{id}", {"serviceDetails": {"plan": "standard"}}, True, 405),
        ("PUT", "/v1/services/{id}", {"serviceDetails": {"plan": "standard"}}, True, 405),
        ("PATCH", "/v1/services/srv-someone-else", {"serviceDetails": {"plan": "standard"}}, True, 404),
        ("PATCH", "/v1/services/{id}/scale", {"numInstances": 2}, True, 404),
        ("PATCH", "/v1/services/{id}", {"plan": "standard"}, True, 400),
        ("PATCH", "/v1/services/{id}", {"serviceDetails": {"plan": "huge"}}, True, 400),
        ("PATCH", "/v1/services/{id}", "not json", True, 400),
    ],
)
def test_the_fake_render_api_refuses_what_render_refuses(method, path, body, auth, status):
    api = FakeRenderAPI().start()
    try:
        headers = {"Content-Type": "application/json", **({"Authorization": f"Bearer {api.api_key}"} if auth else {})}
        data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
        assert call_render(api, method, path.format(id=api.service["id"]), data, headers) == status
    finally:
        api.stop()
