"""A full disk: every write Enclave makes fails with a clear message, and nothing already saved is
lost or damaged. The data folder is a small tmpfs, filled to the last byte, mounted in a private
mount namespace (root only: CI runs as root)."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys

import pytest

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not sys.platform.startswith("linux")
        or os.geteuid() != 0
        or shutil.which("unshare") is None,
        reason="needs root and unshare to mount a small tmpfs privately",
    ),
]

ENCLAVE = f"{sys.executable} -m app.cli"

# Inside the namespace: a fresh 4 MB data folder with one conversation and one setting saved,
# then filled; ACTION runs on the full disk (its output kept outside the tmpfs), then the space
# is freed again and what was saved is copied out for the test to inspect.
SCENARIO = """
set -u
mount -t tmpfs -o size=4m tmpfs "$ENCLAVE_HOME" || exit 99
{enclave} config set theme dark > /dev/null || exit 98
{enclave} ask --max-tokens 8 "Kept question" > /dev/null 2>&1 || exit 97
mkdir -p "$ENCLAVE_HOME/docs-in" && echo "Invoices are payable within 45 days." \
    > "$ENCLAVE_HOME/docs-in/terms.txt"
dd if=/dev/zero of="$ENCLAVE_HOME/filler" bs=4k > /dev/null 2>&1
{action} > "$OUT/stdout" 2> "$OUT/stderr"
echo $? > "$OUT/rc"
rm "$ENCLAVE_HOME/filler"
{enclave} ask --max-tokens 8 "After the disk was freed" > "$OUT/after" 2>&1
echo $? > "$OUT/after_rc"
cp -r "$ENCLAVE_HOME/data" "$ENCLAVE_HOME/config" "$OUT/"
"""

ACTIONS = {
    "ask": f'{ENCLAVE} ask --chat 1 --max-tokens 64 "A question on a full disk"',
    "config": f"{ENCLAVE} config set context_length 2048",
    "documents": f'{ENCLAVE} docs add Work "$ENCLAVE_HOME/docs-in"',
}


@pytest.mark.timeout(240)
@pytest.mark.parametrize("action", sorted(ACTIONS))
def test_a_full_disk_gives_a_clear_message_and_loses_nothing(action, tmp_path, repo_root, cli_env):
    home, out = tmp_path / "home", tmp_path / "out"
    home.mkdir()
    out.mkdir()
    script = SCENARIO.format(enclave=ENCLAVE, action=ACTIONS[action])
    done = subprocess.run(
        ["unshare", "-m", "sh", "-c", script],
        cwd=repo_root,
        env={**cli_env, "ENCLAVE_HOME": str(home), "OUT": str(out)},
        capture_output=True,
        text=True,
        timeout=220,
    )
    if done.returncode == 99 or "unshare failed" in done.stderr:
        pytest.skip(f"a private tmpfs cannot be mounted here: {done.stderr.strip()[-200:]}")
    assert done.returncode == 0, done.stdout + done.stderr

    said = (out / "stderr").read_text()
    assert (out / "rc").read_text().strip() == "1", said
    assert "Traceback" not in said
    assert any(w in said.lower() for w in ("disk", "space")), said  # says what is wrong
    assert "free" in said.lower(), said  # and what to do

    # Nothing saved before is lost or damaged, and Enclave works once there is room again.
    database = out / "data" / "enclave.sqlite3"
    with sqlite3.connect(database) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        questions = [
            r[0] for r in db.execute("SELECT content FROM messages WHERE role = 'user' ORDER BY id")
        ]
    assert questions[0] == "Kept question"
    settings = json.loads((out / "config" / "settings.json").read_text())
    assert settings["theme"] == "dark" and settings.get("context_length", 4096) == 4096
    assert (out / "after_rc").read_text().strip() == "0", (out / "after").read_text()
