"""``POST /v1/embeddings``: vectors from the documents' embedding model, on the model thread."""

from __future__ import annotations

import base64
import threading
from collections.abc import Callable

import numpy as np

from app.core.documents.embedder import Embedder
from app.core.engines.host import EngineHost
from app.core.models import installed
from app.core.server.errors import ApiError

MAX_INPUTS = 2048  # as OpenAI


def inputs(body: object) -> tuple[list[str], str]:
    """The texts to embed and the encoding ("float" or "base64", which the openai SDK asks for).
    Raises ApiError (400). Token-id inputs are not supported."""
    raw = body.get("input") if isinstance(body, dict) else None
    texts = [raw] if isinstance(raw, str) else raw
    if not isinstance(texts, list) or not texts or not all(isinstance(t, str) for t in texts):
        raise ApiError(400, "input must be a string or a non-empty list of strings.", param="input")
    if len(texts) > MAX_INPUTS:
        raise ApiError(400, f"input takes at most {MAX_INPUTS} texts.", param="input")
    encoding = (body.get("encoding_format") if isinstance(body, dict) else None) or "float"
    if encoding not in ("float", "base64"):
        raise ApiError(400, "encoding_format must be float or base64.", param="encoding_format")
    return texts, encoding


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


def _encoded(vector: np.ndarray, encoding: str):
    if encoding == "base64":  # little-endian float32, as OpenAI sends it
        return base64.b64encode(vector.astype("<f4").tobytes()).decode("ascii")
    return [float(x) for x in vector]


def work(
    slot: EmbedderSlot, model: installed.InstalledModel, texts: list[str], encoding: str
) -> Callable[[EngineHost, threading.Event], dict]:
    def embed(host: EngineHost, cancel: threading.Event) -> dict:
        embedder = slot.get(model)
        vectors = embedder.embed(texts)  # as given: the client chooses any prefixes
        tokens = embedder.count_tokens(texts)
        return {
            "object": "list",
            "model": model.id,
            "data": [
                {"object": "embedding", "index": i, "embedding": _encoded(v, encoding)}
                for i, v in enumerate(vectors)
            ],
            "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
        }

    return embed
