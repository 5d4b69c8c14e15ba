import gc
import sys

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy

QUEUE_TICK_SCHEDULE = "hera-queue-tick"


class OrdersConfig(AppConfig):
    name = "orders"
    verbose_name = gettext_lazy("Orders")

    def ready(self) -> None:
        post_migrate.connect(ensure_queue_tick_schedule, sender=self, dispatch_uid="hera-queue-tick-schedule")
        from generation import picture_calls

        from . import memory_guard

        # Before each picture call too, not only after each page: a book's pages in flight arrive together.
        picture_calls.before_each_call(memory_guard.check_picture_call)
        if sys.argv[1:2] == ["qcluster"]:
            freeze_for_forks()


def freeze_for_forks() -> None:
    """Keep the objects loaded so far out of the garbage collector, so forked processes keep sharing their pages.

    `manage.py qcluster` forks its sentinel, pusher, monitor and a fresh worker after every book from this process;
    a collection in a child would otherwise write to every old object and copy its page (measured: 3–8 MB less for
    the worker tree, bench/memory.py). This is what the gc.freeze() documentation recommends before fork().
    """
    gc.collect()
    gc.freeze()


def ensure_queue_tick_schedule(sender, using="default", apps=None, **kwargs) -> None:
    """Create (or repair) the django-q2 schedule that runs orders.tasks.queue_tick every minute; idempotent."""
    if apps is None:  # `flush` sends post_migrate without the migration state
        from django.apps import apps
    try:
        Schedule = apps.get_model("django_q", "Schedule")
    except LookupError:  # django_q is not migrated yet (a partial `migrate orders`)
        return
    Schedule.objects.using(using).update_or_create(
        name=QUEUE_TICK_SCHEDULE,
        # "I" is Schedule.MINUTES; the historical model from the migration state has no class constants.
        defaults={"func": "orders.tasks.queue_tick", "schedule_type": "I", "minutes": 1, "repeats": -1},
    )
