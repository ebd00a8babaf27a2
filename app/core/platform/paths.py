"""Where Enclave keeps its files.

Everything lives under the platform's per-user folders for "Enclave" (platformdirs), or under one
folder when the environment variable ENCLAVE_HOME is set (portable installs, tests, IT roll-outs).
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import platformdirs

from app import APP_NAME
from app.core.errors import EnclaveError

HOME_ENV = "ENCLAVE_HOME"


@dataclass(frozen=True)
class Paths:
    config: Path
    data: Path
    cache: Path
    logs: Path
    models: Path

    @property
    def settings_file(self) -> Path:
        return self.config / "settings.json"

    @property
    def database(self) -> Path:
        return self.data / "enclave.sqlite3"

    @property
    def documents_index(self) -> Path:
        """The index of the user's document collections (rebuildable from the documents)."""
        return self.data / "documents.sqlite3"

    @property
    def library_file(self) -> Path:
        """What Enclave knows about downloaded and imported models (not the files themselves)."""
        return self.data / "library.json"

    @property
    def downloads(self) -> Path:
        """State of unfinished downloads, so they resume after a restart."""
        return self.data / "downloads"

    @property
    def audit_log(self) -> Path:
        """Every request that left this device (hash-chained; see privacy/audit.py)."""
        return self.data / "audit.jsonl"

    @property
    def providers_file(self) -> Path:
        """The cloud and organisation providers the user added (never their keys)."""
        return self.config / "providers.json"

    @property
    def keys_index(self) -> Path:
        """The names (never the values) of secrets stored in the OS keyring."""
        return self.config / "keys.json"

    @property
    def log_file(self) -> Path:
        return self.logs / "enclave.log"

    def folders(self) -> dict[str, Path]:
        return {"config": self.config, "data": self.data, "cache": self.cache,
                "logs": self.logs, "models": self.models}

    def ensure(self) -> Paths:
        """Create every folder and prove it is writable, or raise one clear error."""
        for name, folder in self.folders().items():
            try:
                folder.mkdir(parents=True, exist_ok=True)
                with tempfile.NamedTemporaryFile(dir=folder, prefix=".write-test-"):
                    pass
            except OSError as exc:
                raise DataFolderError(name, folder, exc) from exc
        return self


class DataFolderError(EnclaveError):
    def __init__(self, name: str, folder: Path, exc: OSError):
        reason = exc.strerror or str(exc)
        super().__init__(
            f"Enclave cannot write to its {name} folder {folder}: {reason}. "
            f"Fix the folder's permissions or free some disk space, or set {HOME_ENV} "
            f"to a folder you can write to.")
        self.folder = folder


def resolve(env: Mapping[str, str] | None = None) -> Paths:
    """The folders for this user, honouring ENCLAVE_HOME. Creates nothing."""
    home = (os.environ if env is None else env).get(HOME_ENV, "").strip()
    if home:
        root = Path(home).expanduser().absolute()
        return Paths(config=root / "config", data=root / "data", cache=root / "cache",
                     logs=root / "logs", models=root / "models")
    data = Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))
    return Paths(
        config=Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)),
        data=data,
        cache=Path(platformdirs.user_cache_dir(APP_NAME, appauthor=False)),
        logs=Path(platformdirs.user_log_dir(APP_NAME, appauthor=False)),
        models=data / "models",
    )


def resources_dir() -> Path:
    """The bundled resources/ folder, in a frozen build or a source checkout."""
    frozen_root = getattr(sys, "_MEIPASS", None)
    if frozen_root:
        return Path(frozen_root) / "resources"
    return Path(__file__).resolve().parents[3] / "resources"
