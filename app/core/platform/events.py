"""A change notification without Qt: core objects announce what changed, front ends subscribe.

    session.busy_changed.connect(window.update_buttons)
    session.busy_changed.emit(True)

Callbacks run at once, on the thread that emits (core objects that emit are used from one
thread). A callback that raises is a bug in the subscriber: it is logged and the others still run,
so one broken view cannot stop the rest from updating.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)


class Event:
    def __init__(self, name: str = "event"):
        self.name = name
        self._callbacks: list[Callable[..., Any]] = []

    def connect(self, callback: Callable[..., Any]) -> Callable[[], None]:
        """Call ``callback`` on every ``emit``; returns a function that disconnects it."""
        self._callbacks.append(callback)
        return lambda: self.disconnect(callback)

    def disconnect(self, callback: Callable[..., Any]) -> None:
        if callback in self._callbacks:
            self._callbacks.remove(callback)

    def emit(self, *args: Any) -> None:
        for callback in list(self._callbacks):
            try:
                callback(*args)
            except Exception:
                log.exception("a subscriber to %s failed", self.name)
