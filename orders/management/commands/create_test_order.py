import threading

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from orders import queue
from orders.forms import OrderForm
from orders.models import MAX_PAGES, MIN_PAGES, Kind, Language, Priority, Theme


class Command(BaseCommand):
    help = "Create a low-priority test order, queue it, and print its status URL."

    def add_arguments(self, parser):
        parser.add_argument("--pages", type=int, default=4, help=f"pages in the book ({MIN_PAGES}-{MAX_PAGES})")
        parser.add_argument("--email", default="test@hera.local")
        parser.add_argument("--language", choices=Language.values, default=Language.FR)
        parser.add_argument("--name", default="Zoë", help="the child's first name")
        parser.add_argument("--age", type=int, default=5)
        parser.add_argument("--theme", choices=Theme.values, default=Theme.SPACE)

    def handle(self, *args, **options):
        if not MIN_PAGES <= options["pages"] <= MAX_PAGES:
            raise CommandError(f"--pages must be between {MIN_PAGES} and {MAX_PAGES}.")
        order = checked_form(options).save(commit=False)
        order.kind, order.priority = Kind.TEST, Priority.LOW
        order.save()
        queue.order_enqueue(order, actor="manage.py create_test_order", note="test order")
        wait_for_deliveries()
        self.stdout.write(f"Queued test order {order.reference} ({order.page_count} pages, {order.language}).")
        self.stdout.write(order.absolute_url)


def checked_form(options: dict) -> OrderForm:
    """Check the inputs as the customer form does (a test book must be one a customer could order), or stop."""
    form = OrderForm({
        "email": options["email"], "child_name": options["name"], "child_age": options["age"],
        "theme": options["theme"], "language": options["language"], "page_count": options["pages"],
    })
    with translation.override(None):  # operators read the messages untranslated, as written (English)
        if not form.is_valid():
            options_named = {"child_name": "name", "child_age": "age", "page_count": "pages"}
            raise CommandError(" ".join(
                f"--{options_named.get(field, field)}: {' '.join(errors)}" for field, errors in form.errors.items()
            ))
    return form


def wait_for_deliveries() -> None:
    """Let the confirmation email leave first: the local backend prints it, and the URL must stay the last line."""
    for thread in threading.enumerate():
        if thread is not threading.current_thread() and not thread.daemon:
            thread.join(timeout=settings.EMAIL_TIMEOUT + 5)
