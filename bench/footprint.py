"""Memory of the whole single-instance layout, process by process, while N orders paid at once are generated.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/hera .venv/bin/python bench/footprint.py \
        [--orders 2] [--pages 24] [--latency 1.0] [--concurrent N|auto] [--instance-memory 512] [--cpu 0.1] \
        [--answers jpeg|png|noise|grainy-png] [--picture-px 2048] [--storage disk|bucket] [--runs 1]

What a host runs: `manage.py serve` with DJANGO_DEBUG off and the production variables (gunicorn, WEB_CONCURRENCY=1
as render.yaml sets, the django-q2 worker), on a PostgreSQL database of its own (`<database>_bench_footprint`,
dropped at the end), the Google generator against a local fake Gemini API answering as Gemini 3 image models do (a
thought draft, then the picture) after `--latency` seconds: `--answers jpeg` a 2K illustration as JPEG (0.47 MB),
`png` the same as PNG (6.4 MB), `noise` a PNG of pure noise (10 MB: the most a 2K answer can weigh). Once the tree is
idle, N orders of P pages are paid at the same moment through the real webhook (signed `checkout.session.completed`
events posted in parallel). The PSS (shared pages split fairly) of every process of the tree, the supervisor
included, is sampled until every book is done; the bench prints the idle and peak PSS per process and in total, then
stops the tree with SIGTERM as a platform does.

`--instance-memory 512` declares the instance's memory (HERA_INSTANCE_MEMORY_MB) as Render's free plan limits it:
`--concurrent auto` then makes the books `auto` computes, and the memory guard works at that limit's threshold.
`--cpu 0.1` puts the tree in a cgroup v1 `cpu` group with a CFS quota of a tenth of one CPU, as that plan gives.

With `--storage bucket`, the free-tier layout of render.yaml: pages and books go to an S3 bucket (moto's server with
S3's signature checks, in a process of its own outside the tree), and once the books are done each is downloaded as
a parent would, through Hera's link (302 to a signed URL), still sampling: the web process then has its S3 client.
"""

import argparse
import contextlib
import itertools
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.database import bench_database, setup_django  # noqa: E402
from bench.memory import MB, median_run, start_bucket  # noqa: E402

SAMPLE_SECONDS = 0.1
IDLE_SETTLE_SECONDS = 8  # after /healthz answers: the worker's first poll, the scheduler's first tick, the pusher
IDLE_SAMPLES = 20
WEBHOOK_SECRET = "whsec_bench_footprint"
PICTURES = 4  # distinct answers, served in turn (the SDK, not the fake, is what is measured)
GRAIN_SIGMA = 3  # grain that keeps a 1024 px PNG at about 1.5 MB, like an image model's answers
IMAGE_SIZES = {1024: "1K", 2048: "2K", 4096: "4K"}
TARGETS_MB = {"idle": 120, "peak": 192, "peak with 2 at once": 300, "peak with 3 at once, a bucket, 2K JPEG": 340}


# The fake Gemini API: the story for any page count, a 1.5 MB picture for any image request, after a delay.


def model_pictures(count: int, side: int = 1024) -> list[bytes]:
    """Return `count` grainy PNGs `side` px wide (1024: about 1.5 MB), like the pictures an image model answers."""
    import io

    from PIL import Image, ImageChops

    from generation.base import BookRequest
    from generation.offline import draw_page

    request = BookRequest(child_name="Zoë", child_age=6, theme="space", language="fr", page_count=count, seed=7)
    pictures = []
    for index in range(count):
        grain = Image.merge("RGB", [Image.effect_noise((side, side), GRAIN_SIGMA) for _ in range(3)])
        picture = ImageChops.add(draw_page(request, index).resize((side, side)), grain, scale=1.0, offset=-128)
        buffer = io.BytesIO()
        picture.save(buffer, format="PNG")
        pictures.append(buffer.getvalue())
    return pictures


ANSWERS = ("jpeg", "png", "noise", "grainy-png")


def model_answers(kind: str, side: int) -> tuple[list[bytes], str]:
    """Return the distinct pictures the fake serves in turn, and their MIME type, for `--answers`.

    jpeg: a grainy illustration as a JPEG (0.47 MB at 2048 px), what Gemini 3 image models send by default;
    png: the same as a PNG (6.4 MB at 2048 px); noise: a PNG of pure noise (10 MB at 2048 px), the largest a
    picture of that size can weigh, the upper bound of what the image model can send; grainy-png: the older bench's
    answers (four grainy PNGs, 1.5 MB at 1024 px).
    """
    import io

    from PIL import Image

    from tests.fakes.genai_server import grainy_picture

    if kind == "grainy-png":
        return model_pictures(PICTURES, side), "image/png"
    if kind == "noise":
        buffer = io.BytesIO()
        Image.merge("RGB", [Image.effect_noise((side, side), 128) for _ in range(3)]).save(buffer, format="PNG")
        return [buffer.getvalue()], "image/png"
    return [grainy_picture(side, kind.upper())], f"image/{kind}"


def start_fake_gemini(latency: float, side: int, answers: str = "grainy-png"):
    """Start the tests' fake Gemini API, answering on its own (`auto`) as Gemini 3 image models do: a thought draft,
    then the bench's picture, `latency` s each."""
    from tests.fakes import genai_server

    pictures, mime = model_answers(answers, side)
    served = itertools.count()

    class BenchGemini(genai_server.FakeGenAIServer):
        def picture(self, size: str) -> bytes:
            return pictures[next(served) % len(pictures)]

    fake = BenchGemini(auto=True, picture_seconds=latency, picture_mime=mime, thought_drafts=1).start()
    size = len(json.dumps(genai_server.image_body(pictures[0], mime_type=mime, with_text=False, thought_drafts=1)))
    print(f"fake Gemini on {fake.base_url}: {side} px {answers} pictures of "
          f"{statistics.mean(map(len, pictures)) / MB:.2f} MB ({size / MB:.2f} MB answers), {latency:.1f} s latency")
    return fake


# The process tree and its roles.


@dataclass
class Tree:
    """Name each process of the tree by its role, remembering the order in which the workers' siblings were born."""

    root_pid: int
    workers: int
    known: dict[int, str] = field(default_factory=dict)
    seen: dict[int, psutil.Process] = field(default_factory=dict)

    def processes(self) -> list[psutil.Process]:
        try:
            root = psutil.Process(self.root_pid)
            return [root, *root.children(recursive=True)]
        except psutil.NoSuchProcess:
            return []

    def role(self, proc: psutil.Process, procs: dict[int, psutil.Process]) -> str:
        if proc.pid in self.known:
            return self.known[proc.pid]
        role = self.guess_role(proc, procs)
        self.known[proc.pid] = role
        return role

    def guess_role(self, proc: psutil.Process, procs: dict[int, psutil.Process]) -> str:
        if proc.pid == self.root_pid:
            return "supervisor (serve)"
        try:
            line = " ".join(proc.cmdline())
            parent = proc.ppid()
            grandparent = procs[parent].ppid() if parent in procs else None
        except psutil.NoSuchProcess:
            return "gone"
        if parent == self.root_pid:
            if "gunicorn" in line:
                return "gunicorn master"
            return "qcluster main" if "qcluster" in line else f"other: {line[:40]}"
        if grandparent == self.root_pid:
            # Under gunicorn's master: its web workers, and (since serve runs the cluster there) the sentinel, the
            # one child that has children of its own.
            if "gunicorn" in line and not proc.children():
                return "gunicorn worker"
            return "qcluster sentinel"
        # The sentinel starts its workers first, then the monitor, then the pusher; a later child is a recycled
        # worker.
        siblings = sorted(pid for pid, other in procs.items() if other.ppid() == parent)
        if len(siblings) >= self.workers + 2 and not any(pid in self.known for pid in siblings):
            for index, pid in enumerate(siblings[: self.workers + 2]):
                self.known[pid] = ("qcluster worker" if index < self.workers
                                   else ("qcluster monitor", "qcluster pusher")[index - self.workers])
            return self.known.get(proc.pid, "qcluster worker")
        return "qcluster worker"

    def sample(self) -> dict[int, tuple[str, int]]:
        """Return {pid: (role, PSS bytes)} for every live process of the tree."""
        procs = {proc.pid: proc for proc in self.processes()}
        for pid, proc in procs.items():
            self.seen.setdefault(pid, proc)  # psutil checks the creation time: a reused pid is never killed
        sample = {}
        for pid, proc in procs.items():
            try:
                if not proc.cmdline():  # a zombie, exited and not reaped yet
                    continue
                pss = proc.memory_full_info().pss
                sample[pid] = (self.role(proc, procs), pss)
            except (psutil.NoSuchProcess, psutil.AccessDenied, KeyError):
                pass
        return sample


def by_role(sample: dict[int, tuple[str, int]]) -> dict[str, int]:
    roles: dict[str, int] = defaultdict(int)
    for role, pss in sample.values():
        roles[role] += pss
    return dict(roles)


# The run.


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def genai_api_key() -> str:
    from tests.fakes.genai_server import API_KEY

    return API_KEY


def host_env(database: str, port: int, workdir: Path, genai_url: str, concurrent: str, side: int,
             bucket: dict[str, str], instance_memory: int = 0) -> dict[str, str]:
    """Return a production host's environment: debug off, every variable it then requires, the local fakes."""
    env = {name: value for name, value in os.environ.items()
           if not name.startswith(("DJANGO_", "HERA_", "STRIPE_", "EMAIL_", "GOOGLE_", "WEB_CONCURRENCY", "AWS_"))}
    base = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/hera")
    env.update(
        DJANGO_DEBUG="off",
        DJANGO_SECRET_KEY="bench-footprint-not-secret",
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        HERA_BASE_URL=f"http://127.0.0.1:{port}",
        HERA_ALLOW_HTTP="on",  # a private address: the bench has no TLS in front
        DATABASE_URL=base.rsplit("/", 1)[0] + f"/{database}",
        HERA_MEDIA_ROOT=str(workdir / "media"),
        HERA_GENERATOR="google",
        GOOGLE_API_KEY=genai_api_key(),
        HERA_IMAGE_SIZE=IMAGE_SIZES.get(side, "1K"),  # the size asked for matches the pictures served
        HERA_GENAI_BASE_URL=genai_url,
        STRIPE_SECRET_KEY="sk_test_bench_footprint",
        STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET,
        WEB_CONCURRENCY="1",
        PORT=str(port),
        HERA_LOG_LEVEL="INFO",
        # The fake answers in `--latency` s where Gemini takes 10–30 s: the per-minute cap would be what holds the
        # books back, and the memory's worst case is every slot in flight, so only HERA_PICTURE_CALLS_IN_FLIGHT acts.
        HERA_PICTURE_CALLS_PER_MINUTE="0",
        HERA_PICTURE_CALLS_FOLDER=str(workdir / "picture-calls"),
    )
    if concurrent:
        env["HERA_CONCURRENT_GENERATIONS"] = concurrent
    if instance_memory:
        env["HERA_INSTANCE_MEMORY_MB"] = str(instance_memory)  # auto, the memory guard and its threshold follow
    env.update(bucket)
    return env


def create_orders(count: int, pages: int) -> list:
    """Create `count` orders waiting for payment, each with the Checkout Session the webhook will name."""
    from orders.models import Order
    from orders.payments import order_price_cents

    return [
        Order.objects.create(
            email=f"parent{n}@example.com", child_name="Zoë", child_age=6, theme="space", language="fr",
            page_count=pages, stripe_session_id=f"cs_test_footprint_{n}", amount_cents=order_price_cents(pages),
            currency="eur",
        )
        for n in range(count)
    ]


def pay_at_once(orders: list, base: str) -> None:
    """Post each order's signed checkout.session.completed at the same moment; every answer must be 200."""
    from tests.fakes.stripe_api import checkout_session, stripe_event, stripe_signature

    payloads = []
    for order in orders:
        session = checkout_session(
            id=order.stripe_session_id, client_reference_id=order.token, metadata={"order_token": order.token},
            payment_status="paid", status="complete", mode="payment", livemode=False,
            amount_total=order.amount_cents, currency=order.currency, payment_intent=f"pi_footprint_{order.pk}",
        )
        payloads.append(json.dumps(stripe_event("checkout.session.completed", session)).encode())
    barrier = threading.Barrier(len(payloads))
    answers: list[int] = []

    def post(payload: bytes) -> None:
        request = urllib.request.Request(
            f"{base}/stripe/webhook/", data=payload, method="POST",
            headers={"Content-Type": "application/json", "Stripe-Signature": stripe_signature(payload, WEBHOOK_SECRET)},
        )
        barrier.wait()
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                answers.append(response.status)
        except urllib.error.HTTPError as exc:
            answers.append(exc.code)

    threads = [threading.Thread(target=post, args=(payload,)) for payload in payloads]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if answers != [200] * len(payloads):
        sys.exit(f"the webhook answered {answers}")


def books_state(orders: list) -> tuple[int, list[str]]:
    """Return how many of the orders are done, and the errors of those that failed."""
    from orders.models import Order

    statuses = dict(Order.objects.filter(pk__in=[o.pk for o in orders]).values_list("pk", "status"))
    failed = Order.objects.filter(pk__in=[o.pk for o in orders], status="failed").values_list("last_error", flat=True)
    return sum(status == "done" for status in statuses.values()), list(failed)


def download_problems(orders: list, base: str) -> list[str]:
    """Open each book as a parent would (Hera's link answers 302 to a signed URL, which must give the PDF); return
    what went wrong, if anything (this runs in a thread, where sys.exit would end only the thread)."""

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    for order in orders:
        try:
            opener.open(f"{base}/orders/{order.token}/book.pdf", timeout=30)
            return ["the book link did not redirect to the bucket"]
        except urllib.error.HTTPError as answer:
            if answer.code != 302:
                return [f"the book link answered {answer.code}"]
            with urllib.request.urlopen(answer.headers["Location"], timeout=30) as signed:
                if signed.read(5) != b"%PDF-":
                    return ["the signed link did not give a PDF"]
    return []


@dataclass
class Peak:
    """The tree's highest total PSS, and each role's own highest, over the samples added."""

    total: int = 0
    roles: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    at_peak: dict[int, tuple[str, int]] = field(default_factory=dict)  # the sample at the tree's peak
    seconds: float = 0.0  # when it came, from the payments
    started: float = field(default_factory=time.monotonic)

    def add(self, sample: dict[int, tuple[str, int]]) -> None:
        total = sum(pss for _, pss in sample.values())
        if total > self.total:
            self.total, self.at_peak, self.seconds = total, dict(sample), time.monotonic() - self.started
        for role, pss in by_role(sample).items():
            self.roles[role] = max(self.roles[role], pss)


CPU_CGROUP_V1 = Path("/sys/fs/cgroup/cpu")
CFS_PERIOD_US = 100_000


class CpuQuota:
    """A cgroup v1 `cpu` group limiting the processes put in it to `fraction` of one CPU (CFS quota), as Render's
    free plan gives an instance a tenth of one; the tree's processes inherit it from `manage.py serve`."""

    def __init__(self, fraction: float):
        self.folder = CPU_CGROUP_V1 / f"hera-footprint-{os.getpid()}"
        try:
            self.folder.mkdir()
            (self.folder / "cpu.cfs_period_us").write_text(str(CFS_PERIOD_US))
            (self.folder / "cpu.cfs_quota_us").write_text(str(int(CFS_PERIOD_US * fraction)))
        except OSError as exc:
            sys.exit(f"--cpu {fraction} needs a writable cgroup v1 cpu controller at {CPU_CGROUP_V1} ({exc})")

    def add(self, pid: int) -> None:
        (self.folder / "cgroup.procs").write_text(str(pid))

    def remove(self) -> None:
        for pid in (self.folder / "cgroup.procs").read_text().split():
            with contextlib.suppress(OSError):
                (CPU_CGROUP_V1 / "cgroup.procs").write_text(pid)
        with contextlib.suppress(OSError):
            self.folder.rmdir()


def books_at_once(args) -> int:
    """Return the books the instance makes at once (HERA_CONCURRENT_GENERATIONS as the tree will compute it)."""
    from hera import instance

    limit = instance.MemoryLimit(args.instance_memory, "bench") if args.instance_memory else instance.memory_limit()
    return instance.generations_in_force(args.concurrent, instance.BOOK_MEMORY_MB, limit).count


def measure(args, database: str, workdir: Path, genai_url: str, bucket: dict[str, str]) -> dict:
    """Run one single-instance tree through idle, N payments and their books; return its figures."""
    from tests.test_make_run import get  # after django.setup(): the tests' helpers import the models

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = host_env(database, port, workdir, genai_url, args.concurrent, args.picture_px, bucket, args.instance_memory)
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    log_path = workdir / "serve.log"
    with open(log_path, "wb") as log:
        serve = subprocess.Popen([sys.executable, "manage.py", "serve"], cwd=ROOT, env=env, stdout=log,
                                 stderr=subprocess.STDOUT, start_new_session=True)
    quota = CpuQuota(args.cpu) if args.cpu else None
    if quota:
        quota.add(serve.pid)  # before it forks anything: every process of the tree is in the group
    workers = books_at_once(args)
    tree = Tree(serve.pid, workers=workers)
    try:
        slower = 1 / min(1.0, args.cpu or 1.0)  # a tenth of a CPU: everything takes up to ten times longer
        deadline = time.monotonic() + 120 * slower
        while True:
            if serve.poll() is not None or time.monotonic() > deadline:
                sys.exit(f"`manage.py serve` did not start; see {log_path}:\n{log_path.read_text()[-3000:]}")
            try:
                if get(base + "/healthz") == 200:
                    break
            except OSError:
                pass
            time.sleep(0.3)
        time.sleep(IDLE_SETTLE_SECONDS * slower)
        idle_samples = []
        for _ in range(IDLE_SAMPLES):
            idle_samples.append(tree.sample())
            time.sleep(SAMPLE_SECONDS)
        idle = min(idle_samples, key=lambda sample: sum(pss for _, pss in sample.values()))
        orders = create_orders(args.orders, args.pages)
        peak = Peak()
        started = time.monotonic()
        pay_at_once(orders, base)
        while True:
            peak.add(tree.sample())
            done, failed = books_state(orders)
            if failed:
                sys.exit(f"a book failed: {failed}; see {log_path}")
            if done == len(orders):
                break
            if serve.poll() is not None or time.monotonic() - started > args.timeout:
                sys.exit(f"the books were not done in {args.timeout} s; see {log_path}")
            time.sleep(SAMPLE_SECONDS)
        seconds = time.monotonic() - started
        if bucket:
            problems: list[str] = []
            downloads = threading.Thread(target=lambda: problems.extend(download_problems(orders, base)))
            downloads.start()
            while downloads.is_alive() or time.monotonic() - started < seconds + 2:
                peak.add(tree.sample())
                time.sleep(SAMPLE_SECONDS)
            if problems:
                sys.exit(problems[0])
        stop_started = time.monotonic()
        serve.send_signal(signal.SIGTERM)
        serve.wait(timeout=60 * slower)
        stopped_in = time.monotonic() - stop_started
        if stopped_in > 10:
            print(f"slow stop ({stopped_in:.1f} s); the end of the log:\n" + "\n".join(
                log_path.read_text(errors="replace").splitlines()[-25:]))
    finally:
        if serve.poll() is None:
            os.killpg(serve.pid, signal.SIGKILL)
            serve.wait()
        if quota:
            quota.remove()
        for proc in tree.seen.values():  # children in sessions of their own that outlived a failed run
            try:
                proc.kill()
            except psutil.NoSuchProcess:
                pass
    counts: dict[str, int] = defaultdict(int)
    for role, _ in idle.values():
        counts[role] += 1
    return {
        "idle": sum(pss for _, pss in idle.values()), "idle_roles": by_role(idle), "idle_counts": dict(counts),
        "peak": peak.total, "peak_roles": dict(peak.roles), "seconds": seconds, "stopped_in": stopped_in,
        "at_peak": sorted((pss for role, pss in peak.at_peak.values() if role == "qcluster worker"), reverse=True),
        "peak_seconds": peak.seconds,
        "exit_code": serve.returncode, "processes": len(idle),
    }


def machine() -> str:
    import platform

    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    return (f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {platform.node()}: {psutil.cpu_count()} cores, "
            f"{psutil.virtual_memory().total / 1024**3:.0f} GB, Linux {platform.release()}, Python "
            f"{platform.python_version()}, load average {load}")


def report(args, result: dict) -> None:
    print(f"\n{machine()}")
    roles = sorted(set(result["idle_roles"]) | set(result["peak_roles"]),
                   key=lambda role: -result["peak_roles"].get(role, 0))
    print(f"{args.orders} orders of {args.pages} pages paid at once, "
          f"HERA_CONCURRENT_GENERATIONS={args.concurrent or 'default'} ({books_at_once(args)} at once), "
          f"instance memory {args.instance_memory or 'the machine'} MB, CPU {args.cpu or 'the machine'}, "
          f"{args.answers} answers, storage {args.storage}: done in {result['seconds']:.1f} s, "
          f"{result['processes']} processes idle; SIGTERM stopped the tree in {result['stopped_in']:.1f} s "
          f"(exit code {result['exit_code']})")
    print(f"{'process':24}{'idle PSS MB':>14}{'peak PSS MB':>14}")
    for role in roles:
        count = result["idle_counts"].get(role, 0)
        label = f"{role} x{count}" if count > 1 else role
        idle, peak = result["idle_roles"].get(role, 0) / MB, result["peak_roles"].get(role, 0) / MB
        print(f"{label:24}{idle:>14.1f}{peak:>14.1f}")
    print(f"{'whole tree':24}{result['idle'] / MB:>14.1f}{result['peak'] / MB:>14.1f}")
    print(f"the tree's peak came {result['peak_seconds']:.1f} s after the payments, the book workers then at "
          + ", ".join(f"{pss / MB:.1f}" for pss in result["at_peak"]) + " MB")
    at_once = books_at_once(args)
    peak_target = TARGETS_MB["peak" if at_once == 1 else "peak with 2 at once" if at_once == 2
                             else "peak with 3 at once, a bucket, 2K JPEG"]
    print(f"targets: idle <= {TARGETS_MB['idle']} MB, peak <= {peak_target} MB "
          f"(each row's peak is its own maximum, not at the whole tree's peak)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=2)
    parser.add_argument("--pages", type=int, default=24)
    parser.add_argument("--latency", type=float, default=1.0, help="seconds the fake Gemini takes per answer")
    parser.add_argument("--picture-px", type=int, default=2048, help="side of the pictures (HERA_IMAGE_SIZE to match)")
    parser.add_argument("--answers", choices=ANSWERS, default="jpeg", help="what the image model answers")
    parser.add_argument("--concurrent", default="", help="HERA_CONCURRENT_GENERATIONS (a number or auto)")
    parser.add_argument("--instance-memory", type=int, default=0,
                        help="HERA_INSTANCE_MEMORY_MB: the instance's memory as its host limits it (512: Render free)")
    parser.add_argument("--cpu", type=float, default=0.0,
                        help="the tree's share of one CPU through a cgroup CFS quota (0.1: Render's free plan)")
    parser.add_argument("--runs", type=int, default=1, help="runs; the one with the median peak is printed")
    parser.add_argument("--timeout", type=float, default=600)
    parser.add_argument("--storage", choices=["disk", "bucket"], default="disk", help="where pages and books go")
    args = parser.parse_args()
    setup_django()
    fake = start_fake_gemini(args.latency, args.picture_px, args.answers)
    s3, bucket = start_bucket() if args.storage == "bucket" else (None, {})
    results = []
    try:
        with bench_database("footprint") as database, tempfile.TemporaryDirectory(prefix="hera-footprint-") as tmp:
            for run in range(args.runs):
                if run:
                    from orders.models import Order

                    Order.objects.all().delete()
                workdir = Path(tmp) / f"run-{run}"
                workdir.mkdir()
                results.append(measure(args, database, workdir, fake.base_url, bucket))
                print(f"run {run + 1}: idle {results[-1]['idle'] / MB:.1f} MB, peak {results[-1]['peak'] / MB:.1f} MB")
    finally:
        fake.stop()
        if s3:
            s3.stdin.close()
            s3.wait(timeout=10)
    report(args, median_run(results))


if __name__ == "__main__":
    main()
