"""Run Hera's processes side by side in the foreground; stop them all when one exits, on SIGTERM or on Ctrl-C.

`manage.py serve` hands over to this script by exec: the standard library only, so the process that waits on the
others holds a few megabytes instead of a whole Django (bench/footprint.py).

    python hera/supervisor.py '{"web server": ["python", "-m", "gunicorn", ...], "worker": [...]}'
"""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from hera import stopping  # noqa: E402  (the standard library only, like this script)

POLL_SECONDS = 0.2


def main(argv: list[str]) -> int:
    """Start each named command in a session of its own, wait, stop them all; return the exit code to use."""
    commands: dict[str, list[str]] = json.loads(argv[1])
    stop_asked = False

    def stop(signum, frame):
        nonlocal stop_asked
        stop_asked = True

    # Handlers first: the children run in sessions of their own, so an early Ctrl-C must not leave them behind.
    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    children = {name: subprocess.Popen(command, start_new_session=True) for name, command in commands.items()}
    exit_code = 0
    while not stop_asked:
        exited = [name for name, child in children.items() if child.poll() is not None]
        if exited:
            exit_code = children[exited[0]].returncode or 1
            print(f"The {exited[0]} exited; stopping Hera.", file=sys.stderr, flush=True)
            break
        time.sleep(POLL_SECONDS)
    # SIGTERM to each leader only: each stops its own children in order (qcluster its sentinel, pusher, workers and
    # monitor; gunicorn its web workers and the worker cluster); a signal to a whole group would kill them out of order.
    # They share one budget, HERA_STOP_GRACE_SECONDS from now: this script kills what is left just before it ends,
    # before the platform's own SIGKILL (its wait set to the same number: render.yaml's maxShutdownDelaySeconds).
    began = time.monotonic()
    for child in children.values():
        if child.poll() is None:
            child.terminate()
    deadline = began + stopping.grace_seconds() - stopping.SUPERVISOR_RESERVE_SECONDS
    for child in children.values():
        try:
            child.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
        kill_group(child.pid)
    return exit_code


def kill_group(pgid: int) -> None:
    """Kill whatever the child left behind in its process group (a worker stuck in a book, a resource tracker)."""
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


if __name__ == "__main__":
    sys.exit(main(sys.argv))
