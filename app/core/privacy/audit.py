"""The record of every request that left this device: a local, append-only, hash-chained log.

One JSON object per line in ``data/audit.jsonl``. Each entry holds the sha256 of the entry before
it (``prev``) and its own (``hash``, over everything else in it). A request is written twice: a
``started`` entry, fsync'd before its first byte leaves (destination, purpose, consent, payload
hash, bytes about to be sent), and a ``completed`` entry naming it (``of``) when its response
closes (status, bytes received, tokens). A request whose process died mid-stream keeps its
``started`` entry, shown as "never completed". If the started entry cannot be written, the
request is not sent (the gate raises ``AuditError``).

The chain alone catches an edited, removed, inserted or reordered entry, but not someone who
rewrites the file and recomputes every hash. So the chain is anchored outside the log's folder:

- keyed (an OS keyring is available): each entry carries ``mac``, an HMAC-SHA256 of its hash
  under a random key kept in the keyring, and the keyring also records the newest entry's number
  and hash (the *anchor*). Without the keyring nobody can forge an entry, and cutting the tail or
  deleting the log disagrees with the anchor. A keyring call takes tens of milliseconds, so the
  key is read once per process and the keyring's anchor is brought up to date on a background
  thread after each entry (at once when the key is new; pending updates are finished at exit);
  the anchor file in the config folder is also written with every entry, so a cut is caught
  even in the moment before the keyring has caught up.
- unkeyed (no keyring): the anchor is a file in the config folder. Someone who can write both
  folders can still rewrite everything; ``verify`` says so.

When ``append`` finds the log disagreeing with its anchor (cut, deleted, replaced), it writes a
``break`` entry saying what it found before continuing, so the next request cannot launder the
change. The small head file next to the log (``audit.jsonl.head``) is kept for older versions.
The log holds no message text and no secrets: the payload appears only as its sha256.
"""

from __future__ import annotations

import atexit
import dataclasses
import errno
import hashlib
import hmac
import json
import logging
import os
import secrets
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.core.errors import EnclaveError

if TYPE_CHECKING:
    from app.core.platform.paths import Paths

log = logging.getLogger(__name__)
GENESIS = "0" * 64
_lock = threading.Lock()  # one writer per process; the file lock below covers other processes
_TAIL_BYTES = 1 << 16  # enough for the last line; entries are a few hundred bytes

# The fields of an entry, in the order the viewer and the JSON output show them.
FIELDS = (
    "seq",
    "time",
    "purpose",
    "host",
    "method",
    "path",
    "status",
    "provider",
    "model",
    "tier",
    "conversation",
    "consent",
    "bytes_sent",
    "bytes_received",
    "tokens_sent",
    "tokens_received",
    "payload_sha256",
    "prev",
    "hash",
)
STARTED, COMPLETED, BREAK = "started", "completed", "break"
COMPLETION_FIELDS = ("status", "bytes_received", "tokens_sent", "tokens_received")


class AuditError(EnclaveError):
    """The audit log could not be written or read."""


def _digest(entry: dict) -> str:
    body = {k: v for k, v in entry.items() if k not in ("hash", "mac")}
    return hashlib.sha256(
        json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    ).hexdigest()


def _mac(key: bytes, entry_hash: str) -> str:
    return hmac.new(key, entry_hash.encode("ascii"), hashlib.sha256).hexdigest()


def _write_error(path: Path, exc: OSError, action: str = "written") -> AuditError:
    """Which file, why, and what to do about it."""
    why = exc.strerror or str(exc)
    if exc.errno == errno.ENOSPC or exc.errno == getattr(errno, "EDQUOT", None):
        todo = f"Free some space on the disk that holds {path.parent}"
    elif exc.errno == errno.EISDIR or path.is_dir():
        todo = f"{path} is a folder, not a file: move it out of the way"
    elif exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        todo = f"Make {path.parent} and its files writable for your user"
    else:
        todo = f"Check that {path.parent} is writable and the disk works"
    return AuditError(
        f"The audit log {path} could not be {action} ({why}). {todo}, then try again."
    )


def _write_private(path: Path, text: str, *, sync: bool = True) -> None:
    """Replace ``path`` atomically with an owner-only file (0600), synced to disk unless
    ``sync`` is False (a record that may lag after a power cut without harm)."""
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        _write_all(fd, text.encode("utf-8"))
        if sync:
            os.fsync(fd)
    finally:
        os.close(fd)
    os.chmod(tmp, 0o600)  # an older file of that name may have been created wider
    os.replace(tmp, path)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


@dataclass
class Anchor:
    """Where the log's newest entry is recorded outside its folder, and the key if keyed."""

    seq: int = 0
    hash: str = GENESIS
    key: bytes | None = None
    where: str = ""  # for messages: "your system keyring", or the anchor file's path
    found: bool = False  # a record existed (a log was written with this anchor before)


class _KeyringAnchor:
    """The key and the anchor in the OS keyring, as one unlisted secret per log."""

    def __init__(self, log_path: Path):
        from app.core.privacy.keyring_store import service

        digest = hashlib.sha256(str(log_path.resolve()).encode("utf-8")).hexdigest()[:16]
        self.name = f"audit-log-{digest}"
        self.cache_key = (service(), self.name)

    def cached(self) -> Anchor:
        """The anchor as this process last read or wrote it (the keyring is read only once)."""
        with _cache_lock:
            known = _known.get(self.cache_key)
        if known is None:
            known = self.read()
            with _cache_lock:
                known = _known.setdefault(self.cache_key, known)
        return dataclasses.replace(known)

    def remember(self, anchor: Anchor) -> None:
        with _cache_lock:
            _known[self.cache_key] = dataclasses.replace(anchor)

    def read(self) -> Anchor:
        from app.core.privacy.keyring_store import KeyringStore

        raw = KeyringStore.get_unlisted(self.name)
        if raw is None:
            return Anchor(where="your system keyring")
        try:
            data = json.loads(raw)
            return Anchor(
                int(data["seq"]),
                str(data["hash"]),
                bytes.fromhex(data["key"]),
                "your system keyring",
                True,
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise AuditError(
                "The audit log's record in your system keyring is damaged, so "
                "Enclave cannot vouch for the log. Nothing was sent."
            ) from exc

    def write(self, anchor: Anchor) -> None:
        from app.core.privacy.keyring_store import KeyringStore

        assert anchor.key is not None
        KeyringStore.set_unlisted(
            self.name, json.dumps({"key": anchor.key.hex(), "seq": anchor.seq, "hash": anchor.hash})
        )


_cache_lock = threading.Lock()
_known: dict[tuple[str, str], Anchor] = {}  # (keyring service, record name) → newest anchor


class _KeyringWriter:
    """Brings keyring anchors up to date on its own thread, newest only and at most once per
    ``DELAY_S`` (a keyring call is tens of milliseconds of CPU on a machine a request shares): a
    request does not wait for the keyring. ``flush`` (at exit, and before ``verify``) writes
    what is pending at once and waits for it."""

    DELAY_S = 1.0

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._pending: dict[tuple[str, str], tuple[_KeyringAnchor, Anchor]] = {}
        self._busy = False
        self._hurry = False
        self._thread: threading.Thread | None = None
        atexit.register(self.flush)

    def put(self, store: _KeyringAnchor, anchor: Anchor) -> None:
        with self._cond:
            self._pending[store.cache_key] = (store, dataclasses.replace(anchor))
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="audit-anchor", daemon=True)
                self._thread.start()
            self._cond.notify_all()

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._pending:
                    self._cond.wait()
                self._cond.wait_for(lambda: self._hurry, self.DELAY_S)  # newer ones replace it
                _, (store, anchor) = self._pending.popitem()
                self._busy = True
            try:
                store.write(anchor)
            except Exception as exc:  # the anchor file still has it; verify says how far it got
                log.warning("audit: the keyring's record of the log was not updated: %s", exc)
            finally:
                with self._cond:
                    self._busy = False
                    self._cond.notify_all()

    def flush(self, timeout: float = 10.0) -> None:
        with self._cond:
            self._hurry = True
            self._cond.notify_all()
            self._cond.wait_for(lambda: not self._pending and not self._busy, timeout)
            self._hurry = False


_keyring_writer = _KeyringWriter()


def _one_past(anchor: Anchor, seq: object, prev: object) -> bool:
    """Without a key: the log ends one entry past its anchor, an entry that continues the
    anchored chain. A process stopped between writing an entry and its anchor leaves exactly
    that; a cut cannot look like it, and an added entry hides nothing."""
    return anchor.key is None and seq == anchor.seq + 1 and prev == anchor.hash


class _FileAnchor:
    """The anchor in a file outside the log's folder (when no keyring can be used)."""

    def __init__(self, path: Path):
        self.path = path

    def read(self) -> Anchor:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            return Anchor(int(data["seq"]), str(data["hash"]), None, str(self.path), True)
        except FileNotFoundError:
            return Anchor(where=str(self.path))
        except (OSError, ValueError, KeyError, TypeError):
            return Anchor(-1, "", None, str(self.path), True)  # unreadable: never agrees

    def write(self, anchor: Anchor, *, sync: bool = True) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            _write_private(
                self.path, json.dumps({"seq": anchor.seq, "hash": anchor.hash}), sync=sync
            )
        except OSError as exc:
            raise _write_error(self.path, exc) from exc


@dataclass
class Verification:
    ok: bool
    entries: int
    problems: list[str]
    proved: str = ""  # what the check proved, and what it cannot
    incomplete: list[str] = field(default_factory=list)  # requests started, never completed

    def describe(self) -> str:
        if self.ok:
            noun = "entry" if self.entries == 1 else "entries"
            text = f"The audit log is intact: {self.entries} {noun}, every link verified."
        else:
            text = "The audit log was changed:\n" + "\n".join(f"  - {p}" for p in self.problems)
        if self.incomplete:
            text += (
                "\nRequests that left but never completed (Enclave stopped before the "
                "response ended, or they are still running; what came back is not "
                "recorded):\n" + "\n".join(f"  - {p}" for p in self.incomplete)
            )
        return text + (f"\n{self.proved}" if self.proved else "")


class AuditLog:
    def __init__(self, path: Path, *, anchor_file: Path | None = None, keyring: bool = True):
        """``anchor_file``: where the anchor goes when no keyring can be used (outside the log's
        folder); ``keyring``: False keeps the key and anchor out of the OS keyring."""
        self.path = Path(path)
        self.head = self.path.with_name(self.path.name + ".head")
        self.anchor_file = anchor_file
        self.use_keyring = keyring

    # -- the anchor --------------------------------------------------------------------------

    def _anchor_store(
        self, *, cached: bool = False
    ) -> tuple[_KeyringAnchor | _FileAnchor | None, Anchor, str]:
        """The store in use, its record, and (when the keyring cannot be used) why not.
        ``cached``: the keyring's record as this process knows it, without asking again."""
        from app.core.privacy.keyring_store import KeyringUnavailableError

        reason = "Enclave was told not to use the keyring for this log"
        if self.use_keyring:
            store = _KeyringAnchor(self.path)
            try:
                return store, store.cached() if cached else store.read(), ""
            except KeyringUnavailableError as exc:
                reason = str(exc)
        if self.anchor_file is not None:
            files = _FileAnchor(self.anchor_file)
            return files, files.read(), reason
        return None, Anchor(), reason

    def _copy(self, store) -> Anchor | None:
        """Keyed: the anchor file's record, written with every entry (the keyring's may lag)."""
        if not isinstance(store, _KeyringAnchor) or self.anchor_file is None:
            return None
        found = _FileAnchor(self.anchor_file).read()
        return found if found.found and found.seq >= 0 else None  # unreadable: the keyring rules

    def _last(self) -> tuple[int, str]:
        try:
            head = json.loads(self.head.read_text(encoding="utf-8"))
            return int(head["seq"]), str(head["hash"])
        except (OSError, ValueError, KeyError, TypeError):
            return 0, GENESIS

    def _tail(self) -> dict | None:
        """The log's last entry, read from the end of the file (the log may be long)."""
        try:
            with open(self.path, "rb") as f:
                size = f.seek(0, os.SEEK_END)
                f.seek(max(0, size - _TAIL_BYTES))
                data = f.read()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise _write_error(self.path, exc, "read") from exc
        for line in reversed(data.rstrip(b"\n").split(b"\n")):
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            if isinstance(entry, dict):
                return entry
        return None

    # -- writing -----------------------------------------------------------------------------

    def begin(self, **fields) -> dict:
        """Record a request about to leave (before its first byte); ``complete`` closes it."""
        return self._append(STARTED, fields)

    def complete(self, started: dict, **fields) -> dict:
        """Record how the request ``started`` (an entry from ``begin``) ended."""
        done = {k: fields.get(k) for k in COMPLETION_FIELDS}
        return self._append(COMPLETED, {"of": started["seq"], **done})

    def append(self, **fields) -> dict:
        """Add one whole request at once (fields from ``FIELDS``)."""
        return self._append(None, fields)

    def _append(self, kind: str | None, fields: dict) -> dict:
        from filelock import FileLock, Timeout

        try:
            self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            if self.path.is_dir():
                raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR))
            lock = FileLock(str(self.path) + ".lock", timeout=30, mode=0o600)
            with _lock, lock:
                store, anchor, _ = self._anchor_store(cached=True)
                tail = self._tail()
                written = []
                seq, prev = (tail["seq"], tail["hash"]) if tail else (0, GENESIS)
                found = self._disagreement(tail, anchor, store) or self._disagreement(
                    tail, self._copy(store), store, key=anchor.key
                )
                if found:
                    written.append(self._write(BREAK, found, seq, prev, anchor))
                    seq, prev = written[-1]["seq"], written[-1]["hash"]
                written.append(self._write(kind, fields, seq, prev, anchor))
                last = written[-1]
                self._write_head_and_anchor(last, anchor, store)
        except Timeout as exc:
            raise AuditError(
                f"The audit log {self.path} is locked by another Enclave that "
                f"does not let go ({exc.lock_file}). Close other Enclave windows "
                f"and commands, then try again."
            ) from exc
        except OSError as exc:
            raise _write_error(self.path, exc) from exc
        return last

    def _disagreement(
        self,
        tail: dict | None,
        anchor: Anchor | None,
        store: _KeyringAnchor | _FileAnchor | None,
        *,
        key: bytes | None = None,
    ) -> dict | None:
        """What the log's end looks like when it is not what was last written, or None.
        ``key``: the log's key when ``anchor`` is the anchor file's copy of a keyed log."""
        if anchor is None:
            return None
        anchor = dataclasses.replace(anchor, key=key or anchor.key)
        tail_seq = tail.get("seq") if tail else 0
        tail_hash = tail.get("hash") if tail else GENESIS
        if store is None or not anchor.found:
            if store is None:  # no anchor at all: the head file is the only record
                head_seq, head_hash = self._last()
                if (self.head.exists() and (head_seq, head_hash) != (tail_seq, tail_hash)) or (
                    tail and not self.head.exists()
                ):
                    return {
                        "found_seq": tail_seq,
                        "recorded_seq": head_seq,
                        "recorded_in": self.head.name,
                    }
            return None
        if (tail_seq, tail_hash) == (anchor.seq, anchor.hash):
            return None
        # Genuine entries past the anchor: the process stopped between the two writes, or
        # (the keyring's anchor) the background update had not caught up.
        if (
            anchor.key
            and tail
            and isinstance(tail_seq, int)
            and tail_seq > anchor.seq
            and hmac.compare_digest(str(tail.get("mac")), _mac(anchor.key, str(tail_hash)))
        ):
            return None
        if tail and _one_past(anchor, tail_seq, tail.get("prev")):
            return None
        return {"found_seq": tail_seq, "recorded_seq": anchor.seq, "recorded_in": anchor.where}

    def _write(self, kind: str | None, fields: dict, seq: int, prev: str, anchor: Anchor) -> dict:
        entry: dict[str, Any] = {"seq": seq + 1, "time": round(time.time(), 3)}
        if kind:
            entry["kind"] = kind
        if kind in (None, STARTED):
            entry.update({k: fields.get(k) for k in FIELDS[2:-2]})
            if kind == STARTED:
                for name in COMPLETION_FIELDS:
                    entry.pop(name)
        else:
            entry.update(fields)
        entry["prev"] = prev
        entry["hash"] = _digest(entry)
        if anchor.key is None and anchor.where == "your system keyring":
            anchor.key = secrets.token_bytes(32)  # the first entry written with a keyring
        if anchor.key is not None:
            entry["mac"] = _mac(anchor.key, entry["hash"])
        line = json.dumps(entry, ensure_ascii=False, separators=(",", ":")) + "\n"
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            if os.fstat(fd).st_mode & 0o077:  # a log from before: owner-only from now on
                os.fchmod(fd, 0o600)
            _write_all(fd, line.encode("utf-8"))
            os.fsync(fd)
        finally:
            os.close(fd)
        return entry

    def _write_head_and_anchor(
        self, last: dict, anchor: Anchor, store: _KeyringAnchor | _FileAnchor | None
    ) -> None:
        from app.core.privacy.keyring_store import KeyringUnavailableError

        # Each entry is synced as it is written. With a keyring the head file and the anchor
        # file's copy are not (a copy that lags after a power cut is read as entries past it,
        # which the key vouches for): the fsyncs were most of a request's audit cost.
        keyed = isinstance(store, _KeyringAnchor)
        _write_private(
            self.head, json.dumps({"seq": last["seq"], "hash": last["hash"]}), sync=not keyed
        )
        if store is None:
            return
        new_key = not anchor.found
        anchor.seq, anchor.hash, anchor.found = last["seq"], last["hash"], True
        if isinstance(store, _KeyringAnchor):
            if self.anchor_file is not None:  # the cheap copy, caught up with every entry
                _FileAnchor(self.anchor_file).write(anchor, sync=False)
            if not new_key:
                store.remember(anchor)
                _keyring_writer.put(store, anchor)
                return
        try:
            store.write(anchor)  # a new key is in the keyring before any entry relies on it
        except KeyringUnavailableError as exc:
            # The entry is on disk; the next append or verify sees the anchor behind it.
            raise AuditError(
                f"The audit log {self.path} was written, but its record in your "
                f"system keyring could not be updated: {exc}"
            ) from exc
        if isinstance(store, _KeyringAnchor):
            store.remember(anchor)

    # -- reading -----------------------------------------------------------------------------

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
            raise _write_error(self.path, exc, "read") from exc
        return text.removesuffix("\n").split("\n") if text else []

    def records(self) -> list[dict]:
        """Every line that is a JSON object, oldest first: started, completed and break entries
        as written."""
        out = []
        for line in self._lines():
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            if isinstance(entry, dict):
                out.append(entry)
        return out

    def entries(self) -> list[dict]:
        """One entry per request, oldest first: a started entry with its completion's figures
        merged in, and ``completed`` False when its response never closed."""
        requests: dict[Any, dict] = {}
        for record in self.records():
            kind = record.get("kind")
            if kind == COMPLETED and record.get("of") in requests:
                started = requests[record["of"]]
                started.update({k: record.get(k) for k in COMPLETION_FIELDS}, completed=True)
            elif kind in (None, STARTED):
                requests[record.get("seq")] = {
                    **dict.fromkeys(COMPLETION_FIELDS),
                    **record,
                    "completed": kind is None,
                }
        return list(requests.values())

    def verify(self) -> Verification:
        problems: list[str] = []
        incomplete: list[str] = []
        prev: str | None = GENESIS
        expected_seq, count = 1, 0
        _keyring_writer.flush()  # this process's pending keyring update first
        store, anchor, no_keyring = self._anchor_store()
        copy = self._copy(store)
        hashes: dict[Any, Any] = {}
        keyed_from: int | None = None
        open_requests: dict[Any, dict] = {}
        last_entry: dict | None = None
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
            last_entry = entry
            seq = entry.get("seq")
            hashes[seq] = entry.get("hash")
            if entry.get("hash") != _digest(entry):
                problems.append(
                    f"entry {seq} (line {number}) was edited: its hash does not match its contents"
                )
            if seq != expected_seq:
                problems.append(
                    f"line {number} holds entry {seq} where entry {expected_seq} "
                    f"belongs: entries were removed or reordered"
                )
            if entry.get("prev") != prev:
                problems.append(
                    f"entry {seq} (line {number}) does not follow the entry before "
                    f"it: an entry was removed, inserted or reordered"
                )
            problems += self._check_mac(entry, number, anchor, keyed_from)
            if "mac" in entry and keyed_from is None:
                keyed_from = seq if isinstance(seq, int) else None
            kind = entry.get("kind")
            if kind == STARTED:
                open_requests[seq] = entry
            elif kind == COMPLETED:
                open_requests.pop(entry.get("of"), None)
            elif kind == BREAK:
                problems.append(
                    f"when entry {seq} was written, the log ended at entry "
                    f"{entry.get('found_seq')} but entry {entry.get('recorded_seq')} had been "
                    f"written (recorded in {entry.get('recorded_in')}): the log was cut, "
                    f"replaced or deleted before then"
                )
            prev = entry.get("hash")
            expected_seq = (seq if isinstance(seq, int) else expected_seq) + 1
        last_seq = expected_seq - 1
        problems += self._check_anchor(store, anchor, lines, last_seq, prev, last_entry, hashes)
        if copy is not None and not problems:
            problems += self._check_anchor(
                _FileAnchor(self.anchor_file),  # type: ignore[arg-type]
                dataclasses.replace(copy, key=anchor.key),
                lines,
                last_seq,
                prev,
                last_entry,
                hashes,
            )
        for e in open_requests.values():
            when = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(e.get("time") or 0))
            incomplete.append(
                f"entry {e.get('seq')}, {when}: {e.get('method')} "
                f"{e.get('host')}{e.get('path') or ''} ({e.get('purpose')}), "
                f"{e.get('bytes_sent')} bytes sent"
            )
        proved = self._proved(store, anchor, keyed_from, no_keyring, last_seq, copy)
        return Verification(not problems, count, problems, proved, incomplete)

    def _check_mac(
        self, entry: dict, number: int, anchor: Anchor, keyed_from: int | None
    ) -> list[str]:
        seq = entry.get("seq")
        if "mac" not in entry:
            if keyed_from is not None:
                return [
                    f"entry {seq} (line {number}) has no key mark although the entries "
                    f"from {keyed_from} on have one: it was not written by Enclave"
                ]
            return []
        if anchor.key is None:
            return []  # said in ``_proved``: the marks could not be checked
        if not hmac.compare_digest(str(entry["mac"]), _mac(anchor.key, str(entry.get("hash")))):
            return [
                f"entry {seq} (line {number}) carries a key mark that does not match: it "
                f"was changed or made without the key in your keyring"
            ]
        return []

    def _check_anchor(
        self,
        store,
        anchor: Anchor,
        lines: list[str],
        last_seq: int,
        last_hash: str | None,
        last_entry: dict | None,
        hashes: dict,
    ) -> list[str]:
        if store is None or not anchor.found:
            if (
                store is not None
                and isinstance(store, _KeyringAnchor)
                and lines
                and last_entry is not None
                and "mac" in last_entry
            ):
                return [
                    f"the log's entries carry a key mark but your system keyring holds no "
                    f"record of this log ({self.path}): the keyring entry was removed, or "
                    f"the log was copied from elsewhere"
                ]
            head_seq, head_hash = self._last()
            if (self.head.exists() or lines) and (head_seq, head_hash) != (last_seq, last_hash):
                return [
                    f"the log ends at entry {last_seq} but entry {head_seq} was the last "
                    f"one written: entries were removed from the end, or the head file "
                    f"{self.head.name} was changed"
                ]
            return []
        if not lines:
            return [
                f"the audit log {self.path} is missing or empty, but {anchor.where} records "
                f"that {anchor.seq} entries were written to it: it was deleted or emptied"
            ]
        if (last_seq, last_hash) == (anchor.seq, anchor.hash):
            return []
        if (
            anchor.key
            and last_seq > anchor.seq
            and last_entry is not None
            and "mac" in last_entry
            and hashes.get(anchor.seq) == anchor.hash
        ):
            return []  # genuine entries (marks checked above) written after the anchor
        if _one_past(anchor, last_seq, hashes.get(anchor.seq)):
            return []  # the chain (checked above) continues the anchor by the entry in flight
        return [
            f"the log ends at entry {last_seq} but {anchor.where} records entry "
            f"{anchor.seq} as the last one written: entries were removed from the end, "
            f"or the log was replaced"
        ]

    def _proved(
        self,
        store,
        anchor: Anchor,
        keyed_from: int | None,
        no_keyring: str,
        last_seq: int = 0,
        copy: Anchor | None = None,
    ) -> str:
        if isinstance(store, _KeyringAnchor) and anchor.found:
            behind = (
                f" Your keyring records entry {anchor.seq}; entries {anchor.seq + 1}–{last_seq} "
                f"were written after its last update (Enclave stopped before the update in "
                f"the background finished) and rest on their key marks and on the record in "
                f"{self.anchor_file}: someone who can write both the log's folder and that "
                f"file, without your keyring, could remove those from the end unnoticed."
                if anchor.seq < last_seq
                else ""
            )
            legacy = (
                f" Entries 1–{keyed_from - 1} were written before the log had a key: "
                f"the key vouches they have not changed since entry {keyed_from} was "
                f"written, not before."
                if keyed_from and keyed_from > 1
                else ""
            )
            return (
                "What this proves: entries carry a mark made with a key kept in your system "
                "keyring, which also records the last entry, so no entry was edited, forged, "
                "removed, reordered or cut from the end by someone without your keyring."
                f"{legacy}{behind} What it cannot prove: someone with your unlocked keyring and "
                "your files (a program running as you) could rewrite the whole log; "
                "requests made by programs other than Enclave are not in it."
            )
        if isinstance(store, _KeyringAnchor):
            return (
                "What this proves: the hash chain links every entry. Nothing was ever "
                "recorded in your keyring for this log yet, so the log could have been "
                "rewritten as a whole, or deleted, without notice."
            )
        where = f" ({no_keyring})" if no_keyring else ""
        if store is not None:
            return (
                f"What this proves: no keyring could be used{where}, so the log is checked "
                f"without a key: the hash chain links every entry, and the count and last "
                f"hash kept in {anchor.where} (outside the log's folder) catch entries cut "
                f"from the end and a deleted log. What it cannot prove: someone who can "
                f"write both folders could rewrite every entry and both records unnoticed."
            )
        return (
            "What this proves: the hash chain links every entry and the head file matches "
            "its end. What it cannot prove: the log is not anchored outside its folder, so "
            "someone who rewrites the log and its head file together is not caught."
        )


def for_paths(paths: Paths) -> AuditLog:
    """The audit log of the runtime whose folders are ``paths``; its keyless anchor (and the
    cheap copy of the anchor, see ``AuditLog``) lives in the config folder."""
    return AuditLog(paths.audit_log, anchor_file=paths.config / "audit-anchor.json")


def default() -> AuditLog:
    """The audit log of the folders ``ENCLAVE_HOME`` names now, for callers that were given no
    paths (prefer ``for_paths`` with the runtime's)."""
    from app.core.platform import paths

    return for_paths(paths.resolve())
