"""A process killed in the middle of upgrading an older conversation database loses nothing: the
next start finds the old version whole (SQLite rolls the upgrade back), upgrades it, and every
conversation and message is still there."""

from __future__ import annotations

import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from crash_helpers import SLOW_MIGRATION, contents, make_v1_database, v1_contents

from app.core.chat.store import SCHEMA_VERSION, Store

# Runs in the child: the slowed upgrade (argv[2] is its marker) of the file in argv[1].
CHILD = (
    SLOW_MIGRATION
    + """
with Store(Path(sys.argv[1])) as store:
    print("upgraded", flush=True)
"""
)


def kill_during_migration(database: Path, marker: Path, rng: random.Random, repo_root) -> str:
    """Start the upgrade in a child and SIGKILL it a random moment after it began."""
    marker.unlink(missing_ok=True)
    proc = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(database), str(marker)],
        cwd=repo_root,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 30
        while not marker.exists() and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.005)
        time.sleep(rng.uniform(0, 0.4))
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        out, err = proc.communicate()
    assert proc.returncode in (0, -signal.SIGKILL), err.decode()
    return "finished" if proc.returncode == 0 else "killed"


@pytest.mark.slow
@pytest.mark.timeout(120)
def test_sigkill_during_migration_loses_nothing(tmp_path, repo_root):
    seed = random.randrange(1 << 30)
    print(f"seed {seed}")  # a failure reproduces with this seed
    rng = random.Random(seed)
    outcomes = []
    for attempt in range(6):
        database = tmp_path / f"conversations-{attempt}.db"
        make_v1_database(database)
        before = v1_contents(database)
        outcomes.append(kill_during_migration(database, tmp_path / "marker", rng, repo_root))
        db = sqlite3.connect(database)
        try:
            assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            version = db.execute("PRAGMA user_version").fetchone()[0]
            columns = {r[1] for r in db.execute("PRAGMA table_info(messages)")}
            tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master")}
        finally:
            db.close()
        # Either the old version untouched or the new one whole, never half an upgrade.
        upgraded = "sources" in columns or "conversation_consents" in tables
        assert version == (SCHEMA_VERSION if upgraded else 1), (
            f"half an upgrade is stored: version {version}, columns {sorted(columns)} (seed {seed})"
        )
        assert contents(database) == before, f"the upgrade lost data (seed {seed})"
        db = sqlite3.connect(database)
        try:
            assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
            columns = {r[1] for r in db.execute("PRAGMA table_info(messages)")}
        finally:
            db.close()
        assert {"provider", "tier", "sources"} <= columns
        with Store(database) as store:
            assert [h.conversation_id for h in store.search("lighthouse", limit=5)]
    print(outcomes)
    assert "killed" in outcomes, f"no kill landed inside the upgrade: {outcomes} (seed {seed})"
