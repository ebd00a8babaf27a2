"""Several downloads, one after another, on a background thread (Qt-free; the window wraps it).

Listeners are called on the queue's thread with a ``Progress`` for every change, including the
final state and, for failures, the error message.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable

from app.core.errors import EnclaveError
from app.core.models.download import Downloader, DownloadRequest, Progress

log = logging.getLogger(__name__)


class DownloadQueue:
    def __init__(self, downloader: Downloader, listener: Callable[[Progress], None]):
        self.downloader, self.listener = downloader, listener
        self._waiting: deque[DownloadRequest] = deque()
        self._current: DownloadRequest | None = None
        self._cancel, self._pause = threading.Event(), threading.Event()
        self._lock = threading.Condition()
        self._closed = False
        self._thread = threading.Thread(target=self._loop, name="downloads", daemon=True)
        self._thread.start()

    def add(self, request: DownloadRequest) -> None:
        """Queue a download (or resume a paused one). Checks that cannot wait raise here."""
        self.downloader.check_license(request)
        with self._lock:
            if any(r.key == request.key for r in self._waiting) or (
                self._current and self._current.key == request.key
            ):
                return
            self._waiting.append(request)
            self._lock.notify()
        self.listener(
            Progress(
                request.key,
                request.name,
                "queued",
                self.downloader.bytes_present(request),
                request.total_bytes,
            )
        )

    def pause(self, key: str) -> None:
        self._stop(key, self._pause, "paused", "Paused. Resume to continue from here.")

    def cancel(self, key: str) -> None:
        """Stop and delete what arrived (the current one, a queued one, or a paused one)."""
        if not self._stop(key, self._cancel, "cancelled", "Download cancelled."):
            for request, _ in self.downloader.pending():
                if request.key == key:
                    self.downloader.discard(request)
                    self.listener(
                        Progress(
                            key,
                            request.name,
                            "cancelled",
                            0,
                            request.total_bytes,
                            message="Download cancelled.",
                        )
                    )

    def _stop(self, key: str, event: threading.Event, state: str, message: str) -> bool:
        with self._lock:
            if self._current and self._current.key == key:
                event.set()
                return True
            for request in list(self._waiting):
                if request.key == key:
                    self._waiting.remove(request)
                    if state == "cancelled":
                        self.downloader.discard(request)
                    self.listener(
                        Progress(
                            key,
                            request.name,
                            state,
                            self.downloader.bytes_present(request),
                            request.total_bytes,
                            message=message,
                        )
                    )
                    return True
        return False

    def close(self, timeout: float = 5.0) -> None:
        """Pause whatever is running (it resumes next time) and stop the thread."""
        with self._lock:
            self._closed = True
            self._waiting.clear()
            self._pause.set()
            self._lock.notify()
        self._thread.join(timeout)

    def _loop(self) -> None:
        while True:
            with self._lock:
                while not self._waiting and not self._closed:
                    self._lock.wait()
                if self._closed:
                    return
                self._current = self._waiting.popleft()
                self._cancel.clear()
                self._pause.clear()
            request = self._current
            try:
                self.downloader.run(
                    request, cancel=self._cancel, pause=self._pause, on_progress=self.listener
                )
            except EnclaveError as exc:
                self._failed(request, str(exc))
            except Exception as exc:  # a bug: keep the queue alive and say where details are
                log.exception("download of %s failed", request.name)
                self._failed(
                    request,
                    f"The download failed unexpectedly ({type(exc).__name__}). "
                    f"Details are in the log file.",
                )
            finally:
                with self._lock:
                    self._current = None

    def _failed(self, request: DownloadRequest, message: str) -> None:
        self.listener(
            Progress(
                request.key,
                request.name,
                "failed",
                self.downloader.bytes_present(request),
                request.total_bytes,
                message=message,
            )
        )
