"""A long prompt's reading, in words: "Reading your message… 45 % · about 12 s left".

The window's answer and ``enclave ask`` on a terminal show the same line while the local model
reads a prompt (``Assistant.send(on_reading=…)``), until its first token.
"""

from __future__ import annotations

import time


class ReadingLine:
    """The line for one prompt, after each progress report. The time left is the pace since the
    first report (the tokens already in the model's cache are not read again), so it shows from
    the second report on."""

    def __init__(self) -> None:
        self._first: tuple[float, int] | None = None  # when the first report came, and its tokens

    def update(self, done: int, total: int) -> str:
        """The line for ``done`` of ``total`` prompt tokens read; "" once all are read."""
        if total <= 0 or done >= total:
            return ""
        now = time.monotonic()
        if self._first is None:
            self._first = (now, done)
        started, first = self._first
        line = f"Reading your message… {done * 100 // total} %"
        if done > first and now > started:
            left = (total - done) * (now - started) / (done - first)
            line += f" · about {_duration(left)} left"
        return line


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{max(1, round(seconds))} s"
    return f"{round(seconds / 60)} min"
