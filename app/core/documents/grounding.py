"""The documents side of a conversation turn: which passages answer the newest message, and that
message rewritten to carry them. Used for local answers and for the cloud's consent payload alike,
so what a provider would receive is exactly what the local model gets.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from app.core.documents import embedder as embedder_mod
from app.core.documents import retrieval
from app.core.documents.index import DocIndex, DocsError
from app.core.engines.base import ChatMessage
from app.core.errors import EnclaveError
from app.core.platform.paths import Paths

log = logging.getLogger(__name__)


@dataclass
class Grounded:
    messages: list[ChatMessage]
    sources: list[retrieval.Source] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)


class Documents:
    """The document index and embedding model for one thread, opened on first use."""

    def __init__(self, paths: Paths, settings):
        self.paths, self.settings = paths, settings
        self._index: DocIndex | None = None
        self._embedder: embedder_mod.Embedder | None = None
        self._embedder_tried: str | None = None  # the model id last tried, loaded or not
        self.embedder_error: str | None = None

    @property
    def index(self) -> DocIndex:
        if self._index is None:
            self._index = DocIndex(self.paths.documents_index)
        return self._index

    def embedder(self) -> embedder_mod.Embedder | None:
        """The chosen embedding model, loaded once; None (full-text only) if there is none or it
        cannot be loaded (the reason is in ``embedder_error``)."""
        try:
            model = embedder_mod.chosen_model(self.settings, self.paths)
        except EnclaveError as exc:
            self.embedder_error = str(exc)
            return None
        wanted = model.id if model else None
        if wanted != self._embedder_tried:
            self.close_embedder()
            self._embedder_tried, self.embedder_error = wanted, None
            if model is not None:
                try:
                    self._embedder = embedder_mod.Embedder(
                        model.path, model_id=model.id, threads=self.settings.threads
                    )
                except EnclaveError as exc:
                    self.embedder_error = str(exc)
                    log.warning("embedding model unusable: %s", exc)
        return self._embedder

    def search(self, collections: list[str], query: str, *, mode: str = "hybrid", limit: int = 10):
        return retrieval.search(
            self.index,
            collections,
            query,
            embedder=self.embedder() if mode != "text" else None,
            mode=mode,
            limit=limit,
        )

    def require(self, collections) -> None:
        """Raise DocsError, naming the collections there are, for a name that is not one."""
        for name in collections:
            self.index.collection(name)

    def private(
        self, collections, *, cited: dict[str, bool] | None = None, sources=()
    ) -> list[str]:
        """The collections marked *never send to the cloud* whose documents a payload drawing
        on ``collections`` and ``sources`` (passages) would reach: those marked themselves,
        those whose folders or files they share (``reached_through`` says how), and those of
        the sources' files. A collection removed since a conversation cited it keeps the mark
        it had then (``cited``: name → marked): its passages are still in that conversation's
        answers."""
        cited = cited or {}
        marked: set[str] = set()
        for name in sorted({*collections, *cited}):
            try:
                collection = self.index.collection(name)
            except DocsError:
                if cited.get(name, False):
                    marked.add(name)
                continue
            if collection.never_cloud:
                marked.add(collection.name)
            marked.update(self.index.private_reach(name))
        marked.update(self.index.marks_of([s.path for s in sources]).values())
        return sorted(marked)

    def reached_through(self, collections) -> str:
        """Sentences saying which unmarked collections hold marked documents."""
        said = []
        for name in sorted(set(collections)):
            try:
                reach = self.index.private_reach(name)
            except DocsError:
                continue
            if reach:
                said.append(
                    f"{name!r} holds documents of {', '.join(map(repr, reach))} (the "
                    f"same folder, a folder inside or around it, or copies of its files)."
                )
        return " ".join(said)

    def ground(
        self,
        history: list[ChatMessage],
        collections: list[str],
        *,
        count_tokens: Callable[[str], int],
        context_length: int,
        answer_tokens: int,
    ) -> Grounded:
        """Put the passages that best answer the newest message into it, within half of what
        the context leaves after the answer."""
        if not collections or not history or history[-1].role != "user":
            return Grounded(list(history))
        question = history[-1].content
        notices, present = [], []
        for name in collections:
            try:
                self.index.collection(name)
                present.append(name)
            except DocsError:
                notices.append(f"The collection {name!r} no longer exists; it was not searched.")
        hits = self.search(present, question, limit=30) if present else []
        if self.embedder_error:
            notices.append(f"Searched by words only: {self.embedder_error}")
        budget = (context_length - answer_tokens) // 2 - count_tokens(question)
        sources = retrieval.within_budget(
            hits, count_tokens, budget, most=self.settings.docs_passages
        )
        if present and not sources:
            notices.append(
                f"Nothing in {', '.join(present)} matched this message; it was "
                f"answered without your documents."
            )
        messages = list(history[:-1]) + [
            ChatMessage("user", retrieval.with_passages(question, sources))
        ]
        return Grounded(messages, sources, notices)

    def close_embedder(self) -> None:
        if self._embedder is not None:
            self._embedder.close()
        self._embedder, self._embedder_tried = None, None

    def close(self) -> None:
        self.close_embedder()
        if self._index is not None:
            self._index.close()
            self._index = None
