"""What to index next, and what to watch: the rules of background indexing, with no threads in
them (the window's indexing service and any other runner follow them).

- One collection is indexed at a time; requests wait in the order they came.
- A collection asked for again while it waits is not queued twice; asked for while it is being
  indexed, it runs once more afterwards (a file may have changed behind the running pass).
- Cancel stops the running pass and forgets the waiting ones.
- The folders and documents worth watching for changes are found by walking the collections'
  roots, up to a limit; a change anywhere under a root names that root's collection.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from pathlib import Path

from app.core.documents import formats
from app.core.documents.index import DocIndex
from app.core.documents.indexer import SKIP_DIRS

MAX_WATCHED = 4000  # folders and files; a larger tree is re-scanned on demand instead


class IndexingQueue:
    """The order of indexing. Not thread-safe: one thread (the window's) drives it."""

    def __init__(self) -> None:
        self.current: str | None = None
        self._waiting: list[str] = []

    @property
    def busy(self) -> bool:
        return self.current is not None

    @property
    def waiting(self) -> tuple[str, ...]:
        return tuple(self._waiting)

    def request(self, name: str) -> bool:
        """Ask for ``name`` to be indexed; False if it was already waiting."""
        if name in self._waiting:
            return False
        self._waiting.append(name)
        return True

    def take(self) -> str | None:
        """The collection to index now, or None (one is running, or none waits)."""
        if self.current is not None or not self._waiting:
            return None
        self.current = self._waiting.pop(0)
        return self.current

    def finished(self) -> None:
        """The running pass ended (done, failed or cancelled)."""
        self.current = None

    def clear(self) -> None:
        """Forget what waits (the running pass is stopped by its own cancel token)."""
        self._waiting.clear()


def watched_roots(index_file: Path) -> dict[str, str]:
    """Every collection's roots: root → the collection it belongs to."""
    roots: dict[str, str] = {}
    with DocIndex(index_file) as index:
        for c in index.collections():
            for root in c.roots:
                roots[root] = c.name
    return roots


def paths_to_watch(roots: Iterable[str], *, limit: int = MAX_WATCHED) -> list[str]:
    """The folders (a file added, removed or saved by rename) and documents (saved in place)
    under ``roots`` worth watching, hidden and tool folders left out, at most ``limit``.

    Walks the disk: call it off the UI thread.
    """
    paths: list[str] = []
    for root in roots:
        if os.path.isfile(root):
            paths.append(root)
            continue
        for folder, dirs, files in os.walk(root):
            dirs[:] = [d for d in dirs if not d.startswith(".") and d not in SKIP_DIRS]
            paths.append(folder)
            paths += [
                os.path.join(folder, f)
                for f in files
                if not f.startswith(".") and formats.kind_of(Path(f))
            ]
            if len(paths) >= limit:
                return paths[:limit]
    return paths


def collections_changed(path: str, roots: Mapping[str, str]) -> set[str]:
    """The collections a change at ``path`` concerns."""
    return {
        name
        for root, name in roots.items()
        if path == root or path.startswith(root.rstrip(os.sep) + os.sep)
    }
