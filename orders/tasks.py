"""The worker's tasks on django-q2: the thin seam between the queue (orders) and the book (generation).

`process_next_order` claims one order and builds its book under a lease kept alive by a heartbeat thread; every write
names the lease token, so a worker that lost its lease changes nothing. A redelivered or duplicate task is harmless:
the claim is the lock, and without a ready order and a free slot the task simply returns. A database restart or a
dropped connection is ridden out (orders/blips.py): the book goes on under the same lease.
"""

import hashlib
import logging
import threading
import time
from datetime import timedelta

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import connection
from django.db.models import Q
from django.utils import timezone
from django_q.exceptions import TimeoutException

from generation import picture_calls
from generation.backends import check_configuration, configuration_fingerprint, get_generator
from generation.base import BookRequest, GenerationError, Generator, Story
from generation.book import BuildStopped, build_book, clear_pages, new_book_name
from generation.faults import Fault, Verdict, fault_of, settle
from hera import stopping

from . import blips, emails, memory_guard, pause, queue, scaling
from .blips import DatabaseUnreachable, ride_out_blips
from .models import GenerationPause, LeaseLost, Order, Status, WorkerHeartbeat
from .payments import orders_expire_unpaid
from .previews import preview_prefix

log = logging.getLogger("hera.worker")

STALE_HEARTBEATS = timedelta(days=1)


def stop_before_picture_call(in_flight: int) -> bool:
    """Start no picture call once the worker is stopping: its slot may have waited for the minute's cap or for memory
    after the build last looked at the stop flag, and the answer would be billed and then abandoned."""
    if stopping.stop_requested():
        raise BuildStopped("stopped before a picture call")
    return True


picture_calls.before_each_call(stop_before_picture_call)


def process_next_order() -> str | None:
    """Claim the next ready order and build its book; return its reference, or None when there was nothing to do."""
    me = queue.worker_id()
    if stopping.stop_requested():
        return None  # the cluster is stopping: the next instance claims
    generation_pause_recheck()
    memory_guard.memory_pause_recheck()
    order = ride_out_blips(
        lambda: queue.order_claim_next(me), what="claiming an order", landed=lambda: queue.claimed_by(me)
    )
    if order is None:
        queue.heartbeat_record(queue.cluster_id())
        return None
    try:
        build_order(order, me)
    finally:
        try:
            ride_out_blips(wake_for_next_order, what="waking the worker for the next order")
        except DatabaseUnreachable:
            log.warning("database unreachable after order %s; queue_tick will wake the worker", order.reference)
    return order.reference


def wake_for_next_order() -> None:
    """Say the worker is alive and, if an order is ready, wake it (a duplicate wake-up is harmless)."""
    queue.heartbeat_record(queue.cluster_id())
    if Order.objects.ready().exists():
        queue.wake_worker()
        wake_for_trial()


def queue_tick() -> None:
    """Housekeeping every minute: recover lost leases, recheck pauses, expire unpaid orders, say the worker is alive,
    restart processing, tell staff and held customers of a long pause, send emails, scale, purge old pages."""
    recovered = queue.leases_recover_expired()
    generation_pause_recheck()
    orders_expire_unpaid()
    memory_guard.memory_pause_recheck()
    queue.heartbeat_record(queue.cluster_id())
    WorkerHeartbeat.objects.filter(seen_at__lt=timezone.now() - STALE_HEARTBEATS).delete()
    live = Order.objects.live_generating().count()
    if Order.objects.ready().exists() and live < settings.HERA_CONCURRENT_GENERATIONS:
        log.info("queue tick: orders waiting and a free slot (%d recovered), waking the worker", recovered)
        queue.wake_worker()
    pause.pause_notices_add()
    emails.email_deliver_pending()
    try:
        scaling.scale_evaluate()
        scaling.scale_deliver()
    except Exception:
        log.warning("queue tick: scaling could not be evaluated or sent", exc_info=True)
    try:
        checkpoints_purge()
    except Exception:
        # An unreachable bucket must not stop the rest of the housekeeping; the next tick tries again.
        log.warning("queue tick: could not purge page checkpoints", exc_info=True)


def generation_pause_recheck() -> bool:
    """While paused for the generator's setup, check it again at once if the setup changed (a worker restarted with a
    corrected variable), else every HERA_GENERATION_RECHECK_SECONDS: models.get (free), then the refused call again
    with a neutral prompt (a refused request shape is invisible to models.get); resume when both pass. An idle
    upstream pause is probed when its next try is due. Return whether generation resumed."""
    upstream_pause_recheck()
    paused = GenerationPause.objects.filter(source=pause.CONFIGURATION).first()
    if paused is None:
        return False
    fingerprint = configuration_fingerprint()
    due = timezone.now() - paused.checked_at >= timedelta(seconds=settings.HERA_GENERATION_RECHECK_SECONDS)
    if fingerprint == paused.fingerprint and not due:
        return False
    try:
        problems = [text for ok, text in check_configuration() if not ok]
        if not problems and paused.probe:
            probe_generator(paused.probe)
    except Exception as exc:  # a refused probe, an unknown generator, an SDK refusing its own arguments: the setup's
        problems = [str(exc) if isinstance(exc, GenerationError) else f"{exc.__class__.__name__}: {exc}"]
    if problems:
        pause.generation_pause(pause.CONFIGURATION, " ".join(problems), fingerprint=fingerprint, probe=paused.probe)
        return False
    return pause.generation_resume(pause.CONFIGURATION)


def probe_generator(role: str) -> None:
    """Repeat a `role` call of the generator with a neutral prompt (generators with nothing to refuse have no probe)."""
    probe = getattr(get_generator(), "probe", None)
    if probe is not None:
        probe(role)


def upstream_pause_recheck() -> None:
    """With no order to try it on, probe an upstream pause once its next try is due: lift it, or wait longer."""
    paused = GenerationPause.objects.filter(source=pause.UPSTREAM, next_try_at__lte=timezone.now()).first()
    if paused is None or Order.objects.ready().exists():
        return  # a real claim is the trial
    role = paused.probe or "story"
    try:
        probe_generator(role)
    except GenerationError as exc:
        if fault_of(exc) is Fault.UPSTREAM:
            pause.generation_pause(pause.UPSTREAM, str(exc), probe=paused.probe, retry_at=getattr(exc, "retry_at", None))
            return
        # Google answers again, and refuses even a neutral request: the configuration's problem now, not the weather.
        pause.generation_pause(pause.CONFIGURATION, str(exc), fingerprint=configuration_fingerprint(), probe=role)
    pause.generation_resume(pause.UPSTREAM)


def generator_check() -> str:
    """Check the generator's setup once the worker is up (models.get, nothing billed), log the result and keep it for
    the live queue; return it. The site serves and takes orders whatever it finds: claims find their own problems."""
    try:
        findings = check_configuration()
    except Exception as exc:  # an unknown generator, an SDK refusing its arguments, an unreachable API
        findings = [(False, f"{exc.__class__.__name__}: {exc}")]
    problems = [text for ok, text in findings if not ok]
    name = settings.HERA_GENERATOR
    if name == "google":
        name = f"google ({settings.HERA_TEXT_MODEL}, {settings.HERA_IMAGE_MODEL})"
    state = f"{name}: " + ("; ".join(problems) if problems else "ok")
    if problems:
        log.error("generator at start: %s (the site serves and takes orders; books wait until it works)", state)
    else:
        log.info("generator at start: %s", state)
    now = timezone.now()
    WorkerHeartbeat.objects.update_or_create(
        worker_id=queue.cluster_id(),
        defaults={
            "seen_at": now, "generator_state": state, "generator_checked_at": now, **queue.heartbeat_concurrency(),
        },
    )
    return state


def book_request(order: Order) -> BookRequest:
    """Describe the order's book for the generator; the seed comes from the token, so a resumed book matches."""
    seed = int(hashlib.sha256(order.token.encode()).hexdigest()[:12], 16)
    return BookRequest(
        child_name=order.child_name,
        child_age=order.child_age,
        theme=order.theme,
        language=order.language,
        page_count=order.page_count,
        dedication=order.dedication,
        seed=seed,
        skin_tone=order.skin_tone,
        hair_color=order.hair_color,
        hair_style=order.hair_style,
        glasses=order.glasses,
    )


WORK_FOLDER = "work"  # page checkpoints, purged; previews (orders/previews.py) are kept
KEEP_FAILED_PAGES = timedelta(days=7)


def work_prefix(order: Order) -> str:
    return f"{WORK_FOLDER}/{order.pk}"


def checkpoints_purge(now=None) -> list[int]:
    """Delete the page checkpoints no build will resume from; return the ids of the orders whose pages went."""
    try:
        folders, _ = default_storage.listdir(WORK_FOLDER)
    except FileNotFoundError:
        return []
    found = {int(folder) for folder in folders if folder.isdigit()}
    now = now or timezone.now()
    # Queued and generating orders resume from their pages; a failed one may be retried by staff for a while.
    # Done, cancelled and refunded orders (and orders deleted since) never will. An order regenerated between this
    # read and the deletion only loses pages to resume from, never its book.
    resumable = Order.objects.filter(pk__in=found).filter(
        Q(status__in=(Status.QUEUED, Status.GENERATING)) | Q(status=Status.FAILED, finished_at__gt=now - KEEP_FAILED_PAGES)
    )
    purged = sorted(found - set(resumable.values_list("pk", flat=True)))
    for order_id in purged:
        clear_pages(default_storage, f"{WORK_FOLDER}/{order_id}")
    if purged:
        log.info("housekeeping: page checkpoints of %d settled or unknown orders deleted", len(purged))
    return purged


def build_order(order: Order, me: str) -> None:
    """Build the claimed order's book and mark it done, or record the failure; stop silently if the lease is lost."""
    lease = order.lease_token
    generator = get_generator()
    keeper = LeaseKeeper(order.pk, lease, queue.cluster_id(), claimed_at=order.started_at)
    keeper.start()
    old_pdf = order.pdf.name if order.pdf else ""
    new_pdf = ""
    try:
        story = Story.from_dict(order.story) if order.story else None

        # Both writes are fenced by the lease token and idempotent, so running one twice is harmless.
        def on_story(written: Story) -> None:
            usage_flush(order.pk, generator, order.started_at)
            story = written.to_dict()
            ride_out_blips(
                lambda: queue.order_save_story(order.pk, lease, story), what=f"saving the story of #{order.pk}"
            )

        def on_page_done(pages_done: int) -> None:
            usage_flush(order.pk, generator, order.started_at)
            keeper.check()
            ride_out_blips(
                lambda: queue.order_record_progress(order.pk, lease, pages_done),
                what=f"recording page {pages_done} of #{order.pk}",
            )
            memory_guard.check_page()

        def on_previews(pages: list[int]) -> None:
            ride_out_blips(
                lambda: queue.order_record_previews(order.pk, lease, pages),
                what=f"recording the previews of #{order.pk}",
            )

        result = build_book(
            book_request(order),
            generator,
            work_prefix=work_prefix(order),
            book_name=new_book_name(f"hera-{order.pk}"),
            story=story,
            on_story=on_story,
            on_page_done=on_page_done,
            stop_deadline=lambda: stopping.worker_deadline() or keeper.upstream_deadline(),
            fenced=lambda write: ride_out_blips(
                lambda: queue.checkpoint_write_fenced(order.pk, lease, write), what=f"saving a page of #{order.pk}"
            ),
            preview_prefix=preview_prefix(order),
            on_previews=on_previews,
        )
        new_pdf = result.pdf_name
        keeper.check()
        ride_out_blips(
            lambda: queue.order_finish(order.pk, lease, new_pdf, worker_id=me),
            what=f"finishing #{order.pk}",
            landed=lambda: queue.finished_with(order.pk, new_pdf),
        )
    except LeaseLost as exc:
        log.warning("order %s: lease lost, stopping without writing (%s)", order.reference, exc)
        discard(new_pdf)
        return
    except DatabaseUnreachable as exc:
        # The new PDF stays: a finish cut off at its COMMIT may have made it the book served. The lease lapses and
        # recovery puts the order back in its place, to resume from its pages.
        log.warning("order %s: stopping without writing, the lease will lapse (%s)", order.reference, exc)
        return
    except BuildStopped as exc:
        # A deploy, a plan change or a sleep, or the upstream's weather met by another book: not this book's fault.
        # The pages drawn are saved; the next instance, or the next claim after the pause, resumes from them.
        discard(new_pdf)
        why = "the worker was stopped" if stopping.stop_requested() else "generation paused (upstream)"
        order_release(order, lease, f"{why} ({exc})", me)
        return
    except TimeoutException as exc:
        # django-q2's task timeout: the book hung. Its own fault, counted, whatever pages it finished; the worker
        # process is replaced after this.
        log.error("order %s: generation timed out (%s)", order.reference, exc)
        discard(new_pdf)
        order_record_failure(order, lease, f"timed out after {settings.HERA_BOOK_TIMEOUT_SECONDS} s", me)
        raise
    except memory_guard.MemoryHigh as exc:
        # This process ends after the task (recycle), which frees what it held; claiming waits for memory.
        discard(new_pdf)
        order_release_and_pause(order, lease, f"memory: {exc}", me, source=memory_guard.MEMORY)
        return
    except Exception as exc:
        discard(new_pdf)
        order_settle_failure(order, lease, exc, generator, me)
        return
    finally:
        keeper.stop()
        usage_flush(order.pk, generator, order.started_at)
    # Only now is the new book the one served: the old file and the page checkpoints can go.
    if old_pdf and old_pdf != new_pdf:
        discard(old_pdf)
    try:
        clear_pages(default_storage, work_prefix(order), order.page_count)
    except Exception:
        # The book is done and served; queue_tick's housekeeping deletes the pages of done orders later.
        log.warning("order %s: page checkpoints left for the housekeeping", order.reference, exc_info=True)


def order_settle_failure(order: Order, lease, exc: Exception, generator: Generator, me: str) -> None:
    """Act on whose fault the failure is (generation/faults.py): pause and hand back uncounted, or charge the book."""
    try:
        verdict = settle(exc, generator)
    except Exception as probe_failure:  # a probe that breaks unexpectedly settles nothing: the book's own, as before
        log.warning("order %s: the probe failed (%r)", order.reference, probe_failure)
        verdict = Verdict(Fault.BOOK, f"{exc.__class__.__name__}: {exc}")
    if verdict.fault is not Fault.UPSTREAM:
        try:  # the upstream answered (a refusal is an answer)
            upstream_resume_answered(order.started_at)
        except DatabaseUnreachable:
            pass  # the failure below meets the same database and says so
    if verdict.fault is Fault.CONFIGURATION:
        # The operator's problem, not the book's: stop claiming first, then give the order back uncounted.
        order_release_and_pause(order, lease, verdict.reason, me, probe=verdict.role)
    elif verdict.fault is Fault.UPSTREAM:
        # The world's weather: the book goes back with its pages, uncounted, and claims wait for a trial.
        order_release_and_pause(
            order, lease, verdict.reason, me, source=pause.UPSTREAM, probe=verdict.role, retry_at=verdict.retry_at
        )
        wake_for_trial()
    elif verdict.weather_for_one_book:
        log.warning("order %s: its calls fail while the same call for another book passes", order.reference)
        order_record_failure(order, lease, verdict.reason, me, defer=True)
    else:
        log.error("order %s: generation failed (the book's own): %s", order.reference, verdict.reason, exc_info=exc)
        order_record_failure(order, lease, verdict.reason, me)


def wake_for_trial() -> None:
    """Have the worker look at the queue when the upstream pause lets its next claim through."""
    trial_at = pause.next_trial_at()
    if trial_at is not None:
        try:
            queue.wake_worker_at(trial_at)
        except Exception:
            log.warning("could not schedule the next try; queue_tick will wake the worker", exc_info=True)


def order_record_failure(order: Order, lease, error: str, me: str, *, defer: bool = False) -> None:
    """Record the failed attempt, unless the lease is gone or the database stays away (the lease then lapses)."""
    try:
        record = queue.order_defer if defer else queue.order_fail
        ride_out_blips(
            lambda: record(order.pk, lease, error, worker_id=me),
            what=f"recording the failure of #{order.pk}",
            landed=lambda: queue.failure_recorded(order.pk, error, me),
        )
    except LeaseLost:
        log.warning("order %s: lease lost before the failure could be recorded", order.reference)
    except DatabaseUnreachable:
        log.warning("order %s: database unreachable, the failure is not recorded; the lease will lapse", order.reference)


def order_release(order: Order, lease, reason: str, me: str) -> None:
    """Give the order back uncounted (the worker is stopping, or another book paused the upstream), unless the lease is
    gone or the database stays away."""
    try:
        ride_out_blips(lambda: queue.order_release(order.pk, lease, reason, worker_id=me), what=f"releasing #{order.pk}")
    except LeaseLost:
        log.warning("order %s: lease lost before it could be released", order.reference)
    except DatabaseUnreachable:
        log.warning("order %s: database unreachable, not released; the lease will lapse", order.reference)


def order_release_and_pause(
    order: Order, lease, reason: str, me: str, source: str = pause.CONFIGURATION, *, probe: str = "", retry_at=None
) -> None:
    """Pause generation for `source` (its configuration, the upstream's weather, or memory), then give the order back
    uncounted with its pages (both safe to run again)."""
    fingerprint = configuration_fingerprint() if source == pause.CONFIGURATION else ""
    try:
        ride_out_blips(
            lambda: pause.generation_pause(
                source, reason, fingerprint=fingerprint, probe=probe, order_id=order.pk, retry_at=retry_at
            ),
            what="pausing generation",
        )
    except DatabaseUnreachable:
        log.warning("order %s: database unreachable, not released; the lease will lapse", order.reference)
        return
    order_release(order, lease, reason, me)


def usage_flush(order_id: int, generator: Generator, claimed_at) -> None:
    """Add what the generator's calls cost since the last record to the order (generators without a meter cost 0)."""
    meter = getattr(generator, "meter", None)
    if meter is None:
        return
    taken = meter.take()
    try:
        if any(counts.get("calls") for counts in taken.values()):
            upstream_resume_answered(claimed_at)
        # Not fenced: a write cut off at its COMMIT and run again counts twice, for an estimate of the cost.
        ride_out_blips(lambda: queue.order_record_usage(order_id, taken), what=f"recording the usage of #{order_id}")
    except DatabaseUnreachable:
        log.warning("order #%d: database unreachable, this part of its Gemini usage is not recorded", order_id)


def upstream_resume_answered(claimed_at) -> None:
    """A call of a book claimed at `claimed_at` was answered: lift an upstream pause older than that claim (the book is
    its trial, or came after it). A book claimed before the pause is being handed back, and its pictures in flight were
    asked for before the weather: their answers prove nothing, and the pause ends only by its trial."""
    ride_out_blips(
        lambda: pause.generation_resume(pause.UPSTREAM, paused_before=claimed_at), what="lifting the upstream pause"
    )


def discard(name: str) -> None:
    if not name:
        return
    try:
        default_storage.delete(name)
    except Exception:
        # A disk (OSError) or a bucket (botocore's errors are not OSErrors) refusing a cleanup must not hide the
        # outcome being recorded around it.
        log.warning("could not delete %s from storage", name, exc_info=True)


UPSTREAM_STOP_SECONDS = 15


class LeaseKeeper(threading.Thread):
    """Renew the order's lease every third of HERA_LEASE_SECONDS until stopped; remember if it was lost."""

    def __init__(self, order_id: int, lease_token, heartbeat_id: str, claimed_at=None):
        super().__init__(name=f"hera-lease-{order_id}", daemon=True)
        self.order_id = order_id
        self.lease_token = lease_token
        self.heartbeat_id = heartbeat_id
        self.claimed_at = claimed_at
        self.interval = settings.HERA_LEASE_SECONDS / 3
        self.stopped = threading.Event()
        self.lost = threading.Event()
        # Another book met the upstream's weather after this one was claimed: this one is handed back too, keeping
        # the pictures in flight that arrive within UPSTREAM_STOP_SECONDS (asked at each beat, not at each picture).
        self.upstream_paused_at: float | None = None

    def run(self) -> None:
        delay, failures = self.interval, 0
        try:
            while not self.stopped.wait(delay):
                try:
                    renewed = queue.lease_renew(self.order_id, self.lease_token, self.heartbeat_id)
                except Exception as exc:
                    # A blip (a restart, a dropped connection's InterfaceError…): the lease lasts three intervals, so
                    # a beat soon after the database is back still saves it; the broken connection is dropped so the
                    # next beat opens a new one. A keeper that died here would let the lease lapse silently while the
                    # book goes on, and another worker would claim it.
                    log.warning(
                        "order #%d: lease heartbeat failed, retrying (%s)", self.order_id, blips.first_line(exc),
                        exc_info=failures == 0,
                    )
                    connection.close()
                    failures += 1
                    delay = min(self.interval, blips.FIRST_DELAY_SECONDS * 2 ** min(failures, 10))
                    continue
                if not renewed:
                    log.warning("order #%d: lease lost, the build will stop", self.order_id)
                    self.lost.set()
                    return
                delay, failures = self.interval, 0
                if self.claimed_at and self.upstream_paused_at is None and pause.upstream_paused_since(self.claimed_at):
                    log.warning("order #%d: generation paused (upstream), handing the book back", self.order_id)
                    self.upstream_paused_at = time.monotonic()
        finally:
            connection.close()  # this thread's own connection

    def upstream_deadline(self) -> float | None:
        """Until when the build may wait for its pictures in flight once the upstream paused; None while it has not."""
        return None if self.upstream_paused_at is None else self.upstream_paused_at + UPSTREAM_STOP_SECONDS

    def check(self) -> None:
        if self.lost.is_set():
            raise LeaseLost(f"Order #{self.order_id}: lease {self.lease_token} is no longer held.")

    def stop(self) -> None:
        self.stopped.set()
        self.join(timeout=self.interval + 5)
