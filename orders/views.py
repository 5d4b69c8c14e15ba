from django.conf import settings
from django.db import connection
from django.db.utils import DatabaseError
from django.http import FileResponse, Http404, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone, translation
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST
from django_ratelimit.decorators import ratelimit

from . import previews, selectors
from .forms import OrderForm, price_display, price_table
from .models import Language, Order, Status, WorkerHeartbeat
from .pause import generation_paused, generation_state
from .payments import (
    CheckoutUnavailable,
    checkout_can_resume,
    checkout_resume,
    checkout_start,
    offline_checkout_enabled,
)

# Statuses after which nothing changes without staff: the order page stops refreshing itself.
SETTLED_STATUSES = (Status.DONE, Status.FAILED, Status.REFUNDED, Status.CANCELLED)


def order_status_payload(order: Order) -> dict:
    place = selectors.position(order)
    downloadable = book_available(order)
    # While generation is paused nobody knows when it resumes: the book is delayed, its place kept, no ETA promised.
    delayed = order.status in (Status.QUEUED, Status.GENERATING) and generation_paused()
    return {
        "status": order.status,
        "position": place,
        "eta_minutes": None if delayed else selectors.eta_minutes(order, place),
        "delayed": delayed,
        "pages_done": order.pages_done if order.status in (Status.GENERATING, Status.DONE) else None,
        "pages_total": order.pages_total or order.page_count,
        "download_url": reverse("orders:book_pdf", kwargs={"token": order.token}) if downloadable else None,
        "preview_urls": previews.preview_urls(order),
        "title": (order.story or {}).get("title") or None,
        "cover_url": previews.cover_url(order) if order.status == Status.DONE else None,
    }


def book_available(order: Order) -> bool:
    """Return True when the order has a book the customer may download: until a refund, a delivered book stays."""
    # A regeneration keeps the old PDF until the new one replaces it, even if staff cancel it or it fails.
    return bool(order.pdf) and order.status != Status.REFUNDED


@require_GET
def landing(request):
    return render(request, "orders/landing.html", landing_context(OrderForm()))


def order_rate(group: str, request) -> str:
    """Order posts allowed per client address (HERA_ORDER_RATE), read per request so tests can change it."""
    return settings.HERA_ORDER_RATE


# Each post may create a row and a Stripe session while the customer waits: a loop from one address is cut short
# before the form is read. The address is hera.client_ip's (the configured proxy header, else REMOTE_ADDR).
@require_POST
@ratelimit(group="orders:create", key="ip", rate=order_rate, method="POST", block=True)
def order_create(request):
    form = OrderForm(request.POST)
    if not form.is_valid():
        return render(request, "orders/landing.html", landing_context(form), status=400)
    order = form.save()
    try:
        url = checkout_start(order)
    except CheckoutUnavailable:
        # The order stays pending_payment and expires on its own; nothing was charged.
        return render(request, "orders/landing.html", landing_context(form, checkout_unavailable=True), status=503)
    return HttpResponseRedirect(url, status=303)


def too_many_requests(request, exception=None):
    """Answer a rate-limited request (django-ratelimit's RATELIMIT_VIEW) with a readable 429 page."""
    response = render(request, "orders/too_many_requests.html", status=429)
    response["Retry-After"] = "60"
    return response


def landing_context(form: OrderForm, **extra) -> dict:
    return {"form": form, "price": price_display(form.price_cents()), "prices": price_table(), **extra}


@require_GET
@never_cache
def order_detail(request, token):
    order = get_object_or_404(Order, token=token)
    language = order_page_language(request, order)
    with translation.override(language):
        response = render(request, "orders/detail.html", order_page_context(request, order))
    response["Content-Language"] = language
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def order_page_language(request, order: Order) -> str:
    """Speak the order's language, unless the visitor chose one with the language switcher."""
    chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
    return chosen if chosen in Language.values else order.language


def order_page_context(request, order: Order) -> dict:
    return {
        "order": order,
        "payload": order_status_payload(order),
        "live": order.status not in SETTLED_STATUSES,
        "pay_url": offline_checkout_url(order),
        "checkout_cancelled": request.GET.get("checkout") == "cancelled",
        "checkout_unavailable": request.GET.get("checkout") == "unavailable",
        # Not on the return from a successful payment: its confirmation is seconds away.
        "can_resume": checkout_can_resume(order) and request.GET.get("checkout") != "success",
        "price": price_display(order.amount_cents or 0),
    }


@require_POST
def checkout_continue(request, token):
    """Send a customer who left Stripe (or whose payment failed) to a new payment page for the same order."""
    order = get_object_or_404(Order, token=token)
    try:
        url = checkout_resume(order)
    except CheckoutUnavailable:
        url = order.get_absolute_url() + "?checkout=unavailable"
    return HttpResponseRedirect(url, status=303)


def offline_checkout_url(order: Order) -> str | None:
    """Return the offline checkout of a pending order when the offline checkout exists."""
    if order.status != Status.PENDING_PAYMENT or not offline_checkout_enabled():
        return None
    return reverse("orders:offline_checkout", kwargs={"token": order.token})


@require_GET
@never_cache
def status_json(request, token):
    return JsonResponse(order_status_payload(get_object_or_404(Order, token=token)))


@require_GET
@never_cache
def book_pdf(request, token):
    order = get_object_or_404(Order, token=token)
    if not book_available(order):
        raise Http404("The book is not ready yet.")
    filename = f"{order.child_name}-hera.pdf"
    # Only the bucket storage (hera.storage.BucketStorage) makes links; the local disk's books are served from here.
    download_link = getattr(order.pdf.storage, "download_link", None)
    if download_link:
        # Hera's URL never expires in an inbox; the bucket's link is made fresh at each click and lives minutes.
        return HttpResponseRedirect(download_link(order.pdf.name, filename))
    return FileResponse(order.pdf.open("rb"), as_attachment=True, filename=filename, content_type="application/pdf")


@require_GET
def page_preview(request, token, number):
    order = get_object_or_404(Order, token=token)
    return previews.picture_response(previews.page_picture_name(order, number))


@require_GET
def cover(request, token):
    order = get_object_or_404(Order, token=token)
    return previews.picture_response(previews.cover_picture_name(order))


@require_GET
@never_cache
def queue_status(request):
    return JsonResponse(selectors.queue_summary())


@require_GET
@never_cache
def healthz(request):
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        beat = WorkerHeartbeat.objects.order_by("-seen_at").first()
    except DatabaseError as exc:
        return JsonResponse({"database": "unreachable", "error": exc.__class__.__name__}, status=503)
    return JsonResponse({"database": "ok", "worker": worker_state(beat), "generation": generation_state()})


def worker_state(beat: WorkerHeartbeat | None) -> dict | None:
    """The latest worker sign of life (never its host or process: staff see those in the admin)."""
    if beat is None:
        return None
    now = timezone.now()
    return {
        "last_seen": beat.seen_at.isoformat(),
        "seconds_ago": beat.seconds_ago(now),
        "alive": beat.is_alive(now),
    }
