"""JSON files Enclave owns (settings, the model library, download state, key names)."""

from __future__ import annotations

import json
import os
from pathlib import Path


def write_atomic(path: Path, data) -> None:
    """Write through a temporary file and rename, so a crash mid-write keeps the old file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    os.replace(tmp, path)
