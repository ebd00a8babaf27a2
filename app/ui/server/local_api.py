"""The local API server as the window runs it: on this computer's loopback address, answering
from the same model runner as the window (one model in memory), started and stopped by the user.

    api = LocalApi(rt, runner)          # owned by Services
    api.start(port)                     # → started(url) or failed(message)
    api.request_ended.connect(...)      # RequestRecord, on the UI thread: never what was said
    api.stop()                          # → stopped()

Starting reads the key from the OS keyring and binds the port: off the UI thread. The server
runs on its own thread (uvicorn's loop); its request log is relayed to the UI thread.
"""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from app.core.engines.runner import ModelRunner
from app.core.platform.runtime import Runtime
from app.core.server.address import DEFAULT_PORT
from app.ui.background import BackgroundOp

if TYPE_CHECKING:
    from app.core.server.listen import ApiServer

log = logging.getLogger(__name__)


class LocalApi(QObject):
    started = Signal(str)  # the base URL
    stopped = Signal()
    failed = Signal(str)  # why it could not start, or stopped on its own
    request_ended = Signal(object)  # app.core.server.requestlog.RequestRecord

    def __init__(self, rt: Runtime, runner: ModelRunner, parent=None):
        super().__init__(parent)
        self.rt, self.runner = rt, runner
        self.server: ApiServer | None = None
        self._thread: threading.Thread | None = None
        self._starting = False

    @property
    def running(self) -> bool:
        return self.server is not None

    @property
    def url(self) -> str | None:
        return self.server.url if self.server else None

    def start(self, port: int = DEFAULT_PORT) -> None:
        if self.server is not None or self._starting:
            return
        self._starting = True
        op = BackgroundOp(self, lambda job: self._open(port))
        op.on_success(self._serve).on_failure(self._start_failed).run()

    def _open(self, port: int) -> ApiServer:
        """On a pool thread: load the server, read the key, bind the port."""
        # Loaded here, not at the top: the web server's libraries add a tenth of a second or more
        # to every start of the app, and the server is off unless the user turns it on.
        from app.core.server import listen

        return listen.ApiServer(self.rt.paths, self.rt.settings, port=port, runner=self.runner)

    def _start_failed(self, message: str) -> None:
        self._starting = False
        self.failed.emit(message)

    def _serve(self, server: ApiServer) -> None:
        self._starting = False
        self.server = server
        server.requests.listeners.append(self.request_ended.emit)  # queued: emitted off-thread
        self._thread = threading.Thread(target=self._run, args=(server,), name="enclave-api")
        self._thread.start()
        log.info("local API serving at %s", server.url)
        self.started.emit(server.url)

    def _run(self, server: ApiServer) -> None:
        try:
            server.run()
        except Exception as exc:  # noqa: BLE001 — reported to the window, logged with its trace
            log.exception("the local API server stopped")
            self.failed.emit(f"The local API server stopped: {exc}")

    def stop(self, timeout_s: float = 5.0) -> None:
        """Stop serving (the window's own turns are not touched)."""
        server, thread, self.server, self._thread = self.server, self._thread, None, None
        if server is None:
            return
        server.stop()  # clients are cut off, which stops their answers within a token
        if thread is not None:
            thread.join(timeout_s)
            if thread.is_alive():
                log.warning("the local API server did not stop in time")
        self.stopped.emit()
