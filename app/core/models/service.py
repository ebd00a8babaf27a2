"""The model library as one object for the window and the CLI: look, check fit, download, manage."""

from __future__ import annotations

import threading
from dataclasses import asdict, dataclass, field

from app.core.chat import thinking
from app.core.errors import NoModelError
from app.core.models import fit, gguf, hub, installed
from app.core.models.download import Downloader, DownloadRequest
from app.core.models.installed import InstalledModel
from app.core.models.records import DEFAULT_KEYS, ModelRecords
from app.core.platform.paths import Paths
from app.core.platform.settings import Settings
from app.core.platform.settings_service import SettingsService
from app.core.privacy.keyring_store import KeyringStore


@dataclass
class RepoReport:
    """What a user reads before downloading: license, files with sizes, and how each would run."""

    details: hub.RepoDetails
    fits: dict[str, fit.Fit]
    recommended: str | None
    machine: fit.Machine


@dataclass
class ModelFacts:
    """What the window's Installed list and `enclave models list` show about one model; the
    fields after ``size_bytes`` are None when the file cannot be read."""

    id: str
    path: str
    source: str
    size_bytes: int
    quantization: str | None = None
    architecture: str | None = None
    parameters: int | None = None
    context_length: int | None = None
    license: str | None = None
    repo: str | None = None
    default: bool = False
    embedding: bool = False
    for_documents: bool = False
    defaults: dict = field(default_factory=dict)
    runs_on: dict | None = None  # where it would run now (engines/placement), as a dict

    def as_json(self) -> dict:
        return asdict(self)


class ModelLibrary:
    def __init__(self, paths: Paths, settings: Settings | SettingsService):
        """``settings``: the runtime's service (``rt.settings_service``), so a changed default
        reaches everyone listening; a bare `Settings` (scripts, tests) gets a service of its own
        on ``paths.settings_file``."""
        self.paths = paths
        self.settings_service = (
            settings
            if isinstance(settings, SettingsService)
            else SettingsService(paths.settings_file, settings)
        )
        self.settings = self.settings_service.settings
        self.keys = KeyringStore(paths.keys_index)
        self.hub = hub.Hub(self.settings, self.keys, paths=self.paths)
        self.downloader = Downloader(paths, self.hub)
        self.records = ModelRecords(paths.library_file)
        self._machine: fit.Machine | None = None
        self._lock = threading.Lock()

    def machine(self) -> fit.Machine:
        with self._lock:
            if self._machine is None:
                self._machine = fit.Machine.detect()
            return self._machine

    # -- looking (network, on a user action) -----------------------------------------------

    def search(self, query: str, *, sort: str = "downloads", limit: int = 20):
        return self.hub.search(query, sort=sort, limit=limit)

    def report(self, repo: str, *, context: int | None = None) -> RepoReport:
        """Look a repository up, and estimate how each of its files would run here."""
        details = self.hub.details(repo)
        shape = None
        sized = [c for c in details.choices if c.size]
        if sized:
            smallest = min(sized, key=lambda c: c.size or 0)
            metadata = self.hub.read_metadata(details.id, smallest.files[0].name, details.revision)
            shape = fit.ModelShape.from_metadata(metadata) if metadata else None
        machine = self.machine()
        fits, best = fit.assess(
            details.choices, shape, context or self.settings.context_length, machine
        )
        return RepoReport(details, fits, best, machine)

    def request(self, details: hub.RepoDetails, name: str) -> DownloadRequest:
        return DownloadRequest.from_details(details, name)

    def acknowledge(self, request: DownloadRequest) -> None:
        from app.core.models import licenses

        self.records.acknowledge(
            request.repo, licenses.describe(request.license, request.license_url).id
        )

    # -- what is installed ----------------------------------------------------------------

    def installed(self) -> list[InstalledModel]:
        return installed.list_models(self.paths)

    def describe(self, model: InstalledModel) -> ModelFacts:
        """Facts for the Installed list: size, quantization, license, where it lives."""
        record = model.record
        facts = ModelFacts(
            model.id,
            str(model.path),
            model.source,
            model.size_bytes,
            repo=record.repo if record else None,
            default=model.id == self.settings.default_model,
            embedding=installed.is_embedding_model(model.path),
            for_documents=model.id == self.settings.embedding_model,
            defaults=model.defaults,
        )
        try:
            info = gguf.read(model.path)
        except Exception:  # a damaged file is still listed, so it can be removed
            return facts
        facts.quantization, facts.architecture = info.quantization, info.architecture
        facts.parameters, facts.context_length = info.parameter_count, info.context_length
        facts.license = record.license if record and record.license else info.license
        facts.runs_on = self._runs_on(model, info)
        return facts

    def _runs_on(self, model: InstalledModel, info) -> dict:
        """Where the model would run now: the same plan its load makes (engines/placement)."""
        from app.core.engines import placement

        s = installed.settings_for(self.settings, model)
        where = placement.for_gguf(info, context_length=s.context_length, gpu_layers=s.gpu_layers)
        return {"label": where.label, "reason": where.reason}

    def remove(self, model_id: str) -> InstalledModel:
        """Delete a model; new chats go back to the starter model if it was the default."""
        model = installed.remove(model_id, self.paths)
        if self.settings.default_model in (model.id, str(model.path)):
            self.settings_service.update(default_model="")
        return model

    def set_default(self, model_id: str) -> InstalledModel:
        """New chats use this model."""
        model = installed.resolve(model_id, self.paths)
        if model.source == "file":
            raise NoModelError(f"There is no installed model called {model_id!r}.")
        self.settings_service.update(default_model=model.id)
        return model

    def use_for_documents(self, model_id: str) -> InstalledModel:
        """Document search by meaning uses this model (an embedding model, ideally)."""
        model = installed.resolve(model_id, self.paths)
        self.settings_service.update(embedding_model=model.id)
        return model

    def set_model_defaults(self, model_id: str, **values) -> None:
        model = installed.resolve(model_id, self.paths)
        typed = {}
        for key, value in values.items():
            if key not in DEFAULT_KEYS:
                raise ValueError(
                    f"unknown per-model setting {key!r}; known: {', '.join(DEFAULT_KEYS)}"
                )
            typed[key] = None if value in (None, "") else _typed(key, value)
        installed.apply_defaults(self.settings, {**model.defaults, **typed})  # ValueError if bad
        self.records.set_defaults(model.id, model.path, **typed)


def _typed(key: str, value):
    if key == "thinking":  # ValueError naming the levels
        return thinking.check_level(value)
    kinds = {"context_length": int, "gpu_layers": int, "temperature": float, "system_prompt": str}
    try:
        return kinds[key](value)
    except ValueError:
        raise ValueError(f"{key} should be a {kinds[key].__name__}, not {value!r}") from None
