"""JSON files Enclave owns (settings, the model library, download state, key names)."""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path

from app.core.platform.paths import open_private, private_dir


def write_atomic(path: Path, data) -> None:
    """Write through a temporary file and rename, so a crash mid-write keeps the old file. The
    file is owner-only (settings hold the redaction terms)."""
    private_dir(path.parent)
    # A temporary file of its own per write: two processes saving at once (the window and
    # `enclave config set`) must not write into, or rename away, each other's half-written file.
    tmp = path.with_name(f"{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
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
