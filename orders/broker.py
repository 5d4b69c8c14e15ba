"""django-q2's ORM broker, riding out database blips in the cluster's pusher and monitor.

django-q2's pusher takes any error from the broker for a crashed broker: it logs a traceback, sleeps 10 s and exits,
and the sentinel starts another one; a result acknowledged while the database is away kills the monitor, and the
task comes back `retry` seconds later. Here a lost connection is dropped and the pusher polls again a moment later,
as on an empty queue; an acknowledgement (a delete, safe to run twice) is retried on a new connection.
"""

import logging
import time

from django.db import InterfaceError, OperationalError, connections
from django_q.brokers.orm import ORM
from django_q.conf import Conf

from .blips import connection_lost, first_line, ride_out_blips

log = logging.getLogger("hera.worker")

POLL_AGAIN_SECONDS = 1.0


class BlipProofORM(ORM):
    def dequeue(self):
        try:
            return super().dequeue()
        except (OperationalError, InterfaceError) as exc:
            if not connection_lost(exc, Conf.ORM):
                raise
            # A claim of a task whose answer was lost leaves it locked until `retry`: the wake-up is late, not lost,
            # and queue_tick wakes the worker every minute anyway.
            connections[Conf.ORM].close()
            log.warning("task broker: database unreachable (%s); polling again", first_line(exc))
            time.sleep(POLL_AGAIN_SECONDS)
            return None

    def acknowledge(self, task_id):
        return ride_out_blips(lambda: super(BlipProofORM, self).acknowledge(task_id), what="acknowledging a task")
