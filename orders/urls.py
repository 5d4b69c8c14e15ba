from django.urls import path, register_converter

from . import payment_views, views


class TokenConverter:
    """A public order token: URL-safe base64 (models.new_token). Anything else cannot name an order, and never
    reaches the database (PostgreSQL refuses some bytes, such as NUL, in a query)."""

    regex = r"[A-Za-z0-9_-]{16,64}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(TokenConverter, "token")

app_name = "orders"

urlpatterns = [
    path("", views.landing, name="landing"),
    path("orders/", views.order_create, name="create"),
    path("orders/<token:token>/status.json", views.status_json, name="status_json"),
    path("orders/<token:token>/book.pdf", views.book_pdf, name="book_pdf"),
    path("orders/<token:token>/pages/<int:number>.jpg", views.page_preview, name="page_preview"),
    path("orders/<token:token>/cover.jpg", views.cover, name="cover"),
    path("orders/<token:token>/", views.order_detail, name="detail"),
    path("orders/<token:token>/pay/", payment_views.offline_checkout, name="offline_checkout"),
    path("orders/<token:token>/checkout/", views.checkout_continue, name="checkout_continue"),
    path("stripe/webhook/", payment_views.stripe_webhook, name="stripe_webhook"),
    path("api/queue-status", views.queue_status, name="queue_status"),
    path("healthz", views.healthz, name="healthz"),
]
