"""Which models the API offers: the installed chat models, and the documents' embedding model.

Only installed models, by id: a client cannot make the server open a file by naming its path.
"""

from __future__ import annotations

import threading
import time

from app.core.documents import embedder
from app.core.errors import NoModelError
from app.core.models import installed
from app.core.platform.paths import Paths
from app.core.platform.settings import Settings
from app.core.server.errors import ApiError

FRESH_S = 2.0  # a model installed while the server runs is offered within this long


class Catalog:
    def __init__(self, paths: Paths, settings: Settings):
        self.paths, self.settings = paths, settings
        self._lock = threading.Lock()
        self._at = 0.0
        self._chat: list[installed.InstalledModel] = []
        self._embedding: installed.InstalledModel | None = None
        self._kinds: dict[tuple, bool] = {}

    def _refresh(self) -> None:
        with self._lock:
            if time.monotonic() - self._at < FRESH_S:
                return
            models = installed.list_models(self.paths)
            self._chat = [m for m in models if not self._is_embedding(m)]
            self._embedding = self._chosen_embedding(models)
            self._at = time.monotonic()

    def _is_embedding(self, model: installed.InstalledModel) -> bool:
        """Read from the file once (its header takes tens of ms), again only if it changed."""
        try:
            st = model.path.stat()
        except OSError:
            return False
        key = (str(model.path), st.st_mtime_ns, st.st_size)
        if key not in self._kinds:
            self._kinds[key] = installed.is_embedding_model(model.path)
        return self._kinds[key]

    def _chosen_embedding(self, models) -> installed.InstalledModel | None:
        """As ``embedder.chosen_model``, from the models already listed and classified."""
        choice = (self.settings.embedding_model or "").strip()
        if choice.lower() == embedder.OFF:
            return None
        if not choice:
            return next((m for m in models if self._is_embedding(m)), None)
        try:
            return installed.resolve(choice, self.paths, models=models)
        except NoModelError:  # a misnamed setting: no embeddings, chat still works
            return None

    def listing(self) -> list[dict]:
        """``GET /v1/models``: OpenAI's fields, plus what each model is for."""
        self._refresh()
        rows = []
        embedding_id = self._embedding.id if self._embedding else None
        for m in self._chat:
            rows.append(_row(m, "chat", embedding=m.id == embedding_id))
        if self._embedding and all(m.id != embedding_id for m in self._chat):
            rows.append(_row(self._embedding, "embedding", embedding=True))
        return rows

    def chat_model(self, name: object) -> installed.InstalledModel:
        """The installed chat model called ``name`` (its id, or "starter"). Raises ApiError."""
        if not isinstance(name, str) or not name.strip():
            raise ApiError(400, f"model is required: one of {self._names()}.", param="model")
        self._refresh()
        name = name.strip()
        for m in self._chat:
            if name == m.id or (name == installed.STARTER_ALIAS and m.source == "starter"):
                return m
        raise ApiError(
            404,
            f"There is no chat model called {name!r} on this computer. Models: {self._names()}.",
            code="model_not_found",
            param="model",
        )

    def embedding_model(self, name: object) -> installed.InstalledModel:
        """The documents' embedding model, if ``name`` names it. Raises ApiError."""
        self._refresh()
        model = self._embedding
        if model is None:
            raise ApiError(
                404,
                "No embedding model is installed (or the embedding_model setting is 'off'): "
                "install one in Models, or `enclave config set docs.embedding_model NAME`.",
                code="model_not_found",
                param="model",
            )
        if name != model.id:
            raise ApiError(
                404,
                f"The embedding model here is {model.id!r}; there is none called {name!r}.",
                code="model_not_found",
                param="model",
            )
        return model

    def _names(self) -> str:
        self._refresh()
        return ", ".join(m.id for m in self._chat) or "none installed"


def _row(model: installed.InstalledModel, kind: str, *, embedding: bool) -> dict:
    try:
        created = int(model.path.stat().st_mtime)
    except OSError:
        created = 0
    return {
        "id": model.id,
        "object": "model",
        "created": created,
        "owned_by": "enclave",
        "kind": kind,  # "chat" | "embedding"
        "embedding_model": embedding,  # the one POST /v1/embeddings uses
    }
