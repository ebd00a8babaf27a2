"""Settings changed anywhere reach the open window: by this process (the service's listeners) or
by another one, such as `enclave config set network.offline true` (the file on disk).

The folder is watched as well as the file: a settings file is saved by replacing it, and a watch
on the replaced file ends with it.
"""

from __future__ import annotations

from PySide6.QtCore import QFileSystemWatcher, QObject, QTimer, Signal

from app.core.platform.settings_service import SettingsService

DEBOUNCE_MS = 200  # one save is several folder events (temporary file, rename)


class SettingsWatch(QObject):
    """Lives on the UI thread and reloads there (one small file). ``changed`` carries the names
    of the settings that changed, whoever changed them; ``noticed`` a sentence for the user
    (a value in the file that cannot be used, a damaged file)."""

    changed = Signal(set)
    noticed = Signal(str)
    _heard = Signal(object)  # from the service, on whichever thread made the change

    def __init__(self, service: SettingsService, parent: QObject | None = None):
        super().__init__(parent)
        self.service = service
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(DEBOUNCE_MS)
        self._debounce.timeout.connect(self._on_debounce_timeout)
        self._watcher = QFileSystemWatcher(self)
        self._watcher.fileChanged.connect(self._on_watcher_changed)
        self._watcher.directoryChanged.connect(self._on_watcher_changed)
        self._watch()
        self._heard.connect(self._on_service_changed)  # queued when heard on another thread
        self.destroyed.connect(service.subscribe(self._heard.emit))

    def _watch(self) -> None:
        """Watch the folder, and the file when it exists (again, after each replace)."""
        path = self.service.path
        wanted = [str(p) for p in (path.parent, path) if p.exists()]
        missing = [
            p for p in wanted if p not in self._watcher.files() + self._watcher.directories()
        ]
        if missing:
            self._watcher.addPaths(missing)

    def _on_watcher_changed(self, _path: str) -> None:
        self._debounce.start()  # restarts: one reload after the burst

    def _on_debounce_timeout(self) -> None:
        self._watch()
        found = self.service.reload_if_changed()  # listeners (so ``changed``) hear what it applied
        for notice in found.notices:
            self.noticed.emit(notice)

    def _on_service_changed(self, names: frozenset[str]) -> None:
        self.changed.emit(set(names))
