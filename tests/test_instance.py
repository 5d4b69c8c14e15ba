from pathlib import Path

from hera.instance import BOOK_MEMORY_MB, IDLE_FOOTPRINT_MB, MemoryLimit, auto_generations, memory_limit

GB_KB = 1024 * 1024


def machine(tmp_path: Path, *, memory_max: str | None, parent_max: str | None = None, total_kb: int = 8 * GB_KB,
            cgroup_line: str = "0::/hera.slice/hera.service") -> dict:
    """Write a cgroup v2 tree, /proc/self/cgroup and /proc/meminfo as the kernel shows them; return the paths."""
    root = tmp_path / "cgroup"
    service = root / "hera.slice" / "hera.service"
    service.mkdir(parents=True)
    if memory_max is not None:
        (service / "memory.max").write_text(memory_max + "\n")
    if parent_max is not None:
        (service.parent / "memory.max").write_text(parent_max + "\n")
    (tmp_path / "cgroup-self").write_text(cgroup_line + "\n")
    (tmp_path / "meminfo").write_text(f"MemTotal:       {total_kb} kB\nMemFree:         1000 kB\n")
    return {"cgroup_root": root, "self_cgroup": tmp_path / "cgroup-self", "meminfo": tmp_path / "meminfo"}


def generations(tmp_path: Path, book_mb: int = BOOK_MEMORY_MB, **cgroup) -> int:
    return auto_generations(memory_limit(**machine(tmp_path, **cgroup)), book_mb)[0]


def test_a_512_mb_instance_makes_one_book_at_a_time(tmp_path):
    assert generations(tmp_path, memory_max=str(512 * 1024 * 1024)) == 1


def test_a_2_gb_instance_makes_as_many_books_as_fit_beside_the_idle_footprint(tmp_path):
    assert generations(tmp_path, memory_max=str(2048 * 1024 * 1024)) == (2048 - IDLE_FOOTPRINT_MB) // BOOK_MEMORY_MB == 7


def test_without_a_cgroup_limit_the_total_memory_counts(tmp_path):
    assert memory_limit(**machine(tmp_path, memory_max="max", total_kb=4 * GB_KB)) == MemoryLimit(4096, "total memory")
    assert generations(tmp_path / "b", memory_max="max", total_kb=4 * GB_KB) == (4096 - IDLE_FOOTPRINT_MB) // 256 == 15


def test_the_tightest_limit_above_the_process_counts(tmp_path):
    paths = machine(tmp_path, memory_max="max", parent_max=str(1024 * 1024 * 1024))
    assert memory_limit(**paths).mb == 1024


def test_cgroup_v1_falls_back_to_the_total_memory(tmp_path):
    paths = machine(tmp_path, memory_max=str(512 * 1024 * 1024), cgroup_line="4:memory:/hera", total_kb=2 * GB_KB)
    assert memory_limit(**paths) == MemoryLimit(2048, "total memory")


def test_an_instance_smaller_than_one_book_still_makes_one(tmp_path):
    assert generations(tmp_path, memory_max=str(256 * 1024 * 1024), book_mb=400) == 1


def test_the_reckoning_says_where_the_number_came_from(tmp_path):
    limit = memory_limit(**machine(tmp_path, memory_max=str(512 * 1024 * 1024)))
    assert auto_generations(limit, 200)[1] == (
        f"auto: (cgroup memory.max 512 MB - {IDLE_FOOTPRINT_MB} MB idle) / 200 MB per book (HERA_BOOK_MEMORY_MB)"
    )
