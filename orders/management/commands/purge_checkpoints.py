from django.core.management.base import BaseCommand

from orders.tasks import checkpoints_purge


class Command(BaseCommand):
    help = "Delete the page checkpoints of done, cancelled, refunded and unknown orders (queue_tick runs it every minute)."

    def handle(self, *args, **options):
        purged = checkpoints_purge()
        self.stdout.write(f"Page checkpoints deleted for {len(purged)} orders" + (f": {purged}" if purged else "."))
