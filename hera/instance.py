"""How many books the instance can make at once, from the memory it is allowed (HERA_CONCURRENT_GENERATIONS=auto).

Standard library only: settings import it, and so does every process (the web, the supervisor-less worker cluster).
"""

from dataclasses import dataclass
from pathlib import Path

MB = 1024 * 1024
# What the whole single instance holds before any book (bench/footprint.py: 94 MB with the defaults), rounded up for
# what the web gathers while it serves.
IDLE_FOOTPRINT_MB = 110
# What one more book adds at its peak, three pages at a time (bench/footprint.py): about 70 MB when the image model
# answers 1024 px pictures (1.5 MB), about 200 MB for 2048 px ones (each decoded at 12 MB, its answer held as JSON,
# base64 and bytes); 256 leaves a margin, and makes a 512 MB instance, the smallest paid one, make one book at a time.
BOOK_MEMORY_MB = 256

CGROUP_ROOT = Path("/sys/fs/cgroup")
PROC_SELF_CGROUP = Path("/proc/self/cgroup")
PROC_MEMINFO = Path("/proc/meminfo")


@dataclass(frozen=True)
class MemoryLimit:
    mb: int
    source: str  # where the figure comes from, for the admin and the log


def memory_limit(cgroup_root: Path = CGROUP_ROOT, self_cgroup: Path = PROC_SELF_CGROUP,
                 meminfo: Path = PROC_MEMINFO) -> MemoryLimit:
    """Return the memory this process may use: the tightest cgroup v2 memory.max above it, else the total memory."""
    total = MemoryLimit(total_memory_mb(meminfo), "total memory")
    limits = [limit for limit in cgroup_limits(cgroup_root, self_cgroup) if limit.mb < total.mb]
    return min(limits, key=lambda limit: limit.mb, default=total)


def cgroup_limits(cgroup_root: Path, self_cgroup: Path) -> list[MemoryLimit]:
    """Return the memory.max of this process's cgroup v2 and of each of its parents that sets one."""
    try:
        lines = self_cgroup.read_text().splitlines()
    except OSError:
        return []
    path = next((line[3:] for line in lines if line.startswith("0::")), None)
    if path is None:  # cgroup v1 only
        return []
    folder = cgroup_root / path.strip("/")
    limits = []
    while True:
        try:
            value = (folder / "memory.max").read_text().strip()
        except OSError:
            value = "max"
        if value.isdigit():
            limits.append(MemoryLimit(int(value) // MB, f"cgroup memory.max {int(value) // MB} MB"))
        if folder == cgroup_root or cgroup_root not in folder.parents:
            return limits
        folder = folder.parent


def total_memory_mb(meminfo: Path) -> int:
    for line in meminfo.read_text().splitlines():
        if line.startswith("MemTotal:"):
            return int(line.split()[1]) // 1024  # the kernel writes kB
    raise ValueError(f"{meminfo} has no MemTotal line")


def auto_generations(limit: MemoryLimit, book_mb: int, idle_mb: int = IDLE_FOOTPRINT_MB) -> tuple[int, str]:
    """Return how many books fit at once beside the idle instance (at least one), and how that was reckoned."""
    count = max(1, (limit.mb - idle_mb) // book_mb)
    total = "total memory " + f"{limit.mb} MB" if limit.source == "total memory" else limit.source
    return count, f"auto: ({total} - {idle_mb} MB idle) / {book_mb} MB per book (HERA_BOOK_MEMORY_MB)"
