"""What the crash tests share: an old (version 1) conversation database to upgrade, a child
prelude that slows the upgrade down so a kill can land inside it, and the contents to compare
before and after."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from app.core.chat.store import Store

# The schema as version 1 wrote it: messages without provider, tier and sources; no consents.
V1_SCHEMA = """
CREATE TABLE conversations (
    id INTEGER PRIMARY KEY AUTOINCREMENT, title TEXT NOT NULL, system_prompt TEXT, model TEXT,
    created REAL NOT NULL, updated REAL NOT NULL);
CREATE INDEX conversations_by_updated ON conversations(updated DESC);
CREATE TABLE messages (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    conversation_id INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    role TEXT NOT NULL CHECK (role IN ('system', 'user', 'assistant')),
    content TEXT NOT NULL, model TEXT, engine TEXT,
    status TEXT NOT NULL DEFAULT 'complete'
        CHECK (status IN ('complete', 'streaming', 'cancelled', 'error')),
    prompt_tokens INTEGER, completion_tokens INTEGER, ttft_ms REAL, tokens_per_s REAL,
    created REAL NOT NULL, updated REAL NOT NULL);
CREATE INDEX messages_by_conversation ON messages(conversation_id, id);
CREATE VIRTUAL TABLE messages_fts USING fts5(
    content, content='messages', content_rowid='id', tokenize='unicode61 remove_diacritics 2');
CREATE TRIGGER messages_ai AFTER INSERT ON messages BEGIN
    INSERT INTO messages_fts(rowid, content) VALUES (new.id, new.content);
END;
PRAGMA user_version = 1;
"""

# Child prelude (argv[2] is the marker file): the upgrade is slowed down (SQLite calls the
# handler every few VM steps) so that a kill at a random moment lands inside it, and the marker
# says when it has begun. What follows it opens the store.
SLOW_MIGRATION = """
import sys, time
from pathlib import Path
from app.core.chat.store import Store

marker = Path(sys.argv[2])
original = Store._migrate

def slow_migrate(self, db):
    db.set_progress_handler(lambda: time.sleep(0.002) or 0, 5)
    marker.write_text("migrating")
    try:
        original(self, db)
    finally:
        db.set_progress_handler(None, 0)

Store._migrate = slow_migrate
"""


def make_v1_database(path: Path, conversations: int = 40, messages: int = 25) -> None:
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode = WAL")
    db.executescript(V1_SCHEMA)
    db.execute("BEGIN")
    for c in range(conversations):
        cid = db.execute(
            "INSERT INTO conversations (title, created, updated) VALUES (?, ?, ?)",
            (f"chat {c} — ünïcode", c, c),
        ).lastrowid
        for m in range(messages):
            db.execute(
                "INSERT INTO messages (conversation_id, role, content, created, updated) "
                "VALUES (?, ?, ?, ?, ?)",
                (cid, "user" if m % 2 == 0 else "assistant", f"message {c}/{m} lighthouse", m, m),
            )
    db.execute("COMMIT")
    db.close()


def contents(path: Path) -> list[tuple]:
    """Every conversation and message as the current store reads them (upgrading the file)."""
    with Store(path) as store:
        return [
            (c.id, c.title, [(m.id, m.role, m.content, m.status) for m in store.messages(c.id)])
            for c in store.conversations(limit=10_000)
        ]


def v1_contents(path: Path) -> list[tuple]:
    """The same as ``contents``, read from a version-1 file without upgrading it."""
    db = sqlite3.connect(path)
    try:
        rows = db.execute(
            "SELECT c.id, c.title, m.id, m.role, m.content, m.status FROM conversations c "
            "JOIN messages m ON m.conversation_id = c.id ORDER BY c.updated DESC, c.id, m.id"
        ).fetchall()
    finally:
        db.close()
    out: dict[int, tuple] = {}
    for cid, title, mid, role, content, status in rows:
        out.setdefault(cid, (cid, title, []))[2].append((mid, role, content, status))
    return list(out.values())


def integrity_ok(path: Path) -> bool:
    """SQLite's own check of a database file, opened as the next start would open it."""
    db = sqlite3.connect(path, timeout=15)
    try:
        return db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        db.close()
