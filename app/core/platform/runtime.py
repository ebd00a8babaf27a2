"""Start-up shared by the window and the CLI: folders, logging, settings, the network guard."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from app.core.platform import logs
from app.core.platform import paths as paths_mod
from app.core.platform.settings import Settings
from app.core.platform.settings_service import SettingsService
from app.core.privacy import netguard


@dataclass
class Runtime:
    paths: paths_mod.Paths
    settings_service: SettingsService

    @property
    def settings(self) -> Settings:
        """The one settings object everything reads; change it with ``update_settings``."""
        return self.settings_service.settings

    def update_settings(
        self, changes: Mapping[str, Any] | None = None, /, **more: Any
    ) -> frozenset[str]:
        """Validate, save, apply in place and notify (``SettingsService.update``)."""
        return self.settings_service.update(changes, **more)

    def save_settings(self) -> None:
        """Save what was set on ``settings`` directly (older callers; ``update_settings`` is
        the way). Raises SettingsError, with the values put back, if they cannot be saved."""
        self.settings_service.save()


def start() -> Runtime:
    """Prepare everything the core needs. Raises DataFolderError if a folder is unwritable."""
    netguard.environment_defaults()
    netguard.install()
    paths = paths_mod.resolve().ensure()
    logs.configure(paths.log_file)
    paths.protect()  # what older versions left readable by others (logged)
    return Runtime(paths, SettingsService(paths.settings_file))
