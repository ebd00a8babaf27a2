"""Passages and questions as vectors: a GGUF embedding model run by llama.cpp in embedding mode.

Which model: the ``embedding_model`` setting ("" picks the first installed embedding model, "off"
turns vector search off, anything else names a model as everywhere else). Without one, retrieval is
full-text only. A chat model can embed too (mean of its last hidden states) — poorly, but enough
for the tests.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from app.core.errors import EnclaveError, ModelFileError
from app.core.models import gguf, installed
from app.core.platform import hardware
from app.core.platform.paths import Paths

if TYPE_CHECKING:
    import numpy as np

log = logging.getLogger(__name__)

OFF = "off"
# Some models were trained to see what a text is for; without these prefixes they rank worse.
PREFIXES = {
    "nomic-embed": ("search_query: ", "search_document: "),
    "bge-small-en": ("Represent this sentence for searching relevant passages: ", ""),
    "bge-base-en": ("Represent this sentence for searching relevant passages: ", ""),
    "snowflake-arctic-embed": ("Represent this sentence for searching relevant passages: ", ""),
    # Qwen3 Embedding: an instruction with each query, none with the passages (its model card).
    "qwen3-embedding": (
        "Instruct: Given a question, retrieve passages that answer the question\nQuery:",
        "",
    ),
}
CONTEXT = 512  # tokens per passage embedded (longer passages are cut; ours are ~250)
BATCH = 16


def installed_embedding_models(paths: Paths) -> list[installed.InstalledModel]:
    return [m for m in installed.list_models(paths) if installed.is_embedding_model(m.path)]


def chosen_model(settings, paths: Paths) -> installed.InstalledModel | None:
    """The embedding model the settings choose, or None for full-text search only."""
    choice = (settings.embedding_model or "").strip()
    if choice.lower() == OFF:
        return None
    if not choice:
        models = installed_embedding_models(paths)
        return models[0] if models else None
    return installed.resolve(choice, paths)


class Embedder:
    """Owns one ``llama_cpp.Llama`` in embedding mode; one thread only."""

    def __init__(self, path: Path, *, model_id: str, threads: int = 0):
        self.path, self.model_id = Path(path), model_id
        self.info = gguf.read(self.path)
        from app.core.engines import llama_lib

        llama_cpp = llama_lib.load()
        arch = self.info.architecture
        # Encoders say how to pool in their metadata; a chat model does not, so average.
        pooling = (
            llama_cpp.LLAMA_POOLING_TYPE_UNSPECIFIED
            if f"{arch}.pooling_type" in self.info.metadata
            else llama_cpp.LLAMA_POOLING_TYPE_MEAN
        )
        n_ctx = min(CONTEXT, self.info.context_length or CONTEXT)
        threads = threads or hardware.default_threads()
        try:
            self._llama = llama_lib.build(
                llama_cpp,
                model_path=str(self.path),
                embedding=True,
                pooling_type=pooling,
                n_ctx=n_ctx,
                n_batch=n_ctx,
                n_ubatch=n_ctx,
                n_threads=threads,
                n_threads_batch=threads,
                n_gpu_layers=-1 if hardware.gpu_offload_supported() else 0,
                verbose=False,
            )
        except (ValueError, RuntimeError, OSError) as exc:
            raise ModelFileError(
                f"llama.cpp could not load the embedding model {self.path} ({exc}).", self.path
            ) from exc
        name = self.path.name.lower()
        self._query_prefix, self._doc_prefix = next(
            (v for k, v in PREFIXES.items() if k in name), ("", "")
        )

    def embed_documents(self, texts: list[str]) -> np.ndarray:
        return self.embed([self._doc_prefix + t for t in texts])

    def embed_query(self, text: str) -> np.ndarray:
        return self.embed([self._query_prefix + text])[0]

    def count_tokens(self, texts: list[str]) -> int:
        """Tokens the texts take as given, as the model reads them."""
        return sum(len(self._llama.tokenize(t.encode("utf-8"))) for t in texts)

    def embed(self, texts: list[str]) -> np.ndarray:
        """One unit-length vector per text, embedded as given: no prefix is added (the local API's
        clients choose their own). Passages longer than the model's context are cut."""
        # Loaded here, not at the top: numpy adds a tenth of a second to the app's start, and
        # only embedding needs it.
        import numpy as np

        out = []
        for i in range(0, len(texts), BATCH):
            try:
                vectors = self._llama.embed(texts[i : i + BATCH], truncate=True)
            except (ValueError, RuntimeError) as exc:
                raise EnclaveError(f"The embedding model {self.model_id} failed ({exc}).") from exc
            for v in vectors:
                a = np.asarray(v, dtype=np.float32)
                if a.ndim == 2:  # one vector per token: pool them here
                    a = a.mean(axis=0)
                out.append(a / (np.linalg.norm(a) or 1.0))
        return np.stack(out) if out else np.zeros((0, 0), np.float32)

    def close(self) -> None:
        self._llama.close()


def open_chosen(settings, paths: Paths) -> Embedder | None:
    """An Embedder for the chosen model, or None when there is none (full-text only)."""
    model = chosen_model(settings, paths)
    if model is None:
        return None
    return Embedder(model.path, model_id=model.id, threads=settings.threads)
