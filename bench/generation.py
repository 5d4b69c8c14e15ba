"""A 24-page book through the Google path against the strict fake Gemini server: wall time and worker-tree memory.

Usage: .venv/bin/python bench/generation.py [--pages 24] [--seconds 1] [--concurrency 1,3] [--runs 1] [--format jpeg]

The fake (tests/fakes/genai_server.py, started here with `serve`) answers like Gemini 3 models: the story as JSON,
then 2K (2048 px) pictures after `--seconds` each, checked field by field against the v1beta definitions. A real
`manage.py qcluster` tree (SQLite in a temporary folder, HERA_GENERATOR=google, the real google-genai SDK) claims
one queued order with HERA_IMAGE_CONCURRENCY set to each value. Wall time runs from the worker's start to `done`;
the peak is the sum of PSS over the whole tree, sampled every 50 ms (bench/memory.py's sampler).
"""

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.memory import MB, median_run, watch_until_done  # noqa: E402
from tests.fakes.genai_server import API_KEY, serve  # noqa: E402


def measure(concurrency: int, pages: int, run_dir: Path, base_url: str) -> dict:
    """Run one worker tree until its book is done; return wall seconds, peak PSS and page requests seen."""
    run_dir.mkdir(parents=True)
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("HERA_", "GOOGLE_", "DATABASE_URL"))},
        "DJANGO_SETTINGS_MODULE": "hera.settings",
        "DJANGO_DEBUG": "on",
        "DATABASE_URL": f"sqlite:///{run_dir / 'db.sqlite3'}",
        "HERA_MEDIA_ROOT": str(run_dir / "media"),
        "GOOGLE_API_KEY": API_KEY,
        "HERA_GENAI_BASE_URL": base_url,
        "HERA_IMAGE_CONCURRENCY": str(concurrency),
        "HERA_LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT),
    }
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    subprocess.run([sys.executable, "-c", f"from bench.memory import queue_order; queue_order({pages})"], cwd=ROOT,
                   env=env, check=True, capture_output=True)
    log = open(run_dir / "qcluster.log", "wb")
    started = time.monotonic()
    proc = subprocess.Popen([sys.executable, "manage.py", "qcluster"], cwd=ROOT, env=env, stdout=log,
                            stderr=subprocess.STDOUT, start_new_session=True)
    try:
        peak, seconds = watch_until_done(proc, run_dir, started, limit=900)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        log.close()
    return {"seconds": seconds, "peak": peak}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=24)
    parser.add_argument("--seconds", type=float, default=1.0, help="the fake image model's time per picture")
    parser.add_argument("--concurrency", default="1,3", help="HERA_IMAGE_CONCURRENCY values, comma-separated")
    parser.add_argument("--runs", type=int, default=1, help="runs of each; the table shows the median-peak run")
    parser.add_argument("--format", default="jpeg", choices=["jpeg", "png"], help="how the fake answers pictures")
    args = parser.parse_args()
    levels = [int(value) for value in args.concurrency.split(",")]
    server = serve(picture_seconds=args.seconds, picture_mime=f"image/{args.format}")
    try:
        with tempfile.TemporaryDirectory(prefix="hera-bench-generation-") as tmp:
            runs = {level: [] for level in levels}
            for run in range(args.runs):
                for level in levels:
                    before = len(server.generate_requests())
                    result = measure(level, args.pages, Path(tmp) / f"run-{run}-c{level}", server.base_url)
                    result["requests"] = len(server.generate_requests()) - before
                    runs[level].append(result)
    finally:
        server.stop()
    print(f"{args.pages} pages, fake image model: {args.seconds:g} s per 2048 px {args.format.upper()} picture")
    print(f"{'HERA_IMAGE_CONCURRENCY':>24}{'wall time to done (s)':>24}{'peak PSS, tree (MB)':>22}{'API calls':>11}")
    for level in levels:
        best = median_run(runs[level])
        print(f"{level:>24}{best['seconds']:>24.1f}{best['peak'] / MB:>22.1f}{best['requests']:>11}")
        if args.runs > 1:
            peaks = ", ".join(f"{r['peak'] / MB:.1f}" for r in runs[level])
            walls = ", ".join(f"{r['seconds']:.1f}" for r in runs[level])
            print(f"{'':>24}runs: {walls} s; peaks {peaks} MB")


if __name__ == "__main__":
    main()
