from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission, User
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from orders import pause, queue, selectors
from orders.models import EmailKind, Kind, Order, OutboundEmail, Priority, Status
from tests.conftest import make_order, order_in

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english_by_default(settings):
    """These tests read the admin's English messages: a browser that asks for no language gets English."""
    settings.LANGUAGE_CODE = "en"

CHANGELIST = reverse("admin:orders_order_changelist")
QUEUE_PAGE = reverse("admin:orders_order_queue")
QUEUE_ACT = reverse("admin:orders_order_queue_act")
ADD = reverse("admin:orders_order_add")


def staff_client(client, *codenames: str):
    user = User.objects.create_user("staff", password="pw", is_staff=True)
    user.user_permissions.set(Permission.objects.filter(content_type__app_label="orders", codename__in=codenames))
    client.force_login(user)
    return client


def run_action(client, action: str, *orders: Order):
    response = client.post(CHANGELIST, {"action": action, "_selected_action": [o.pk for o in orders]}, follow=True)
    for order in orders:
        order.refresh_from_db()
    return response, [(m.level_tag, m.message) for m in response.context["messages"]]


def row_positions(response) -> list[tuple[int, int]]:
    return [(row.id, row.position) for row in response.context["waiting"]]


# Actions: what each accepts, with its message; what it refuses, with its reason.

ACCEPTED = [
    ("retry", Status.FAILED, "queued again with fresh attempts", Status.QUEUED),
    ("retry", Status.CANCELLED, "queued again with fresh attempts", Status.QUEUED),
    ("move_to_front", Status.QUEUED, "moved to the front of the queue", Status.QUEUED),
    ("set_priority_low", Status.QUEUED, "set to low priority", Status.QUEUED),
    ("cancel", Status.QUEUED, "cancelled", Status.CANCELLED),
    ("cancel", Status.GENERATING, "cancelled; its worker stops at the next page", Status.CANCELLED),
    ("regenerate", Status.DONE, "queued for regeneration (the old PDF stays until the new one is ready)", Status.QUEUED),
    ("resend_ready", Status.DONE, "ready email queued again to parent@example.com", Status.DONE),
]
RULES = {
    "retry": "only failed or cancelled orders are retried",
    "move_to_front": "only queued orders can move",
    "set_priority_high": "priority only matters while queued",
    "set_priority_normal": "priority only matters while queued",
    "set_priority_low": "priority only matters while queued",
    "cancel": "only queued or generating orders are cancelled",
    "regenerate": "only done books are regenerated",
    "resend_ready": "the ready email needs a done book",
}
ACCEPTING = {(action, status) for action, status, _, _ in ACCEPTED} | {
    ("set_priority_high", Status.QUEUED), ("set_priority_normal", Status.QUEUED)
}
REFUSED = [(action, status) for action in RULES for status in Status.values if (action, status) not in ACCEPTING]


@pytest.mark.parametrize(("action", "status", "message", "after"), ACCEPTED)
def test_action_changes_an_order_it_accepts_and_says_so(admin_client, action, status, message, after):
    make_order(status="queued")  # someone ahead, so there is a front to move to
    order = order_in(status)
    response, messages = run_action(admin_client, action, order)
    assert messages == [("success", f"{order.reference} {message}.")]
    assert order.status == after


@pytest.mark.parametrize(("action", "status"), REFUSED)
def test_action_skips_an_order_it_refuses_and_says_why(admin_client, action, status):
    order = order_in(status)
    response, messages = run_action(admin_client, action, order)
    assert messages == [("warning", f"Skipped {order.reference}: is “{Status(status).label}”: {RULES[action]}.")]
    assert order.status == status


def test_action_reports_what_it_did_and_groups_what_it_skipped(admin_client):
    failed, done, queued, done_too = (order_in(s) for s in (Status.FAILED, Status.DONE, Status.QUEUED, Status.DONE))
    _, messages = run_action(admin_client, "retry", failed, done, queued, done_too)
    assert messages == [
        ("success", f"{failed.reference} queued again with fresh attempts."),
        ("warning", f"Skipped {done.reference}, {done_too.reference}: is “Ready”: only failed or cancelled orders are retried."),
        ("warning", f"Skipped {queued.reference}: is “In the queue”: only failed or cancelled orders are retried."),
    ]


def test_set_priority_high_skips_an_order_already_high(admin_client):
    order = make_order(status="queued")
    _, messages = run_action(admin_client, "set_priority_high", order)
    assert messages == [("warning", f"Skipped {order.reference}: already has high priority.")]


def test_move_to_front_of_several_keeps_their_order_at_the_front(admin_client):
    first, second, third, fourth = (make_order(status="queued") for _ in range(4))
    run_action(admin_client, "move_to_front", third, fourth)
    order = list(Order.objects.queued().in_claim_order().values_list("pk", flat=True))
    assert order == [third.pk, fourth.pk, first.pk, second.pk]


def test_retry_action_resets_attempts(admin_client):
    order = order_in(Status.FAILED)
    assert order.attempts == 1
    run_action(admin_client, "retry", order)
    assert (order.status, order.attempts, order.last_error) == (Status.QUEUED, 0, "")


def test_regenerate_action_keeps_the_old_pdf(admin_client):
    order = order_in(Status.DONE)
    pdf = order.pdf.name
    run_action(admin_client, "regenerate", order)
    assert order.status == Status.QUEUED and order.pdf.name == pdf


def test_resend_ready_action_adds_a_ready_email(admin_client):
    order = order_in(Status.DONE)
    run_action(admin_client, "resend_ready", order)
    assert OutboundEmail.objects.filter(order=order, kind=EmailKind.READY).count() == 1


# Permissions.


def test_anonymous_user_is_sent_to_the_login_page(client):
    for url in (CHANGELIST, QUEUE_PAGE):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("admin:login"))


def test_view_only_user_sees_the_list_without_any_action(client):
    order = make_order(status="queued")
    response = staff_client(client, "view_order").get(CHANGELIST)
    assert response.status_code == 200
    assert order.child_name in response.content.decode()
    assert response.context["action_form"] is None


def test_view_only_user_cannot_run_an_action(client):
    order = order_in(Status.QUEUED)
    _, messages = run_action(staff_client(client, "view_order"), "cancel", order)
    assert order.status == Status.QUEUED
    assert messages == []


def test_view_only_user_sees_the_queue_page_without_buttons(client):
    make_order(status="queued")
    response = staff_client(client, "view_order").get(QUEUE_PAGE)
    assert response.status_code == 200
    assert response.context["can_act"] is False
    assert "Move to front" not in response.content.decode()


def test_view_only_user_cannot_act_from_the_queue_page(client):
    order = order_in(Status.QUEUED)
    response = staff_client(client, "view_order").post(QUEUE_ACT, {"cancel": order.pk})
    order.refresh_from_db()
    assert response.status_code == 403
    assert order.status == Status.QUEUED


def test_staff_without_order_permissions_cannot_see_the_queue_page(client):
    assert staff_client(client).get(QUEUE_PAGE).status_code == 403


def test_change_permission_is_enough_to_act(client):
    order = order_in(Status.QUEUED)
    _, messages = run_action(staff_client(client, "view_order", "change_order"), "cancel", order)
    assert order.status == Status.CANCELLED


def test_orders_cannot_be_deleted(admin_client):
    order = make_order()
    assert "delete_selected" not in admin_client.get(CHANGELIST).context["cl"].model_admin.get_actions(
        admin_client.get(CHANGELIST).wsgi_request
    )
    assert admin_client.get(reverse("admin:orders_order_delete", args=[order.pk])).status_code == 403


# The add form: free and test orders, low in the queue.

ADD_FORM = {
    "email": "friend@example.com", "child_name": "Léo", "child_age": 6, "theme": "ocean", "language": "en",
    "page_count": 3, "dedication": "", "kind": Kind.FREE,
}


@pytest.mark.parametrize("kind", [Kind.FREE, Kind.TEST])
def test_admin_creates_a_free_or_test_order_queued_low(admin_client, kind):
    response = admin_client.post(ADD, {**ADD_FORM, "kind": kind})
    assert response.status_code == 302
    order = Order.objects.get(email="friend@example.com")
    assert (order.status, order.kind, order.priority, order.amount_cents) == (Status.QUEUED, kind, Priority.LOW, 0)
    assert order.events.get().actor == "admin"


def test_admin_created_order_waits_behind_paid_orders(admin_client):
    paid = [make_order(status="queued") for _ in range(2)]
    admin_client.post(ADD, ADD_FORM)
    later_paid = make_order(status="queued")
    free = Order.objects.get(email="friend@example.com")
    assert selectors.position(free) == 4
    assert max(selectors.position(order) for order in [*paid, later_paid]) == 3


def test_add_form_refuses_a_paid_kind_and_offers_no_status(admin_client):
    response = admin_client.post(ADD, {**ADD_FORM, "kind": Kind.PAID, "status": Status.DONE})
    assert response.status_code == 200
    assert "kind" in response.context["adminform"].form.errors
    assert "status" not in response.context["adminform"].form.fields
    assert not Order.objects.exists()


@pytest.mark.parametrize(("field", "value"), [("child_name", "R2-D2"), ("child_name", "小明"), ("dedication", "🦄")])
def test_add_form_checks_the_name_and_dedication_like_the_customer_form(admin_client, field, value):
    response = admin_client.post(ADD, {**ADD_FORM, field: value})
    assert response.status_code == 200
    assert field in response.context["adminform"].form.errors
    assert not Order.objects.exists()


# The list and the order page.


def test_list_shows_position_and_eta_in_claim_order(admin_client):
    generating = order_in(Status.GENERATING)
    first, second = make_order(status="queued"), make_order(status="queued")
    response = admin_client.get(CHANGELIST)
    rows = {row.pk: row for row in response.context["cl"].result_list}
    columns = {getattr(c, "short_description", c): c for c in response.context["cl"].list_display}
    position, eta = columns["position"], columns["ETA min"]
    assert [position(rows[o.pk]) for o in (generating, first, second)] == [1, 2, 3]
    assert [eta(rows[o.pk]) for o in (generating, first, second)] == [5, 10, 15]


def test_list_filters_by_status_kind_and_language(admin_client):
    make_order(status="queued", language="en", kind=Kind.TEST, priority=Priority.LOW)
    make_order(status="queued")
    response = admin_client.get(CHANGELIST, {"status__exact": "queued", "kind__exact": "test", "language__exact": "en"})
    assert response.context["cl"].result_count == 1


@pytest.mark.parametrize("field", ["email", "child_name", "token", "stripe_session_id", "stripe_payment_intent_id"])
def test_list_searches_by(admin_client, field):
    values = {"email": "findme@example.com", "child_name": "Findme", "stripe_session_id": "cs_test_findme",
              "stripe_payment_intent_id": "pi_findme"}
    target = make_order(**{k: v for k, v in values.items() if k == field})
    make_order(email="other@example.com", child_name="Other")
    term = target.token[:10] if field == "token" else values[field]
    response = admin_client.get(CHANGELIST, {"q": term})
    assert [o.pk for o in response.context["cl"].result_list] == [target.pk]


def test_order_page_shows_inputs_history_errors_emails_and_pdf(admin_client):
    order = make_order(status="queued", dedication="Pour Zoë")
    claimed = queue.order_claim_next("worker-1")
    queue.order_fail(claimed.pk, claimed.lease_token, "image model timed out")
    order.refresh_from_db()
    order.claim(worker_id="worker-1", lease_seconds=60)
    order.finish(pdf_name="books/zoe.pdf", actor="worker-1")
    page = admin_client.get(reverse("admin:orders_order_change", args=[order.pk])).content.decode()
    assert "Pour Zoë" in page and "parent@example.com" in page
    assert "attempt 1 failed, retrying: image model timed out" in page
    assert "attempt 2" in page
    assert 'id="emails-group"' in page and "parent@example.com" in page  # the queued email
    assert reverse("orders:book_pdf", kwargs={"token": order.token}) in page
    assert 'name="_save"' not in page


def test_order_page_of_an_order_out_of_the_queue_shows_no_position_as_a_dash(admin_client):
    order = order_in(Status.DONE)

    page = admin_client.get(reverse("admin:orders_order_change", args=[order.pk])).content.decode()

    assert '<div class="readonly">None</div>' not in page
    assert '<div class="readonly">-</div>' in page


def test_view_only_user_sees_the_order_history(client):
    order = order_in(Status.FAILED)
    page = staff_client(client, "view_order").get(reverse("admin:orders_order_change", args=[order.pk]))
    assert "the image model refused page 3" in page.content.decode()


# The live queue page.


def test_queue_page_lists_generating_then_waiting_in_claim_order(admin_client):
    generating = order_in(Status.GENERATING)
    queue.order_record_progress(generating.pk, generating.lease_token, 2)
    low = make_order(status="queued", kind=Kind.TEST, priority=Priority.LOW)
    high = make_order(status="queued")
    response = admin_client.get(QUEUE_PAGE)
    assert [row.id for row in response.context["generating"]] == [generating.pk]
    assert response.context["generating"][0].progress_percent == 50
    assert row_positions(response) == [(high.pk, 2), (low.pk, 3)]
    assert [o.eta for o in response.context["waiting"]] == [10, 15]


def test_queue_page_rows_are_plain_values_linking_to_each_order_page(admin_client):
    generating = order_in(Status.GENERATING)
    waiting = make_order(status="queued")
    response = admin_client.get(QUEUE_PAGE)
    rows = [*response.context["generating"], *response.context["waiting"]]
    assert not any(isinstance(row, Order) for row in rows)
    links = [(row.id, row.change_url) for row in rows]
    assert links == [(order.pk, reverse("admin:orders_order_change", args=[order.pk])) for order in (generating, waiting)]


def test_queue_page_shows_heartbeat_and_todays_figures(admin_client):
    done = order_in(Status.DONE)
    order_in(Status.FAILED)
    queue.heartbeat_record("host:42", done.pk)
    response = admin_client.get(QUEUE_PAGE)
    today = response.context["today"]
    assert (today["done"], today["failed"]) == (1, 1)
    assert today["average_seconds"] is not None
    page = response.content.decode()
    assert "worker alive" in page and "seen 0 s ago on #" in page and 'id="stat-average"' in page


def test_queue_page_says_in_red_why_generation_is_paused(admin_client):
    assert 'id="generation-paused"' not in admin_client.get(QUEUE_PAGE).content.decode()

    pause.generation_pause(pause.CONFIGURATION, "The pictures model gemini-2.5-flash-image was shut down.")

    page = admin_client.get(QUEUE_PAGE + "?fragment=1").content.decode()
    assert '<div id="generation-paused" class="paused-banner" role="alert"><p><strong>Generation paused (configuration):</strong> The pictures' in page


def test_queue_page_shows_staff_the_upstreams_words_since_when_the_next_try_and_the_order(admin_client):
    order = make_order(status="queued")
    pause.generation_pause(
        pause.UPSTREAM, "Gemini (gemini-3.1-flash-image) answered 503 UNAVAILABLE: The model is overloaded.",
        probe="pictures", order_id=order.pk,
    )

    page = admin_client.get(QUEUE_PAGE + "?fragment=1").content.decode()

    assert "Generation paused (upstream):</strong> Gemini (gemini-3.1-flash-image) answered 503 UNAVAILABLE: The model is overloaded." in page
    assert 'class="pause-since">since ' in page and 'class="pause-next">next try ' in page
    assert f'order handed back: <a href="/admin/orders/order/{order.pk}/change/">{order.reference}</a>' in page


def test_queue_fragment_is_the_refreshing_part_only(admin_client):
    make_order(status="queued")
    page = admin_client.get(QUEUE_PAGE, {"fragment": "1"}).content.decode()
    assert 'id="waiting"' in page and "<html" not in page


def test_queue_page_shows_how_many_books_are_made_at_once_and_why(admin_client, settings):
    settings.HERA_CONCURRENT_GENERATIONS = 2
    settings.HERA_CONCURRENT_GENERATIONS_SOURCE = "auto: (cgroup memory.max 1024 MB - 110 MB idle) / 256 MB per book"
    page = admin_client.get(QUEUE_PAGE).content.decode()
    assert '<li id="stat-concurrency"><strong>2</strong>at once' in page
    assert "auto: (cgroup memory.max 1024 MB - 110 MB idle) / 256 MB per book" in page


def test_queue_page_names_the_source_the_live_worker_reports_for_its_number(admin_client, settings):
    settings.HERA_CONCURRENT_GENERATIONS, settings.HERA_CONCURRENT_GENERATIONS_SOURCE = 3, "auto: 512 MB"
    queue.heartbeat_record("worker:1")
    settings.HERA_CONCURRENT_GENERATIONS, settings.HERA_CONCURRENT_GENERATIONS_SOURCE = 1, "default"  # the web's own
    page = admin_client.get(QUEUE_PAGE).content.decode()
    assert '<li id="stat-concurrency"><strong>3</strong>at once <span class="updated">auto: 512 MB (as the worker reports it)' in page


def test_queue_page_moves_an_order_to_the_front(admin_client):
    first, last = make_order(status="queued"), make_order(status="queued")
    response = admin_client.post(QUEUE_ACT, {"move_to_front": last.pk}, follow=True)
    assert response.redirect_chain[-1][0] == QUEUE_PAGE
    assert row_positions(response) == [(last.pk, 1), (first.pk, 2)]
    assert [m.message for m in response.context["messages"]] == [f"{last.reference} moved to the front of the queue."]


def test_queue_page_offers_move_to_front_on_every_waiting_order_but_the_first(admin_client):
    first, second, third = (make_order(status="queued") for _ in range(3))
    page = admin_client.get(QUEUE_PAGE).content.decode()
    assert f'name="move_to_front" value="{first.pk}"' not in page
    assert f'name="move_to_front" value="{second.pk}"' in page
    assert f'name="move_to_front" value="{third.pk}"' in page


def test_queue_page_cancels_an_order(admin_client):
    order = make_order(status="queued")
    response = admin_client.post(QUEUE_ACT, {"cancel": order.pk}, follow=True)
    order.refresh_from_db()
    assert order.status == Status.CANCELLED
    assert response.context["waiting"] == []


def test_queue_page_reports_a_refused_action(admin_client):
    order = order_in(Status.DONE)
    response = admin_client.post(QUEUE_ACT, {"cancel": order.pk}, follow=True)
    assert [(m.level_tag, m.message) for m in response.context["messages"]] == [
        ("warning", f"{order.reference} is “Ready”: only queued or generating orders are cancelled.")
    ]


@pytest.mark.parametrize("data", [{"delete": "1"}, {"cancel": "x"}, {"cancel": "1", "move_to_front": "1"}, {}])
def test_queue_page_rejects_unknown_actions_and_orders(admin_client, data):
    assert admin_client.post(QUEUE_ACT, data).status_code == 400


def test_queue_actions_need_post(admin_client):
    assert admin_client.get(QUEUE_ACT).status_code == 405


def test_queue_actions_need_a_csrf_token(client):
    order = make_order(status="queued")
    client.handler.enforce_csrf_checks = True
    client.force_login(User.objects.create_superuser("root", password="pw"))
    assert client.post(QUEUE_ACT, {"cancel": order.pk}).status_code == 403


def test_queue_page_is_linked_from_the_admin_index_and_the_order_list(admin_client):
    assert QUEUE_PAGE in admin_client.get(reverse("admin:index")).content.decode()
    assert QUEUE_PAGE in admin_client.get(CHANGELIST).content.decode()


# Bounded queries: the same number for 50 and 500 orders.


def fill_queue(count: int) -> None:
    """Queue `count` orders through Order.queue (one in ten then cancelled); bulk-created to keep the test fast."""
    orders = Order.objects.bulk_create(
        Order(email=f"p{index}@example.com", child_name=f"Child{index}", child_age=5, theme="space", page_count=4,
              priority=[Priority.HIGH, Priority.NORMAL, Priority.LOW][index % 3])
        for index in range(count)
    )
    for index, order in enumerate(orders):
        order.queue(actor="test")
        if index % 10 == 0:
            order.cancel(actor="test")


def count_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as context:
        assert client.get(url).status_code == 200
    return len(context.captured_queries)


@pytest.mark.parametrize("minutes", [5, "auto"], ids=["fixed", "learned"])
@pytest.mark.parametrize("url", [CHANGELIST, QUEUE_PAGE], ids=["list", "queue"])
def test_page_issues_the_same_bounded_number_of_queries_for_50_and_500_orders(admin_client, settings, url, minutes):
    settings.HERA_MINUTES_PER_BOOK = minutes
    order_in(Status.GENERATING)
    fill_queue(50)
    small = count_queries(admin_client, url)
    fill_queue(450)
    assert Order.objects.count() == 501
    large = count_queries(admin_client, url)
    assert small == large
    assert large <= 12


# The other admin pages.


@pytest.mark.parametrize(
    "name",
    [
        "admin:orders_outboundemail_changelist", "admin:orders_processedstripeevent_changelist",
        "admin:orders_workerheartbeat_changelist", "admin:django_q_success_changelist",
        "admin:django_q_failure_changelist", "admin:django_q_schedule_changelist", "admin:django_q_ormq_changelist",
    ],
)
def test_admin_page_renders(admin_client, name):
    order = order_in(Status.DONE)
    queue.heartbeat_record("host:1", order.pk)
    assert admin_client.get(reverse(name)).status_code == 200


def test_system_records_are_read_only(admin_client):
    order_in(Status.QUEUED)
    email = OutboundEmail.objects.get()
    assert admin_client.post(reverse("admin:orders_outboundemail_change", args=[email.pk]), {}).status_code == 403
    assert admin_client.get(reverse("admin:orders_outboundemail_add")).status_code == 403


def test_queue_page_shows_a_retry_backoff_and_an_expired_lease(admin_client):
    make_order(status="queued")
    claimed = queue.order_claim_next("worker-1")
    queue.order_fail(claimed.pk, claimed.lease_token, "image model timed out")  # back in the queue, after a backoff
    stuck = order_in(Status.GENERATING)
    Order.objects.filter(pk=stuck.pk).update(lease_expires_at=timezone.now() - timedelta(seconds=1))
    page = admin_client.get(QUEUE_PAGE).content.decode()
    assert "retry after" in page and "(attempt 1 failed)" in page and "image model timed out" in page
    assert "expired, awaiting recovery" in page


@pytest.mark.django_db
def test_the_order_page_shows_the_hero_look_the_parent_chose(admin_client):
    order = make_order(skin_tone="medium", hair_color="blond", hair_style="bunches", glasses="yes")
    url = reverse("admin:orders_order_change", args=[order.pk])
    page = admin_client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Hero&#x27;s look" in page or "Hero's look" in page
    for label in ("Medium", "Blond", "Bunches", "With glasses"):
        assert label in page
