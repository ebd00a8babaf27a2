"""SQLite as Enclave uses it: a file shared by threads and processes (WAL), one connection per
thread in autocommit mode, and short explicit write transactions."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path

from app.core.platform.paths import open_private, private_dir, tighten

BUSY_TIMEOUT_S = 15.0  # how long a write waits for another process's write to finish


def connect(path: Path, migrate: Callable[[sqlite3.Connection], None]) -> sqlite3.Connection:
    """Open ``path`` (made if new) in WAL mode with foreign keys on, and run ``migrate`` (which
    must be idempotent). Raises sqlite3.DatabaseError for a file that cannot be used.

    The file is made owner-only before SQLite first opens it: SQLite gives its -wal and -shm
    files the database file's permissions."""
    try:
        private_dir(path.parent)
        os.close(open_private(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL))  # an empty database
    except FileExistsError:  # one from an older version is tightened
        for name in (path.name, path.name + "-wal", path.name + "-shm", path.name + "-journal"):
            tighten(path.with_name(name))
    except OSError as exc:  # as SQLite itself would have failed, for the callers' messages
        raise sqlite3.OperationalError(
            f"unable to open database file: {exc.strerror or exc}"
        ) from exc
    db = sqlite3.connect(path, timeout=BUSY_TIMEOUT_S, isolation_level=None)
    db.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
    # Switching a new file to WAL can fail with "database is locked" without waiting on the busy
    # handler when another process or thread is creating the same database at that moment.
    deadline = time.monotonic() + BUSY_TIMEOUT_S
    while True:
        try:
            db.execute("PRAGMA journal_mode = WAL")
            db.execute("PRAGMA synchronous = NORMAL")
            db.execute("PRAGMA foreign_keys = ON")
            migrate(db)
            return db
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                db.close()
                raise
            if db.in_transaction:
                db.execute("ROLLBACK")
            time.sleep(0.05)


@contextlib.contextmanager
def transaction(db: sqlite3.Connection):
    """One write transaction: everything in the block is stored, or nothing."""
    db.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")
