"""Document indexing in the background, while the app runs: one thread, a queue of collections,
cancel, resume of unfinished runs at start, and folders watched for changes.

The thread owns its own index connection and embedding model; the window only sees progress and
results, as queued signals. What to index next and what to watch are core's rules
(``app.core.documents.indexing_queue``); the walk that finds what to watch runs as a
``BackgroundOp``, never on the UI thread.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import time

from PySide6.QtCore import (
    QCoreApplication,
    QFileSystemWatcher,
    QObject,
    QThread,
    QTimer,
    Signal,
    Slot,
)

from app.core.documents import indexing_queue
from app.core.documents.grounding import Documents
from app.core.documents.index import DocIndex
from app.core.documents.indexer import Indexer, Progress
from app.core.documents.indexing_queue import IndexingQueue
from app.core.errors import EnclaveError
from app.core.platform import jobs
from app.core.platform.runtime import Runtime
from app.ui.background import BackgroundOp

log = logging.getLogger(__name__)

WATCH_DEBOUNCE_MS = 1500  # editors write a file in several steps: wait for the last


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
            if now - last["at"] >= jobs.REPORT_INTERVAL_S or p.phase != last["phase"]:
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
    watched = Signal(int)  # how many folders and files are watched now
    _index = Signal(str)
    _close = Signal()

    def __init__(self, rt: Runtime, parent=None):
        super().__init__(parent)
        self.rt = rt
        self.last_progress: Progress | None = None
        self.queue = IndexingQueue()
        self._watch_op: BackgroundOp | None = None
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
        return self.queue.busy

    @property
    def current(self) -> str | None:
        return self.queue.current

    def request(self, name: str) -> None:
        """Index ``name`` (incrementally) as soon as the thread is free (see IndexingQueue)."""
        self.queue.request(name)
        self._next()

    def cancel(self) -> None:
        """Stop the running indexing (what is done stays; the next run resumes) and the queue."""
        self.queue.clear()
        if self.queue.busy:
            self.worker.cancel.set()

    def resume_unfinished(self) -> list[str]:
        """Start again the collections a closed or killed app left part-indexed."""
        with DocIndex(self.rt.paths.documents_index) as index:
            names = index.unfinished()
        for name in names:
            self.request(name)
        return names

    def _next(self) -> None:
        name = self.queue.take()
        if name is not None:
            self.worker.cancel.clear()
            self._index.emit(name)

    def _on_progress(self, p: Progress) -> None:
        self.last_progress = p
        self.progress.emit(p)

    def _on_finished(self, result) -> None:
        self.queue.finished()
        self.last_progress = None
        self.finished.emit(result)
        self.watch()
        self._next()

    def _on_failed(self, name: str, message: str) -> None:
        self.queue.finished()
        self.last_progress = None
        self.failed.emit(name, message)
        self._next()

    # -- watching ------------------------------------------------------------------------------

    def watch(self) -> BackgroundOp:
        """Watch every collection's folders (a file added or removed, a save by rename) and its
        documents (a save in place), up to ``indexing_queue.MAX_WATCHED`` paths. The walk runs
        on a pool thread; a newer call replaces one still walking."""
        if self._watch_op is not None and self._watch_op.running:
            self._watch_op.discard()
        index_file = self.rt.paths.documents_index

        def find(job) -> tuple[dict[str, str], list[str]]:
            roots = indexing_queue.watched_roots(index_file)
            return roots, indexing_queue.paths_to_watch(roots)

        self._watch_op = (
            BackgroundOp(self, find)
            .on_success(self._on_watch_found)
            .on_failure(lambda message: log.warning("watching documents: %s", message))
            .run()
        )
        return self._watch_op

    def _on_watch_found(self, found: tuple[dict[str, str], list[str]]) -> None:
        # Only what changed is touched, so no change falls between removing and adding again.
        self._roots, wanted = found
        watched = set(self._watcher.directories() + self._watcher.files())
        stale = [p for p in watched if p not in set(wanted)]
        new = [p for p in wanted if p not in watched]
        if stale:
            self._watcher.removePaths(stale)
        if new:
            self._watcher.addPaths(new)
        self.watched.emit(len(wanted))

    def _on_path_changed(self, path: str) -> None:
        self._changed |= indexing_queue.collections_changed(path, self._roots)
        self._debounce.start()

    def _reindex_changed(self) -> None:
        for name in sorted(self._changed):
            self.request(name)
        self._changed.clear()

    def shutdown(self, timeout_ms: int = 10_000) -> None:
        if self._watch_op is not None:
            self._watch_op.discard()
        if not self._thread.isRunning():
            return
        self.cancel()
        self._close.emit()
        self._thread.quit()
        self._thread.wait(timeout_ms)
