from django.db import connection
from django.db.utils import DatabaseError
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from . import queue
from .models import Order, Status, WorkerHeartbeat


def order_status_payload(order: Order) -> dict:
    place = queue.position(order)
    done = order.status == Status.DONE and bool(order.pdf)
    return {
        "status": order.status,
        "position": place,
        "eta_minutes": queue.eta_minutes(place),
        "pages_done": order.pages_done if order.status in (Status.GENERATING, Status.DONE) else None,
        "pages_total": order.pages_total or order.page_count,
        "download_url": order.get_absolute_url() + "book.pdf" if done else None,
    }


@require_GET
@never_cache
def status_json(request, token):
    order = get_object_or_404(Order, token=token)
    return JsonResponse(order_status_payload(order))


@require_GET
@never_cache
def book_pdf(request, token):
    order = get_object_or_404(Order, token=token)
    if order.status != Status.DONE or not order.pdf:
        raise Http404("The book is not ready yet.")
    filename = f"{order.child_name}-hera.pdf"
    return FileResponse(order.pdf.open("rb"), as_attachment=True, filename=filename, content_type="application/pdf")


@require_GET
@never_cache
def queue_status(request):
    return JsonResponse(queue.queue_summary())


@require_GET
@never_cache
def healthz(request):
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        beat = WorkerHeartbeat.objects.order_by("-seen_at").first()
    except DatabaseError as exc:
        return JsonResponse({"database": "unreachable", "error": exc.__class__.__name__}, status=503)
    worker = None
    if beat:
        worker = {"last_seen": beat.seen_at.isoformat(), "seconds_ago": round((timezone.now() - beat.seen_at).total_seconds())}
    return JsonResponse({"database": "ok", "worker": worker})
