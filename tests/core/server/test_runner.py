"""The model runner's fair queue and its one thread (pure logic: no model is loaded)."""

from __future__ import annotations

import threading
import time

import pytest

from app.core.engines.host import EngineHost
from app.core.engines.runner import Cancelled, FairQueue, ModelRunner, QueueClosed
from app.core.platform.settings import Settings


def test_first_come_first_served_with_positions():
    queue: FairQueue[object] = FairQueue()
    a, b, c = object(), object(), object()  # items are told apart by identity
    assert [queue.put(x) for x in (a, b, c)] == [1, 2, 3]
    assert [queue.position(x) for x in (a, b, c)] == [1, 2, 3]
    assert queue.get(0) is a
    assert [queue.position(x) for x in (a, b, c)] == [0, 1, 2]  # everyone moved up one
    assert queue.remove(b) and not queue.remove(b)
    assert queue.position(c) == 1 and queue.get(0) is c and queue.get(0.01) is None


def test_close_wakes_a_waiting_reader_and_refuses_more():
    queue: FairQueue[int] = FairQueue()
    got = []
    reader = threading.Thread(target=lambda: got.append(queue.get()))
    reader.start()
    time.sleep(0.05)
    assert queue.close() == []
    reader.join(1)
    assert got == [None] and not reader.is_alive()
    with pytest.raises(QueueClosed):
        queue.put(1)


@pytest.fixture
def runner():
    r = ModelRunner(EngineHost(Settings()))
    yield r
    assert r.stop(2)


def test_work_runs_one_at_a_time_in_arrival_order_on_one_thread(runner):
    gate = threading.Event()
    ran, threads = [], set()

    def work(n):
        def run(host, cancel):
            if n == 0:
                gate.wait(2)
            ran.append(n)
            threads.add(threading.current_thread().name)
            return n * 10

        return run

    tickets = [runner.submit(work(n), label=f"job {n}") for n in range(5)]
    time.sleep(0.05)
    assert tickets[0].position == 0  # running
    assert [t.position for t in tickets[1:]] == [1, 2, 3, 4]
    gate.set()
    assert [t.result(2) for t in tickets] == [0, 10, 20, 30, 40]
    assert ran == [0, 1, 2, 3, 4] and threads == {"enclave-model"}
    assert all(t.ended >= t.started >= t.submitted for t in tickets)


def test_a_cancelled_waiting_ticket_never_runs_and_a_running_one_is_told(runner):
    started, ran = threading.Event(), []

    def long(host, cancel):
        started.set()
        cancel.wait(5)
        return "stopped" if cancel.is_set() else "ran out"

    first = runner.submit(long)
    second = runner.submit(lambda host, cancel: ran.append("second"))
    started.wait(2)
    second.stop()
    with pytest.raises(Cancelled):
        second.result(1)
    begun = time.monotonic()
    first.stop()
    assert first.result(1) == "stopped" and time.monotonic() - begun < 0.1
    time.sleep(0.05)
    assert ran == []


def test_errors_reach_the_caller_and_the_thread_goes_on(runner):
    def fail(host, cancel):
        raise ValueError("broken")

    with pytest.raises(ValueError, match="broken"):
        runner.submit(fail).result(2)
    assert runner.submit(lambda host, cancel: "next").result(2) == "next"


def test_stop_cancels_what_runs_and_what_waits():
    runner = ModelRunner(EngineHost(Settings()))
    started = threading.Event()

    def long(host, cancel):
        started.set()
        return cancel.wait(5)

    running, waiting = runner.submit(long), runner.submit(long)
    started.wait(2)
    begun = time.monotonic()
    assert runner.stop(2) and time.monotonic() - begun < 0.5
    assert running.result(0) is True
    with pytest.raises(Cancelled):
        waiting.result(0)


def test_done_callbacks_run_once_whenever_they_are_added(runner):
    seen = []
    ticket = runner.submit(lambda host, cancel: 1)
    ticket.add_done_callback(lambda t: seen.append(("early", t.result(0))))
    ticket.wait(2)
    ticket.add_done_callback(lambda t: seen.append(("late", t.result(0))))
    time.sleep(0.02)
    assert sorted(seen) == [("early", 1), ("late", 1)]
