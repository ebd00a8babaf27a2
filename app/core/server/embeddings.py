"""``POST /v1/embeddings``: vectors from the documents' embedding model, on the model thread."""

from __future__ import annotations

import threading
from collections.abc import Callable

from app.core.documents.embedder import Embedder
from app.core.engines.host import EngineHost
from app.core.models import installed
from app.core.server.errors import ApiError

MAX_INPUTS = 2048  # as OpenAI


def inputs(body: object) -> list[str]:
    """The texts to embed. Raises ApiError (400). Token-id inputs are not supported."""
    raw = body.get("input") if isinstance(body, dict) else None
    texts = [raw] if isinstance(raw, str) else raw
    if not isinstance(texts, list) or not texts or not all(isinstance(t, str) for t in texts):
        raise ApiError(400, "input must be a string or a non-empty list of strings.", param="input")
    if len(texts) > MAX_INPUTS:
        raise ApiError(400, f"input takes at most {MAX_INPUTS} texts.", param="input")
    if isinstance(body, dict) and body.get("encoding_format") not in (None, "float"):
        raise ApiError(400, "encoding_format must be float.", param="encoding_format")
    return texts


class EmbedderSlot:
    """The one embedding model loaded at a time. Used on the model thread only."""

    def __init__(self, threads: int = 0):
        self.threads = threads
        self._embedder: Embedder | None = None

    def get(self, model: installed.InstalledModel) -> Embedder:
        if self._embedder is None or self._embedder.path != model.path:
            self.close()
            self._embedder = Embedder(model.path, model_id=model.id, threads=self.threads)
        return self._embedder

    def close(self) -> None:
        if self._embedder is not None:
            self._embedder.close()
            self._embedder = None


def work(
    slot: EmbedderSlot, model: installed.InstalledModel, texts: list[str]
) -> Callable[[EngineHost, threading.Event], dict]:
    def embed(host: EngineHost, cancel: threading.Event) -> dict:
        embedder = slot.get(model)
        vectors = embedder._embed(texts)  # as given: the client chooses any prefixes
        tokens = sum(len(embedder._llama.tokenize(t.encode("utf-8"))) for t in texts)
        return {
            "object": "list",
            "model": model.id,
            "data": [
                {"object": "embedding", "index": i, "embedding": [float(x) for x in v]}
                for i, v in enumerate(vectors)
            ],
            "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
        }

    return embed
