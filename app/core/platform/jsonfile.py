"""JSON files Enclave owns (settings, the model library, download state, key names)."""

from __future__ import annotations

import glob
import json
import os
import secrets
import time
from pathlib import Path

from app.core.platform.paths import open_private, private_dir


def write_atomic(path: Path, data) -> None:
    """Write through a temporary file and rename, so a crash mid-write keeps the old file. The
    file is owner-only (settings hold the redaction terms)."""
    private_dir(path.parent)
    # A temporary file of its own per write: two processes saving at once (the window and
    # `enclave config set`) must not write into, or rename away, each other's half-written file.
    tmp = path.with_name(f"{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    _remove_leftovers(path)
    try:
        with os.fdopen(
            open_private(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL), "w", encoding="utf-8"
        ) as f:
            f.write(json.dumps(data, indent=2, sort_keys=True) + "\n")
            f.flush()
            os.fsync(f.fileno())  # the new version is on disk before it replaces the old one
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


STALE_S = 3600.0  # no write takes this long: a temporary file this old was left by a crash


def _remove_leftovers(path: Path) -> None:
    """Remove the temporary files of earlier writes of ``path`` whose process died before its
    rename (killed, or the power went): nothing else ever removes them, and each holds a copy of
    the data (the redaction terms, for settings). A writer still running keeps its file."""
    now = time.time()
    for tmp in path.parent.glob(f"{glob.escape(path.name)}.*.tmp"):
        pid = tmp.name[len(path.name) + 1 :].split(".", 1)[0]
        try:
            stale = now - tmp.stat().st_mtime > STALE_S
            if stale or (pid.isdigit() and not _running(int(pid))):
                tmp.unlink()
        except OSError:  # another process removed it first, or it cannot be: harmless
            pass


def _running(pid: int) -> bool:
    if os.name == "nt":  # os.kill would end the process there: leave it to the age check
        return True
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)  # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists, as another user
        return True
    return True
