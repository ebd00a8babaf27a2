"""The one way the window runs slow work: off the UI thread, with progress, cancel, one shape of
failure, and an owner.

    BackgroundOp(self, lambda job: import_file(path, paths, cancel=job.cancel,
                                               on_progress=job.report))
        .with_progress(f"Importing {name}…", cancellable=True, view=self.progress_line)
        .on_success(self._on_imported)
        .on_failure(self.status.setText)
        .run()

``fn`` gets a ``jobs.Job`` (its cancel token and a progress reporter) and runs on a pool thread.
Progress, success, failure and cancellation arrive on the UI thread (queued signals). A failure
is one string: an EnclaveError's own message, or for anything else (a bug, logged with its trace)
a short apology naming the log file. When the owner widget is destroyed the work is cancelled and
whatever it produces afterwards is dropped: no callback ever runs on a dead widget.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, Protocol

from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, Signal, Slot
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QProgressDialog,
    QPushButton,
    QWidget,
)

from app.core.errors import EnclaveError
from app.core.platform.jobs import Cancelled, Job, Meter, Progress
from app.ui.safe_text import plain

log = logging.getLogger(__name__)
_running: set[BackgroundOp] = set()  # each op stays alive until it has reported back


def failure_text(exc: BaseException) -> str:
    """What a person is told when background work fails."""
    if isinstance(exc, EnclaveError):
        return str(exc)
    return (
        f"Something went wrong ({type(exc).__name__}). Details are in {_log_file() or 'the log'}."
    )


def _log_file() -> str | None:
    for handler in logging.getLogger().handlers:
        if getattr(handler, "_enclave", False) and getattr(handler, "baseFilename", None):
            return handler.baseFilename  # type: ignore[attr-defined]
    return None


class _Relay(QObject):
    """Created on the UI thread, emitted from the pool thread: every emission is queued."""

    progressed = Signal(object)  # Progress
    succeeded = Signal(object)  # fn's result
    failed = Signal(str)
    cancelled = Signal(str)


class _Runnable(QRunnable):
    def __init__(self, fn: Callable[[Job], Any], job: Job, relay: _Relay):
        super().__init__()
        self.setAutoDelete(False)  # the op holds it until it has reported back
        self.fn, self.job, self.relay = fn, job, relay

    def run(self) -> None:  # on a pool thread
        try:
            result = self.fn(self.job)
        except Cancelled as exc:
            self.relay.cancelled.emit(str(exc))
        except Exception as exc:
            if not isinstance(exc, EnclaveError):
                log.exception("background work failed")
            self.relay.failed.emit(failure_text(exc))
        else:
            self.relay.succeeded.emit(result)


class ProgressView(Protocol):
    """Where an op's progress shows. ``ProgressLine`` and ``ProgressPopup`` are the two kinds."""

    def begin(self, text: str, cancel: Callable[[], None] | None) -> None: ...
    def show_progress(self, p: Progress) -> None: ...
    def end(self) -> None: ...


class ProgressLine(QWidget):
    """A line in a window: what is happening, a bar, bytes · speed · ETA, and Cancel."""

    def __init__(self, parent=None, *, transient: bool = False):
        """``transient``: the line is for one op and removes itself when that op ends."""
        super().__init__(parent)
        self.transient = transient
        self.label = plain(QLabel())  # file names come from the user's disk or the hub
        self.label.setAccessibleName("Progress")
        self.bar = QProgressBar()
        self.bar.setAccessibleName("Progress")
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip("Stop; nothing half-done is kept")
        self.cancel_button.clicked.connect(self._on_cancel_clicked)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.label, 2)
        layout.addWidget(self.bar, 1)
        layout.addWidget(self.cancel_button)
        self._cancel: Callable[[], None] | None = None
        self._text = ""
        self.hide()

    def begin(self, text: str, cancel: Callable[[], None] | None) -> None:
        self._text, self._cancel = text, cancel
        self.label.setText(text)
        self.bar.setRange(0, 0)  # busy until the first amount arrives
        self.cancel_button.setVisible(cancel is not None)
        self.cancel_button.setEnabled(True)
        self.show()

    def show_progress(self, p: Progress) -> None:
        if p.fraction is None:
            self.bar.setRange(0, 0)
        else:
            self.bar.setRange(0, 1000)
            self.bar.setValue(int(1000 * p.fraction))
        self.label.setText(f"{p.text or self._text} {p.amount_text()}")

    def end(self) -> None:
        self._cancel = None
        self.hide()
        if self.transient:
            self.deleteLater()

    def _on_cancel_clicked(self) -> None:
        if self._cancel is not None:
            self.cancel_button.setEnabled(False)
            self.label.setText(f"{self._text} Stopping…")
            self._cancel()


class ProgressPopup:
    """A small window-modal progress dialog over the owner, shown only if the work takes a
    moment (Qt's QProgressDialog waits before it appears)."""

    def __init__(self, owner: QWidget):
        self.dialog = QProgressDialog(owner)
        self.dialog.setWindowModality(Qt.WindowModality.WindowModal)
        self.dialog.setAutoClose(False)
        self.dialog.setAutoReset(False)
        self.dialog.setMinimumDuration(400)
        self._text = ""

    def begin(self, text: str, cancel: Callable[[], None] | None) -> None:
        self._text = text
        self.dialog.setLabelText(text)
        self.dialog.setRange(0, 0)
        self.dialog.setCancelButtonText("Cancel" if cancel else "")
        if cancel is not None:
            self.dialog.canceled.connect(cancel)
        self.dialog.setValue(0)  # starts the wait before it shows

    def show_progress(self, p: Progress) -> None:
        if p.fraction is not None:
            self.dialog.setRange(0, 1000)
            self.dialog.setValue(int(1000 * p.fraction))
        self.dialog.setLabelText(f"{p.text or self._text}\n{p.amount_text()}")

    def end(self) -> None:
        self.dialog.close()
        self.dialog.deleteLater()


class BackgroundOp(QObject):
    """One piece of work off the UI thread. Lives on the UI thread; callbacks run there."""

    def __init__(self, owner: QObject, fn: Callable[[Job], Any]):
        super().__init__()
        self.owner, self.fn = owner, fn
        self._text = ""
        self._cancellable = False
        self._view: ProgressView | None = None
        self._wants_view = False
        self._success: list[Callable[[Any], None]] = []
        self._failure: list[Callable[[str], None]] = []
        self._cancelled: list[Callable[[str], None]] = []
        self._progress: list[Callable[[Progress], None]] = []
        self._dropped = False
        self._done = False
        self.relay = _Relay()
        self.relay.progressed.connect(self._on_progressed, Qt.ConnectionType.QueuedConnection)
        self.relay.succeeded.connect(self._on_succeeded, Qt.ConnectionType.QueuedConnection)
        self.relay.failed.connect(self._on_failed, Qt.ConnectionType.QueuedConnection)
        self.relay.cancelled.connect(self._on_cancelled, Qt.ConnectionType.QueuedConnection)
        self.job = Job(self.relay.progressed.emit)
        owner.destroyed.connect(self._on_owner_destroyed)

    # -- building ------------------------------------------------------------------------------

    def with_progress(
        self,
        text: str,
        *,
        cancellable: bool = False,
        unit: str = "bytes",
        view: ProgressView | None = None,
    ) -> BackgroundOp:
        """Show progress in ``view`` (default: a small dialog over the owner) with Cancel."""
        self._text, self._cancellable = text, cancellable
        self._view, self._wants_view = view, True
        self.job.meter = Meter(self.relay.progressed.emit, text=text, unit=unit)
        return self

    def on_progress(self, fn: Callable[[Progress], None]) -> BackgroundOp:
        self._progress.append(fn)
        return self

    def on_success(self, fn: Callable[[Any], None]) -> BackgroundOp:
        self._success.append(fn)
        return self

    def on_failure(self, fn: Callable[[str], None]) -> BackgroundOp:
        self._failure.append(fn)
        return self

    def on_cancelled(self, fn: Callable[[str], None]) -> BackgroundOp:
        """Called with what was kept ("Import cancelled; nothing was added.")."""
        self._cancelled.append(fn)
        return self

    def run(self) -> BackgroundOp:
        if self._wants_view:
            if self._view is None and isinstance(self.owner, QWidget):
                self._view = ProgressPopup(self.owner)
            if self._view is not None:
                self._view.begin(self._text, self.cancel if self._cancellable else None)
        _running.add(self)
        self._runnable = _Runnable(self.fn, self.job, self.relay)
        QThreadPool.globalInstance().start(self._runnable)
        return self

    # -- while it runs -------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return not self._done

    def cancel(self) -> None:
        """Ask the work to stop; it reports ``cancelled`` (or finishes) soon after."""
        self.job.cancel.set()

    def discard(self) -> None:
        """Cancel, and drop whatever it still reports (a newer request replaced it)."""
        self._dropped = True
        if self._view is not None:
            self._view.end()
            self._view = None
        self.cancel()

    @Slot()
    def _on_owner_destroyed(self) -> None:
        self._dropped = True
        self._view = None  # it was the owner's, and is gone with it
        self.cancel()

    @Slot(object)
    def _on_progressed(self, p: Progress) -> None:
        if self._dropped or self._done:
            return
        if self._view is not None:
            self._view.show_progress(p)
        for fn in self._progress:
            fn(p)

    @Slot(object)
    def _on_succeeded(self, result) -> None:
        self._finish(self._success, result)

    @Slot(str)
    def _on_failed(self, message: str) -> None:
        self._finish(self._failure, message)

    @Slot(str)
    def _on_cancelled(self, message: str) -> None:
        self._finish(self._cancelled, message)

    def _finish(self, callbacks: list[Callable[[Any], None]], value) -> None:
        self._done = True
        _running.discard(self)
        try:
            self.owner.destroyed.disconnect(self._on_owner_destroyed)
        except (RuntimeError, TypeError):  # the owner is already gone
            pass
        if self._dropped:
            return
        if self._view is not None:
            self._view.end()
        for fn in callbacks:
            fn(value)
