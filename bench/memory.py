"""Peak memory of the worker process tree while it makes a 24-page book: Hera's way against the first version's.

Usage: .venv/bin/python bench/memory.py [--pages 24] [--runs 3] [--modes streaming,naive] [--size 2K] [--format jpeg]
       [--storage disk|bucket]

Each way runs in a real `manage.py qcluster` tree (SQLite in a temporary folder) that claims one queued order. The
image model is replaced by pictures like the ones it returns: square pictures of the HERA_IMAGE_SIZE asked (2K:
2048 px) as JPEG or PNG, with grain so they do not compress. The peak is the sum of PSS (shared pages split fairly)
over the whole tree, sampled every 50 ms.

- streaming: the real build path (generation.book.build_book, HERA_IMAGE_CONCURRENCY pages at once), each answer
  turned into a JPEG file by the Google backend's own `save_picture`, drawn into the PDF by path.
- `--storage bucket`: pages and the PDF go to an S3 bucket (moto's server with S3's signature checks, in a process
  of its own, outside the measured tree) through django-storages, as with AWS_STORAGE_BUCKET_NAME set.
- naive: the first version: every page kept in memory as PNG bytes and a decoded PIL image, drawn with
  ImageReader, the PDF assembled in memory and saved at the end.
"""

import argparse
import io
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
MB = 1024 * 1024
SAMPLE_SECONDS = 0.05
MODES = {"streaming": "streaming (Hera)", "naive": "naive (v1)"}
GRAIN_SIGMA = 3  # gives PNGs of about 1.5 MB, like an image model's answers


# What runs inside the worker (imported by dotted path from the qcluster process).


class GrainyModelGenerator:
    """The offline story, and pictures as an image model answers them, saved by the Google backend.

    Like the Google generator, it takes the hero's reference picture for pages 2..n (read as a request would).
    """

    uses_reference = True

    def write_story(self, request):
        from generation.offline import OfflineGenerator

        return OfflineGenerator(page_seconds=0).write_story(request)

    def illustrate_page(self, request, story, page_index, out_path, reference=None):
        from generation.google import save_picture

        if reference is not None:
            reference.read_bytes()  # sent inline with the request
        save_picture(model_picture(page_index).read_bytes(), Path(out_path))  # the bytes of the model's answer


def model_picture(page_index: int) -> Path:
    folder = Path(os.environ["HERA_BENCH_MODEL_DIR"])
    return next(folder.glob(f"page-{page_index + 1:02d}.*"))


def naive_build_book(request, generator, *, work_prefix, book_name, story=None, on_story=None, on_page_done=None,
                     storage=None, concurrency=None, preview_prefix=None, on_previews=None):
    """The first version: all pages in memory (PNG bytes and PIL images), ImageReader, the PDF built in memory."""
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage
    from PIL import Image
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen.canvas import Canvas

    from generation.book import BookResult
    from generation.pdf import PAGE

    storage = storage or default_storage
    if story is None:
        story = generator.write_story(request)
        if on_story:
            on_story(story)
    answers, images = [], []
    for index in range(request.page_count):
        data = model_picture(index).read_bytes()
        answers.append(data)
        images.append(Image.open(io.BytesIO(data)).convert("RGB"))
        if on_page_done:
            on_page_done(index + 1)
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=(PAGE, PAGE))
    canvas.drawString(72, PAGE / 2, story.title)
    canvas.showPage()
    for text, image in zip(story.pages, images, strict=True):
        canvas.drawImage(ImageReader(image), 0, 0, width=PAGE, height=PAGE)
        canvas.drawString(72, 72, text[:80])
        canvas.showPage()
    canvas.save()
    name = storage.save(book_name, ContentFile(buffer.getvalue()))
    return BookResult(pdf_name=name, story=story, pages_drawn=request.page_count, pages_reused=0)


def queue_order(pages: int) -> None:
    """Queue one test order (run before the worker starts, as the web process would)."""
    import django

    django.setup()
    from orders import queue
    from orders.models import Kind, Order

    order = Order.objects.create(email="bench@example.com", child_name="Zoë-Chloé", child_age=6, theme="space",
                                 language="fr", page_count=pages, kind=Kind.TEST)
    queue.order_enqueue(order, actor="bench")


def run_worker(mode: str) -> None:
    """Become `manage.py qcluster` with the bench's image model, and for "naive" the first version's build."""
    import django

    django.setup()
    from django.core.management import call_command

    from generation import backends
    from orders import tasks
    from orders.apps import freeze_for_forks

    backends.GENERATORS["offline"] = "bench.memory.GrainyModelGenerator"
    if mode == "naive":
        tasks.build_book = naive_build_book
    freeze_for_forks()  # as orders.apps does for `manage.py qcluster`
    call_command("qcluster")


# The measuring side.


def make_model_pictures(folder: Path, pages: int, side: int = 1024, fmt: str = "png") -> float:
    """Write `pages` grainy `side`-px pictures as PNG or JPEG (like an image model's answers); return the mean MB."""
    from PIL import Image, ImageChops

    from generation.base import BookRequest
    from generation.offline import draw_page

    folder.mkdir(parents=True, exist_ok=True)
    request = BookRequest(child_name="Zoë", child_age=6, theme="space", language="fr", page_count=pages, seed=7)
    sizes = []
    for index in range(pages):
        grain = Image.merge("RGB", [Image.effect_noise((side, side), GRAIN_SIGMA) for _ in range(3)])
        page = draw_page(request, index).resize((side, side))
        picture = ImageChops.add(page, grain, scale=1.0, offset=-128)
        path = folder / f"page-{index + 1:02d}.{fmt}"
        picture.save(path, **({"quality": 90} if fmt == "jpeg" else {}))
        sizes.append(path.stat().st_size)
    return sum(sizes) / len(sizes) / MB


def tree_pss(root: psutil.Process) -> int:
    total = 0
    for proc in [root, *root.children(recursive=True)]:
        try:
            total += proc.memory_full_info().pss
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            pass
    return total


def order_status(db_path: Path) -> str | None:
    try:
        with sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=1) as db:
            row = db.execute("SELECT status FROM orders_order ORDER BY id DESC LIMIT 1").fetchone()
    except sqlite3.Error:
        return None
    return row[0] if row else None


def watch_until_done(proc: subprocess.Popen, run_dir: Path, started: float, limit: float) -> tuple[int, float]:
    """Sample the worker tree's PSS until the run's order is done; return the peak and the seconds since `started`."""
    root = psutil.Process(proc.pid)
    peak = 0
    while order_status(run_dir / "db.sqlite3") != "done":
        if proc.poll() is not None or time.monotonic() - started > limit:
            raise RuntimeError(f"the worker stopped or took too long; see {run_dir / 'qcluster.log'}")
        peak = max(peak, tree_pss(root))
        time.sleep(SAMPLE_SECONDS)
    return peak, time.monotonic() - started


def measure(mode: str, pages: int, workdir: Path, model_dir: Path, size: str = "2K", bucket: dict | None = None) -> dict:
    """Run one qcluster tree until its book is done; return its peak and idle PSS (bytes), time and PDF size."""
    run_dir = workdir / mode
    run_dir.mkdir(parents=True)
    env = {
        **os.environ,
        **(bucket or {}),
        "DJANGO_SETTINGS_MODULE": "hera.settings",
        "DJANGO_DEBUG": "on",
        "DATABASE_URL": f"sqlite:///{run_dir / 'db.sqlite3'}",
        "HERA_MEDIA_ROOT": str(run_dir / "media"),
        "HERA_GENERATOR": "offline",
        "HERA_LOG_LEVEL": "WARNING",
        "HERA_BENCH_MODEL_DIR": str(model_dir),
        "HERA_IMAGE_SIZE": size,
        "PYTHONPATH": str(ROOT),
    }
    env.pop("GOOGLE_API_KEY", None)
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    python = [sys.executable, "-c"]
    subprocess.run([*python, f"from bench.memory import queue_order; queue_order({pages})"], cwd=ROOT, env=env,
                   check=True, capture_output=True)
    log = open(run_dir / "qcluster.log", "wb")
    proc = subprocess.Popen(
        [*python, f"from bench.memory import run_worker; run_worker({mode!r})"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    try:
        peak, seconds = watch_until_done(proc, run_dir, time.monotonic(), limit=600)
        time.sleep(3)  # the worker process is recycled after the book: what the idle tree holds
        idle = tree_pss(psutil.Process(proc.pid))
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        log.close()
    if bucket:
        return {"peak": peak, "idle": idle, "seconds": seconds, "pdf": newest_book_size(bucket)}
    pdfs = list((run_dir / "media" / "books").glob("*.pdf"))
    return {"peak": peak, "idle": idle, "seconds": seconds, "pdf": pdfs[0].stat().st_size if pdfs else 0}


def start_bucket() -> tuple[subprocess.Popen, dict]:
    """Start moto's S3 server (tests/fakes/s3_server.py) in its own process; return it and the variables for Hera."""
    from tests.fakes.s3_server import ACCESS_KEY, BUCKET, REGION, SECRET_KEY

    proc = subprocess.Popen([sys.executable, "-m", "tests.fakes.s3_server"], cwd=ROOT, stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True)
    endpoint = proc.stdout.readline().strip()
    return proc, {"AWS_STORAGE_BUCKET_NAME": BUCKET, "AWS_S3_ENDPOINT_URL": endpoint, "AWS_S3_REGION_NAME": REGION,
                  "AWS_ACCESS_KEY_ID": ACCESS_KEY, "AWS_SECRET_ACCESS_KEY": SECRET_KEY}


def newest_book_size(bucket: dict) -> int:
    import boto3

    client = boto3.client("s3", endpoint_url=bucket["AWS_S3_ENDPOINT_URL"], region_name=bucket["AWS_S3_REGION_NAME"],
                          aws_access_key_id=bucket["AWS_ACCESS_KEY_ID"],
                          aws_secret_access_key=bucket["AWS_SECRET_ACCESS_KEY"])
    books = client.list_objects_v2(Bucket=bucket["AWS_STORAGE_BUCKET_NAME"], Prefix="books/").get("Contents", [])
    return max(books, key=lambda item: item["LastModified"])["Size"] if books else 0


def median_run(runs: list[dict]) -> dict:
    """Return the run whose peak is the median (the lower one for an even count)."""
    return sorted(runs, key=lambda run: run["peak"])[(len(runs) - 1) // 2]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=24)
    parser.add_argument("--runs", type=int, default=1, help="runs of each way; the table shows the median run")
    parser.add_argument("--modes", default=",".join(MODES), help=f"comma-separated, from {', '.join(MODES)}")
    parser.add_argument("--size", default="2K", choices=["1K", "2K", "4K"], help="HERA_IMAGE_SIZE of the answers")
    parser.add_argument("--format", default="jpeg", choices=["jpeg", "png"], help="how the image model answers")
    parser.add_argument("--storage", choices=["disk", "bucket"], default="disk", help="where pages and books go")
    args = parser.parse_args()
    modes = [mode for mode in args.modes.split(",") if mode in MODES]
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hera.settings")
    runs: dict[str, list[dict]] = {mode: [] for mode in modes}
    s3, bucket = start_bucket() if args.storage == "bucket" else (None, None)
    try:
        with tempfile.TemporaryDirectory(prefix="hera-bench-") as tmp:
            workdir = Path(tmp)
            side = {"1K": 1024, "2K": 2048, "4K": 4096}[args.size]
            mean = make_model_pictures(workdir / "model", args.pages, side, args.format)
            print(f"{args.pages} pages, model answers: {side} px {args.format.upper()}, {mean:.2f} MB each on average; "
                  f"storage: {args.storage}")
            for run in range(args.runs):
                for mode in modes:
                    runs[mode].append(
                        measure(mode, args.pages, workdir / f"run-{run}", workdir / "model", args.size, bucket)
                    )
    finally:
        if s3:
            s3.stdin.close()
            s3.wait(timeout=10)
    results = {mode: median_run(runs[mode]) for mode in modes}
    print(f"{'':28}" + "".join(f"{MODES[mode]:>22}" for mode in modes))
    rows = [
        ("peak PSS, worker tree (MB)", "peak", MB, "{:.1f}"),
        ("idle PSS after book (MB)", "idle", MB, "{:.1f}"),
        ("time to done (s)", "seconds", 1, "{:.1f}"),
        ("PDF size (MB)", "pdf", MB, "{:.1f}"),
    ]
    for label, key, unit, fmt in rows:
        print(f"{label:28}" + "".join(f"{fmt.format(results[mode][key] / unit):>22}" for mode in modes))
    if args.runs > 1:
        for mode in modes:
            peaks = ", ".join(f"{run['peak'] / MB:.1f}" for run in runs[mode])
            print(f"{MODES[mode]} peaks of the {args.runs} runs (MB): {peaks}")
    if "naive" in results:
        for mode in modes:
            if mode != "naive":
                print(f"{MODES[mode]} peak / naive peak: {results[mode]['peak'] / results['naive']['peak']:.2f}")


if __name__ == "__main__":
    main()
