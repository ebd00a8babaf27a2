"""Bring GGUF files the user already has into the library: copied in, or used where they are.

Also finds GGUF files already in the local Hugging Face cache (downloaded by other tools), so they
can be used without downloading them again.
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from app.core.errors import EnclaveError
from app.core.models import gguf, quant
from app.core.models.installed import InstalledModel, list_models, model_id_for
from app.core.models.records import ModelRecord, ModelRecords
from app.core.platform.jobs import Cancelled
from app.core.platform.paths import Paths

IMPORT_FOLDER = "imported"
CHUNK = 8 << 20


class ImportModelError(EnclaveError):
    pass


class ImportCancelled(Cancelled, ImportModelError):
    """The copy was stopped; its partial files are gone."""


@dataclass(frozen=True)
class ImportedModel:
    model: InstalledModel
    info: gguf.GGUFInfo


def _shards(path: Path) -> list[Path]:
    info = quant.shard(path.name)
    if not info:
        return [path]
    if info[1] != 1:
        raise ImportModelError(
            f"{path.name} is part {info[1]} of a split model: import the "
            f"first part (…-00001-of-{info[2]:05d}.gguf)."
        )
    stem = path.name[: -len("-00001-of-00000.gguf")]
    parts = [path.with_name(f"{stem}-{i:05d}-of-{info[2]:05d}.gguf") for i in range(1, info[2] + 1)]
    missing = [p.name for p in parts if not p.is_file()]
    if missing:
        raise ImportModelError(
            f"{path.name} is split into {info[2]} parts, and these are "
            f"missing beside it: {', '.join(missing)}."
        )
    return parts


def import_file(
    path: str | Path,
    paths: Paths,
    *,
    copy: bool = True,
    cancel: threading.Event | None = None,
    on_progress: Callable[[int, int], None] | None = None,
) -> ImportedModel:
    """Check a GGUF file and add it to the library.

    Args:
        copy: copy it into the models folder (safe if the original moves); False uses it in place.
        cancel: set it to stop the copy; checked between chunks.
        on_progress: (bytes copied, total) while copying.

    Raises:
        ModelFileError: the file is missing, damaged or not GGUF (nothing is changed).
        ImportModelError: name clash, no space, or a copy that failed (nothing half-done is kept).
        ImportCancelled: ``cancel`` was set during the copy (nothing half-done is kept).
    """
    source = Path(path).expanduser().absolute()
    info = gguf.read(source)  # raises a clear error before anything is written
    files = _shards(source)
    for part in files[1:]:
        gguf.read(part)
    model_id = model_id_for(source)
    if any(m.id == model_id for m in list_models(paths)):
        raise ImportModelError(
            f"A model called {model_id!r} is already installed. Rename the "
            f"file or remove the installed one first."
        )
    if copy:
        target_dir = paths.models / IMPORT_FOLDER
        target_dir.mkdir(parents=True, exist_ok=True)
        total = sum(p.stat().st_size for p in files)
        free = shutil.disk_usage(target_dir).free
        if free < total + (64 << 20):
            raise ImportModelError(
                f"Not enough free space to copy {source.name} ({total / 1e9:.2f} GB) into "
                f"{target_dir} ({free / 1e9:.2f} GB free). Import it in place instead, or free "
                f"some space."
            )
        try:
            for done, p in _running_offsets(files):
                _copy(p, target_dir / p.name, cancel, on_progress, total, done)
        except BaseException:  # cancelled, a failed copy, or a bug: no part is left behind
            for p in files:
                (target_dir / (p.name + ".part")).unlink(missing_ok=True)
            raise
        for p in files:
            os.replace(target_dir / (p.name + ".part"), target_dir / p.name)
        where, source_kind = target_dir / source.name, "import"
    else:
        where, source_kind = source, "reference"
    record = ModelRecord(str(where), source_kind, license=info.license)
    ModelRecords(paths.library_file).put(model_id, record)
    model = InstalledModel(model_id, where, source_kind, record)
    return ImportedModel(model, gguf.read(where))


def _running_offsets(files: list[Path]):
    done = 0
    for p in files:
        yield done, p
        done += p.stat().st_size


def _copy(src: Path, dst: Path, cancel, on_progress, total: int, offset: int) -> None:
    part = dst.with_name(dst.name + ".part")
    copied = 0
    try:
        with src.open("rb") as fin, part.open("wb") as fout:
            while chunk := fin.read(CHUNK):
                if cancel is not None and cancel.is_set():
                    raise ImportCancelled("Import cancelled; nothing was added.")
                fout.write(chunk)
                copied += len(chunk)
                if on_progress:
                    on_progress(offset + copied, total)
    except OSError as exc:
        part.unlink(missing_ok=True)
        raise ImportModelError(
            f"Could not copy {src.name} into {dst.parent}: "
            f"{exc.strerror or exc}. Nothing was added."
        ) from exc


def hf_cache_folder() -> Path:
    """Where huggingface_hub keeps downloads, honouring HF_HUB_CACHE and HF_HOME."""
    if os.environ.get("HF_HUB_CACHE"):
        return Path(os.environ["HF_HUB_CACHE"]).expanduser()
    home = os.environ.get("HF_HOME") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.join(Path.home(), ".cache"), "huggingface"
    )
    return Path(home).expanduser() / "hub"


@dataclass(frozen=True)
class CachedFile:
    repo: str
    path: Path
    size: int


def find_in_hf_cache(folder: Path | None = None) -> list[CachedFile]:
    """GGUF files (whole, or the first part of split ones) in the local Hugging Face cache."""
    folder = folder or hf_cache_folder()
    found = []
    for repo_dir in sorted(folder.glob("models--*")):
        repo = repo_dir.name[len("models--") :].replace("--", "/", 1)
        for path in sorted(repo_dir.glob("snapshots/*/**/*.gguf")):
            info = quant.shard(path.name)
            if path.is_file() and (info is None or info[1] == 1):
                found.append(CachedFile(repo, path, path.stat().st_size))
    return found
