from django.urls import path

from . import payment_views, views

app_name = "orders"

urlpatterns = [
    path("", views.landing, name="landing"),
    path("orders/", views.order_create, name="create"),
    path("orders/<str:token>/status.json", views.status_json, name="status_json"),
    path("orders/<str:token>/book.pdf", views.book_pdf, name="book_pdf"),
    path("orders/<str:token>/", views.order_detail, name="detail"),
    path("orders/<str:token>/pay/", payment_views.offline_checkout, name="offline_checkout"),
    path("stripe/webhook/", payment_views.stripe_webhook, name="stripe_webhook"),
    path("api/queue-status", views.queue_status, name="queue_status"),
    path("healthz", views.healthz, name="healthz"),
]
