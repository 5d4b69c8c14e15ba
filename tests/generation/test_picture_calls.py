"""The instance's picture calls: slots shared by every process through locked files, and a cap per minute."""

import multiprocessing
import os
import signal
import threading
import time

import pytest

from generation import picture_calls
from generation.picture_calls import MINUTE, PictureCalls

HOLD_SECONDS = 0.3


def busiest_moment(log_path) -> int:
    """Return the most calls in flight at once, from lines "+" (started) and "-" (ended) appended by every process."""
    in_flight = busiest = 0
    for mark in log_path.read_text().split():
        in_flight += 1 if mark == "+" else -1
        busiest = max(busiest, in_flight)
    return busiest


def book_worker(folder, log_path, in_flight: int, pages_at_once: int) -> None:
    """A book worker process: `pages_at_once` threads, each making two picture calls through the instance's slots."""
    calls = PictureCalls(in_flight, 0, folder)

    def draw() -> None:
        for _ in range(2):
            with calls.slot():
                with open(log_path, "a") as log:
                    log.write("+\n")
                time.sleep(HOLD_SECONDS)
                with open(log_path, "a") as log:
                    log.write("-\n")

    threads = [threading.Thread(target=draw) for _ in range(pages_at_once)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


@pytest.mark.slow
def test_three_book_processes_never_have_more_calls_in_flight_than_the_instance_allows(tmp_path):
    log_path = tmp_path / "calls.log"
    context = multiprocessing.get_context("fork")
    books = [context.Process(target=book_worker, args=(tmp_path / "slots", log_path, 4, 3)) for _ in range(3)]
    for book in books:
        book.start()
    for book in books:
        book.join(timeout=120)
    assert [book.exitcode for book in books] == [0, 0, 0]
    assert log_path.read_text().count("+") == 18  # every call was made
    assert busiest_moment(log_path) == 4  # nine threads wanted a slot at once; four had one


@pytest.mark.slow
def test_a_killed_process_gives_its_slot_back(tmp_path):
    context = multiprocessing.get_context("fork")
    holding = context.Event()

    def hold_forever() -> None:
        with PictureCalls(1, 0, tmp_path).slot():
            holding.set()
            time.sleep(600)

    holder = context.Process(target=hold_forever)
    holder.start()
    assert holding.wait(timeout=60)
    taken = threading.Event()

    def take() -> None:
        with PictureCalls(1, 0, tmp_path).slot():
            taken.set()

    waiter = threading.Thread(target=take)
    waiter.start()
    assert not taken.wait(timeout=1)  # the only slot is held
    os.kill(holder.pid, signal.SIGKILL)
    holder.join(timeout=60)
    assert taken.wait(timeout=60)


def test_threads_of_one_process_share_the_slots_too(tmp_path):
    calls = PictureCalls(2, 0, tmp_path)
    inside, busiest, lock = [0], [0], threading.Lock()

    def draw() -> None:
        with calls.slot():
            with lock:
                inside[0] += 1
                busiest[0] = max(busiest[0], inside[0])
            time.sleep(0.1)
            with lock:
                inside[0] -= 1

    threads = [threading.Thread(target=draw) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert busiest[0] == 2


class FakeClock:
    def __init__(self) -> None:
        self.now = 1_000_000.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_a_call_past_the_minutes_cap_waits_for_the_oldest_start_to_be_a_minute_old(tmp_path):
    clock = FakeClock()
    calls = PictureCalls(0, 2, tmp_path, sleep=clock.sleep, clock=clock)
    for _ in range(2):
        with calls.slot():
            clock.now += 5
    started_third = clock.now
    with calls.slot():
        pass
    assert clock.slept == [MINUTE - 10]  # the first call started 10 s before: it leaves the minute after 50 s more
    assert clock.now == started_third + MINUTE - 10


def test_the_minutes_cap_counts_the_calls_of_every_process_sharing_the_folder(tmp_path):
    clock = FakeClock()
    other_process = PictureCalls(0, 1, tmp_path, sleep=clock.sleep, clock=clock)
    this_process = PictureCalls(0, 1, tmp_path, sleep=clock.sleep, clock=clock)
    with other_process.slot():
        pass
    with this_process.slot():
        pass
    assert clock.slept == [MINUTE]


def test_a_check_before_each_call_stops_the_call_and_frees_the_slot(tmp_path, monkeypatch):
    monkeypatch.setattr(picture_calls, "_before_each_call", [])

    class Refused(Exception):
        pass

    def refuse(in_flight: int) -> bool:
        raise Refused

    picture_calls.before_each_call(refuse)
    calls = PictureCalls(1, 0, tmp_path)
    entered = []
    with pytest.raises(Refused):
        with calls.slot():
            entered.append(True)
    assert entered == []
    monkeypatch.setattr(picture_calls, "_before_each_call", [])
    with calls.slot():  # the only slot was given back
        entered.append(True)
    assert entered == [True]


def test_a_call_told_to_wait_gives_its_slot_back_and_asks_again_with_the_calls_in_flight(tmp_path, monkeypatch):
    monkeypatch.setattr(picture_calls, "_before_each_call", [])
    held_by_another_book = PictureCalls(3, 0, tmp_path).slot()
    held_by_another_book.__enter__()
    asked: list[int] = []
    clock = FakeClock()
    calls = PictureCalls(3, 0, tmp_path, sleep=clock.sleep, clock=clock)
    picture_calls.before_each_call(lambda in_flight: asked.append(in_flight) or len(asked) == 3)
    try:
        with calls.slot():
            pass
    finally:
        held_by_another_book.__exit__(None, None, None)
    assert asked == [2, 2, 2]  # the other book's call and this one, each time
    assert clock.slept == [picture_calls.RECHECK_SECONDS] * 2
