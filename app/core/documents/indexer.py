"""Indexing a collection: find its files, read only what is new or changed, forget what is gone.

A file is read again only when its size or mtime changed *and* its sha256 did too; each file is
committed on its own, so cancelling (or a crash) keeps everything done so far, and the next run
resumes where this one stopped. Unreadable, encrypted, damaged and unsupported files are recorded
with the reason and never stop the run.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from app.core.documents import formats
from app.core.documents.chunking import chunk_sections
from app.core.documents.embedder import Embedder
from app.core.documents.index import Collection, DocIndex, under
from app.core.platform import jobs

log = logging.getLogger(__name__)

# Folders no one means to index: version control, dependencies, caches.
SKIP_DIRS = {
    ".git",
    ".hg",
    ".svn",
    "node_modules",
    "__pycache__",
    ".venv",
    "venv",
    ".tox",
    ".mypy_cache",
    ".pytest_cache",
    ".idea",
    ".cache",
    "site-packages",
}


@dataclass
class Progress:
    """How far a run is. ``speed`` (files a second) and ``eta_s`` come from ``jobs.Meter``, the
    rule every long job in the app measures by; both are known only while reading."""

    collection: str
    files_done: int = 0
    files_total: int = 0
    bytes_done: int = 0
    bytes_total: int = 0
    chunks: int = 0  # passages written this run
    current: str = ""
    phase: str = "scanning"  # scanning | reading | embedding | done
    speed: float = 0.0  # files a second, over the last few seconds
    eta_s: float | None = None

    def time_left_text(self) -> str:
        """ "about 3 min left" while reading with a measured pace, else ""."""
        if self.phase != "reading" or self.eta_s is None:
            return ""
        return jobs.time_left_text(self.eta_s)


@dataclass
class IndexResult:
    collection: str
    added: int = 0
    changed: int = 0
    unchanged: int = 0
    removed: int = 0
    skipped: int = 0
    failed: int = 0
    chunks: int = 0
    pages: int = 0
    bytes: int = 0
    seconds: float = 0.0
    cancelled: bool = False
    missing_roots: list[str] = field(default_factory=list)
    problems: list[tuple[str, str]] = field(default_factory=list)  # (path, reason) this run

    def summary(self) -> str:
        parts = [
            f"{self.added} new",
            f"{self.changed} changed",
            f"{self.unchanged} unchanged",
            f"{self.removed} removed",
        ]
        if self.skipped or self.failed:
            parts.append(f"{self.skipped + self.failed} not indexed (see the list)")
        state = "stopped — run again to resume" if self.cancelled else "done"
        return (
            f"{self.collection}: {state}; {', '.join(parts)}; {self.chunks} passages "
            f"written in {self.seconds:.1f} s"
        )


LINK_OUT = "a link to outside the folder, not followed"


def walk(roots: list[str]) -> tuple[list[Path], list[str], list[Path]]:
    """Every file under the roots (hidden and tool folders left out), roots that are gone, and
    links (to files or folders) that lead out of every root: those are never followed, so a link
    to ~/.pgpass in a document folder cannot put it in the index. A link to a file inside the
    roots gives that file, under its own name, once."""
    found: dict[str, Path] = {}
    outside: dict[str, Path] = {}
    missing = []

    def link(path: str) -> None:
        target = os.path.realpath(path)
        if not any(under(target, r) for r in roots):
            outside[path] = Path(path)
        elif os.path.isfile(target):
            found[target] = Path(target)
        elif not os.path.isdir(target):  # broken: listed as a file that cannot be read
            found[path] = Path(path)
        # A folder inside the roots is walked where it really is.

    for root in roots:
        path = Path(root)
        if path.is_symlink():  # replaced by a link since it was added (roots are resolved)
            link(root)
            continue
        if path.is_file():
            found[str(path)] = path
            continue
        if not path.is_dir():
            missing.append(root)
            continue
        folders = [root]
        while folders:
            folder = folders.pop()
            try:
                entries = sorted(os.scandir(folder), key=lambda e: e.name)
            except OSError as exc:
                log.info("walk: %s", exc)
                continue
            inner = []
            for entry in entries:
                if entry.name.startswith("."):
                    continue
                try:
                    if entry.is_symlink() or getattr(entry, "is_junction", bool)():
                        link(entry.path)
                    elif entry.is_dir(follow_symlinks=False):
                        if entry.name not in SKIP_DIRS:
                            inner.append(entry.path)
                    elif entry.is_file(follow_symlinks=False) and not entry.name.startswith("~$"):
                        found[entry.path] = Path(entry.path)  # ~$: Office lock files
                except OSError as exc:
                    log.info("walk: %s", exc)
            folders.extend(reversed(inner))  # depth first, in name order
    return list(found.values()), missing, [p for k, p in outside.items() if k not in found]


class Indexer:
    """Indexes collections into one ``DocIndex``; runs on whichever thread calls it."""

    def __init__(self, index: DocIndex, *, embedder: Embedder | None = None):
        self.index, self.embedder = index, embedder

    def run(
        self,
        name: str,
        *,
        cancel: threading.Event | None = None,
        on_progress: Callable[[Progress], None] | None = None,
    ) -> IndexResult:
        cancel = cancel or threading.Event()
        started = time.monotonic()
        collection = self.index.collection(name)
        result = IndexResult(collection.name)
        progress = Progress(collection.name)
        report = on_progress or (lambda p: None)
        report(progress)
        self.index.set_state(collection.id, "indexing")
        paths, result.missing_roots, links_out = walk(collection.roots)
        known = self.index.files(collection.id)
        for link in links_out:  # listed, and whatever an older version read through it dropped
            record = known.get(str(link))
            if record and record.status == "skipped" and record.reason == LINK_OUT:
                result.unchanged += 1
            else:
                self._problem(collection, str(link), None, "skipped", LINK_OUT, result)

        # Gone from disk: leave the index (files under a missing root are kept — an unplugged
        # drive should not wipe a collection).
        present = {str(p) for p in paths} | {str(p) for p in links_out}
        gone = [
            p
            for p in known
            if p not in present and not any(under(p, r) for r in result.missing_roots)
        ]
        if gone:
            self.index.delete_files(collection.id, gone)
            result.removed = len(gone)

        todo: list[tuple[Path, os.stat_result | None, OSError | None]] = []
        for path in paths:
            try:
                found = path.stat()
            except OSError as exc:
                todo.append((path, None, exc))
                continue
            record = known.get(str(path))
            if (
                record
                and record.size == found.st_size
                and record.mtime == found.st_mtime
                and record.status != "failed"
            ):
                result.unchanged += 1
                continue
            todo.append((path, found, None))
        progress.files_total = len(todo)
        progress.bytes_total = sum(st.st_size for _, st, _ in todo if st)
        progress.phase = "reading"
        # It counts files, not bytes: a file's time goes mostly to its passages and its commit,
        # and a large file skipped unread (a video, an archive) would be gigabytes in an instant.
        # The meter only measures here; every file is still reported, as callers count on.
        meter = jobs.Meter(lambda _: None, unit="files", total=len(todo))
        meter.update(0)
        report(progress)

        for path, st, error in todo:
            if cancel.is_set():
                result.cancelled = True
                break
            progress.current = str(path)
            self._index_file(collection, path, st, error, known.get(str(path)), result)
            progress.files_done += 1
            progress.bytes_done += st.st_size if st else 0
            progress.chunks = result.chunks
            measured = meter.update(progress.files_done)
            progress.speed, progress.eta_s = measured.speed, measured.eta_s
            report(progress)
        progress.speed, progress.eta_s = 0.0, None  # reading is over

        if self.embedder and not result.cancelled:
            progress.phase = "embedding"
            report(progress)
            result.cancelled = not self._embed_missing(collection, cancel)
        result.seconds = time.monotonic() - started
        progress.phase = "done"
        report(progress)
        self.index.set_state(collection.id, "indexing" if result.cancelled else "ready")
        log.info("%s", result.summary())
        return result

    def _index_file(
        self, collection: Collection, path: Path, st, error, record, result: IndexResult
    ) -> None:
        key = str(path)
        if error is None and formats.kind_of(path) is None:
            self._problem(collection, key, st, "skipped", formats.skip_reason(path), result)
            return
        if error is None and st.st_size > formats.MAX_FILE_BYTES:
            self._problem(
                collection,
                key,
                st,
                "skipped",
                f"larger than {formats.MAX_FILE_BYTES // 2**20} MB",
                result,
            )
            return
        try:
            if error:
                raise error
            data = _read(path)
        except OSError as exc:
            self._problem(
                collection, key, st, "failed", f"it cannot be read ({exc.strerror or exc})", result
            )
            return
        digest = hashlib.sha256(data).hexdigest()
        if record and record.sha256 == digest and record.status == "indexed":
            self.index.touch_file(record.id, st.st_mtime)  # saved again, same bytes
            result.unchanged += 1
            return
        try:
            sections = formats.extract(path, data)
        except formats.DocumentError as exc:
            self._problem(collection, key, st, "failed", str(exc), result, digest)
            return
        except Exception as exc:  # noqa: BLE001 — a parser's bug must not stop the run
            log.exception("extracting %s", path)
            self._problem(
                collection,
                key,
                st,
                "failed",
                f"it could not be read ({type(exc).__name__}: {exc})",
                result,
                digest,
            )
            return
        chunks = chunk_sections(sections)
        embedder = self.embedder if chunks else None
        vectors = embedder.embed_documents([c.text for c in chunks]) if embedder else None
        pages = max((s.page or 0 for s in sections), default=0) or None
        self.index.put_file(
            collection.id,
            key,
            size=st.st_size,
            mtime=st.st_mtime,
            sha256=digest,
            status="indexed",
            pages=pages,
            chunks=chunks,
            vectors=vectors,
            model=embedder.model_id if embedder else None,
        )
        if record:
            result.changed += 1
        else:
            result.added += 1
        result.chunks += len(chunks)
        result.pages += pages or max(1, len(data) // 3000)  # a page is ~3,000 characters
        result.bytes += len(data)

    def _problem(self, collection, key, st, status, reason, result, digest=None) -> None:
        self.index.put_file(
            collection.id,
            key,
            size=st.st_size if st else 0,
            mtime=st.st_mtime if st else 0.0,
            sha256=digest,
            status=status,
            reason=reason,
        )
        if status == "skipped":
            result.skipped += 1
        else:
            result.failed += 1
        result.problems.append((key, reason))

    def _embed_missing(self, collection: Collection, cancel: threading.Event) -> bool:
        """Vectors for passages indexed before this model was chosen; False if cancelled."""
        embedder = self.embedder
        if embedder is None:
            return True
        model = embedder.model_id
        while rows := self.index.missing_vectors(collection.id, model):
            if cancel.is_set():
                return False
            vectors = embedder.embed_documents([text for _, text in rows])
            self.index.put_vectors(model, [(cid, vectors[i]) for i, (cid, _) in enumerate(rows)])
        return True


def _read(path: Path) -> bytes:
    """The file's bytes, refusing a link put in its place since the walk."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0))
    with os.fdopen(fd, "rb") as f:
        return f.read()
