"""A process killed mid-answer leaves a whole database and the text streamed so far."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import time

import pytest

from app.core.chat.store import Store
from app.core.platform import paths as paths_mod

PROMPT = "Write a long story about a lighthouse keeper and the sea, with many chapters."


def _streaming_answer(database):
    """The newest assistant message, once one exists: (status, content), else None."""
    if not database.exists():
        return None
    try:
        with Store(database) as store:
            conversations = store.conversations(limit=1)
            if not conversations:
                return None
            answers = [m for m in store.messages(conversations[0].id) if m.role == "assistant"]
            return (answers[-1].status, answers[-1].content) if answers else None
    except sqlite3.OperationalError:  # the schema is being created right now
        return None


@pytest.mark.slow
@pytest.mark.timeout(90)
def test_sigkill_mid_answer_keeps_the_partial_text(cli_env, repo_root):
    database = paths_mod.resolve().database
    # Greedy decoding of this prompt runs to the token limit (~8 s here), so the process is
    # certainly still writing when it is killed.
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "app.cli",
            "ask",
            "--max-tokens",
            "600",
            "--temperature",
            "0",
            PROMPT,
        ],
        cwd=repo_root,
        env=cli_env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    seen = None
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and proc.poll() is None:
            seen = _streaming_answer(database)
            if seen and seen[1]:
                break
            time.sleep(0.1)
        assert proc.poll() is None, (
            f"the CLI ended before it could be killed: {proc.stderr.read().decode()}"
        )
        assert seen and seen[1], "no streamed text reached the database within 30 s"
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stdout.close()
        proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL

    with Store(database) as store:
        assert store.integrity_ok()
        (conv,) = store.conversations()
        user, answer = store.messages(conv.id)
        assert user.content == PROMPT
        assert answer.role == "assistant"
        assert answer.status == "streaming"  # it never finished
        assert answer.content.strip()
        assert answer.content.startswith(seen[1])  # at least what was seen before the kill
        assert answer.completion_tokens is None
        # Nothing is left half-written in the search index either.
        word = answer.content.split()[0].strip(".,!?\"'")
        assert any(h.conversation_id == conv.id for h in store.search(word))
    db = sqlite3.connect(database)
    try:
        db.execute("INSERT INTO messages_fts(messages_fts, rank) VALUES ('integrity-check', 1)")
    finally:
        db.close()
