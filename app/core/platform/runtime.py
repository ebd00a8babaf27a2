"""Start-up shared by the window and the CLI: folders, logging, settings, the network guard."""

from __future__ import annotations

from dataclasses import dataclass

from app.core.platform import logs
from app.core.platform import paths as paths_mod
from app.core.platform import settings as settings_mod
from app.core.privacy import netguard


@dataclass
class Runtime:
    paths: paths_mod.Paths
    settings: settings_mod.Settings

    def save_settings(self) -> None:
        settings_mod.save_or_explain(self.settings, self.paths.settings_file)


def start() -> Runtime:
    """Prepare everything the core needs. Raises DataFolderError if a folder is unwritable."""
    netguard.environment_defaults()
    netguard.install()
    paths = paths_mod.resolve().ensure()
    logs.configure(paths.log_file)
    paths.protect()  # what older versions left readable by others (logged)
    return Runtime(paths, settings_mod.load(paths.settings_file))
