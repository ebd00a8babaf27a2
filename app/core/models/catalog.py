"""The curated catalog: good instruct GGUF models at several sizes, listed in resources/.

Entries hold only facts that were checked (see docs/catalog-sources.md). File sizes and sha256 are
not stored: they come from the hub's file metadata when the user looks or downloads.
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
    raw = json.loads((resources_dir() / "catalog.json").read_text(encoding="utf-8"))
    return tuple(
        CatalogEntry(
            m["id"],
            m["name"],
            m.get("family", ""),
            m["repo"],
            tuple(CatalogFile(f["file"], f.get("quant", "")) for f in m["files"]),
            m.get("parameters_b"),
            m.get("context_length"),
            m.get("license"),
            m.get("license_url"),
            m.get("commercial_use"),
            m.get("gated"),
            m.get("kind", "chat"),
        )
        for m in raw["models"]
    )


def find(repo_or_id: str) -> CatalogEntry | None:
    key = repo_or_id.lower()
    return next((e for e in load() if key in (e.id.lower(), e.repo.lower())), None)
