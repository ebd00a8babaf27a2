"""The conversation store: one SQLite file (WAL) with full-text search (FTS5).

Every process and every thread opens its own Store; SQLite's WAL mode lets a window, a CLI call and
a second window share the file safely. An answer is written as it streams (see ``update_text``), so
a crash loses at most the last moments of tokens and never the file.
"""

from __future__ import annotations

import contextlib
import re
import sqlite3
import time
from dataclasses import dataclass, field
from pathlib import Path

from app.core.errors import ConversationNotFoundError, EnclaveError
from app.core.platform import sqlite

SCHEMA_VERSION = 5

_SCHEMA = (
    """
CREATE TABLE IF NOT EXISTS conversations (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,  -- ids are never reused
    title         TEXT    NOT NULL,
    system_prompt TEXT,              -- NULL: use the default from settings
    model         TEXT,              -- model id chosen for this conversation, NULL: default
    created       REAL    NOT NULL,
    updated       REAL    NOT NULL,
    thinking      TEXT               -- thinking.LEVELS for this conversation, NULL: the model's
);
CREATE INDEX IF NOT EXISTS conversations_by_updated ON conversations(updated DESC);

CREATE TABLE IF NOT EXISTS messages (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    conversation_id   INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    role              TEXT    NOT NULL CHECK (role IN ('system', 'user', 'assistant')),
    content           TEXT    NOT NULL,
    model             TEXT,
    engine            TEXT,
    status            TEXT    NOT NULL DEFAULT 'complete'
                      CHECK (status IN ('complete', 'streaming', 'cancelled', 'error')),
    prompt_tokens     INTEGER,
    completion_tokens INTEGER,
    ttft_ms           REAL,
    tokens_per_s      REAL,
    created           REAL    NOT NULL,
    updated           REAL    NOT NULL,
    provider          TEXT,              -- a cloud or organisation provider's name, NULL: local
    tier              TEXT,              -- 'org' | 'cloud' for answers from a provider
    sources           TEXT,              -- JSON: the document passages put into the prompt
    thinking          TEXT,              -- a reasoning model's thinking, never in ``content``
    thinking_ms       REAL               -- how long it thought
);
CREATE INDEX IF NOT EXISTS messages_by_conversation ON messages(conversation_id, id);

CREATE VIRTUAL TABLE IF NOT EXISTS messages_fts USING fts5(
    content, content='messages', content_rowid='id', tokenize='unicode61 remove_diacritics 2');
CREATE TRIGGER IF NOT EXISTS messages_ai AFTER INSERT ON messages BEGIN
    INSERT INTO messages_fts(rowid, content) VALUES (new.id, new.content);
END;
CREATE TRIGGER IF NOT EXISTS messages_ad AFTER DELETE ON messages BEGIN
    INSERT INTO messages_fts(messages_fts, rowid, content) VALUES ('delete', old.id, old.content);
END;
CREATE TRIGGER IF NOT EXISTS messages_au AFTER UPDATE OF content ON messages BEGIN
    INSERT INTO messages_fts(messages_fts, rowid, content) VALUES ('delete', old.id, old.content);
    INSERT INTO messages_fts(rowid, content) VALUES (new.id, new.content);
END;
"""
    + """
-- A conversation the user allowed to use one provider (withdrawn: the row is deleted).
CREATE TABLE IF NOT EXISTS conversation_consents (
    conversation_id INTEGER PRIMARY KEY REFERENCES conversations(id) ON DELETE CASCADE,
    provider        TEXT NOT NULL,
    model           TEXT NOT NULL,
    granted         REAL NOT NULL,
    identity        TEXT              -- the server and tier it was given for (providers.py)
);
-- The document collections a conversation searches (by name: the index is another file).
CREATE TABLE IF NOT EXISTS conversation_collections (
    conversation_id INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    collection      TEXT NOT NULL,
    PRIMARY KEY (conversation_id, collection)
);
"""
)

# What each version added to existing tables (new tables come from the idempotent schema).
_UPGRADES = {
    1: (
        "ALTER TABLE messages ADD COLUMN provider TEXT",
        "ALTER TABLE messages ADD COLUMN tier TEXT",
    ),
    2: ("ALTER TABLE messages ADD COLUMN sources TEXT",),
    # Grants from before have no identity, so they are asked for again (never widened).
    3: ("ALTER TABLE conversation_consents ADD COLUMN identity TEXT",),
    4: (
        "ALTER TABLE messages ADD COLUMN thinking TEXT",
        "ALTER TABLE messages ADD COLUMN thinking_ms REAL",
        "ALTER TABLE conversations ADD COLUMN thinking TEXT",
    ),
}


def _missing_column(db: sqlite3.Connection, alter: str) -> bool:
    """Whether ``ALTER TABLE t ADD COLUMN c …`` has work to do: a table not there yet is made by
    the schema with its newest columns."""
    table, column = alter.split()[2], alter.split()[5]
    columns = {r[1] for r in db.execute(f"PRAGMA table_info({table})")}
    return bool(columns) and column not in columns


# A streaming answer not touched for this long was cut off by a crash or a killed process.
STALE_STREAM_S = 15.0


class StoreError(EnclaveError):
    pass


@dataclass
class Conversation:
    id: int
    title: str
    system_prompt: str | None
    model: str | None
    created: float
    updated: float
    message_count: int = 0


@dataclass
class Message:
    id: int
    conversation_id: int
    role: str
    content: str
    model: str | None = None
    engine: str | None = None
    status: str = "complete"
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    ttft_ms: float | None = None
    tokens_per_s: float | None = None
    created: float = field(default_factory=time.time)
    updated: float = field(default_factory=time.time)
    provider: str | None = None  # the provider that answered, None: this device
    tier: str | None = None
    sources: str | None = None  # JSON list of passages (docs.retrieval.Source)
    thinking: str | None = None  # what a reasoning model thought before answering
    thinking_ms: float | None = None

    @property
    def interrupted(self) -> bool:
        """A partial answer left behind by a process that stopped mid-stream."""
        return self.status == "streaming" and time.time() - self.updated > STALE_STREAM_S


@dataclass
class SearchHit:
    conversation_id: int
    title: str
    message_id: int | None
    snippet: str


_MESSAGE_COLUMNS = (
    "id, conversation_id, role, content, model, engine, status, prompt_tokens, "
    "completion_tokens, ttft_ms, tokens_per_s, created, updated, provider, tier, "
    "sources, thinking, thinking_ms"
)


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", text, flags=re.UNICODE)


def fts_query(text: str) -> str:
    """Turn what a person types into a safe FTS5 query: every word must match, as a prefix."""
    return " ".join(f'"{w}"*' for w in _words(text))


class Store:
    """One connection to the conversation database. Not shared between threads."""

    def __init__(self, path: Path):
        self.path = Path(path)
        try:
            self._db = sqlite.connect(self.path, self._migrate)
        except sqlite3.DatabaseError as exc:
            raise StoreError(
                f"The conversation database {self.path} cannot be opened ({exc}). If the disk is "
                f"full, free some space; if the file is damaged, move it aside and Enclave will "
                f"start a new one."
            ) from exc

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _migrate(self, db: sqlite3.Connection) -> None:
        version = db.execute("PRAGMA user_version").fetchone()[0]
        if version == SCHEMA_VERSION:
            return
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"The database {self.path} was written by a newer Enclave "
                f"(schema {version}); update Enclave to open it."
            )
        # Idempotent DDL in one write transaction: a second instance starting at the same moment
        # simply finds everything there (or, upgrading, finds the columns already added).
        upgrade = (
            "".join(
                f"{s};\n"
                for v in range(max(version, 1), SCHEMA_VERSION)
                for s in _UPGRADES[v]
                if _missing_column(db, s)
            )
            if version
            else ""
        )
        try:
            db.executescript(
                f"BEGIN IMMEDIATE;\n{_SCHEMA}\n{upgrade}"
                f"PRAGMA user_version = {SCHEMA_VERSION};\nCOMMIT;"
            )
        except sqlite3.OperationalError as exc:
            if db.in_transaction:
                db.execute("ROLLBACK")
            if "duplicate column" not in str(exc):
                raise

    def _transaction(self):
        return sqlite.transaction(self._db)

    @contextlib.contextmanager
    def _saving(self, what: str):
        """A write that fails for want of room says so; what was saved before stays (SQLite
        rolls the failed write back)."""
        try:
            yield
        except sqlite3.OperationalError as exc:
            if "full" not in str(exc) and "disk I/O" not in str(exc):
                raise
            raise StoreError(
                f"{what} could not be saved: the disk that holds {self.path.parent} is full "
                f"({exc}). Free some space, then try again; what was saved before is kept."
            ) from exc

    # -- conversations -------------------------------------------------------------------------

    def create_conversation(
        self, title: str = "New chat", *, system_prompt: str | None = None, model: str | None = None
    ) -> Conversation:
        now = time.time()
        cur = self._db.execute(
            "INSERT INTO conversations (title, system_prompt, model, created, updated) "
            "VALUES (?, ?, ?, ?, ?)",
            (title, system_prompt, model, now, now),
        )
        return Conversation(_new_id(cur), title, system_prompt, model, now, now)

    def conversation(self, conversation_id: int) -> Conversation:
        row = self._db.execute(
            "SELECT c.id, c.title, c.system_prompt, c.model, c.created, c.updated, "
            "(SELECT COUNT(*) FROM messages m WHERE m.conversation_id = c.id) "
            "FROM conversations c WHERE c.id = ?",
            (conversation_id,),
        ).fetchone()
        if row is None:
            raise ConversationNotFoundError(
                f"There is no conversation {conversation_id}. "
                f"`enclave chats list` shows the ones there are."
            )
        return Conversation(*row)

    def conversations(self, *, offset: int = 0, limit: int = 200) -> list[Conversation]:
        """Most recently used first, a page at a time."""
        rows = self._db.execute(
            "SELECT id, title, system_prompt, model, created, updated FROM conversations "
            "ORDER BY updated DESC, id DESC LIMIT ? OFFSET ?",
            (limit, offset),
        ).fetchall()
        return [Conversation(*r) for r in rows]

    def count_conversations(self) -> int:
        return self._db.execute("SELECT COUNT(*) FROM conversations").fetchone()[0]

    def rename_conversation(self, conversation_id: int, title: str) -> None:
        title = " ".join(title.split())[:200] or "Untitled"
        self._update_conversation(conversation_id, "title = ?", title)

    def set_system_prompt(self, conversation_id: int, prompt: str | None) -> None:
        self._update_conversation(conversation_id, "system_prompt = ?", prompt or None)

    def set_conversation_model(self, conversation_id: int, model: str | None) -> None:
        self._update_conversation(conversation_id, "model = ?", model or None)

    def set_thinking(self, conversation_id: int, level: str | None) -> None:
        """How much this conversation's model should think (``thinking.LEVELS``; None: the
        model's own default)."""
        self._update_conversation(conversation_id, "thinking = ?", level or None)

    def thinking(self, conversation_id: int) -> str | None:
        row = self._db.execute(
            "SELECT thinking FROM conversations WHERE id = ?", (conversation_id,)
        ).fetchone()
        if row is None:
            self.conversation(conversation_id)  # raises the not-found error
            return None
        return row[0]

    def _update_conversation(self, conversation_id: int, assignment: str, value) -> None:
        cur = self._db.execute(
            f"UPDATE conversations SET {assignment}, updated = ? WHERE id = ?",
            (value, time.time(), conversation_id),
        )
        if cur.rowcount == 0:
            self.conversation(conversation_id)  # raises the not-found error

    def delete_conversation(self, conversation_id: int) -> None:
        self._db.execute("DELETE FROM conversations WHERE id = ?", (conversation_id,))

    # -- messages ------------------------------------------------------------------------------

    def add_message(
        self,
        conversation_id: int,
        role: str,
        content: str,
        *,
        model: str | None = None,
        engine: str | None = None,
        status: str = "complete",
        provider: str | None = None,
        tier: str | None = None,
        sources: str | None = None,
    ) -> Message:
        now = time.time()
        with self._saving("The message"), self._transaction():
            cur = self._db.execute(
                "INSERT INTO messages (conversation_id, role, content, model, engine, status, "
                "created, updated, provider, tier, sources) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    conversation_id,
                    role,
                    content,
                    model,
                    engine,
                    status,
                    now,
                    now,
                    provider,
                    tier,
                    sources,
                ),
            )
            self._db.execute(
                "UPDATE conversations SET updated = ? WHERE id = ?", (now, conversation_id)
            )
        return Message(
            _new_id(cur),
            conversation_id,
            role,
            content,
            model,
            engine,
            status,
            created=now,
            updated=now,
            provider=provider,
            tier=tier,
            sources=sources,
        )

    def update_text(self, message_id: int, content: str, *, thinking: str | None = None) -> None:
        """Save a streaming answer's text (and thinking) so far (one short write transaction)."""
        with self._saving("The answer as it streams"):
            self._db.execute(
                "UPDATE messages SET content = ?, thinking = coalesce(?, thinking), updated = ? "
                "WHERE id = ?",
                (content, thinking or None, time.time(), message_id),
            )

    def finish_message(
        self,
        message_id: int,
        content: str,
        *,
        status: str = "complete",
        prompt_tokens: int | None = None,
        completion_tokens: int | None = None,
        ttft_ms: float | None = None,
        tokens_per_s: float | None = None,
        thinking: str | None = None,
        thinking_ms: float | None = None,
    ) -> None:
        with self._saving("The answer"):
            self._db.execute(
                "UPDATE messages SET content = ?, status = ?, prompt_tokens = ?, "
                "completion_tokens = ?, ttft_ms = ?, tokens_per_s = ?, thinking = ?, "
                "thinking_ms = ?, updated = ? WHERE id = ?",
                (
                    content,
                    status,
                    prompt_tokens,
                    completion_tokens,
                    ttft_ms,
                    tokens_per_s,
                    thinking or None,
                    thinking_ms if thinking else None,
                    time.time(),
                    message_id,
                ),
            )

    def edit_message(self, message_id: int, content: str) -> None:
        self._db.execute(
            "UPDATE messages SET content = ?, updated = ? WHERE id = ?",
            (content, time.time(), message_id),
        )

    def message(self, message_id: int) -> Message:
        row = self._db.execute(
            f"SELECT {_MESSAGE_COLUMNS} FROM messages WHERE id = ?", (message_id,)
        ).fetchone()
        if row is None:
            raise StoreError(f"Message {message_id} is no longer in the database.")
        return Message(*row)

    def messages(self, conversation_id: int) -> list[Message]:
        rows = self._db.execute(
            f"SELECT {_MESSAGE_COLUMNS} FROM messages WHERE conversation_id = ? ORDER BY id",
            (conversation_id,),
        ).fetchall()
        return [Message(*r) for r in rows]

    def delete_messages_from(self, conversation_id: int, message_id: int) -> int:
        """Delete a message and everything after it in its conversation (edit, regenerate)."""
        cur = self._db.execute(
            "DELETE FROM messages WHERE conversation_id = ? AND id >= ?",
            (conversation_id, message_id),
        )
        return cur.rowcount

    # -- what left the device -----------------------------------------------------------------

    def grant_consent(
        self, conversation_id: int, provider: str, model: str, identity: str | None = None
    ) -> None:
        """The user allowed this conversation to use ``provider`` until they withdraw it.
        ``identity`` (``Provider.identity``) binds the grant to that server and tier."""
        self._db.execute(
            "INSERT OR REPLACE INTO conversation_consents "
            "(conversation_id, provider, model, granted, identity) "
            "VALUES (?, ?, ?, ?, ?)",
            (conversation_id, provider, model, time.time(), identity),
        )

    def withdraw_consent(self, conversation_id: int) -> bool:
        cur = self._db.execute(
            "DELETE FROM conversation_consents WHERE conversation_id = ?", (conversation_id,)
        )
        return cur.rowcount > 0

    def withdraw_provider_consents(self, provider: str) -> int:
        """Withdraw every conversation's grant for ``provider`` (it was removed)."""
        cur = self._db.execute(
            "DELETE FROM conversation_consents WHERE lower(provider) = ?",
            (provider.strip().lower(),),
        )
        return cur.rowcount

    def consent(self, conversation_id: int) -> tuple[str, str] | None:
        """(provider, model) this conversation may use without asking, or None."""
        grant = self.consent_grant(conversation_id)
        return grant[:2] if grant else None

    def consent_grant(self, conversation_id: int) -> tuple[str, str, str | None] | None:
        """(provider, model, identity) of this conversation's standing consent, or None."""
        row = self._db.execute(
            "SELECT provider, model, identity FROM conversation_consents WHERE conversation_id = ?",
            (conversation_id,),
        ).fetchone()
        return (row[0], row[1], row[2]) if row else None

    def sent_conversations(self) -> set[int]:
        """Conversations that sent anything to a provider (answered by one)."""
        return {
            r[0]
            for r in self._db.execute(
                "SELECT DISTINCT conversation_id FROM messages WHERE provider IS NOT NULL"
            )
        }

    # -- documents -----------------------------------------------------------------------------

    def collections(self, conversation_id: int) -> list[str]:
        """The document collections this conversation searches."""
        return [
            r[0]
            for r in self._db.execute(
                "SELECT collection FROM conversation_collections WHERE conversation_id = ? "
                "ORDER BY collection",
                (conversation_id,),
            )
        ]

    def set_collections(self, conversation_id: int, names: list[str]) -> None:
        with self._transaction():
            self._db.execute(
                "DELETE FROM conversation_collections WHERE conversation_id = ?", (conversation_id,)
            )
            self._db.executemany(
                "INSERT OR IGNORE INTO conversation_collections VALUES (?, ?)",
                [(conversation_id, n) for n in names],
            )

    def cited_collections(self, conversation_id: int) -> dict[str, bool]:
        """Collections whose passages went into any prompt of this conversation, each with
        whether it was marked never-to-the-cloud when cited."""
        import json

        found: dict[str, bool] = {}
        for (text,) in self._db.execute(
            "SELECT sources FROM messages WHERE conversation_id = ? AND sources IS NOT NULL",
            (conversation_id,),
        ):
            try:
                for s in json.loads(text):
                    name = s.get("collection")
                    if name:
                        found[name] = found.get(name, False) or bool(s.get("never_cloud"))
            except (ValueError, AttributeError, TypeError):
                continue
        return found

    # -- search --------------------------------------------------------------------------------

    def search(self, text: str, *, limit: int = 50) -> list[SearchHit]:
        """Conversations whose title or messages hold every word typed (prefix match), newest
        first. Newest-first lets FTS5 walk the matches in rowid order and stop at the limit; a
        relevance ranking would score every match, slow for common words in a large history."""
        query = fts_query(text)
        if not query:
            return []
        hits: dict[int, SearchHit] = {}
        words = _words(text)
        like = " AND ".join(["title LIKE ? ESCAPE '\\'"] * len(words))
        patterns = ["%" + w.replace("_", "\\_") + "%" for w in words]  # every word, any order
        for cid, title in self._db.execute(
            f"SELECT id, title FROM conversations WHERE {like} ORDER BY updated DESC LIMIT ?",
            (*patterns, limit),
        ):
            hits[cid] = SearchHit(cid, title, None, title)
        rows = self._db.execute(
            "SELECT m.conversation_id, c.title, m.id, "
            "snippet(messages_fts, 0, '«', '»', '…', 12) "
            "FROM messages_fts JOIN messages m ON m.id = messages_fts.rowid "
            "JOIN conversations c ON c.id = m.conversation_id "
            "WHERE messages_fts MATCH ? ORDER BY messages_fts.rowid DESC LIMIT ?",
            (query, limit * 4),
        )
        for cid, title, mid, snippet in rows:
            if cid not in hits:
                hits[cid] = SearchHit(cid, title, mid, snippet)
            if len(hits) >= limit:
                break
        return list(hits.values())

    def integrity_ok(self) -> bool:
        return self._db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def _new_id(cursor: sqlite3.Cursor) -> int:
    """The id SQLite gave the row an INSERT just made."""
    if cursor.lastrowid is None:
        raise RuntimeError("SQLite gave no id to the new row")
    return cursor.lastrowid
