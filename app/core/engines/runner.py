"""One thread for all model work, with a fair queue in front of it.

A loaded llama.cpp model is not thread-safe and large, so every load and every generation — from
the local API server, and from the window once it submits its turns here — runs on the runner's
one thread, in the order it was asked for (first come, first served). Each submitted piece of work
gets a ``Ticket``: its place in the queue while it waits, a cancel event it shares with the engine
(setting it ends a generation within one token, or drops the work before it starts), and its
result once done.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from app.core.engines.host import EngineHost
from app.core.errors import EnclaveError

log = logging.getLogger(__name__)
T = TypeVar("T")


class Cancelled(EnclaveError):
    """The work was cancelled before it started."""


class QueueClosed(EnclaveError):
    """The runner is stopping and takes no more work."""


class FairQueue(Generic[T]):
    """First come, first served, with each waiting item's position known. Thread-safe."""

    def __init__(self):
        self._items: deque[T] = deque()
        self._cond = threading.Condition()
        self._closed = False

    def put(self, item: T) -> int:
        """Queue ``item``; its position (1 = next to run). Raises QueueClosed once closed."""
        with self._cond:
            if self._closed:
                raise QueueClosed("The model runner is stopping; the request was not queued.")
            self._items.append(item)
            self._cond.notify()
            return len(self._items)

    def get(self, timeout: float | None = None) -> T | None:
        """The oldest item, waiting for one; None on timeout or once closed and empty."""
        with self._cond:
            if not self._cond.wait_for(lambda: self._items or self._closed, timeout):
                return None
            return self._items.popleft() if self._items else None

    def position(self, item: T) -> int:
        """1 for the next item to run, 2 for the one after …; 0 when not waiting (any more)."""
        with self._cond:
            for i, queued in enumerate(self._items, start=1):
                if queued is item:
                    return i
            return 0

    def remove(self, item: T) -> bool:
        """Take a waiting item out (it will not run); False if it was not waiting."""
        with self._cond:
            for i, queued in enumerate(self._items):
                if queued is item:  # identity, as position(): two equal requests are two
                    del self._items[i]
                    return True
            return False

    def close(self) -> list[T]:
        """Take no more items; the ones still waiting, now removed."""
        with self._cond:
            self._closed = True
            left = list(self._items)
            self._items.clear()
            self._cond.notify_all()
            return left

    def __len__(self) -> int:
        with self._cond:
            return len(self._items)


class Ticket(Generic[T]):
    """One piece of submitted work: where it waits, how to cancel it, and its result."""

    def __init__(self, work: Callable[[EngineHost, threading.Event], T], label: str):
        self.work, self.label = work, label
        self.cancel = threading.Event()
        self.submitted = time.monotonic()
        self.started: float | None = None
        self.ended: float | None = None
        self._done = threading.Event()
        self._result: Any = None
        self._error: BaseException | None = None
        self._callbacks: list[Callable[[Ticket[T]], object]] = []
        self._lock = threading.Lock()
        self._queue: FairQueue | None = None

    @property
    def position(self) -> int:
        """Place in the queue (1 = next); 0 once running or done."""
        return self._queue.position(self) if self._queue is not None else 0

    @property
    def done(self) -> bool:
        return self._done.is_set()

    def wait(self, timeout: float | None = None) -> bool:
        return self._done.wait(timeout)

    def result(self, timeout: float | None = None) -> T:
        """The work's return value; re-raises what it raised (Cancelled if it never ran)."""
        if not self._done.wait(timeout):
            raise TimeoutError(f"{self.label} is still running")
        if self._error is not None:
            raise self._error
        return self._result

    def add_done_callback(self, callback: Callable[[Ticket[T]], object]) -> None:
        """Call ``callback(ticket)`` once done (at once if already), on whichever thread ends it."""
        with self._lock:
            if not self._done.is_set():
                self._callbacks.append(callback)
                return
        callback(self)

    def stop(self) -> None:
        """Cancel: dropped if still waiting, told to stop (within a token) if running."""
        self.cancel.set()
        if self._queue is not None and self._queue.remove(self):
            self._finish(None, Cancelled(f"{self.label} was cancelled before it started."))

    def _finish(self, result: Any, error: BaseException | None) -> None:
        with self._lock:
            self._result, self._error = result, error
            self.ended = time.monotonic()
            self._done.set()
            callbacks, self._callbacks = self._callbacks, []
        for callback in callbacks:
            try:
                callback(self)
            except Exception:  # noqa: BLE001 — one listener's bug must not stop the runner
                log.exception("done callback of %s failed", self.label)


class ModelRunner:
    """Owns an ``EngineHost`` and the one thread that uses it.

    ``submit(work)`` queues ``work(host, cancel)``; it runs on the runner's thread, where it may
    load a model (``host.get``) and generate with ``cancel``. ``loading`` names the model being
    loaded, so callers can answer "busy, try again shortly" instead of waiting blind.
    """

    def __init__(self, host: EngineHost, *, name: str = "enclave-model"):
        self.host = host
        self._queue: FairQueue[Ticket] = FairQueue()
        self._current: Ticket | None = None
        self._loading: str | None = None
        self._preloads: dict[Ticket, str] = {}
        # Chained, so whoever set the host's own hooks (the window's status bar) still hears them.
        on_loading, on_ready = host.on_loading, host.on_ready

        def loading(model_id: str) -> None:
            self._loading = model_id
            if on_loading:
                on_loading(model_id)

        def ready(model_id: str, seconds: float, placement: object) -> None:
            self._loading = None
            if on_ready:
                on_ready(model_id, seconds, placement)

        host.on_loading, host.on_ready = loading, ready
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    @property
    def loading(self) -> str | None:
        """The model being loaded, or queued to be loaded ahead of requests; None if none."""
        if self._loading:
            return self._loading
        return next((m for t, m in list(self._preloads.items()) if not t.done), None)

    @property
    def waiting(self) -> int:
        return len(self._queue)

    @property
    def loaded_model(self) -> str | None:
        engine = self.host.engine
        return engine.model_id if engine else None

    def submit(
        self, work: Callable[[EngineHost, threading.Event], T], *, label: str = "model work"
    ) -> Ticket[T]:
        """Queue ``work(host, cancel)`` behind everything submitted before it."""
        ticket: Ticket[T] = Ticket(work, label)
        ticket._queue = self._queue
        self._queue.put(ticket)
        return ticket

    def preload(self, model) -> Ticket:
        """Load ``model`` (an InstalledModel) ahead of the first request; ``loading`` says so
        from now on, not only once the thread gets to it."""
        ticket = self.submit(lambda host, cancel: host.get(model), label=f"loading {model.id}")
        self._preloads[ticket] = model.id
        ticket.add_done_callback(lambda t: self._preloads.pop(t, None))
        return ticket

    def stop(self, timeout: float = 5.0) -> bool:
        """Cancel what runs and what waits, end the thread, unload the model. True if it ended."""
        for ticket in self._queue.close():
            ticket.cancel.set()
            ticket._finish(None, Cancelled(f"{ticket.label} was cancelled: the runner stopped."))
        current = self._current
        if current is not None:
            current.cancel.set()
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def _run(self) -> None:
        while True:
            ticket = self._queue.get()
            if ticket is None:
                break
            if ticket.cancel.is_set():
                ticket._finish(None, Cancelled(f"{ticket.label} was cancelled before it started."))
                continue
            self._current, ticket.started = ticket, time.monotonic()
            try:
                result, error = ticket.work(self.host, ticket.cancel), None
            except BaseException as exc:  # noqa: BLE001 — handed to whoever waits for it
                result, error = None, exc
            self._current, self._loading = None, None  # a failed load never says it is ready
            ticket._finish(result, error)
        self.host.unload()
