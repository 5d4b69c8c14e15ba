"""The staff side of Hera: the order list and page, and the actions that run the queue.

Every action loops over the selected orders calling orders/staff.py, which goes through the Order's transitions;
nothing here writes `status`. Positions come from one call to selectors.positions() per page, never one query per row.
The live queue page is in orders/admin_views.py.
"""

from collections.abc import Callable
from functools import cache, partial

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_permission_codename
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST

from generation.costs import estimated_cost_usd, usage_summary

from . import admin_views, queue, selectors, staff
from .admin_views import duration_text
from .forms import OrderForm
from .models import (
    Kind,
    Order,
    OrderEvent,
    OutboundEmail,
    Priority,
    ProcessedStripeEvent,
    Status,
    WorkerHeartbeat,
)
from .webhooks import PAYMENT_REFUSED

INPUT_FIELDS = ("email", "child_name", "child_age", "theme", "language", "page_count", "dedication")
# How the hero looks (generation/appearance.py); empty is "surprise me", shown as the admin's empty value.
LOOK_FIELDS = ("skin_tone", "hair_color", "hair_style", "glasses")


def _actor(request: HttpRequest) -> str:
    return request.user.get_username()


def _statuses(accepted: frozenset[str]) -> str:
    """Name the statuses an action accepts, in the order of the Status choices: "failed or cancelled"."""
    return " or ".join(status for status in Status.values if status in accepted)


def _progress_bar(order: Order) -> str:
    percent = order.progress_percent
    return format_html(
        '<progress max="100" value="{}" title="{}%"></progress> {}/{}',
        percent, percent, order.pages_done, order.pages_total or order.page_count,
    )


class ReadOnlyMixin:
    """Records written by the system, shown to staff as they are."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class _ChildPermissionsMixin(ReadOnlyMixin):
    """Show an order's history to whoever may view the order, without separate permissions on the child rows."""

    def has_view_permission(self, request, obj=None):
        opts = Order._meta
        return any(
            request.user.has_perm(f"{opts.app_label}.{get_permission_codename(name, opts)}") for name in ("view", "change")
        )


class OrderEventInline(_ChildPermissionsMixin, admin.TabularInline):
    model = OrderEvent
    fields = readonly_fields = ("at", "from_status", "to_status", "actor", "note")
    extra = 0
    can_delete = False
    verbose_name = "transition"
    verbose_name_plural = "history of transitions and attempts"


class OutboundEmailInline(_ChildPermissionsMixin, admin.TabularInline):
    model = OutboundEmail
    fields = readonly_fields = ("kind", "to", "created_at", "sent_at", "attempts", "last_error")
    extra = 0
    can_delete = False
    verbose_name_plural = "emails"


class OrderAddForm(forms.ModelForm):
    """A free or test order made by staff: the customer's inputs and the kind, never a status."""

    kind = forms.ChoiceField(choices=[(Kind.FREE, Kind.FREE.label), (Kind.TEST, Kind.TEST.label)], initial=Kind.FREE)

    class Meta:
        model = Order
        fields = (*INPUT_FIELDS, *LOOK_FIELDS, "kind")

    # The customer form's checks: a gift book must print its name and dedication as well as a paid one.
    clean_child_name = OrderForm.clean_child_name
    clean_dedication = OrderForm.clean_dedication


def _report(modeladmin: admin.ModelAdmin, request: HttpRequest, results: list[staff.StaffResult]) -> None:
    """Tell staff which orders were changed and, grouped by reason, which were skipped."""
    done = [result for result in results if result.done]
    if done:
        modeladmin.message_user(request, "; ".join(str(result) for result in done) + ".", messages.SUCCESS)
    skipped: dict[str, list[str]] = {}
    for result in results:
        if not result.done:
            skipped.setdefault(result.detail, []).append(result.order.reference)
    for reason, references in skipped.items():
        modeladmin.message_user(request, f"Skipped {', '.join(references)}: {reason}.", messages.WARNING)


def _each(queryset, operation: Callable[..., staff.StaffResult], request: HttpRequest, **kwargs) -> list:
    """Run `operation` on every selected order, oldest first (so reports read in order)."""
    return _each_in_order(queryset.order_by("pk"), operation, request, **kwargs)


class PaymentCheckFilter(admin.SimpleListFilter):
    """Orders a Stripe session named but did not pay for (cheap, wrong currency, another order's session…)."""

    title = "payment check"
    parameter_name = "payment_check"

    def lookups(self, request, model_admin):
        return [("refused", "A payment was not accepted")]

    def queryset(self, request, queryset):
        if self.value() == "refused":
            refused = OrderEvent.objects.filter(note__startswith=PAYMENT_REFUSED).values("order_id")
            return queryset.filter(pk__in=refused)
        return queryset


def _each_in_order(queryset, operation: Callable[..., staff.StaffResult], request: HttpRequest, **kwargs) -> list:
    return [operation(order, actor=_actor(request), **kwargs) for order in queryset]


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = (
        "short_token", "email", "child", "pages", "kind", "status", "priority",
        "position", "eta", "tries", "progress", "age",
    )
    list_display_links = ("short_token",)
    list_filter = ("status", "kind", "language", PaymentCheckFilter)
    search_fields = ("email", "child_name", "token", "stripe_session_id", "stripe_payment_intent_id")
    list_per_page = 50
    inlines = (OrderEventInline, OutboundEmailInline)
    actions = (
        "retry", "move_to_front", "set_priority_high", "set_priority_normal", "set_priority_low",
        "cancel", "regenerate", "resend_ready",
    )

    # The list. Position and ETA are closures over this request's positions, computed once for the whole page.

    def get_list_display(self, request):
        positions = cache(selectors.positions)  # asked at the first row drawn, once for the page
        etas = cache(selectors.etas)

        @admin.display(description="position")
        def position(order: Order):
            return positions().get(order.pk)

        @admin.display(description="ETA min")
        def eta(order: Order):
            return etas().get(order.pk)

        return [{"position": position, "eta": eta}.get(name, name) for name in self.list_display]

    # The order page's read-only fields: Django prints a None from a method as "None", so say it as the list does.

    @admin.display(description="position")
    def position(self, order: Order):
        place = selectors.position(order)
        return self.get_empty_value_display() if place is None else place

    @admin.display(description="ETA min")
    def eta(self, order: Order):
        minutes = selectors.eta_minutes(order)
        return self.get_empty_value_display() if minutes is None else minutes

    @admin.display(description="token", ordering="token")
    def short_token(self, order: Order) -> str:
        return f"{order.token[:8]}…"

    @admin.display(description="child", ordering="child_name")
    def child(self, order: Order) -> str:
        return order.child_name

    @admin.display(description="pages", ordering="page_count")
    def pages(self, order: Order) -> int:
        return order.page_count

    @admin.display(description="tries", ordering="attempts")
    def tries(self, order: Order) -> int:
        return order.attempts

    @admin.display(description="progress")
    def progress(self, order: Order):
        if order.status == Status.GENERATING:
            return _progress_bar(order)
        if order.status == Status.DONE:
            return f"{order.pages_total}/{order.pages_total}"
        return "—"

    @admin.display(description="age", ordering="created_at")
    def age(self, order: Order) -> str:
        return duration_text(order.created_at, timezone.now())

    # The order page: everything read-only once the order exists; status only moves through the actions.

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else ()

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = OrderAddForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return ((None, {"fields": (*INPUT_FIELDS, "kind")}), ("Hero's look", {"fields": LOOK_FIELDS}))
        return (
            ("Inputs", {"fields": INPUT_FIELDS}),
            ("Hero's look (empty: surprise me)", {"fields": LOOK_FIELDS}),
            ("Queue", {"fields": (
                "status", "kind", "priority", "position", "eta", "attempts", "last_error", "progress",
                "not_before", "worker_id", "lease_expires_at",
            )}),
            ("Book", {"fields": ("pdf_link", "customer_page", "generator", "generation_calls", "generation_cost")}),
            ("Payment", {"classes": ("collapse",), "fields": (
                "amount_cents", "currency", "paid_at", "stripe_session_id", "stripe_payment_intent_id",
            )}),
            ("Dates", {"classes": ("collapse",), "fields": (
                "created_at", "queued_at", "started_at", "finished_at", "updated_at",
            )}),
        )

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        return [field for _, options in self.get_fieldsets(request, obj) for field in options["fields"]]

    @admin.display(description="PDF")
    def pdf_link(self, order: Order):
        if not order.pdf:
            return "—"
        url = reverse("orders:book_pdf", kwargs={"token": order.token})
        return format_html('<a href="{}">{}</a>', url, order.pdf.name)

    @admin.display(description="Gemini calls")
    def generation_calls(self, order: Order):
        lines = usage_summary(order.generation_usage or {})
        return format_html_join(mark_safe("<br>"), "{}", ((line,) for line in lines)) if lines else "—"

    @admin.display(description="estimated cost")
    def generation_cost(self, order: Order):
        if not order.generation_usage:
            return "—"
        return f"${estimated_cost_usd(order.generation_usage):.2f} (at the HERA_GOOGLE_*_PRICE settings)"

    @admin.display(description="customer page")
    def customer_page(self, order: Order):
        return format_html('<a href="{}">{}</a>', order.get_absolute_url(), order.absolute_url)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "show_save": False, "show_save_and_continue": False, "show_save_and_add_another": False,
        }
        return super().change_view(request, object_id, form_url, extra_context)

    def has_delete_permission(self, request, obj=None):
        # Orders are the audit trail of payments and books: they are cancelled or refunded, never deleted.
        return False

    def save_model(self, request, obj, form, change):
        """Create a free or test order at low priority and queue it, atomically with its creation."""
        if change:
            raise PermissionDenied("Orders change through their actions, not the form.")
        obj.amount_cents = 0
        obj.priority = Priority.LOW
        super().save_model(request, obj, form, change)
        # enqueue() wakes the worker on commit, so the worker never looks before the order exists.
        queue.order_enqueue(obj, actor=_actor(request), note=f"{obj.kind} order created in the admin", priority=Priority.LOW)
        obj.refresh_from_db()

    # Actions: each calls orders/staff.py for every selected order and reports what it did and skipped.

    @admin.action(description=f"Retry ({_statuses(staff.RETRYABLE)} → queued)", permissions=["change"])
    def retry(self, request, queryset):
        _report(self, request, _each(queryset, staff.order_retry, request))

    @admin.action(description="Move to the front of the queue", permissions=["change"])
    def move_to_front(self, request, queryset):
        # Last in line first, so the selected orders keep their relative order at the front.
        queryset = queryset.order_by("priority", "-queued_at", "-id")
        _report(self, request, _each_in_order(queryset, staff.order_move_to_front, request))

    @admin.action(description="Set priority: high", permissions=["change"])
    def set_priority_high(self, request, queryset):
        _report(self, request, _each(queryset, staff.order_set_priority, request, priority=Priority.HIGH))

    @admin.action(description="Set priority: normal", permissions=["change"])
    def set_priority_normal(self, request, queryset):
        _report(self, request, _each(queryset, staff.order_set_priority, request, priority=Priority.NORMAL))

    @admin.action(description="Set priority: low", permissions=["change"])
    def set_priority_low(self, request, queryset):
        _report(self, request, _each(queryset, staff.order_set_priority, request, priority=Priority.LOW))

    @admin.action(description=f"Cancel ({_statuses(staff.CANCELLABLE)})", permissions=["change"])
    def cancel(self, request, queryset):
        _report(self, request, _each(queryset, staff.order_cancel, request))

    @admin.action(description=f"Regenerate the book ({_statuses(staff.REGENERABLE)} → queued)", permissions=["change"])
    def regenerate(self, request, queryset):
        _report(self, request, _each(queryset, staff.order_regenerate, request))

    @admin.action(description="Resend the ready email", permissions=["change"])
    def resend_ready(self, request, queryset):
        _report(self, request, _each(queryset, staff.order_resend_ready, request))

    # The live queue page (orders/admin_views.py).

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("queue/", view(partial(admin_views.queue_view, model_admin=self)), name="orders_order_queue"),
            path(
                "queue/act/",
                view(require_POST(partial(admin_views.queue_act_view, model_admin=self))),
                name="orders_order_queue_act",
            ),
            *super().get_urls(),
        ]


class ReadOnlyAdmin(ReadOnlyMixin, admin.ModelAdmin):
    pass


@admin.register(OutboundEmail)
class OutboundEmailAdmin(ReadOnlyAdmin):
    list_display = ("id", "order", "kind", "to", "created_at", "sent_at", "attempts", "last_error")
    list_filter = ("kind", ("sent_at", admin.EmptyFieldListFilter))
    list_select_related = ("order",)
    search_fields = ("to", "dedupe_key")


@admin.register(ProcessedStripeEvent)
class ProcessedStripeEventAdmin(ReadOnlyAdmin):
    list_display = ("event_id", "event_type", "order", "received_at")
    list_filter = ("event_type",)
    list_select_related = ("order",)
    search_fields = ("event_id",)


@admin.register(WorkerHeartbeat)
class WorkerHeartbeatAdmin(ReadOnlyAdmin):
    list_display = ("worker_id", "seen_at", "current_order")
    list_select_related = ("current_order",)
