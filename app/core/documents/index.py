"""The document index: one SQLite file (WAL) beside the conversations, separate from them so it can
be rebuilt or deleted without touching a conversation.

A collection is a name, the folders and files the user added to it (its roots) and whether it may
ever be sent to a provider. That mark belongs to the documents, not to the name: a file is private
when it lies under a marked collection's root or has the same bytes as a file indexed in one, in
whichever collection it is reached. Each file it holds has its size, mtime and sha256 (what
incremental indexing compares), its status (indexed, skipped with a reason, failed with a
reason) and its passages; passages are searched with FTS5 (BM25) and, when an embedding model is
in use, by their vectors (float32, normalised, one row per passage and model).
"""

from __future__ import annotations

import os
import re
import sqlite3
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from app.core.documents.chunking import Chunk
from app.core.errors import EnclaveError
from app.core.platform import sqlite

if TYPE_CHECKING:
    import numpy as np

SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS collections (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    name        TEXT NOT NULL UNIQUE COLLATE NOCASE,
    never_cloud INTEGER NOT NULL DEFAULT 0,  -- 1: the gate refuses to send any of it
    state       TEXT NOT NULL DEFAULT 'new'  -- new | indexing (unfinished: resumes) | ready
                CHECK (state IN ('new', 'indexing', 'ready')),
    indexed     REAL,                        -- when the last complete indexing finished
    created     REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS roots (
    collection_id INTEGER NOT NULL REFERENCES collections(id) ON DELETE CASCADE,
    path          TEXT NOT NULL,
    PRIMARY KEY (collection_id, path)
);
CREATE TABLE IF NOT EXISTS files (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    collection_id INTEGER NOT NULL REFERENCES collections(id) ON DELETE CASCADE,
    path          TEXT NOT NULL,
    size          INTEGER NOT NULL,
    mtime         REAL NOT NULL,
    sha256        TEXT,
    status        TEXT NOT NULL CHECK (status IN ('indexed', 'skipped', 'failed')),
    reason        TEXT,
    pages         INTEGER,
    indexed       REAL NOT NULL,
    UNIQUE (collection_id, path)
);
CREATE TABLE IF NOT EXISTS chunks (
    id      INTEGER PRIMARY KEY AUTOINCREMENT,
    file_id INTEGER NOT NULL REFERENCES files(id) ON DELETE CASCADE,
    seq     INTEGER NOT NULL,
    text    TEXT NOT NULL,
    page    INTEGER,
    heading TEXT,
    start   INTEGER NOT NULL,
    "end"   INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS chunks_by_file ON chunks(file_id, seq);
CREATE VIRTUAL TABLE IF NOT EXISTS chunks_fts USING fts5(
    text, heading, content='chunks', content_rowid='id',
    tokenize='porter unicode61 remove_diacritics 2');
CREATE TRIGGER IF NOT EXISTS chunks_ai AFTER INSERT ON chunks BEGIN
    INSERT INTO chunks_fts(rowid, text, heading) VALUES (new.id, new.text, new.heading);
END;
CREATE TRIGGER IF NOT EXISTS chunks_ad AFTER DELETE ON chunks BEGIN
    INSERT INTO chunks_fts(chunks_fts, rowid, text, heading)
    VALUES ('delete', old.id, old.text, old.heading);
END;
CREATE TABLE IF NOT EXISTS vectors (
    chunk_id INTEGER NOT NULL REFERENCES chunks(id) ON DELETE CASCADE,
    model    TEXT NOT NULL,
    vec      BLOB NOT NULL,
    PRIMARY KEY (chunk_id, model)
);
"""


# Finding a marked file's copies elsewhere (kept out of _SCHEMA: an older Enclave opening the
# index ignores it, so the schema version stays).
_SHA_INDEX = "CREATE INDEX IF NOT EXISTS files_by_sha256 ON files(sha256)"


class DocsError(EnclaveError):
    pass


@dataclass
class Collection:
    id: int
    name: str
    never_cloud: bool
    state: str
    indexed: float | None
    roots: list[str]
    files: int = 0
    chunks: int = 0
    problems: int = 0  # skipped or failed files


@dataclass
class FileRecord:
    id: int
    path: str
    size: int
    mtime: float
    sha256: str | None
    status: str
    reason: str | None
    pages: int | None


@dataclass
class Hit:
    """One passage found by a search, with where it came from."""

    chunk_id: int
    collection: str
    never_cloud: bool
    path: str
    page: int | None
    heading: str | None
    start: int
    end: int
    text: str

    def where(self) -> str:
        return where(self.path, self.page, self.heading)


def where(path: str, page: int | None, heading: str | None) -> str:
    """ "report.pdf, page 3" / "notes.md › Setup": a passage's place, as a person recognises it."""
    name = Path(path).name
    if page:
        return f"{name}, page {page}"
    return f"{name} › {heading}" if heading else name


_HIT = (
    'c.id, col.name, col.never_cloud, f.path, c.page, c.heading, c.start, c."end", c.text '
    "FROM chunks c JOIN files f ON f.id = c.file_id JOIN collections col "
    "ON col.id = f.collection_id"
)


# Words that carry no topic: matching them only favours short passages.
STOP_WORDS = frozenset(
    """a an and are as at be by can could did do does for from had has have how
i if in is it its me my of on or our shall should so than that the their them then there these
they this to was we were what when where which who whom why will with would you your""".split()
)


def fts_query(text: str) -> str:
    """Any of the words (BM25 ranks passages holding more, and rarer, ones higher)."""
    words = [
        w
        for w in re.findall(r"\w+", text.lower())
        if (len(w) > 1 or w.isdigit()) and w not in STOP_WORDS
    ]
    return " OR ".join(f'"{w}"' for w in dict.fromkeys(words))


class DocIndex:
    """One connection to the document index. Not shared between threads."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self._vector_cache: dict = {}
        try:
            self._db = sqlite.connect(self.path, self._migrate)
        except sqlite3.DatabaseError as exc:
            raise DocsError(
                f"The document index {self.path} cannot be opened ({exc}). If the disk is full, "
                f"free some space; if the file is damaged, delete it: your documents are not in "
                f"it, and indexing them again rebuilds it."
            ) from exc

    def _migrate(self, db: sqlite3.Connection) -> None:
        version = db.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise DocsError(
                f"The document index {self.path} was written by a newer Enclave; "
                f"update Enclave to use it."
            )
        if version < SCHEMA_VERSION:  # idempotent: a second thread starting now finds it done
            db.executescript(
                f"BEGIN IMMEDIATE;\n{_SCHEMA}\nPRAGMA user_version = {SCHEMA_VERSION};\nCOMMIT;"
            )
        db.execute(_SHA_INDEX)

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> DocIndex:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def transaction(self):
        return sqlite.transaction(self._db)

    # -- collections ---------------------------------------------------------------------------

    def create(self, name: str) -> Collection:
        name = " ".join(name.split())
        if not name or len(name) > 100:
            raise DocsError("A collection needs a name of 1 to 100 characters.")
        try:
            self._db.execute(
                "INSERT INTO collections (name, created) VALUES (?, ?)", (name, time.time())
            )
        except sqlite3.IntegrityError as exc:
            raise DocsError(f"There is already a collection called {name!r}.") from exc
        return self.collection(name)

    def collections(self) -> list[Collection]:
        rows = self._db.execute("SELECT name FROM collections ORDER BY name COLLATE NOCASE")
        return [self.collection(r[0]) for r in rows.fetchall()]

    def collection(self, name: str) -> Collection:
        row = self._db.execute(
            "SELECT id, name, never_cloud, state, indexed FROM collections WHERE name = ?", (name,)
        ).fetchone()
        if row is None:
            known = ", ".join(n for (n,) in self._db.execute("SELECT name FROM collections"))
            raise DocsError(
                f"There is no collection called {name!r}"
                + (
                    f" (there are: {known})."
                    if known
                    else ". `enclave docs add NAME PATH…` makes one."
                )
            )
        cid = row[0]
        roots = [
            r[0]
            for r in self._db.execute(
                "SELECT path FROM roots WHERE collection_id = ? ORDER BY path", (cid,)
            )
        ]
        files, problems = self._db.execute(
            "SELECT COUNT(*), COALESCE(SUM(status != 'indexed'), 0) FROM files "
            "WHERE collection_id = ?",
            (cid,),
        ).fetchone()
        chunks = self._db.execute(
            "SELECT COUNT(*) FROM chunks c JOIN files f ON f.id = c.file_id "
            "WHERE f.collection_id = ?",
            (cid,),
        ).fetchone()[0]
        return Collection(
            cid, row[1], bool(row[2]), row[3], row[4], roots, files - problems, chunks, problems
        )

    def add_roots(self, name: str, paths: list[Path]) -> Collection:
        collection = self.collection(name)
        for p in paths:
            self._db.execute(
                "INSERT OR IGNORE INTO roots VALUES (?, ?)",
                (collection.id, str(Path(p).expanduser().resolve())),
            )
        return self.collection(name)

    def remove_root(self, name: str, path: str) -> None:
        collection = self.collection(name)
        self._db.execute(
            "DELETE FROM roots WHERE collection_id = ? AND path = ?", (collection.id, path)
        )

    def remove(self, name: str) -> None:
        collection = self.collection(name)
        with self.transaction():
            self._db.execute("DELETE FROM collections WHERE id = ?", (collection.id,))
        self._vector_cache.clear()

    def set_never_cloud(self, name: str, never: bool) -> None:
        self._db.execute(
            "UPDATE collections SET never_cloud = ? WHERE id = ?",
            (int(never), self.collection(name).id),
        )

    # -- never to the cloud: by the documents' place and bytes ---------------------------------

    def _marked_roots(self) -> list[tuple[str, str]]:
        return self._db.execute(
            "SELECT c.name, r.path FROM roots r JOIN collections c ON c.id = r.collection_id "
            "WHERE c.never_cloud = 1 ORDER BY c.name"
        ).fetchall()

    def private_reach(self, name: str) -> list[str]:
        """The marked collections, other than ``name``, whose documents ``name`` reaches: one of
        its roots is, is inside or holds one of theirs, or a file it indexed has the same bytes
        as one of theirs."""
        collection = self.collection(name)
        found = {
            marked
            for marked, root in self._marked_roots()
            if marked != collection.name
            and any(under(mine, root) or under(root, mine) for mine in collection.roots)
        }
        found.update(
            r[0]
            for r in self._db.execute(
                "SELECT DISTINCT m.name FROM files f JOIN files g ON g.sha256 = f.sha256 "
                "JOIN collections m ON m.id = g.collection_id WHERE f.collection_id = ? "
                "AND m.never_cloud = 1 AND m.id != f.collection_id",
                (collection.id,),
            )
        )
        return sorted(found)

    def marks_of(self, paths: Sequence[str]) -> dict[str, str]:
        """For each of ``paths`` that is private, the marked collection that makes it so."""
        marked: dict[str, str] = {}
        roots = self._marked_roots()
        for path in paths:
            for name, root in roots:
                if under(path, root):
                    marked[path] = name
                    break
        rest = [p for p in dict.fromkeys(paths) if p not in marked]
        for start in range(0, len(rest), 500):  # SQLite's limit on parameters
            part = rest[start : start + 500]
            marked.update(
                self._db.execute(
                    f"SELECT f.path, MIN(m.name) FROM files f JOIN files g ON g.sha256 = f.sha256 "
                    f"JOIN collections m ON m.id = g.collection_id WHERE m.never_cloud = 1 "
                    f"AND f.path IN ({','.join('?' * len(part))}) GROUP BY f.path",
                    part,
                )
            )
        return marked

    def _with_marks(self, hits: list[Hit]) -> list[Hit]:
        """Passages of private files say so, in whichever collection they were found (what
        the store keeps with an answer, so the mark outlives the collections)."""
        marks = self.marks_of([h.path for h in hits if not h.never_cloud])
        for hit in hits:
            hit.never_cloud = hit.never_cloud or hit.path in marks
        return hits

    def set_state(self, collection_id: int, state: str) -> None:
        finished = time.time() if state == "ready" else None
        self._db.execute(
            "UPDATE collections SET state = ?, indexed = COALESCE(?, indexed) WHERE id = ?",
            (state, finished, collection_id),
        )

    def unfinished(self) -> list[str]:
        """Collections whose indexing stopped part way (closed, killed, cancelled)."""
        return [
            r[0]
            for r in self._db.execute(
                "SELECT name FROM collections WHERE state = 'indexing' ORDER BY name"
            )
        ]

    # -- files ---------------------------------------------------------------------------------

    def files(self, collection_id: int) -> dict[str, FileRecord]:
        rows = self._db.execute(
            "SELECT id, path, size, mtime, sha256, status, reason, pages "
            "FROM files WHERE collection_id = ?",
            (collection_id,),
        )
        return {r[1]: FileRecord(*r) for r in rows}

    def put_file(
        self,
        collection_id: int,
        path: str,
        *,
        size: int,
        mtime: float,
        sha256: str | None,
        status: str,
        reason: str | None = None,
        pages: int | None = None,
        chunks: Sequence[Chunk] = (),
        vectors: np.ndarray | None = None,
        model: str | None = None,
    ) -> None:
        """Replace what is known of one file, its passages and their vectors, all at once: a run
        stopped at any moment leaves every file either as it was or fully updated."""
        with self.transaction():
            self._db.execute(
                "DELETE FROM files WHERE collection_id = ? AND path = ?", (collection_id, path)
            )
            cur = self._db.execute(
                "INSERT INTO files (collection_id, path, size, mtime, sha256, status, reason, "
                "pages, indexed) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (collection_id, path, size, mtime, sha256, status, reason, pages, time.time()),
            )
            file_id = cur.lastrowid
            for seq, c in enumerate(chunks):
                cid = self._db.execute(
                    'INSERT INTO chunks (file_id, seq, text, page, heading, start, "end") '
                    "VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (file_id, seq, c.text, c.page, c.heading, c.start, c.end),
                ).lastrowid
                if vectors is not None:
                    self._db.execute(
                        "INSERT INTO vectors VALUES (?, ?, ?)",
                        (cid, model, vectors[seq].astype("float32").tobytes()),
                    )
        self._vector_cache.clear()

    def touch_file(self, file_id: int, mtime: float) -> None:
        """The file was saved again with the same bytes: remember its new mtime only."""
        self._db.execute("UPDATE files SET mtime = ? WHERE id = ?", (mtime, file_id))

    def delete_files(self, collection_id: int, paths: list[str]) -> None:
        with self.transaction():
            self._db.executemany(
                "DELETE FROM files WHERE collection_id = ? AND path = ?",
                [(collection_id, p) for p in paths],
            )
        self._vector_cache.clear()

    def problems(self, name: str) -> list[FileRecord]:
        """Files skipped or failed, with the reason."""
        cid = self.collection(name).id
        return sorted(
            (f for f in self.files(cid).values() if f.status != "indexed"), key=lambda f: f.path
        )

    # -- vectors -------------------------------------------------------------------------------

    def missing_vectors(
        self, collection_id: int, model: str, *, limit: int = 64
    ) -> list[tuple[int, str]]:
        """Passages with no vector from ``model`` yet (the model was chosen after indexing)."""
        return self._db.execute(
            "SELECT c.id, c.text FROM chunks c JOIN files f ON f.id = c.file_id "
            "WHERE f.collection_id = ? AND NOT EXISTS (SELECT 1 FROM vectors v "
            "WHERE v.chunk_id = c.id AND v.model = ?) ORDER BY c.id LIMIT ?",
            (collection_id, model, limit),
        ).fetchall()

    def put_vectors(self, model: str, rows: list[tuple[int, np.ndarray]]) -> None:
        with self.transaction():
            self._db.executemany(
                "INSERT OR REPLACE INTO vectors VALUES (?, ?, ?)",
                [(cid, model, v.astype("float32").tobytes()) for cid, v in rows],
            )
        self._vector_cache.clear()

    def vector_count(self, collection_id: int, model: str) -> int:
        return self._db.execute(
            "SELECT COUNT(*) FROM vectors v JOIN chunks c ON c.id = v.chunk_id "
            "JOIN files f ON f.id = c.file_id WHERE f.collection_id = ? AND v.model = ?",
            (collection_id, model),
        ).fetchone()[0]

    # -- search --------------------------------------------------------------------------------

    def search_text(self, collection_ids: list[int], query: str, *, limit: int = 20) -> list[Hit]:
        """Passages ranked by BM25 (FTS5), best first."""
        match = fts_query(query)
        if not match or not collection_ids:
            return []
        marks = ",".join("?" * len(collection_ids))
        rows = self._db.execute(
            f"SELECT {_HIT} JOIN chunks_fts ON chunks_fts.rowid = c.id "
            f"WHERE chunks_fts MATCH ? AND f.collection_id IN ({marks}) "
            f"ORDER BY bm25(chunks_fts, 1.0, 0.5) LIMIT ?",
            (match, *collection_ids, limit),
        )
        return self._with_marks([Hit(r[0], r[1], bool(r[2]), *r[3:]) for r in rows])

    def search_vector(
        self, collection_ids: list[int], query: np.ndarray, model: str, *, limit: int = 20
    ) -> list[Hit]:
        """Passages ranked by cosine similarity to ``query`` (brute force: exact, and fast
        enough for the tens of thousands of passages a person's folders give)."""
        ids, matrix = self._vectors(tuple(sorted(collection_ids)), model)
        if not len(ids):
            return []
        scores = matrix @ query.astype("float32")
        best = (-scores).argsort()[:limit]
        return self.hits([int(ids[i]) for i in best])

    def _vectors(self, collection_ids: tuple[int, ...], model: str):
        # data_version moves when another connection commits; total_changes when this one does.
        version = self._db.execute("PRAGMA data_version").fetchone()[0]
        key = (collection_ids, model, version, self._db.total_changes)
        if key not in self._vector_cache:
            # Loaded here, not at the top: numpy adds a tenth of a second to the app's start,
            # and only search by meaning needs it.
            import numpy as np

            marks = ",".join("?" * len(collection_ids))
            rows = self._db.execute(
                f"SELECT v.chunk_id, v.vec FROM vectors v JOIN chunks c ON c.id = v.chunk_id "
                f"JOIN files f ON f.id = c.file_id WHERE v.model = ? "
                f"AND f.collection_id IN ({marks})",
                (model, *collection_ids),
            ).fetchall()
            ids = np.array([r[0] for r in rows], dtype=np.int64)
            matrix = (
                np.stack([np.frombuffer(r[1], dtype=np.float32) for r in rows])
                if rows
                else np.zeros((0, 0), np.float32)
            )
            self._vector_cache = {key: (ids, matrix)}
        return self._vector_cache[key]

    def hits(self, chunk_ids: list[int]) -> list[Hit]:
        if not chunk_ids:
            return []
        marks = ",".join("?" * len(chunk_ids))
        found = {
            r[0]: Hit(r[0], r[1], bool(r[2]), *r[3:])
            for r in self._db.execute(f"SELECT {_HIT} WHERE c.id IN ({marks})", chunk_ids)
        }
        return self._with_marks([found[i] for i in chunk_ids if i in found])


def under(path: str, root: str) -> bool:
    """``path`` is ``root`` or inside it (both absolute and resolved)."""
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)
