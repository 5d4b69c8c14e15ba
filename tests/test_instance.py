from pathlib import Path

import pytest

from hera.instance import (
    BOOK_MEMORY_MB,
    IDLE_FOOTPRINT_MB,
    Generations,
    MemoryLimit,
    auto_generations,
    generations_in_force,
    memory_limit,
)

GB_KB = 1024 * 1024
MB = 1024 * 1024
V1_UNLIMITED = "9223372036854771712"  # what cgroup v1 writes for "no limit" (a page-rounded LONG_MAX)


def machine(tmp_path: Path, *, memory_max: str | None, parent_max: str | None = None, total_kb: int = 8 * GB_KB,
            version: int = 2, container_root: str = "/") -> dict:
    """Write a cgroup tree (v2, or v1's memory controller), /proc/self/mountinfo, /proc/self/cgroup and /proc/meminfo
    as the kernel shows them; return the paths."""
    root = tmp_path / "cgroup"
    mount = root / ("memory" if version == 1 else "unified")
    service = mount / "hera.slice" / "hera.service"
    service.mkdir(parents=True)
    filename = "memory.limit_in_bytes" if version == 1 else "memory.max"
    if memory_max is not None:
        (service / filename).write_text(memory_max + "\n")
    if parent_max is not None:
        (service.parent / filename).write_text(parent_max + "\n")
    (tmp_path / "mountinfo").write_text(
        f"25 1 0:23 / /proc rw,nosuid shared:12 - proc proc rw\n"
        f"35 31 0:32 {container_root} {root / 'memory'} rw,relatime shared:9 - cgroup cgroup rw,memory\n"
        f"41 31 0:38 {container_root} {root / 'unified'} rw,relatime shared:15 - cgroup2 cgroup2 rw\n"
    )
    path = "/hera.slice/hera.service" if container_root == "/" else container_root + "/hera.slice/hera.service"
    (tmp_path / "cgroup-self").write_text(
        f"9:name=systemd:{path}\n4:memory:{path}\n1:cpu:/\n0::{path}\n" if version == 1 else f"0::{path}\n"
    )
    (tmp_path / "meminfo").write_text(f"MemTotal:       {total_kb} kB\nMemFree:         1000 kB\n")
    return {"mountinfo": tmp_path / "mountinfo", "self_cgroup": tmp_path / "cgroup-self",
            "meminfo": tmp_path / "meminfo", "declared_mb": ""}


def generations(tmp_path: Path, book_mb: int = BOOK_MEMORY_MB, **cgroup) -> int:
    return auto_generations(memory_limit(**machine(tmp_path, **cgroup)), book_mb)[0]


@pytest.mark.parametrize("version", [1, 2])
def test_a_512_mb_instance_makes_as_many_books_as_the_measured_allowance_fits(tmp_path, version):
    # The allowance is bench/footprint.py's marginal peak per book (100 MB) with a quarter more: 3 × 125 + 110 idle.
    assert (BOOK_MEMORY_MB, IDLE_FOOTPRINT_MB) == (125, 110)
    assert generations(tmp_path, memory_max=str(512 * MB), version=version) == 3


@pytest.mark.parametrize("version", [1, 2])
def test_a_2_gb_instance_makes_as_many_books_as_fit_beside_the_idle_footprint(tmp_path, version):
    assert generations(tmp_path, memory_max=str(2048 * MB), version=version) == 15  # (2048 - 110) // 125


def test_the_cgroup_v1_limit_is_read(tmp_path):
    limit = memory_limit(**machine(tmp_path, memory_max=str(512 * MB), version=1, total_kb=24 * GB_KB))
    assert limit == MemoryLimit(512, "cgroup v1 memory.limit_in_bytes 512 MB")


def test_cgroup_v1_without_a_limit_counts_the_total_memory(tmp_path):
    limit = memory_limit(**machine(tmp_path, memory_max=V1_UNLIMITED, version=1, total_kb=4 * GB_KB))
    assert limit == MemoryLimit(4096, "total memory")


def test_without_a_cgroup_limit_the_total_memory_counts(tmp_path):
    assert memory_limit(**machine(tmp_path, memory_max="max", total_kb=4 * GB_KB)) == MemoryLimit(4096, "total memory")


def test_the_tightest_limit_above_the_process_counts(tmp_path):
    paths = machine(tmp_path, memory_max="max", parent_max=str(1024 * MB))
    assert memory_limit(**paths) == MemoryLimit(1024, "cgroup v2 memory.max 1024 MB")


def test_inside_a_container_the_cgroup_path_is_read_below_the_mount_root(tmp_path):
    # Docker without a cgroup namespace: /proc/self/cgroup names /docker/<id>/…, mounted as the hierarchy's root.
    paths = machine(tmp_path, memory_max=str(768 * MB), version=1, container_root="/docker/abc")
    assert memory_limit(**paths).mb == 768


def test_a_declared_instance_memory_wins_over_the_machine(tmp_path):
    paths = {**machine(tmp_path, memory_max=str(2048 * MB)), "declared_mb": "512"}
    assert memory_limit(**paths) == MemoryLimit(512, "HERA_INSTANCE_MEMORY_MB 512 MB")


def test_a_declared_instance_memory_must_be_a_number_of_mb(tmp_path):
    with pytest.raises(ValueError, match="HERA_INSTANCE_MEMORY_MB must be a number of MB, at least 64, not '512M'"):
        memory_limit(**{**machine(tmp_path, memory_max="max"), "declared_mb": "512M"})


def test_an_instance_smaller_than_one_book_still_makes_one(tmp_path):
    assert generations(tmp_path, memory_max=str(256 * MB), book_mb=400) == 1


def test_the_reckoning_says_where_the_number_came_from(tmp_path):
    limit = memory_limit(**machine(tmp_path, memory_max=str(512 * MB), version=1))
    assert generations_in_force("auto", 125, limit) == Generations(3, (
        f"auto: (cgroup v1 memory.limit_in_bytes 512 MB - {IDLE_FOOTPRINT_MB} MB idle) / 125 MB per book "
        "(HERA_BOOK_MEMORY_MB)"
    ))


def test_a_number_in_force_says_it_was_set():
    assert generations_in_force("2") == Generations(2, "HERA_CONCURRENT_GENERATIONS")
    assert generations_in_force("") == Generations(1, "default")


@pytest.mark.parametrize(("value", "message"), [
    ("0", "HERA_CONCURRENT_GENERATIONS must be at least 1, not 0."),
    ("many", "HERA_CONCURRENT_GENERATIONS must be a whole number or auto, not 'many'."),
])
def test_a_bad_number_is_refused_with_its_reason(value, message):
    with pytest.raises(ValueError) as excinfo:
        generations_in_force(value)
    assert str(excinfo.value) == message
