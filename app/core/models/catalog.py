"""The curated catalog: good instruct GGUF models at several sizes, listed in resources/.

Entries hold only facts that were checked (see docs/catalog-sources.md); scripts/check-catalog.py
validates every entry (catalog_check). A file's size is listed where a source gave it; the hub's
own file metadata is what a download checks against.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache

from app.core.models import licenses
from app.core.platform.paths import resources_dir


@dataclass(frozen=True)
class CatalogFile:
    file: str
    quant: str
    size_bytes: int | None = None  # exact, from a source
    approx_size_gb: float | None = None  # as a source listed it (GB, 10**9 bytes)

    @property
    def size(self) -> float | None:
        """Bytes, exact or approximate; None when no source gave a size."""
        if self.size_bytes:
            return self.size_bytes
        return self.approx_size_gb * 1e9 if self.approx_size_gb else None


@dataclass(frozen=True)
class Reasoning:
    """How a model thinks before it answers."""

    format: str  # "think_tags" (<think>…</think>), "harmony" (analysis/final channels), or
    #              "special_tokens" (the model's own thinking tokens)
    switch: bool = False  # thinking can be turned on and off
    effort: tuple[str, ...] = ()  # levels, e.g. ("low", "medium", "high")


@dataclass(frozen=True)
class CatalogEntry:
    id: str
    name: str
    family: str
    repo: str
    files: tuple[CatalogFile, ...]
    parameters_b: float | None = None
    context_length: int | None = None
    license_id: str | None = None
    license_url: str | None = None
    commercial_use: bool | str | None = None  # True, False, or "restricted" (with conditions)
    gated: bool | None = None
    kind: str = "chat"  # or "embedding": turns text into vectors for document search
    active_parameters_b: float | None = None  # mixture of experts: run per token
    experts: int | None = None
    experts_used: int | None = None
    reasoning: Reasoning | None = None
    tools: bool | None = None  # calls tools (functions) when asked
    reviewed: str | None = None  # ISO date the entry was last checked against its sources

    @property
    def reasons(self) -> bool:
        return self.reasoning is not None

    @property
    def parameters_text(self) -> str:
        """ "20.9B (3.6B active)" for a mixture of experts, "4B" otherwise, "" if unknown."""
        if not self.parameters_b:
            return ""
        total = f"{self.parameters_b:g}B"
        return (
            f"{total} ({self.active_parameters_b:g}B active)" if self.active_parameters_b else total
        )

    @property
    def license(self) -> licenses.License:
        return licenses.describe(self.license_id, self.license_url)

    @property
    def commercial_text(self) -> str:
        return {
            True: "commercial use allowed",
            False: "non-commercial only",
            "restricted": "commercial use with conditions",
        }.get(self.commercial_use, "commercial use: see the license")


@lru_cache(maxsize=1)
def load() -> tuple[CatalogEntry, ...]:
    return entries(json.loads(catalog_file().read_text(encoding="utf-8")))


def catalog_file():
    return resources_dir() / "catalog.json"


def entries(raw: dict) -> tuple[CatalogEntry, ...]:
    """The catalog's entries from its JSON (validated apart: catalog_check)."""
    return tuple(_entry(m) for m in raw["models"])


def _entry(m: dict) -> CatalogEntry:
    thinks = m.get("reasoning")
    return CatalogEntry(
        m["id"],
        m["name"],
        m.get("family", ""),
        m["repo"],
        tuple(
            CatalogFile(f["file"], f.get("quant", ""), f.get("size_bytes"), f.get("approx_size_gb"))
            for f in m["files"]
        ),
        m.get("parameters_b"),
        m.get("context_length"),
        m.get("license"),
        m.get("license_url"),
        m.get("commercial_use"),
        m.get("gated"),
        m.get("kind", "chat"),
        m.get("active_parameters_b"),
        m.get("experts"),
        m.get("experts_used"),
        Reasoning(thinks["format"], bool(thinks.get("switch")), tuple(thinks.get("effort", ())))
        if thinks
        else None,
        m.get("tools"),
        m.get("reviewed"),
    )


def find(repo_or_id: str) -> CatalogEntry | None:
    key = repo_or_id.lower()
    return next((e for e in load() if key in (e.id.lower(), e.repo.lower())), None)
