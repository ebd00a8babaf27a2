"""Where Enclave keeps its files.

Everything lives under the platform's per-user folders for "Enclave" (platformdirs), or under one
folder when the environment variable ENCLAVE_HOME is set (portable installs, tests, IT roll-outs).

On POSIX every folder Enclave makes is 0700 and every file it writes 0600, whatever the umask:
conversations, document passages and redaction terms are for the user's eyes only. On Windows the
folders are under the user's profile, whose default permissions already give only that user (and
administrators) access; the modes below do nothing there.
"""

from __future__ import annotations

import logging
import os
import stat
import sys
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import platformdirs

from app import APP_NAME
from app.core.errors import EnclaveError

HOME_ENV = "ENCLAVE_HOME"
PRIVATE_DIR, PRIVATE_FILE = 0o700, 0o600

log = logging.getLogger(__name__)


def private_dir(folder: Path) -> Path:
    """Make ``folder`` (and missing parents) and make it owner-only. ``mkdir``'s mode is cut by
    the umask, hence the chmod."""
    folder.mkdir(mode=PRIVATE_DIR, parents=True, exist_ok=True)
    tighten(folder)
    return folder


def open_private(path: Path, flags: int = os.O_WRONLY | os.O_CREAT | os.O_TRUNC) -> int:
    """``os.open`` a file Enclave writes, owner-only, whether new or left by an older version."""
    fd = os.open(path, flags, PRIVATE_FILE)
    if os.name == "posix":
        os.fchmod(fd, PRIVATE_FILE)
    return fd


def tighten(path: Path) -> bool:
    """Make an existing file or folder owner-only; True if it was open to others and now is
    not. One that cannot be changed (another user's) is logged and left, not an error."""
    if os.name != "posix":
        return False
    try:
        st = os.lstat(path)
        if stat.S_ISLNK(st.st_mode) or not st.st_mode & 0o077:
            return False
        os.chmod(path, PRIVATE_DIR if stat.S_ISDIR(st.st_mode) else PRIVATE_FILE)
    except FileNotFoundError:
        return False
    except OSError as exc:
        log.warning("could not make %s owner-only: %s", path, exc.strerror or exc)
        return False
    return True


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
        return {
            "config": self.config,
            "data": self.data,
            "cache": self.cache,
            "logs": self.logs,
            "models": self.models,
        }

    def ensure(self) -> Paths:
        """Create every folder (owner-only) and prove it is writable, or raise one clear error."""
        for name, folder in self.folders().items():
            try:
                private_dir(folder)
                with tempfile.NamedTemporaryFile(dir=folder, prefix=".write-test-"):
                    pass
            except OSError as exc:
                raise DataFolderError(name, folder, exc) from exc
        try:  # made here, owner-only: the logging handler would make it with the umask's mode
            os.close(open_private(self.log_file, os.O_WRONLY | os.O_CREAT | os.O_APPEND))
        except OSError as exc:
            raise DataFolderError("logs", self.logs, exc) from exc
        return self

    def protect(self) -> list[Path]:
        """Make what older versions wrote world-readable owner-only (the models' own files are
        left as they are: the models folder is closed instead). Returns what was changed."""
        changed = []
        for name, folder in self.folders().items():
            found = [folder] if name == "models" else [folder, *_below(folder)]
            changed += [p for p in found if tighten(p)]
        if changed:
            log.info(
                "made %d file(s) and folder(s) from an older version owner-only: %s",
                len(changed),
                ", ".join(str(p) for p in changed[:20]),
            )
        return changed


def _below(folder: Path) -> list[Path]:
    """Everything under ``folder``, not following links."""
    found: list[Path] = []
    for parent, dirs, files in os.walk(folder):
        found += [Path(parent, n) for n in dirs + files]
    return found


class DataFolderError(EnclaveError):
    def __init__(self, name: str, folder: Path, exc: OSError):
        reason = exc.strerror or str(exc)
        super().__init__(
            f"Enclave cannot write to its {name} folder {folder}: {reason}. "
            f"Fix the folder's permissions or free some disk space, or set {HOME_ENV} "
            f"to a folder you can write to."
        )
        self.folder = folder


def resolve(env: Mapping[str, str] | None = None) -> Paths:
    """The folders for this user, honouring ENCLAVE_HOME. Creates nothing."""
    home = (os.environ if env is None else env).get(HOME_ENV, "").strip()
    if home:
        root = Path(home).expanduser().absolute()
        return Paths(
            config=root / "config",
            data=root / "data",
            cache=root / "cache",
            logs=root / "logs",
            models=root / "models",
        )
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
