"""JSON files Enclave owns (settings, the model library, download state, key names)."""

from __future__ import annotations

import json
import os
from pathlib import Path

from app.core.platform.paths import open_private, private_dir


def write_atomic(path: Path, data) -> None:
    """Write through a temporary file and rename, so a crash mid-write keeps the old file. The
    file is owner-only (settings hold the redaction terms)."""
    private_dir(path.parent)
    tmp = path.with_name(path.name + ".tmp")
    with os.fdopen(open_private(tmp), "w", encoding="utf-8") as f:
        f.write(json.dumps(data, indent=2, sort_keys=True) + "\n")
    os.replace(tmp, path)
