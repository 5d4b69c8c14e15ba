"""What the customer sees of the book while it is made: a small picture of each page drawn, then the cover.

The worker makes them once as the pages arrive (generation/book.py) under `previews/<order id>/`, which the
checkpoint housekeeping never purges. Customers reach them only through Hera's own stable URLs
(`/orders/<token>/pages/<n>.jpg`, `/orders/<token>/cover.jpg`), which answer with the picture, or with a fresh
signed link when pictures live in a bucket: a link in an email outlives any signed link.
"""

from django.conf import settings
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.cache import patch_cache_control

from generation.previews import cover_name, preview_name

from .models import Order

PREVIEW_FOLDER = "previews"
# A picture changes only when staff have a book made again: a few minutes in a browser's cache is harmless.
CACHE_SECONDS = 300


def preview_prefix(order: Order) -> str:
    return f"{PREVIEW_FOLDER}/{order.pk}"


def preview_urls(order: Order) -> list[str]:
    """The stable URLs of the pages drawn so far, in page order (`[]` before the first)."""
    return [
        reverse("orders:page_preview", kwargs={"token": order.token, "number": number})
        for number in sorted(order.preview_pages or [])
    ]


def cover_url(order: Order) -> str | None:
    """The stable URL of the cover's picture, once the first page is drawn."""
    if 1 not in (order.preview_pages or []):
        return None
    return reverse("orders:cover", kwargs={"token": order.token})


def page_picture_name(order: Order, number: int) -> str:
    if number not in (order.preview_pages or []):
        raise Http404("This page is not drawn yet.")
    return preview_name(preview_prefix(order), number - 1)


def cover_picture_name(order: Order) -> str:
    if cover_url(order) is None:
        raise Http404("The cover is not drawn yet.")
    return cover_name(preview_prefix(order))


def picture_response(name: str) -> HttpResponse:
    """Answer with the stored picture, or a redirect to a fresh signed link when it lives in a bucket."""
    storage = default_storage
    if getattr(storage, "download_link", None):  # hera.storage.BucketStorage: signed, short-lived URLs
        response: HttpResponse = HttpResponseRedirect(storage.url(name))
        # The redirect may be cached only while its signed link still works.
        max_age = min(CACHE_SECONDS, settings.HERA_DOWNLOAD_URL_SECONDS // 2)
    else:
        try:
            response = FileResponse(storage.open(name, "rb"), content_type="image/jpeg")
        except FileNotFoundError:
            raise Http404("The picture is gone.") from None
        max_age = CACHE_SECONDS
    patch_cache_control(response, private=True, max_age=max_age)
    return response
