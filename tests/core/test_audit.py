"""The audit log: appended, hash-chained, and every kind of tampering is caught."""

import json

import pytest

from app.core.privacy.audit import AuditLog


@pytest.fixture
def log(tmp_path):
    log = AuditLog(tmp_path / "audit.jsonl")
    for i in range(4):
        log.append(purpose="ask", host="api.example", provider="P", model="m", tier="cloud",
                   conversation=1, consent="once", bytes_sent=100 + i, bytes_received=50,
                   payload_sha256="ab" * 32)
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
    forged = AuditLog(tmp_path / "forged.jsonl")
    forged.append(purpose="nothing to see")
    log.path.write_text(forged.path.read_text())
    assert not log.verify().ok


def test_the_chain_continues_across_processes_and_without_a_head(log):
    log.head.unlink()
    entry = log.append(purpose="later")
    assert entry["seq"] == 5 and AuditLog(log.path).verify().ok
