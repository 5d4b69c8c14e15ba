"""The staff side of Hera: the order list and page, and the actions that run the queue.

Every action loops over the selected orders calling orders/staff.py, which goes through the Order's transitions;
nothing here writes `status`. Positions come from one call to selectors.positions() per page, never one query per row.
The live queue page is in orders/admin_views.py.
"""

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache, partial

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_permission_codename
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponseBadRequest, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from generation.costs import estimated_cost_usd, usage_summary

from . import admin_views, queue, selectors, staff
from .admin_views import duration_text
from .forms import LOOK_FIELDS, OrderForm, price_display
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
from .payments import payment_captured
from .webhooks import PAYMENT_REFUSED

INPUT_FIELDS = ("email", "child_name", "child_age", "theme", "language", "page_count", "dedication")


def _actor(request: HttpRequest) -> str:
    return request.user.get_username()


def _labels(accepted) -> str:
    """Name the statuses an action accepts as staff read them, in the active language: "Failed, Cancelled"."""
    return ", ".join(str(label) for value, label in Status.choices if value in accepted)


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


class OutboundEmailInline(_ChildPermissionsMixin, admin.TabularInline):
    model = OutboundEmail
    fields = readonly_fields = ("kind", "to", "created_at", "sent_at", "attempts", "last_error")
    extra = 0
    can_delete = False


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
        text = _("Skipped %(orders)s: %(reason)s.") % {"orders": ", ".join(references), "reason": reason}
        modeladmin.message_user(request, text, messages.WARNING)


class PaymentCheckFilter(admin.SimpleListFilter):
    """Orders a Stripe session named but did not pay for (cheap, wrong currency, another order's session…)."""

    title = gettext_lazy("payment check")
    parameter_name = "payment_check"

    def lookups(self, request, model_admin):
        return [("refused", _("A payment was not accepted")), ("open", _("A payment waits for staff"))]

    def queryset(self, request, queryset):
        if self.value() == "refused":
            refused = OrderEvent.objects.filter(note__startswith=PAYMENT_REFUSED).values("order_id")
            return queryset.filter(pk__in=refused)
        if self.value() == "open":
            return queryset.filter(admin_views.PAYMENT_TO_CHECK)
        return queryset


@dataclass(frozen=True)
class StaffAction:
    """One staff action, as a list action and as a button on the order's page."""

    operation: Callable[..., staff.StaffResult]
    label: str
    accepts: frozenset[str]
    kwargs: tuple = ()
    # Refunds always ask first (with the amount Stripe captured); a cancel asks first when it keeps a payment.
    confirm: str = ""

    def run(self, order: Order, actor: str) -> staff.StaffResult:
        return self.operation(order, actor=actor, **dict(self.kwargs))


STAFF_ACTIONS: dict[str, StaffAction] = {
    "accept_payment": StaffAction(staff.order_accept_payment, gettext_lazy("Accept the payment (queue the book)"),
                                  staff.ACCEPTABLE),
    "refund": StaffAction(staff.order_refund, gettext_lazy("Refund the payment"), staff.REFUNDABLE, confirm="refund"),
    "cancel_and_refund": StaffAction(staff.order_cancel_and_refund, gettext_lazy("Cancel and refund"),
                                     staff.CANCELLABLE, confirm="refund"),
    "cancel": StaffAction(staff.order_cancel, gettext_lazy("Cancel (keeps the payment)"), staff.CANCELLABLE,
                          confirm="cancel"),
    "retry": StaffAction(staff.order_retry, gettext_lazy("Retry"), staff.RETRYABLE),
    "move_to_front": StaffAction(staff.order_move_to_front, gettext_lazy("Move to the front of the queue"),
                                 frozenset({Status.QUEUED})),
    "set_priority_high": StaffAction(staff.order_set_priority, gettext_lazy("Set priority: high"),
                                     frozenset({Status.QUEUED}), (("priority", Priority.HIGH),)),
    "set_priority_normal": StaffAction(staff.order_set_priority, gettext_lazy("Set priority: normal"),
                                       frozenset({Status.QUEUED}), (("priority", Priority.NORMAL),)),
    "set_priority_low": StaffAction(staff.order_set_priority, gettext_lazy("Set priority: low"),
                                    frozenset({Status.QUEUED}), (("priority", Priority.LOW),)),
    "regenerate": StaffAction(staff.order_regenerate, gettext_lazy("Regenerate the book"), staff.REGENERABLE),
    "resend_ready": StaffAction(staff.order_resend_ready, gettext_lazy("Resend the ready email"),
                                frozenset({Status.DONE})),
    "payment_checked": StaffAction(staff.order_payment_checked, gettext_lazy("Mark the extra payment as checked"),
                                   staff.FLAG_CLEARABLE),
}


def _needs_confirmation(action: StaffAction, orders) -> bool:
    if action.confirm == "refund":
        return True
    return action.confirm == "cancel" and any(staff.order_is_paid(order) for order in orders)


def _captured(order: Order) -> str:
    """Say what Stripe captured for the order (asked of Stripe), or what the order recorded when Stripe is silent."""
    captured = payment_captured(order)
    if captured is None:
        return _("%(price)s (recorded on the order; Stripe did not say)") % {"price": price_display(order.amount_cents)}
    amount, currency = captured
    shown = price_display(amount) if currency.lower() == "eur" else f"{amount / 100:.2f} {currency.upper()}"
    return _("%(price)s captured by Stripe") % {"price": shown}


def _confirmation(model_admin, request: HttpRequest, name: str, orders: list[Order], hidden: dict) -> TemplateResponse:
    """Ask staff to confirm a refund (showing what Stripe captured) or a cancel that keeps a customer's money."""
    action = STAFF_ACTIONS[name]
    refund = action.confirm == "refund"
    rows = [
        {"order": order, "paid": staff.order_is_paid(order), "captured": _captured(order) if refund else ""}
        for order in orders
    ]
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.opts,
        "title": _("Confirm: %(action)s") % {"action": action.label},
        "action_label": action.label,
        "refund": refund,
        "rows": rows,
        "hidden": hidden,
        "selected": [order.pk for order in orders] if "_selected_action" in hidden else [],
        "back_url": hidden.pop("_back", reverse("admin:orders_order_changelist")),
    }
    return TemplateResponse(request, "admin/orders/order/confirm_action.html", context)


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = ("reference", "child", "status_badge", "priority", "position", "eta", "tries", "progress", "age")
    list_display_links = ("reference",)
    list_filter = ("status", "kind", "language", PaymentCheckFilter)
    search_fields = ("email", "child_name", "token", "stripe_session_id", "stripe_payment_intent_id")
    list_per_page = 50
    inlines = (OrderEventInline, OutboundEmailInline)
    actions = (
        "retry", "move_to_front", "set_priority_high", "set_priority_normal", "set_priority_low",
        "cancel", "cancel_and_refund", "refund", "accept_payment", "regenerate", "resend_ready", "payment_checked",
    )
    change_form_template = "admin/orders/order/change_form.html"

    class Media:
        css = {"all": ("admin_hera.css",)}

    # The list. Position and ETA are closures over this request's positions, computed once for the whole page.

    def get_list_display(self, request):
        positions = cache(selectors.positions)  # asked at the first row drawn, once for the page
        etas = cache(selectors.etas)

        @admin.display(description=gettext_lazy("position"))
        def position(order: Order):
            return positions().get(order.pk)

        @admin.display(description=gettext_lazy("ETA min"))
        def eta(order: Order):
            return etas().get(order.pk)

        return [{"position": position, "eta": eta}.get(name, name) for name in self.list_display]

    # The order page's read-only fields: Django prints a None from a method as "None", so say it as the list does.

    @admin.display(description=gettext_lazy("position"))
    def position(self, order: Order):
        place = selectors.position(order)
        return self.get_empty_value_display() if place is None else place

    @admin.display(description=gettext_lazy("ETA min"))
    def eta(self, order: Order):
        minutes = selectors.eta_minutes(order)
        return self.get_empty_value_display() if minutes is None else minutes

    @admin.display(description=gettext_lazy("order"), ordering="pk")
    def reference(self, order: Order) -> str:
        return order.reference

    @admin.display(description=gettext_lazy("child"), ordering="child_name")
    def child(self, order: Order):
        # Long names and addresses are cut; the whole of both is in the title (and the search finds them).
        return format_html(
            '<span title="{} · {}">{}</span> <span class="quiet">{}p</span>',
            order.child_name, order.email, Truncator(order.child_name).chars(14), order.page_count,
        )

    @admin.display(description=gettext_lazy("status"), ordering="status")
    def status_badge(self, order: Order):
        badge = format_html('<span class="hera-status hera-status--{}">{}</span>', order.status,
                            order.get_status_display())
        if order.payment_check_reason and order.status != Status.PAYMENT_CHECK:
            badge += format_html(' <span class="hera-status hera-status--payment_check" title="{}">{}</span>',
                                 order.payment_check_reason, _("payment to check"))
        return badge

    @admin.display(description=gettext_lazy("tries"), ordering="attempts")
    def tries(self, order: Order) -> int:
        return order.attempts

    @admin.display(description=gettext_lazy("progress"))
    def progress(self, order: Order):
        if order.status == Status.GENERATING:
            return _progress_bar(order)
        if order.status == Status.DONE:
            return f"{order.pages_total}/{order.pages_total}"
        return "—"

    @admin.display(description=gettext_lazy("age"), ordering="created_at")
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
            return ((None, {"fields": (*INPUT_FIELDS, "kind")}), (_("Hero's look"), {"fields": LOOK_FIELDS}))
        return (
            (_("Inputs"), {"fields": INPUT_FIELDS}),
            (_("Hero's look (empty: surprise me)"), {"fields": LOOK_FIELDS}),
            (_("Queue"), {"fields": (
                "status", "kind", "priority", "position", "eta", "attempts", "last_error", "progress",
                "not_before", "worker_id", "lease_expires_at",
            )}),
            (_("Book"), {"fields": ("pdf_link", "customer_page", "generator", "generation_calls", "generation_cost")}),
            (_("Payment"), {"classes": () if admin_views.order_needs_payment_check(obj) else ("collapse",), "fields": (
                "amount_cents", "currency", "paid_at", "payment_check_reason", "payment_livemode",
                "stripe_session_id", "stripe_payment_intent_id", "checkout_completed_at", "payment_failed_at",
                "refund_requested_at", "stripe_refund_id",
            )}),
            (_("Dates"), {"classes": ("collapse",), "fields": (
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

    @admin.display(description=gettext_lazy("Gemini calls"))
    def generation_calls(self, order: Order):
        lines = usage_summary(order.generation_usage or {})
        return format_html_join(mark_safe("<br>"), "{}", ((line,) for line in lines)) if lines else "—"

    @admin.display(description=gettext_lazy("estimated cost"))
    def generation_cost(self, order: Order):
        if not order.generation_usage:
            return "—"
        return _("$%(cost).2f (at the HERA_GOOGLE_*_PRICE settings)") % {
            "cost": estimated_cost_usd(order.generation_usage)
        }

    @admin.display(description=gettext_lazy("customer page"))
    def customer_page(self, order: Order):
        return format_html('<a href="{}">{}</a>', order.get_absolute_url(), order.absolute_url)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        order = self.get_object(request, object_id)
        extra_context = {
            **(extra_context or {}),
            "show_save": False, "show_save_and_continue": False, "show_save_and_add_another": False,
            "payment_to_check": bool(order) and admin_views.order_needs_payment_check(order),
            "order_buttons": self.order_buttons(request, order) if order else [],
            "order_act_url": reverse("admin:orders_order_act", args=[object_id]) if order else "",
        }
        return super().change_view(request, object_id, form_url, extra_context)

    def order_buttons(self, request, order: Order) -> list[dict]:
        """Every staff action as a button: those the order's status refuses are shown disabled, saying why."""
        if not self.has_change_permission(request, order):
            return []
        buttons = []
        for name, action in STAFF_ACTIONS.items():
            allowed = order.status in action.accepts
            if name == "payment_checked" and not order.payment_check_reason:
                continue
            reason = "" if allowed else _("Not for an order that is %(status)s; accepted: %(accepted)s.") % {
                "status": order.get_status_display(), "accepted": _labels(action.accepts),
            }
            buttons.append({"name": name, "label": action.label, "allowed": allowed, "reason": reason,
                            "danger": name in ("refund", "cancel_and_refund", "cancel")})
        return buttons

    def order_act_view(self, request, object_id):
        """Run one staff action from the order's page (asking first where the action needs it)."""
        order = self.get_object(request, object_id)
        if order is None:
            raise Http404
        if not self.has_change_permission(request, order):
            raise PermissionDenied
        name = request.POST.get("action", "")
        if name not in STAFF_ACTIONS:
            return HttpResponseBadRequest("Unknown action.")
        action = STAFF_ACTIONS[name]
        back = reverse("admin:orders_order_change", args=[order.pk])
        if request.POST.get("confirm") != "yes" and order.status in action.accepts and _needs_confirmation(
            action, [order]
        ):
            return _confirmation(self, request, name, [order], {"action": name, "_back": back})
        _report(self, request, [action.run(order, _actor(request))])
        return HttpResponseRedirect(back)

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

    def _run(self, request, queryset, name: str):
        action = STAFF_ACTIONS[name]
        if name == "move_to_front":
            # Last in line first, so the selected orders keep their relative order at the front.
            orders = list(queryset.order_by("priority", "-queued_at", "-id"))
        else:
            orders = list(queryset.order_by("pk"))  # oldest first, so the report reads in order
        if request.POST.get("confirm") != "yes":
            to_confirm = [order for order in orders if order.status in action.accepts]
            if to_confirm and _needs_confirmation(action, to_confirm):
                hidden = {"action": name, "_selected_action": [order.pk for order in orders]}
                return _confirmation(self, request, name, orders, hidden)
        _report(self, request, [action.run(order, _actor(request)) for order in orders])
        return None

    @admin.action(description=gettext_lazy("Retry (failed or cancelled → queued)"), permissions=["change"])
    def retry(self, request, queryset):
        return self._run(request, queryset, "retry")

    @admin.action(description=gettext_lazy("Move to the front of the queue"), permissions=["change"])
    def move_to_front(self, request, queryset):
        return self._run(request, queryset, "move_to_front")

    @admin.action(description=gettext_lazy("Set priority: high"), permissions=["change"])
    def set_priority_high(self, request, queryset):
        return self._run(request, queryset, "set_priority_high")

    @admin.action(description=gettext_lazy("Set priority: normal"), permissions=["change"])
    def set_priority_normal(self, request, queryset):
        return self._run(request, queryset, "set_priority_normal")

    @admin.action(description=gettext_lazy("Set priority: low"), permissions=["change"])
    def set_priority_low(self, request, queryset):
        return self._run(request, queryset, "set_priority_low")

    @admin.action(description=gettext_lazy("Cancel (queued or generating; keeps the payment)"), permissions=["change"])
    def cancel(self, request, queryset):
        return self._run(request, queryset, "cancel")

    @admin.action(description=gettext_lazy("Cancel and refund (queued or generating)"), permissions=["change"])
    def cancel_and_refund(self, request, queryset):
        return self._run(request, queryset, "cancel_and_refund")

    @admin.action(description=gettext_lazy("Refund the payment"), permissions=["change"])
    def refund(self, request, queryset):
        return self._run(request, queryset, "refund")

    @admin.action(description=gettext_lazy("Accept the payment to check (queue the book)"), permissions=["change"])
    def accept_payment(self, request, queryset):
        return self._run(request, queryset, "accept_payment")

    @admin.action(description=gettext_lazy("Regenerate the book (done → queued)"), permissions=["change"])
    def regenerate(self, request, queryset):
        return self._run(request, queryset, "regenerate")

    @admin.action(description=gettext_lazy("Resend the ready email"), permissions=["change"])
    def resend_ready(self, request, queryset):
        return self._run(request, queryset, "resend_ready")

    @admin.action(description=gettext_lazy("Mark the extra payment as checked"), permissions=["change"])
    def payment_checked(self, request, queryset):
        return self._run(request, queryset, "payment_checked")

    # The live queue page (orders/admin_views.py) and the order page's buttons.

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("queue/", view(partial(admin_views.queue_view, model_admin=self)), name="orders_order_queue"),
            path(
                "queue/act/",
                view(require_POST(partial(admin_views.queue_act_view, model_admin=self))),
                name="orders_order_queue_act",
            ),
            path("<path:object_id>/act/", view(require_POST(self.order_act_view)), name="orders_order_act"),
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
