"""The disk fills up while an answer streams (saved as it goes) and while a model downloads: a
clear message, what was saved stays (the answer so far, the partial download, which resumes), no
file is damaged, and Enclave starts again. Same private tmpfs as test_full_disk."""

from __future__ import annotations

import sqlite3
import subprocess

import pytest
from hub_server import HUB_FILE, HUB_REPO
from test_full_disk import ENCLAVE, pytestmark  # noqa: F401  (root, unshare, slow)

from app.core.models.download import target_path

# Poll (from inside the namespace) until the answer to PROMPT has saved some text; print it.
# Only that answer counts: the first, short one is already saved and can itself be longer than
# the threshold, and the second process may not even have stored its question yet (it takes a
# second or more to start, longer on a busy machine).
ANSWER_TO = """
SELECT a.content FROM messages a JOIN messages q ON q.conversation_id = a.conversation_id
WHERE a.role = 'assistant' AND q.role = 'user' AND q.content = ? ORDER BY a.id DESC
"""
WAIT_FOR_TEXT = f"""
import os, sqlite3, sys, time
db, deadline = sys.argv[1], time.monotonic() + 120
while time.monotonic() < deadline:
    try:
        row = sqlite3.connect(db).execute({ANSWER_TO!r}, (os.environ["PROMPT"],)).fetchone()
    except sqlite3.Error:
        row = None
    if row and len(row[0]) > 40:
        print(row[0], end="")
        break
    time.sleep(0.05)
"""

ASK_SCENARIO = """
set -u
mount -t tmpfs -o size=4m tmpfs "$ENCLAVE_HOME" || exit 99
{enclave} ask --max-tokens 8 "Kept question" > /dev/null 2>&1 || exit 97
{enclave} ask --temperature 0 --max-tokens 1500 "$PROMPT" > "$OUT/stdout" 2> "$OUT/stderr" &
ASK=$!
{python} -c "$WAIT" "$ENCLAVE_HOME/data/enclave.sqlite3" > "$OUT/seen"
dd if=/dev/zero of="$ENCLAVE_HOME/filler" bs=4k > /dev/null 2>&1
wait $ASK
echo $? > "$OUT/rc"
rm "$ENCLAVE_HOME/filler"
{enclave} ask --max-tokens 8 "After the disk was freed" > "$OUT/after" 2>&1
echo $? > "$OUT/after_rc"
cp -r "$ENCLAVE_HOME/data" "$OUT/"
"""

DOWNLOAD_SCENARIO = """
set -u
mount -t tmpfs -o size=200m tmpfs "$ENCLAVE_HOME" || exit 99
{enclave} models download {repo} {file} > "$OUT/stdout" 2> "$OUT/stderr" &
GET=$!
while [ ! -f "$PART" ] || [ "$(stat -c %s "$PART")" -lt 8000000 ]; do
    kill -0 $GET 2> /dev/null || break
    sleep 0.05
done
dd if=/dev/zero of="$ENCLAVE_HOME/filler" bs=64k > /dev/null 2>&1
wait $GET
echo $? > "$OUT/rc"
stat -c %s "$PART" > "$OUT/kept"
rm "$ENCLAVE_HOME/filler"
{enclave} models download {repo} {file} > "$OUT/again" 2>&1
echo $? > "$OUT/again_rc"
{enclave} --self-test > "$OUT/selftest" 2>&1
echo $? > "$OUT/selftest_rc"
ls "$(dirname "$PART")" > "$OUT/models"
"""

PROMPT = "Write a long story about a lighthouse keeper and the sea, with many chapters."


def _run(script: str, env: dict, repo_root, timeout: int = 220) -> None:
    done = subprocess.run(
        ["unshare", "-m", "sh", "-c", script],
        cwd=repo_root,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if done.returncode == 99 or "unshare failed" in done.stderr:
        pytest.skip(f"a private tmpfs cannot be mounted here: {done.stderr.strip()[-200:]}")
    assert done.returncode == 0, done.stdout + done.stderr


def _clear_message(said: str) -> None:
    assert "Traceback" not in said, said
    assert "disk" in said.lower() or "space" in said.lower(), said
    assert "free" in said.lower(), said


@pytest.mark.timeout(240)
def test_disk_full_mid_answer_keeps_the_text_saved(tmp_path, repo_root, cli_env):
    import sys

    home, out = tmp_path / "home", tmp_path / "out"
    home.mkdir()
    out.mkdir()
    script = ASK_SCENARIO.format(enclave=ENCLAVE, python=sys.executable)
    env = {**cli_env, "ENCLAVE_HOME": str(home), "OUT": str(out)}
    _run(script, {**env, "PROMPT": PROMPT, "WAIT": WAIT_FOR_TEXT}, repo_root)

    seen, printed = (out / "seen").read_text(), (out / "stdout").read_text()
    said = (out / "stderr").read_text()
    assert seen, "no text was saved before the disk filled"
    assert (out / "rc").read_text().strip() == "1", said
    _clear_message(said)
    with sqlite3.connect(out / "data" / "enclave.sqlite3") as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        questions = [r[0] for r in db.execute("SELECT content FROM messages WHERE role = 'user'")]
        assert questions[:2] == ["Kept question", PROMPT]
        (saved,) = db.execute(ANSWER_TO, (PROMPT,)).fetchone()
    # The answer keeps what was saved: at least the text seen before the disk filled, and
    # nothing that was not streamed (a prefix of what the terminal showed).
    assert saved.startswith(seen) and printed.startswith(saved), (seen, saved, printed)
    assert (out / "after_rc").read_text().strip() == "0", (out / "after").read_text()


@pytest.mark.timeout(240)
def test_disk_full_mid_download_keeps_the_part_and_resumes(hub, tmp_path, repo_root, cli_env):
    hub.faults.bytes_per_s = 8e6
    home, out = tmp_path / "home", tmp_path / "out"
    home.mkdir()
    out.mkdir()
    part = target_path(home / "models", HUB_REPO, HUB_FILE)
    part = part.with_name(part.name + ".part")
    script = DOWNLOAD_SCENARIO.format(enclave=ENCLAVE, repo=HUB_REPO, file=HUB_FILE)
    env = {
        **cli_env,
        "ENCLAVE_HOME": str(home),
        "OUT": str(out),
        "PART": str(part),
        "HF_ENDPOINT": hub.url,
        "HF_HOME": str(tmp_path / "hf-home"),
    }
    _run(script, env, repo_root)

    said = (out / "stderr").read_text()
    assert (out / "rc").read_text().strip() == "1", said
    _clear_message(said)
    kept = int((out / "kept").read_text())
    assert kept >= 8_000_000, "the partial download was not kept"
    assert (out / "again_rc").read_text().strip() == "0", (out / "again").read_text()
    assert hub.downloads()[-1][2]["Range"] == f"bytes={kept}-"  # resumed, not restarted
    assert HUB_FILE in (out / "models").read_text().split()
    assert (out / "selftest_rc").read_text().strip() == "0", (out / "selftest").read_text()
