"""What Enclave remembers about the models it manages, in one small JSON file.

For each downloaded or imported model: where it came from (hub repository, file, revision, sha256),
its license, and the user's per-model defaults. It also remembers which licenses the user
acknowledged, per repository. The files themselves are the truth about what is installed: a record
whose file is gone is ignored, and a model file without a record is still listed.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

from app.core.platform import jsonfile

log = logging.getLogger(__name__)

# Per-model defaults a user may set, with the setting each one overrides.
# "thinking" is a level of chat.thinking.LEVELS: how much a reasoning model thinks by default.
DEFAULT_KEYS = ("context_length", "temperature", "gpu_layers", "system_prompt", "thinking")


@dataclass
class ModelRecord:
    path: str
    source: str = "library"  # "download" | "import" (copied) | "reference" (used in place)
    repo: str | None = None
    files: list[str] = field(default_factory=list)  # repository paths, shards in order
    revision: str | None = None
    sha256: list[str] = field(default_factory=list)
    license: str | None = None
    license_url: str | None = None
    added: float = 0.0
    defaults: dict = field(default_factory=dict)


def _record(raw: dict) -> ModelRecord | None:
    known = {f.name for f in fields(ModelRecord)}
    try:
        return ModelRecord(**{k: v for k, v in raw.items() if k in known})
    except TypeError:
        return None


class ModelRecords:
    """Reads and writes ``library.json``; safe to use from several threads of one process."""

    _lock = threading.Lock()

    def __init__(self, file: Path):
        self.file = file

    def _load(self) -> dict:
        try:
            data = json.loads(self.file.read_text(encoding="utf-8"))
            return data if isinstance(data, dict) else {}
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            log.warning("library file unreadable (%s); starting a new one", exc)
            return {}

    def _save(self, data: dict) -> None:
        jsonfile.write_atomic(self.file, data)

    def records(self) -> dict[str, ModelRecord]:
        """Model id -> record."""
        out = {}
        for model_id, raw in self._load().get("models", {}).items():
            record = _record(raw) if isinstance(raw, dict) else None
            if record:
                out[model_id] = record
        return out

    def get(self, model_id: str) -> ModelRecord | None:
        return self.records().get(model_id)

    def put(self, model_id: str, record: ModelRecord) -> None:
        record.added = record.added or time.time()
        with self._lock:
            data = self._load()
            data.setdefault("models", {})[model_id] = asdict(record)
            self._save(data)

    def forget(self, model_id: str) -> None:
        with self._lock:
            data = self._load()
            data.get("models", {}).pop(model_id, None)
            self._save(data)

    def set_defaults(self, model_id: str, path: Path, **values) -> ModelRecord:
        """Set (or, with None, clear) per-model defaults. Unknown keys are refused."""
        unknown = set(values) - set(DEFAULT_KEYS)
        if unknown:
            raise ValueError(
                f"unknown per-model setting(s): {', '.join(sorted(unknown))}; "
                f"known: {', '.join(DEFAULT_KEYS)}"
            )
        record = self.get(model_id) or ModelRecord(str(path))
        for key, value in values.items():
            if value is None:
                record.defaults.pop(key, None)
            else:
                record.defaults[key] = value
        self.put(model_id, record)
        return record

    # -- license acknowledgements (per repository) -----------------------------------------

    def acknowledged(self, repo: str, license_id: str) -> bool:
        entry = self._load().get("acknowledged", {}).get(repo)
        return isinstance(entry, dict) and entry.get("license") == license_id

    def acknowledge(self, repo: str, license_id: str) -> None:
        with self._lock:
            data = self._load()
            data.setdefault("acknowledged", {})[repo] = {"license": license_id, "time": time.time()}
            self._save(data)
