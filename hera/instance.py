"""How many books the instance can make at once, from the memory it is allowed (HERA_CONCURRENT_GENERATIONS=auto).

Standard library only: settings import it, and so does every process (the web, the supervisor-less worker cluster).
The figures below are measured by bench/footprint.py (bench/RESULTS.md, "Three books at once").
"""

import os
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

MB = 1024 * 1024
# What the whole single instance holds before any book (bench/footprint.py, a bucket: 100–107 MB), rounded up for
# what the web gathers while it serves.
IDLE_FOOTPRINT_MB = 110
# What each book adds at its peak in the worst realistic case, measured (bench/footprint.py --storage bucket
# --concurrent 3 --orders 3, bench/RESULTS.md): 100 MB with 2K PNG answers, the heaviest an image model sends for an
# illustration (403 MB for the instance with three books, 102 MB idle); 85 MB with 2K JPEG answers; 115 MB with PNGs
# of pure noise, the upper bound of a 2K answer. A margin of a quarter on the realistic worst case covers what the
# bench cannot know (a slower CPU keeps answers in memory longer, a real model's answers vary): 125 MB. A 512 MB
# instance, Render's free plan, then makes three books at once: (512 - 110) // 125 = 3, their measured worst case
# (403 MB, 445 with the noise) under the memory guard's threshold (90 %: 460 MB).
BOOK_MEMORY_MB = 125
# What one picture answer adds to a book worker while it arrives and is written, for the largest answer of each size
# (2K measured: 37 MB for a 2K PNG of noise, 29 MB for an illustration as PNG, nothing for a JPEG one written as it
# came; 40 with a margin; the others scaled by their pixels).
ANSWER_MEMORY_MB = {"1K": 10, "2K": 40, "4K": 160}

PROC_SELF_CGROUP = Path("/proc/self/cgroup")
PROC_MOUNTINFO = Path("/proc/self/mountinfo")
PROC_MEMINFO = Path("/proc/meminfo")
CGROUP_V2_FILE = "memory.max"
CGROUP_V1_FILE = "memory.limit_in_bytes"


@dataclass(frozen=True)
class MemoryLimit:
    mb: int
    source: str  # where the figure comes from, for the admin and the log


class Generations(NamedTuple):
    """The number of books made at once, and where it came from (the live queue and the worker's heartbeat say it)."""

    count: int
    source: str


def memory_limit(mountinfo: Path = PROC_MOUNTINFO, self_cgroup: Path = PROC_SELF_CGROUP,
                 meminfo: Path = PROC_MEMINFO, declared_mb: str | None = None) -> MemoryLimit:
    """Return the memory this process may use: HERA_INSTANCE_MEMORY_MB if set, else the tightest cgroup limit above
    it (v2 memory.max or v1 memory.limit_in_bytes), else the total memory."""
    declared = os.environ.get("HERA_INSTANCE_MEMORY_MB", "").strip() if declared_mb is None else declared_mb
    if declared:
        if not declared.isdigit() or int(declared) < 64:
            raise ValueError(f"HERA_INSTANCE_MEMORY_MB must be a number of MB, at least 64, not {declared!r}.")
        return MemoryLimit(int(declared), f"HERA_INSTANCE_MEMORY_MB {int(declared)} MB")
    total = MemoryLimit(total_memory_mb(meminfo), "total memory")
    limits = [limit for limit in cgroup_limits(mountinfo, self_cgroup) if limit.mb < total.mb]
    return min(limits, key=lambda limit: limit.mb, default=total)


def cgroup_mounts(mountinfo: Path) -> tuple[tuple[Path, str] | None, tuple[Path, str] | None]:
    """Return (mount point, root within the hierarchy) of the cgroup v2 hierarchy and of the v1 memory controller."""
    v2 = v1 = None
    try:
        lines = mountinfo.read_text().splitlines()
    except OSError:
        return None, None
    for line in lines:
        # "36 25 0:32 /root /mount/point rw,... shared:1 - cgroup cgroup rw,memory" (proc(5), /proc/pid/mountinfo)
        fields, _, tail = line.partition(" - ")
        fields, tail = fields.split(), tail.split()
        if len(fields) < 5 or len(tail) < 3:
            continue
        root, point = unescape(fields[3]), Path(unescape(fields[4]))
        if tail[0] == "cgroup2" and v2 is None:
            v2 = (point, root)
        elif tail[0] == "cgroup" and "memory" in tail[2].split(",") and v1 is None:
            v1 = (point, root)
    return v2, v1


def unescape(field: str) -> str:
    return field.replace("\\040", " ").replace("\\011", "\t").replace("\\012", "\n").replace("\\134", "\\")


def cgroup_limits(mountinfo: Path, self_cgroup: Path) -> list[MemoryLimit]:
    """Return the memory limit of this process's cgroup and of each parent that sets one, in v2 and in v1."""
    try:
        lines = self_cgroup.read_text().splitlines()
    except OSError:
        return []
    v2_mount, v1_mount = cgroup_mounts(mountinfo)
    limits = []
    for line in lines:
        hierarchy, _, rest = line.partition(":")
        controllers, _, path = rest.partition(":")
        if hierarchy == "0" and controllers == "" and v2_mount:
            limits += limits_along(v2_mount, path, CGROUP_V2_FILE, "cgroup v2 memory.max")
        elif "memory" in controllers.split(",") and v1_mount:
            limits += limits_along(v1_mount, path, CGROUP_V1_FILE, "cgroup v1 memory.limit_in_bytes")
    return limits


def limits_along(mount: tuple[Path, str], path: str, filename: str, label: str) -> list[MemoryLimit]:
    """Read `filename` in the process's cgroup folder and in each parent up to the mount point."""
    point, root = mount
    # Inside a container the mount's root is the container's own cgroup: the path is relative to it.
    relative = path.strip("/")
    if root.strip("/") and (relative + "/").startswith(root.strip("/") + "/"):
        relative = relative[len(root.strip("/")):].strip("/")
    folder = point / relative if relative else point
    if not folder.is_dir():
        folder = point  # a path from another namespace: the mount point is this process's own cgroup
    limits = []
    while True:
        try:
            value = (folder / filename).read_text().strip()
        except OSError:
            value = "max"
        if value.isdigit():
            limits.append(MemoryLimit(int(value) // MB, f"{label} {int(value) // MB} MB"))
        if folder == point or point not in folder.parents:
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


def generations_in_force(setting: str, book_mb: int = BOOK_MEMORY_MB, limit: MemoryLimit | None = None) -> Generations:
    """Return the books made at once for a HERA_CONCURRENT_GENERATIONS value (a number, `auto` or empty) and where
    the number came from; a bad value raises ValueError with the sentence to show."""
    value = setting.strip()
    if value.lower() == "auto":
        return Generations(*auto_generations(limit or memory_limit(), book_mb))
    if not value:
        return Generations(1, "default")
    try:
        count = int(value)
    except ValueError:
        raise ValueError(f"HERA_CONCURRENT_GENERATIONS must be a whole number or auto, not {value!r}.") from None
    if count < 1:
        raise ValueError(f"HERA_CONCURRENT_GENERATIONS must be at least 1, not {count}.")
    return Generations(count, "HERA_CONCURRENT_GENERATIONS")
