"""The payment views: the Stripe webhook, and the offline checkout of a demo shop or development (HERA_OFFLINE_CHECKOUT)."""

import logging

from django.http import Http404, HttpResponse, HttpResponseBadRequest, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from .forms import price_display
from .models import Order
from .payments import offline_checkout_enabled, order_mark_paid, order_price_cents
from .webhooks import BadWebhook, StripeEventHandler, event_verify

log = logging.getLogger("hera.webhooks")


@csrf_exempt
@require_POST
def stripe_webhook(request):
    try:
        event = event_verify(request.body, request.headers.get("Stripe-Signature", ""))
    except BadWebhook as exc:
        log.warning("stripe webhook rejected: %s", exc)
        return HttpResponseBadRequest("Invalid Stripe event.")
    StripeEventHandler(event).handle()
    return HttpResponse("ok")


@require_http_methods(["GET", "POST"])
@never_cache
def offline_checkout(request, token):
    if not offline_checkout_enabled():
        raise Http404("The offline checkout exists only with HERA_OFFLINE_CHECKOUT on.")
    order = get_object_or_404(Order, token=token)
    payable = order.can("queue")
    if request.method == "POST":
        if payable:
            order_mark_paid(order, actor="offline checkout")
        return HttpResponseRedirect(order.get_absolute_url(), status=303)
    if not payable:
        return HttpResponseRedirect(order.get_absolute_url(), status=303)
    context = {"order": order, "price": price_display(order.amount_cents or order_price_cents(order.page_count))}
    return render(request, "orders/offline_checkout.html", context)
