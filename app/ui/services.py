"""The app's long-lived background workers, owned in one place and stopped in one place.

    services = Services(rt, window)      # once, by the main window
    ModelsDialog(rt, window, services=services)
    DocumentsDialog(rt, services.indexing, window)
    services.shutdown()                  # in the window's closeEvent

- ``runner``: the one model runner (core): every model load and generation, the window's and the
  local API's, in one fair queue, so there is one model in memory.
- ``models``: the window's model thread (its turns go to the runner; ``app.ui.chat.model_worker``).
- ``api``: the local API server, when the user turns it on (``app.ui.server.local_api``).
- ``downloads``: the download queue (core's ``DownloadQueue`` on its own thread), its progress
  delivered on the UI thread. Downloads carry on while the Models window is closed.
- ``indexing``: document indexing (its own thread; the order and what to watch are core's rules).

Short pieces of work (a hub search, an import, a folder walk) are ``BackgroundOp``s owned by the
window that asked; they need no owner here. Lives on the UI thread.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QCoreApplication, QObject, Signal

from app.core.engines.host import EngineHost
from app.core.engines.runner import ModelRunner
from app.core.models.download_queue import DownloadQueue
from app.core.models.service import ModelLibrary
from app.core.platform.runtime import Runtime
from app.ui.chat.model_worker import ModelThread
from app.ui.documents.indexing import IndexingService
from app.ui.server.local_api import LocalApi

log = logging.getLogger(__name__)


class DownloadService(QObject):
    """The download queue and its progress. ``progressed`` is emitted on the queue's thread;
    slots of objects living on the UI thread receive it there (queued)."""

    progressed = Signal(object)  # app.core.models.download.Progress

    def __init__(self, library: ModelLibrary, parent=None):
        super().__init__(parent)
        self.library = library
        self.queue = DownloadQueue(library.downloader, self.progressed.emit)

    def close(self) -> None:
        """A running download pauses (its bytes are kept; it resumes next time)."""
        self.queue.close()


class Services(QObject):
    """Creates and owns the model thread, the download queue and the indexing service."""

    def __init__(self, rt: Runtime, parent=None):
        super().__init__(parent)
        self.rt = rt
        self.runner = ModelRunner(EngineHost(rt.settings))
        self.models = ModelThread(rt, self, runner=self.runner)
        self.api = LocalApi(rt, self.runner, self)
        self.library = ModelLibrary(rt.paths, rt.settings_service)
        self.downloads = DownloadService(self.library, self)
        self.indexing = IndexingService(rt, self)
        self.closed = False
        app = QCoreApplication.instance()
        if app is not None:  # quitting by any route stops the threads before Qt tears down
            app.aboutToQuit.connect(self.shutdown)

    def shutdown(self) -> None:
        """Stop everything, in order: the local API stops serving, downloads pause (to resume
        next time), the answer in progress stops and the model is let go, indexing stops (what is
        done stays)."""
        if self.closed:
            return
        self.closed = True
        self.api.stop()
        self.downloads.close()
        self.models.shutdown()
        self.runner.stop()
        self.indexing.shutdown()
        log.info("background services stopped")
