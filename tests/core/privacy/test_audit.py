"""The audit log's hash chain: appended, and every kind of tampering within the file is caught.

These run without an anchor outside the log's folder (``keyring=False``, no anchor file), the
head file as the only record; the anchored modes are in test_audit_anchor.py."""

import json

import pytest

from app.core.privacy.audit import AuditLog, _digest


@pytest.fixture
def log(tmp_path):
    log = AuditLog(tmp_path / "audit.jsonl", keyring=False)
    for i in range(4):
        log.append(
            purpose="ask",
            host="api.example",
            provider="P",
            model="m",
            tier="cloud",
            conversation=1,
            consent="once",
            bytes_sent=100 + i,
            bytes_received=50,
            payload_sha256="ab" * 32,
        )
    return log


def _lines(log):
    return log.path.read_text().splitlines()


def _write(log, lines):
    log.path.write_text("\n".join(lines) + "\n")


def test_an_untouched_log_verifies(log):
    result = log.verify()
    assert result.ok and result.entries == 4 and "intact" in result.describe()
    assert [e["seq"] for e in log.entries()] == [1, 2, 3, 4]


def test_an_edited_entry_is_caught(log):
    lines = _lines(log)
    entry = json.loads(lines[1])
    entry["bytes_sent"] = 1
    lines[1] = json.dumps(entry)
    _write(log, lines)
    result = log.verify()
    assert not result.ok and "entry 2 (line 2) was edited" in result.describe()


def test_a_removed_entry_is_caught(log):
    lines = _lines(log)
    del lines[1]
    _write(log, lines)
    assert not log.verify().ok


def test_reordered_entries_are_caught(log):
    lines = _lines(log)
    lines[1], lines[2] = lines[2], lines[1]
    _write(log, lines)
    assert "reordered" in log.verify().describe()


def test_entries_cut_off_the_end_are_caught(log):
    _write(log, _lines(log)[:-1])
    assert "removed from the end" in log.verify().describe()


def test_a_rewritten_chain_still_disagrees_with_the_head(log, tmp_path):
    forged = AuditLog(tmp_path / "forged.jsonl", keyring=False)
    forged.append(purpose="nothing to see")
    log.path.write_text(forged.path.read_text())
    assert not log.verify().ok


def test_the_chain_continues_across_processes(log):
    entry = AuditLog(log.path, keyring=False).append(purpose="later")
    assert entry["seq"] == 5 and AuditLog(log.path, keyring=False).verify().ok


def test_a_deleted_head_is_not_rebuilt_to_match(log):
    """Without an anchor the head file is the only record: a request after it was deleted
    writes a break entry instead of quietly rebuilding it."""
    log.head.unlink()
    log.append(purpose="later")
    assert "when entry 5 was written, the log ended at entry 4" in log.verify().describe()


def _forged(after: dict, seq: int, **fields) -> str:
    """An entry made the way ``append`` makes one, chained to ``after``: a careful forger's."""
    entry = {"seq": seq, "time": after["time"] + 1, **fields, "prev": after["hash"]}
    entry["hash"] = _digest(entry)
    return json.dumps(entry, separators=(",", ":"))


def test_an_entry_inserted_in_the_middle_is_caught(log):
    lines = _lines(log)
    lines.insert(2, _forged(json.loads(lines[1]), 3, purpose="nothing to see"))
    _write(log, lines)
    result = log.verify()
    assert not result.ok
    # The forged entry itself links up; the real entry 3 after it no longer does.
    assert "entry 3 (line 4) does not follow the entry before it" in result.describe()


def test_an_entry_inserted_at_the_end_is_caught_by_the_head(log):
    lines = _lines(log)
    lines.append(_forged(json.loads(lines[-1]), 5, purpose="nothing to see"))
    _write(log, lines)
    assert "the log ends at entry 5 but entry 4 was the last one written" in log.verify().describe()


def test_a_repeated_entry_is_caught(log):
    lines = _lines(log)
    lines.insert(2, lines[1])
    _write(log, lines)
    assert "line 3 holds entry 2 where entry 3 belongs" in log.verify().describe()


@pytest.mark.parametrize("separator", ["\u2028", "\x85", "\x1c", "\r"])
def test_entries_hidden_from_the_viewer_are_caught(log, separator):
    """Lines joined by a character some readers take for a line break: the viewer and verify
    must see the same entries, or verify vouches for entries the viewer does not show."""
    lines = _lines(log)
    lines[1:3] = [lines[1] + separator + lines[2]]
    _write(log, lines)
    assert [e["seq"] for e in log.entries()] == [1, 4]
    assert "line 2 is not a valid entry" in log.verify().describe()


def test_an_honest_entry_with_a_line_separator_in_a_value_verifies(tmp_path):
    log = AuditLog(tmp_path / "audit.jsonl", keyring=False)
    log.append(purpose="ask", model="a\u2028model\x85name")  # names come from providers
    assert log.verify().ok and log.entries()[0]["model"] == "a\u2028model\x85name"
