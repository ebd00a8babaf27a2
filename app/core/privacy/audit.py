"""The record of every request that left this device: a local, append-only, hash-chained log.

One JSON object per line in ``data/audit.jsonl``. Each entry holds the sha256 of the entry before
it (``prev``) and its own (``hash``, over everything else in it), and a small head file remembers
the newest entry's number and hash. ``verify`` then catches an entry that was edited (its hash no
longer matches), removed, inserted or reordered (a ``prev`` or a number no longer follows), or
cut off the end (the head names an entry that is gone). The chain has no secret: someone who
recomputes every hash after a change and rewrites the head file is not caught. The log holds no
message text and no secrets: the payload appears only as its sha256, so the user can prove what
was sent without keeping it twice.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.core.errors import EnclaveError
from app.core.platform import jsonfile

log = logging.getLogger(__name__)
GENESIS = "0" * 64
_lock = threading.Lock()  # one writer per process; the file lock below covers other processes

# The fields of an entry, in the order the viewer and the JSON output show them.
FIELDS = ("seq", "time", "purpose", "host", "method", "path", "status", "provider", "model",
          "tier", "conversation", "consent", "bytes_sent", "bytes_received", "tokens_sent",
          "tokens_received", "payload_sha256", "prev", "hash")


class AuditError(EnclaveError):
    """The audit log could not be written or read."""


def _digest(entry: dict) -> str:
    body = {k: v for k, v in entry.items() if k != "hash"}
    return hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=False,
                                     separators=(",", ":")).encode("utf-8")).hexdigest()


@dataclass
class Verification:
    ok: bool
    entries: int
    problems: list[str]

    def describe(self) -> str:
        if self.ok:
            noun = "entry" if self.entries == 1 else "entries"
            return f"The audit log is intact: {self.entries} {noun}, every link verified."
        return "The audit log was changed:\n" + "\n".join(f"  - {p}" for p in self.problems)


class AuditLog:
    def __init__(self, path: Path):
        self.path = Path(path)
        self.head = self.path.with_name(self.path.name + ".head")

    def _last(self) -> tuple[int, str]:
        try:
            head = json.loads(self.head.read_text(encoding="utf-8"))
            return int(head["seq"]), str(head["hash"])
        except (OSError, ValueError, KeyError, TypeError):
            return 0, GENESIS

    def append(self, **fields) -> dict:
        """Add one entry (fields from ``FIELDS``); returns it with its number and hashes."""
        from filelock import FileLock

        with _lock, FileLock(str(self.path) + ".lock", timeout=30):
            seq, prev = self._last()
            if seq == 0 and self.path.exists() and self.path.stat().st_size:
                seq, prev = self._recover_head()
            entry: dict[str, Any] = {"seq": seq + 1, "time": round(time.time(), 3)}
            entry.update({k: fields.get(k) for k in FIELDS[2:-2]})
            entry["prev"] = prev
            entry["hash"] = _digest(entry)
            line = json.dumps(entry, ensure_ascii=False, separators=(",", ":")) + "\n"
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                with open(self.path, "a", encoding="utf-8") as f:
                    f.write(line)
                    f.flush()
                    os.fsync(f.fileno())
                jsonfile.write_atomic(self.head, {"seq": entry["seq"], "hash": entry["hash"]})
            except OSError as exc:
                raise AuditError(f"The audit log {self.path} could not be written: "
                                 f"{exc.strerror or exc}.") from exc
        return entry

    def _recover_head(self) -> tuple[int, str]:
        """A log without its head file (deleted, or from before): continue from its last line,
        and let ``verify`` report the missing head."""
        entries = self.entries()
        return (entries[-1]["seq"], entries[-1]["hash"]) if entries else (0, GENESIS)

    def _lines(self) -> list[str]:
        r"""The log's lines, split only where ``append`` ends one ("\n"). The viewer and
        ``verify`` must read the same lines: a split at U+2028, \r or \x1c (which
        ``str.splitlines`` and text mode honour, and JSON allows inside strings) would let
        entries verify while the viewer hides them, or make an honest entry look tampered with."""
        try:
            with open(self.path, encoding="utf-8", newline="") as f:
                text = f.read()
        except FileNotFoundError:
            return []
        except OSError as exc:
            raise AuditError(f"The audit log {self.path} could not be read: {exc.strerror}.") \
                from exc
        return text.removesuffix("\n").split("\n") if text else []

    def entries(self) -> list[dict]:
        """Every entry, oldest first; lines that are not JSON objects are skipped."""
        out = []
        for line in self._lines():
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            if isinstance(entry, dict):
                out.append(entry)
        return out

    def verify(self) -> Verification:
        problems: list[str] = []
        prev: str | None = GENESIS
        expected_seq, count = 1, 0
        lines = self._lines()
        for number, line in enumerate(lines, 1):
            try:
                entry = json.loads(line)
                if not isinstance(entry, dict):
                    raise ValueError("not an object")
            except ValueError:
                problems.append(f"line {number} is not a valid entry")
                continue
            count += 1
            seq = entry.get("seq")
            if entry.get("hash") != _digest(entry):
                problems.append(f"entry {seq} (line {number}) was edited: its hash does not "
                                f"match its contents")
            if seq != expected_seq:
                problems.append(f"line {number} holds entry {seq} where entry {expected_seq} "
                                f"belongs: entries were removed or reordered")
            if entry.get("prev") != prev:
                problems.append(f"entry {seq} (line {number}) does not follow the entry before "
                                f"it: an entry was removed, inserted or reordered")
            prev = entry.get("hash")
            expected_seq = (seq if isinstance(seq, int) else expected_seq) + 1
        head_seq, head_hash = self._last()
        if self.head.exists() or lines:
            if head_seq != expected_seq - 1 or head_hash != prev:
                problems.append(f"the log ends at entry {expected_seq - 1} but entry {head_seq} "
                                f"was the last one written: entries were removed from the end, "
                                f"or the head file {self.head.name} was changed")
        return Verification(not problems, count, problems)


def default() -> AuditLog:
    """The audit log in this user's data folder (ENCLAVE_HOME honoured at call time)."""
    from app.core.platform import paths

    return AuditLog(paths.resolve().audit_log)
