"""The contract of long work, whoever runs it (the window, the CLI, a test): progress, cancel, and
the outcome of being cancelled. No Qt here.

A slow core function takes ``cancel: threading.Event`` and a progress callback, checks the event
between steps, and raises ``Cancelled`` when it stops early having undone what it started. The
caller sees plain ``Progress`` values; their speed and time left are computed in one place
(``Meter``), so every progress line in the app reads the same.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from app.core.errors import EnclaveError
from app.core.platform.units import size_text

REPORT_INTERVAL_S = 0.1  # at most ten reports a second: enough to look smooth, cheap to draw
RATE_WINDOW_S = 3.0  # the speed follows the last few seconds, not the average since the start


class Cancelled(EnclaveError):
    """The work stopped because someone asked it to; its message says what was kept."""

    def __init__(self, message: str = "Cancelled."):
        super().__init__(message)


@dataclass(frozen=True)
class Progress:
    """How far a piece of work is. ``total`` None: the amount is not known (yet)."""

    done: int = 0
    total: int | None = None
    unit: str = "bytes"  # bytes | files | items
    text: str = ""  # what is being done, for a person
    speed: float = 0.0  # units per second, over the last few seconds
    eta_s: float | None = None

    @property
    def fraction(self) -> float | None:
        if not self.total:
            return None
        return min(1.0, max(0.0, self.done / self.total))

    def amount_text(self) -> str:
        """ "412.3 MB of 981.0 MB · 12.5 MB/s · ETA 0:00:45", with whatever is known."""
        if self.unit == "bytes":
            amount = size_text(self.done) + (f" of {size_text(self.total)}" if self.total else "")
            speed = f" · {self.speed / 1e6:.1f} MB/s" if self.speed > 0 else ""
        else:
            amount = f"{self.done:,}" + (f" of {self.total:,}" if self.total else "")
            amount += f" {self.unit}"
            speed = f" · {self.speed:.1f} {self.unit}/s" if self.speed > 0 else ""
        eta = f" · ETA {duration_text(self.eta_s)}" if self.eta_s is not None else ""
        return amount + speed + eta

    def describe(self) -> str:
        return f"{self.text} {self.amount_text()}".strip()


def duration_text(seconds: float) -> str:
    """Seconds as h:mm:ss ("0:00:45")."""
    minutes, secs = divmod(int(seconds), 60)
    return f"{minutes // 60}:{minutes % 60:02d}:{secs:02d}"


def time_left_text(seconds: float) -> str:
    """Time left in words, as precise as a pace measured over a few seconds deserves:
    "about 45 s left", "about 3 min left", "about 1 h 20 min left"."""
    if seconds < 0.5:
        return "almost done"
    if seconds < 59.5:
        return f"about {round(seconds)} s left"
    minutes = round(seconds / 60)
    if minutes < 60:
        return f"about {minutes} min left"
    hours, minutes = divmod(minutes, 60)
    return f"about {hours} h {minutes} min left" if minutes else f"about {hours} h left"


class Meter:
    """Turns "this much is done" into ``Progress`` values with speed and time left, and passes
    them on at most every ``interval_s`` (the first, the last and every change of text always).

    Callable as ``meter(done, total)``, so it fits callbacks that take (done, total).
    """

    def __init__(
        self,
        listener: Callable[[Progress], None],
        *,
        text: str = "",
        unit: str = "bytes",
        total: int | None = None,
        interval_s: float = REPORT_INTERVAL_S,
    ):
        self.listener, self.interval_s = listener, interval_s
        self.last = Progress(0, total, unit, text)
        self._samples: list[tuple[float, int]] = []
        self._told_at = float("-inf")

    def __call__(self, done: int, total: int | None = None, text: str | None = None) -> None:
        self.update(done, total, text)

    def update(
        self, done: int, total: int | None = None, text: str | None = None, *, force: bool = False
    ) -> Progress:
        now = time.monotonic()
        total = self.last.total if total is None else total
        speed = self._rate(now, done)
        eta = (total - done) / speed if total and speed > 0 else None
        changed = text is not None and text != self.last.text
        self.last = Progress(
            done,
            total,
            self.last.unit,
            self.last.text if text is None else text,
            speed,
            None if eta is None else max(0.0, eta),
        )
        finished = total is not None and done >= total
        if force or changed or finished or now - self._told_at >= self.interval_s:
            self._told_at = now
            self.listener(self.last)
        return self.last

    def _rate(self, now: float, done: int) -> float:
        if self._samples and done < self._samples[-1][1]:
            self._samples.clear()  # the work started over (a server that ignored a resume)
        self._samples.append((now, done))
        while len(self._samples) > 2 and now - self._samples[0][0] > RATE_WINDOW_S:
            self._samples.pop(0)
        (t0, d0), (t1, d1) = self._samples[0], self._samples[-1]
        return (d1 - d0) / (t1 - t0) if t1 > t0 and d1 > d0 else 0.0


class Job:
    """What a piece of background work is handed: its cancel token and where progress goes.

    ``job.cancel`` is the ``threading.Event`` core functions take as ``cancel=``; ``job.report``
    fits their ``on_progress(done, total)`` callbacks.
    """

    def __init__(
        self,
        listener: Callable[[Progress], None] | None = None,
        *,
        text: str = "",
        unit: str = "bytes",
        cancel: threading.Event | None = None,
    ):
        self.cancel = cancel or threading.Event()
        self.meter = Meter(listener or (lambda p: None), text=text, unit=unit)

    @property
    def cancelled(self) -> bool:
        return self.cancel.is_set()

    def report(self, done: int, total: int | None = None, text: str | None = None) -> None:
        self.meter.update(done, total, text)

    def check(self, message: str = "Cancelled.") -> None:
        """Raise ``Cancelled`` if someone asked to stop (call it between steps)."""
        if self.cancel.is_set():
            raise Cancelled(message)
