"""The audit log anchored outside its folder: the attacks a chain alone cannot catch (the log
deleted, the tail cut and the head rewritten, the head deleted and one more request made), in both
anchored modes — keyed, with the key and the last entry in the real OS keyring, and keyless, with
the count and last hash in a file in the config folder — plus migration from the old format,
owner-only files, and a failed write raising a clear error."""

from __future__ import annotations

import errno
import json
import os
import stat

import pytest

from app.core.privacy import audit
from app.core.privacy.audit import AuditLog, _digest


def _request(log: AuditLog, i: int = 0) -> None:
    started = log.begin(
        purpose="ask",
        host="api.example",
        method="POST",
        path="/v1/chat/completions",
        provider="P",
        tier="cloud",
        consent="once",
        bytes_sent=100 + i,
        payload_sha256="ab" * 32,
    )
    log.complete(started, status=200, bytes_received=50)


@pytest.fixture(params=["keyring", "file"])
def log(request, enclave_home):
    """Three requests in ``audit.default()``: with the real keyring, or with none (the anchor
    file in the config folder)."""
    if request.param == "keyring":
        from keyring_check import keyring_or_skip

        keyring_or_skip()
        made = audit.default()
    else:
        made = audit.default()
        made.use_keyring = False
    for i in range(3):
        _request(made, i)
    return made


def _cut_tail_and_rewrite_head(log: AuditLog) -> None:
    lines = log.path.read_text().splitlines()[:-1]
    log.path.write_text("\n".join(lines) + "\n")
    last = json.loads(lines[-1])
    log.head.write_text(json.dumps({"seq": last["seq"], "hash": last["hash"]}))


def test_an_honest_log_verifies_and_says_what_it_proved(log):
    result = log.verify()
    assert result.ok, result.describe()
    assert result.entries == 6 and not result.incomplete
    assert [(e["status"], e["completed"]) for e in log.entries()] == [(200, True)] * 3
    if log.use_keyring:
        assert "key kept in your system keyring" in result.describe()
        assert "your unlocked keyring and your files" in result.describe()
    else:
        assert "checked without a key" in result.describe()
        assert "could rewrite every entry and both records" in result.describe()


def test_a_deleted_log_is_caught(log):
    log.path.unlink()
    log.head.unlink()
    result = log.verify()
    assert not result.ok
    assert "is missing or empty" in result.describe()
    assert "records that 6 entries were written to it" in result.describe()


def test_a_cut_tail_with_a_rewritten_head_is_caught(log):
    _cut_tail_and_rewrite_head(log)
    result = log.verify()
    assert not result.ok
    assert "the log ends at entry 5 but" in result.describe()
    assert "records entry 6 as the last one written" in result.describe()


def test_a_deleted_head_and_one_more_request_do_not_launder_a_cut(log):
    _cut_tail_and_rewrite_head(log)
    log.head.unlink()
    _request(log)  # the next request: the old code rebuilt the head from the cut log here
    result = log.verify()
    assert not result.ok
    assert (
        "when entry 6 was written, the log ended at entry 5 but entry 6 had been written"
        in result.describe()
    )
    # …and it stays caught after more requests.
    _request(log)
    assert not log.verify().ok


def test_a_deleted_head_alone_is_harmless(log):
    log.head.unlink()
    _request(log)
    assert log.verify().ok


def test_a_rewritten_chain_without_the_key_is_caught(enclave_home):
    """Every entry edited and every hash recomputed, marks dropped: the keyring's record of the
    last hash disagrees (and, keyed, the marks are missing)."""
    from keyring_check import keyring_or_skip

    keyring_or_skip()
    log = audit.default()
    for i in range(2):
        _request(log, i)
    prev, lines = audit.GENESIS, []
    for line in log.path.read_text().splitlines():
        entry = {k: v for k, v in json.loads(line).items() if k not in ("hash", "mac")}
        entry["bytes_sent"] = entry.get("bytes_sent") and 1
        entry["prev"] = prev
        entry["hash"] = prev = _digest(entry)
        lines.append(json.dumps(entry))
    log.path.write_text("\n".join(lines) + "\n")
    log.head.write_text(json.dumps({"seq": len(lines), "hash": prev}))
    text = log.verify().describe()
    assert "has no key mark" in text or "records entry 4 as the last one written" in text
    assert "records entry 4 as the last one written" in text


def _old_format_log(log: AuditLog, count: int) -> None:
    """A log written by the previous version: whole entries, no kind, no mark, a head file."""
    prev, lines = audit.GENESIS, []
    for i in range(count):
        entry = {
            "seq": i + 1,
            "time": 1700000000.0 + i,
            **{k: None for k in audit.FIELDS[2:-2]},
            "purpose": "ask",
            "status": 200,
            "prev": prev,
        }
        entry["hash"] = prev = _digest(entry)
        lines.append(json.dumps(entry, separators=(",", ":")))
    log.path.parent.mkdir(parents=True, exist_ok=True)
    log.path.write_text("\n".join(lines) + "\n")
    log.head.write_text(json.dumps({"seq": count, "hash": prev}))


@pytest.mark.parametrize("keyed", [True, False])
def test_an_old_unkeyed_log_still_verifies_and_continues_anchored(enclave_home, keyed):
    if keyed:
        from keyring_check import keyring_or_skip

        keyring_or_skip()
    log = audit.default()
    log.use_keyring = keyed
    _old_format_log(log, 3)
    before = log.verify()
    assert before.ok, before.describe()
    assert [e["completed"] for e in log.entries()] == [True] * 3
    _request(log)
    after = log.verify()
    assert after.ok and after.entries == 5, after.describe()
    if keyed:
        assert "Entries 1–3 were written before the log had a key" in after.describe()
        assert all("mac" in e for e in log.records()[3:])
    # From here on a cut is caught.
    _cut_tail_and_rewrite_head(log)
    assert not log.verify().ok


def test_a_started_request_never_completed_is_reported_plainly(tmp_path):
    log = AuditLog(
        tmp_path / "audit.jsonl", anchor_file=tmp_path / "config" / "anchor.json", keyring=False
    )
    log.begin(
        purpose="download a model", host="hub.example", method="GET", path="/m.gguf", bytes_sent=300
    )
    [entry] = log.entries()
    assert entry["completed"] is False and entry["status"] is None
    result = log.verify()
    assert result.ok  # not tampering: a request whose process stopped
    assert "never completed" in result.describe()
    assert "GET hub.example/m.gguf (download a model), 300 bytes sent" in result.describe()


@pytest.mark.skipif(os.name != "posix", reason="POSIX permission bits")
def test_the_log_its_head_and_anchor_are_owner_only(tmp_path):
    folder = tmp_path / "data"
    log = AuditLog(
        folder / "audit.jsonl", anchor_file=tmp_path / "config" / "anchor.json", keyring=False
    )
    _request(log)
    for path in (log.path, log.head, log.anchor_file, folder / "audit.jsonl.lock"):
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600, path
    assert stat.S_IMODE(os.stat(folder).st_mode) == 0o700


@pytest.mark.skipif(os.name != "posix", reason="POSIX permission bits")
def test_an_old_world_readable_log_becomes_owner_only(tmp_path):
    log = AuditLog(tmp_path / "audit.jsonl", keyring=False)
    _old_format_log(log, 1)
    os.chmod(log.path, 0o644)
    os.chmod(log.head, 0o644)
    _request(log)
    assert stat.S_IMODE(os.stat(log.path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(log.head).st_mode) == 0o600


def test_a_full_disk_raises_a_clear_error_and_writes_nothing(tmp_path, monkeypatch):
    log = AuditLog(tmp_path / "audit.jsonl", keyring=False)
    _request(log)
    before = log.path.read_bytes()

    def full(fd, data):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "write", full)
    with pytest.raises(audit.AuditError) as info:
        log.begin(purpose="ask", host="api.example")
    message = str(info.value)
    assert str(log.path) in message and "No space left on device" in message
    assert "Free some space on the disk that holds" in message
    monkeypatch.undo()
    assert log.path.read_bytes() == before and log.verify().ok


def test_the_keyring_is_read_once_and_written_in_the_background(enclave_home, monkeypatch):
    """A request's audit costs two appends, not four keyring calls (~200 ms measured before)."""
    from keyring_check import keyring_or_skip

    from app.core.privacy.keyring_store import KeyringStore

    keyring_or_skip()
    calls: list[str] = []
    for name in ("get_unlisted", "set_unlisted"):
        real = getattr(KeyringStore, name).__func__
        monkeypatch.setattr(
            KeyringStore,
            name,
            classmethod(lambda cls, *a, _n=name, _r=real: calls.append(_n) or _r(cls, *a)),
        )
    log = audit.default()
    for i in range(10):
        _request(log, i)
    assert calls.count("get_unlisted") == 1  # the key, once per process
    assert calls.count("set_unlisted") <= 2  # the new key at once; the anchor after a moment
    result = log.verify()  # finishes the pending keyring update first
    assert result.ok and "Your keyring records entry" not in result.describe()
    stored = json.loads(KeyringStore.get_unlisted(audit._KeyringAnchor(log.path).name))
    assert stored["seq"] == 20


# Writes requests in a process that is killed before the keyring's update in the background.
STOPPED_EARLY = """
import os, signal
from app.core.privacy import audit
log = audit.default()
for i in range(4):
    log.complete(log.begin(purpose="ask", host="api.example"), status=200)
os.kill(os.getpid(), signal.SIGKILL)
"""


def test_verify_says_which_entries_the_keyring_had_not_caught_up_with(enclave_home, repo_root):
    import subprocess
    import sys

    from keyring_check import keyring_or_skip

    keyring_or_skip()
    subprocess.run([sys.executable, "-c", STOPPED_EARLY], cwd=repo_root, timeout=60)
    log = audit.default()
    result = log.verify()
    assert result.ok and result.entries == 8, result.describe()
    assert "Your keyring records entry 1; entries 2–8 were written after its last update" in (
        result.describe()
    )
    lines = log.path.read_text().splitlines()
    last = json.loads(lines[5])
    log.path.write_text("\n".join(lines[:6]) + "\n")
    # Someone who can write only the log's folder: the anchor file's copy catches the cut.
    assert "records entry 8 as the last one written" in log.verify().describe()
    # Someone who can also write the config folder, inside that window: not caught, as verify
    # said. A cut that reaches what the keyring records is.
    log.anchor_file.write_text(json.dumps({"seq": last["seq"], "hash": last["hash"]}))
    assert log.verify().ok
    log.path.write_text("")
    log.anchor_file.unlink()
    assert "records that 1 entries were written" in log.verify().describe()


def test_a_process_stopped_between_an_entry_and_its_anchor_is_not_tampering(tmp_path, monkeypatch):
    """Without a keyring the anchor is a file written after each entry: a process killed between
    the two leaves the log one entry past its anchor. That is an honest crash, not a cut (and
    adding an entry hides nothing); two entries past, or a cut, still are not."""
    anchor_file = tmp_path / "config" / "anchor.json"
    log = AuditLog(tmp_path / "audit.jsonl", anchor_file=anchor_file, keyring=False)
    for n in range(3):
        log.append(purpose=f"request {n}", host="api.example", bytes_sent=10)
    real = audit._FileAnchor.write
    monkeypatch.setattr(audit._FileAnchor, "write", lambda self, anchor, **kw: None)  # killed
    log.append(purpose="request 3", host="api.example", bytes_sent=10)
    monkeypatch.setattr(audit._FileAnchor, "write", real)
    assert log.verify().ok, log.verify().describe()
    after = log.append(purpose="request 4", host="api.example", bytes_sent=10)
    assert [e.get("kind") for e in log.entries()] == [None] * 5  # no break entry
    assert after["seq"] == 5 and log.verify().ok

    # The allowance is one entry that continues the anchored chain, nothing more.
    monkeypatch.setattr(audit._FileAnchor, "write", lambda self, anchor, **kw: None)
    log.append(purpose="request 5", host="api.example", bytes_sent=10)
    log.append(purpose="request 6", host="api.example", bytes_sent=10)
    assert not log.verify().ok
