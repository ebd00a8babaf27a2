"""Run a slow core call off the UI thread and get its result back on the UI thread.

    Task(fn, *args).on_success(show).on_error(complain).start()

``fn`` runs on a pool thread; the callbacks run on the UI thread (queued signals). Errors a person
can act on (EnclaveError) are passed as their message; anything else is logged and reported as a
short apology.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from app.core.errors import EnclaveError

log = logging.getLogger(__name__)
_running: set[Task] = set()  # keep tasks alive until they report back


class _Signals(QObject):
    succeeded = Signal(object)
    failed = Signal(str)


class Task(QRunnable):
    def __init__(self, fn, *args, **kwargs):
        super().__init__()
        self.setAutoDelete(False)
        self.fn, self.args, self.kwargs = fn, args, kwargs
        self.signals = _Signals()
        self.signals.succeeded.connect(lambda _: _running.discard(self))
        self.signals.failed.connect(lambda _: _running.discard(self))

    def on_success(self, slot) -> Task:
        self.signals.succeeded.connect(slot)
        return self

    def on_error(self, slot) -> Task:
        self.signals.failed.connect(slot)
        return self

    def start(self) -> Task:
        _running.add(self)
        QThreadPool.globalInstance().start(self)
        return self

    def run(self) -> None:  # on a pool thread
        try:
            result = self.fn(*self.args, **self.kwargs)
        except EnclaveError as exc:
            self.signals.failed.emit(str(exc))
        except Exception as exc:
            log.exception("background task failed")
            self.signals.failed.emit(
                f"Something went wrong ({type(exc).__name__}). Details are in the log file."
            )
        else:
            self.signals.succeeded.emit(result)
