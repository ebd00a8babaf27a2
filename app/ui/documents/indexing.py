"""Document indexing in the background, while the app runs: one thread, a queue of collections,
cancel, resume of unfinished runs at start, and folders watched for changes.

The thread owns its own index connection and embedding model; the window only sees progress and
results, as queued signals.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import threading
import time
from pathlib import Path

from PySide6.QtCore import (
    QCoreApplication,
    QFileSystemWatcher,
    QObject,
    QThread,
    QTimer,
    Signal,
    Slot,
)

from app.core.documents import formats
from app.core.documents.grounding import Documents
from app.core.documents.index import DocIndex
from app.core.documents.indexer import SKIP_DIRS, Indexer, Progress
from app.core.errors import EnclaveError
from app.core.platform.runtime import Runtime

log = logging.getLogger(__name__)

PROGRESS_INTERVAL_S = 0.1
WATCH_DEBOUNCE_MS = 1500  # editors write a file in several steps: wait for the last
MAX_WATCHED = 4000  # folders and files; a larger tree is re-scanned on demand instead


class _Worker(QObject):
    progress = Signal(object)  # Progress
    finished = Signal(object)  # IndexResult
    failed = Signal(str, str)  # collection, message

    def __init__(self, rt: Runtime):
        super().__init__()
        self.rt = rt
        self.cancel = threading.Event()
        self._docs: Documents | None = None

    @Slot(str)
    def index(self, name: str) -> None:
        last = {"at": 0.0, "phase": None}

        def report(p: Progress) -> None:  # every change of phase, else ten times a second
            now = time.monotonic()
            if now - last["at"] >= PROGRESS_INTERVAL_S or p.phase != last["phase"]:
                last.update(at=now, phase=p.phase)
                self.progress.emit(dataclasses.replace(p))

        try:
            if self._docs is None:
                self._docs = Documents(self.rt.paths, self.rt.settings)
            embedder = self._docs.embedder()
            result = Indexer(self._docs.index, embedder=embedder).run(
                name, cancel=self.cancel, on_progress=report
            )
            self.finished.emit(result)
        except EnclaveError as exc:
            self.failed.emit(name, str(exc))
        except Exception as exc:  # a bug: logged with its trace, reported briefly
            log.exception("indexing %s", name)
            self.failed.emit(
                name,
                f"Indexing stopped ({type(exc).__name__}); details are in "
                f"{self.rt.paths.log_file}.",
            )

    @Slot()
    def close(self) -> None:
        if self._docs is not None:
            self._docs.close()
            self._docs = None


class IndexingService(QObject):
    """Lives on the UI thread; the indexing itself runs on its own thread."""

    progress = Signal(object)  # Progress
    finished = Signal(object)  # IndexResult
    failed = Signal(str, str)
    _index = Signal(str)
    _close = Signal()

    def __init__(self, rt: Runtime, parent=None):
        super().__init__(parent)
        self.rt = rt
        self.current: str | None = None
        self.last_progress: Progress | None = None
        self._queue: list[str] = []
        self._thread = QThread()
        self._thread.setObjectName("enclave-indexing")
        self.worker = _Worker(rt)
        self.worker.moveToThread(self._thread)
        self._index.connect(self.worker.index)
        self._close.connect(self.worker.close)
        self.worker.progress.connect(self._on_progress)
        self.worker.finished.connect(self._on_finished)
        self.worker.failed.connect(self._on_failed)
        self._watcher = QFileSystemWatcher(self)
        self._watcher.directoryChanged.connect(self._on_path_changed)
        self._watcher.fileChanged.connect(self._on_path_changed)
        self._changed: set[str] = set()
        self._roots: dict[str, str] = {}  # watched root → its collection
        self._debounce = QTimer(self, singleShot=True, interval=WATCH_DEBOUNCE_MS)
        self._debounce.timeout.connect(self._reindex_changed)
        app = QCoreApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.shutdown)
        self._thread.start()

    @property
    def busy(self) -> bool:
        return self.current is not None

    def request(self, name: str) -> None:
        """Index ``name`` (incrementally) as soon as the thread is free. Asked while it is being
        indexed, it runs once more afterwards: a file may have changed behind the running pass."""
        if name not in self._queue:
            self._queue.append(name)
        self._next()

    def cancel(self) -> None:
        """Stop the running indexing (what is done stays; the next run resumes) and the queue."""
        self._queue.clear()
        if self.current is not None:
            self.worker.cancel.set()

    def resume_unfinished(self) -> list[str]:
        """Start again the collections a closed or killed app left part-indexed."""
        with DocIndex(self.rt.paths.documents_index) as index:
            names = index.unfinished()
        for name in names:
            self.request(name)
        return names

    def _next(self) -> None:
        if self.current is not None or not self._queue:
            return
        self.current = self._queue.pop(0)
        self.worker.cancel.clear()
        self._index.emit(self.current)

    def _on_progress(self, p: Progress) -> None:
        self.last_progress = p
        self.progress.emit(p)

    def _on_finished(self, result) -> None:
        self.current, self.last_progress = None, None
        self.finished.emit(result)
        self.watch()
        self._next()

    def _on_failed(self, name: str, message: str) -> None:
        self.current, self.last_progress = None, None
        self.failed.emit(name, message)
        self._next()

    # -- watching ------------------------------------------------------------------------------

    def watch(self) -> None:
        """Watch every collection's folders (a file added or removed, a save by rename) and its
        documents (a save in place), up to ``MAX_WATCHED`` paths."""
        roots: dict[str, str] = {}
        with DocIndex(self.rt.paths.documents_index) as index:
            for c in index.collections():
                for root in c.roots:
                    roots[root] = c.name
        self._roots = roots
        paths = []
        for root in roots:
            if os.path.isfile(root):
                paths.append(root)
                continue
            for folder, dirs, files in os.walk(root):
                dirs[:] = [d for d in dirs if not d.startswith(".") and d not in SKIP_DIRS]
                paths.append(folder)
                paths += [
                    os.path.join(folder, f)
                    for f in files
                    if not f.startswith(".") and formats.kind_of(Path(f))
                ]
                if len(paths) >= MAX_WATCHED:
                    break
        old = self._watcher.directories() + self._watcher.files()
        if old:
            self._watcher.removePaths(old)
        if paths:
            self._watcher.addPaths(paths[:MAX_WATCHED])

    def _on_path_changed(self, path: str) -> None:
        for root, name in self._roots.items():
            if path == root or path.startswith(root.rstrip(os.sep) + os.sep):
                self._changed.add(name)
        self._debounce.start()

    def _reindex_changed(self) -> None:
        for name in sorted(self._changed):
            self.request(name)
        self._changed.clear()

    def shutdown(self, timeout_ms: int = 10_000) -> None:
        if not self._thread.isRunning():
            return
        self.cancel()
        self._close.emit()
        self._thread.quit()
        self._thread.wait(timeout_ms)
