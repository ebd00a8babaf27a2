"""Finding the passages that answer a question, and putting them into the prompt.

Full-text (BM25) always; by meaning too when an embedding model is in use; the two rankings are
fused with reciprocal rank fusion (each list votes 1/(60 + rank) for a passage), which needs no
tuning between scores of different kinds. The best passages go into the question's message until
the prompt budget is spent; the answer then cites them as [1], [2]…
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass

from app.core.documents.embedder import Embedder
from app.core.documents.index import DocIndex, Hit

RRF_K = 60  # the constant from Cormack et al. (2009); it damps the weight of the very top ranks
CANDIDATES = 30  # taken from each ranking before fusing
MODES = ("hybrid", "text", "vector")


@dataclass
class Source(Hit):
    """A passage that went into a prompt, numbered as the prompt cites it: what the answer lists
    and the store keeps (with its text, so it can be shown even after the file changed)."""

    n: int = 0


def search(
    index: DocIndex,
    collections: list[str],
    query: str,
    *,
    embedder: Embedder | None = None,
    mode: str = "hybrid",
    limit: int = 10,
) -> list[Hit]:
    """The passages best matching ``query`` in the named collections, best first."""
    ids = [index.collection(name).id for name in collections]
    rankings = []
    if mode in ("hybrid", "text"):
        rankings.append(index.search_text(ids, query, limit=CANDIDATES))
    if mode in ("hybrid", "vector") and embedder is not None:
        rankings.append(
            index.search_vector(
                ids, embedder.embed_query(query), embedder.model_id, limit=CANDIDATES
            )
        )
    return fuse(rankings)[:limit]


def fuse(rankings: list[list[Hit]]) -> list[Hit]:
    """Reciprocal rank fusion of several rankings of passages."""
    scores: dict[int, float] = {}
    hits: dict[int, Hit] = {}
    for ranking in rankings:
        for rank, hit in enumerate(ranking, start=1):
            scores[hit.chunk_id] = scores.get(hit.chunk_id, 0.0) + 1.0 / (RRF_K + rank)
            hits.setdefault(hit.chunk_id, hit)
    return [hits[c] for c in sorted(scores, key=lambda c: (-scores[c], c))]


def within_budget(
    hits: list[Hit], count_tokens: Callable[[str], int], budget: int, *, most: int = 8
) -> list[Source]:
    """The best passages whose text fits ``budget`` tokens, numbered for citing."""
    chosen: list[Source] = []
    used = 0
    for hit in hits:
        cost = count_tokens(hit.text) + 12  # the "[n] file, page" line around it
        if used + cost > budget:
            continue  # a shorter passage further down may still fit
        chosen.append(Source(**asdict(hit), n=len(chosen) + 1))
        used += cost
        if len(chosen) >= most:
            break
    return chosen


INSTRUCTION = (
    "Answer the question using the passages from the user's documents below. Cite "
    "the passages you use as [1], [2] and so on. If they do not hold the answer, say "
    "so."
)


def with_passages(question: str, sources: list[Source]) -> str:
    """The user's message as the model sees it: the passages, then the question."""
    if not sources:
        return question
    blocks = "\n\n".join(f"[{s.n}] {s.where()}\n{s.text}" for s in sources)
    return f"{INSTRUCTION}\n\n{blocks}\n\nQuestion: {question}"


def to_json(sources: list[Source]) -> str | None:
    return json.dumps([asdict(s) for s in sources], ensure_ascii=False) if sources else None


def from_json(text: str | None) -> list[Source]:
    if not text:
        return []
    try:
        return [Source(**item) for item in json.loads(text)]
    except (ValueError, TypeError):
        return []
