"""Crashes lose nothing: one seeded fault-injection run over everything that writes.

Each round starts one operation as a person would (`enclave …` in a subprocess, in the round's
own ENCLAVE_HOME) and SIGKILLs it at a random moment within that operation's expected duration:
a streaming answer, a model download from the hub stand-in, document indexing, a provider
request (its audit entries), a settings save, an upgrade of an old conversation database. Then
it checks what the next start finds: every SQLite file passes its integrity check, every JSON
file parses, `enclave doctor` runs, and the operation's own promise holds (the answer keeps what
was shown up to a second before the kill, the download resumes where it stopped, the index
resumes, the audit log verifies and names each request that never completed, the settings hold a
value that was saved and leave no temporary files, the upgrade is all or nothing).

The seed is in every round's name and failure message: ENCLAVE_FAULT_SEED=N repeats a run,
ENCLAVE_FAULT_ROUNDS=N changes its length (default 12: each operation twice, in random order).
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from crash_helpers import (
    SLOW_MIGRATION,
    contents,
    integrity_ok,
    make_v1_database,
    v1_contents,
)
from hub_server import HUB_FILE, HUB_REPO

from app.core.chat.store import SCHEMA_VERSION, Store
from app.core.models.download import target_path

pytestmark = pytest.mark.slow

SEED = int(os.environ.get("ENCLAVE_FAULT_SEED") or random.SystemRandom().randrange(1 << 30))
ROUNDS = max(1, int(os.environ.get("ENCLAVE_FAULT_ROUNDS") or 12))
KINDS = ("ask", "download", "index", "audit", "settings", "migration")
SCHEDULE = [KINDS[i % len(KINDS)] for i in range(ROUNDS)]
random.Random(SEED).shuffle(SCHEDULE)

STORY = "Write a long story about a lighthouse keeper and the sea, with many chapters."
TOKENS_KEPT_S = 1.0  # the promise: a crash loses at most this much of a streaming answer


class Running:
    """An `enclave` subprocess whose output is read as it comes, each piece with its time."""

    def __init__(self, argv: list[str], *, env: dict, cwd: Path):
        self.proc = subprocess.Popen(
            argv,
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,  # the kill reaches anything it started
        )
        self.out: list[tuple[float, bytes]] = []
        self.err: list[tuple[float, bytes]] = []
        self._readers = [
            threading.Thread(target=self._read, args=(self.proc.stdout, self.out), daemon=True),
            threading.Thread(target=self._read, args=(self.proc.stderr, self.err), daemon=True),
        ]
        for reader in self._readers:
            reader.start()
        self.killed_at: float | None = None

    @staticmethod
    def _read(stream, into: list) -> None:
        while piece := os.read(stream.fileno(), 65536):
            into.append((time.monotonic(), piece))

    def stdout(self, until: float | None = None) -> str:
        """What it printed, or what it had printed by the moment ``until``."""
        got = b"".join(p for t, p in list(self.out) if until is None or t <= until)
        return got.decode("utf-8", errors="replace")

    def stderr(self) -> str:
        return b"".join(p for _, p in list(self.err)).decode("utf-8", errors="replace")

    def kill_within(self, began: Callable[[], bool], span_s: float, rng: random.Random) -> str:
        """Wait until the operation has begun, then SIGKILL it a random moment up to ``span_s``
        later. Returns "killed", or "finished" when it ended on its own first."""
        deadline = time.monotonic() + 90
        while not began() and self.proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.01)
        assert time.monotonic() < deadline, "the operation did not begin within 90 s"
        moment = time.monotonic() + rng.uniform(0, span_s)
        while self.proc.poll() is None and time.monotonic() < moment:
            time.sleep(0.005)
        if self.proc.poll() is None:
            self.killed_at = time.monotonic()
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=30)
        for reader in self._readers:
            reader.join(timeout=10)
        self.proc.stdout.close()
        self.proc.stderr.close()
        if self.proc.returncode == -signal.SIGKILL and self.killed_at is not None:
            return "killed"
        assert self.proc.returncode == 0, f"it failed on its own: {self.stderr()[-2000:]}"
        return "finished"


@dataclass
class Round:
    n: int
    kind: str
    home: Path
    env: dict
    repo_root: Path
    tmp: Path
    run_cli: Callable
    rng: random.Random = field(init=False)

    def __post_init__(self):
        self.rng = random.Random(f"{SEED}-{self.n}")

    @property
    def note(self) -> str:
        return f"(round {self.n}, {self.kind}; ENCLAVE_FAULT_SEED={SEED} repeats it)"

    def start(self, *args: str, env: dict | None = None) -> Running:
        return Running(
            [sys.executable, "-m", "app.cli", *args],
            env={**self.env, **(env or {})},
            cwd=self.repo_root,
        )

    def start_python(self, code: str, *args: str) -> Running:
        return Running([sys.executable, "-c", code, *args], env=self.env, cwd=self.repo_root)

    def cli(self, *args, timeout: float = 180, env: dict | None = None):
        done = self.run_cli(*args, timeout=timeout, env=env)
        assert "Traceback" not in done.stderr, f"{args}: {done.stderr[-2000:]} {self.note}"
        return done


def _rounds():
    return [
        pytest.param(n, kind, id=f"seed{SEED}-{n:02}-{kind}") for n, kind in enumerate(SCHEDULE)
    ]


@pytest.mark.timeout(120)
@pytest.mark.parametrize(("n", "kind"), _rounds())
def test_a_kill_at_a_random_moment_loses_nothing(
    n, kind, request, enclave_home, cli_env, run_cli, repo_root, tmp_path
):
    print(f"fault injection seed {SEED}, round {n}: {kind}")
    r = Round(n, kind, enclave_home, cli_env, repo_root, tmp_path, run_cli)
    outcome = OPERATIONS[kind](r, request)
    print(f"round {n} ({kind}): {outcome}")
    _nothing_damaged(r)
    doctor = r.cli("doctor")
    assert doctor.returncode == 0, f"Enclave does not start: {doctor.stderr} {r.note}"


def _nothing_damaged(r: Round) -> None:
    """Every database Enclave keeps passes SQLite's integrity check; every JSON file parses."""
    for path in sorted(r.home.rglob("*")):
        if not path.is_file() or path.name.endswith(("-wal", "-shm", "-journal", ".tmp")):
            continue
        if path.suffix == ".json":
            try:
                json.loads(path.read_text(encoding="utf-8"))
            except ValueError as exc:
                pytest.fail(f"{path} is damaged: {exc} {r.note}")
        with path.open("rb") as f:
            is_sqlite = f.read(16) == b"SQLite format 3\x00"
        if is_sqlite:
            assert integrity_ok(path), f"{path} fails its integrity check {r.note}"


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob("*.tmp"))


# -- the operations ----------------------------------------------------------------------------


def _ask(r: Round, request) -> str:
    """A streaming answer on the starter model: the text saved is what was shown, less at most
    the last second."""
    database = r.home / "data" / "enclave.sqlite3"
    running = r.start("ask", "--temperature", "0", "--max-tokens", "400", STORY)
    outcome = running.kill_within(lambda: bool(running.out), 2.5, r.rng)
    shown = running.stdout()
    with Store(database) as store:
        (conversation,) = store.conversations()
        user, answer = store.messages(conversation.id)
    assert user.content == STORY, r.note
    saved = answer.content
    if outcome == "finished":
        assert answer.status == "complete" and shown.startswith(saved.strip()), r.note
        return outcome
    assert answer.status == "streaming", r.note
    # Saved and shown agree (either may be a piece ahead of the other at the kill)...
    common = min(len(saved), len(shown))
    assert saved[:common] == shown[:common], (saved, shown, r.note)
    # ...and everything shown up to a second before the kill was saved.
    assert running.killed_at is not None
    older = running.stdout(until=running.killed_at - TOKENS_KEPT_S)
    assert saved.startswith(older), (
        f"more than {TOKENS_KEPT_S} s of the answer was lost: shown {len(older)} characters by "
        f"then, saved {len(saved)} {r.note}"
    )
    listed = json.loads(r.cli("chats", "list", "--json").stdout)
    assert [c["messages"] for c in listed] == [2], r.note
    return f"{outcome}, {len(shown)} characters shown, {len(saved)} saved"


def _download(r: Round, request) -> str:
    """A model download from the hub stand-in: the part file stays and the next run resumes it
    from its last byte, then installs and verifies the whole file."""
    hub = request.getfixturevalue("hub")
    hub_env = {"HF_ENDPOINT": hub.url, "HF_HOME": str(r.tmp / "hf-home")}
    target = target_path(r.home / "models", HUB_REPO, HUB_FILE)
    part = target.with_name(target.name + ".part")
    size = hub.repos[HUB_REPO].files[HUB_FILE].size
    hub.faults.bytes_per_s = 40e6
    running = r.start("models", "download", HUB_REPO, HUB_FILE, env=hub_env)
    outcome = running.kill_within(part.exists, size / 40e6 + 0.5, r.rng)
    kept = part.stat().st_size if part.exists() else 0
    hub.faults.bytes_per_s = None
    asked = len(hub.downloads())
    again = r.cli("models", "download", HUB_REPO, HUB_FILE, env=hub_env)
    assert again.returncode == 0, f"{again.stderr[-2000:]} {r.note}"
    if 0 < kept < size:
        resumed = hub.downloads()[asked:]
        assert resumed and resumed[0][2].get("Range") == f"bytes={kept}-", (
            f"the download started over instead of resuming at byte {kept}: {resumed} {r.note}"
        )
    assert target.is_file() and not part.exists(), r.note
    digest = hashlib.sha256(target.read_bytes()).hexdigest()
    assert digest == hub.repos[HUB_REPO].files[HUB_FILE].sha256, r.note
    assert _leftovers(r.home) == [], f"temporary files left behind {r.note}"
    listed = json.loads(r.cli("models", "list", "--json").stdout)
    assert any(m["source"] == "download" for m in listed), r.note
    return f"{outcome} with {kept} of {size} bytes kept"


NOTES = 2000


def _index(r: Round, request) -> str:
    """Document indexing: what was indexed stays, and the next run does only the rest."""
    folder = r.tmp / "notes"
    folder.mkdir()
    for i in range(NOTES):
        (folder / f"note-{i:04}.txt").write_text(
            f"Note {i}. " + "The committee reviewed the budget and the timetable. " * 40
        )
    index = r.home / "data" / "documents.sqlite3"
    running = r.start("docs", "add", "Notes", str(folder))
    outcome = running.kill_within(index.exists, 2.0, r.rng)

    def indexed() -> int:
        if not index.exists():
            return 0
        with sqlite3.connect(index, timeout=15) as db:
            try:
                return db.execute("SELECT COUNT(*) FROM files").fetchone()[0]
            except sqlite3.OperationalError:  # killed before the schema was made
                return 0

    kept = indexed()
    listed = json.loads(r.cli("docs", "list", "--json").stdout)
    if any(c["name"] == "Notes" and c["roots"] for c in listed):
        resumed = r.cli("docs", "index", "Notes")
        assert resumed.returncode == 0, f"{resumed.stderr[-2000:]} {r.note}"
        assert f"{NOTES - kept} new" in resumed.stderr, (kept, resumed.stderr, r.note)
        assert f"{kept} unchanged" in resumed.stderr, (kept, resumed.stderr, r.note)
    else:  # killed before the folder was recorded: adding it again starts it
        assert kept == 0, r.note
        added = r.cli("docs", "add", "Notes", str(folder))
        assert added.returncode == 0, f"{added.stderr[-2000:]} {r.note}"
    listed = json.loads(r.cli("docs", "list", "--json").stdout)
    assert [(c["name"], c["files"], c["state"]) for c in listed] == [("Notes", NOTES, "ready")], (
        listed,
        r.note,
    )
    return f"{outcome} with {kept} of {NOTES} files indexed"


def _audit(r: Round, request) -> str:
    """A request to a provider (the llama.cpp server behind the recording proxy): every request
    that reached it is on record, the log verifies and names the one that never completed, and
    the next request is recorded on top without a false alarm."""
    request.getfixturevalue("org_provider")
    proxy = request.getfixturevalue("provider_server")
    running = r.start(
        "ask", "--provider", "Org", "--yes-send", "--max-tokens", "200", "--temperature", "0",
        "Count from one to two hundred, one number per line.",
    )  # fmt: skip
    # The payload is printed just before it is sent: the moments around the send are the ones
    # that matter, the stream after it the longest.
    outcome = running.kill_within(lambda: bool(running.err), 5.5, r.rng)
    reached = proxy.chats()
    verified = r.cli("audit", "--verify")
    assert verified.returncode == 0, f"an honest crash reads as tampering: {verified} {r.note}"
    entries = json.loads(r.cli("audit", "--json").stdout)
    recorded = {e["payload_sha256"] for e in entries}
    for sent in reached:
        assert hashlib.sha256(sent.body).hexdigest() in recorded, (
            f"a request reached the provider without an audit entry {r.note}"
        )
    for e in entries:
        if not e["completed"]:
            assert f"entry {e['seq']}," in verified.stdout, (verified.stdout, r.note)
            assert "never completed" in verified.stdout, r.note
    again = r.cli("ask", "--provider", "Org", "--yes-send", "--max-tokens", "4", "Hi")
    assert again.returncode == 0, f"{again.stderr[-2000:]} {r.note}"
    verified = r.cli("audit", "--verify")
    assert verified.returncode == 0, f"{verified.stdout}{verified.stderr} {r.note}"
    return f"{outcome}; {len(reached)} request(s) reached the provider, {len(entries)} on record"


# Saves the setting again and again through the command's own code (one process, so the kill
# lands in the saving rather than in starting Python), saying when the first save begins.
SAVING = """
import sys
from app.cli.main import main
print("saving", flush=True)
for i in range(10**6):
    main(["config", "set", "temperature", f"{0.1 + (i % 9) / 10:.1f}"])
"""


def _settings(r: Round, request) -> str:
    """`enclave config set`: the file holds one whole saved version, and the next save leaves
    no temporary file behind."""
    running = r.start_python(SAVING)
    outcome = running.kill_within(lambda: bool(running.out), 1.5, r.rng)
    settings = r.home / "config" / "settings.json"
    left = _leftovers(settings.parent)
    saved = None  # killed before the first save finished: nothing was saved, defaults hold
    if settings.exists():
        saved = json.loads(settings.read_text(encoding="utf-8"))["temperature"]
        assert saved in {round(0.1 + i / 10, 1) for i in range(9)}, (saved, r.note)
    assert r.cli("config", "set", "temperature", "0.05").returncode == 0, r.note
    assert r.cli("config", "get", "temperature").stdout.strip() == "0.05", r.note
    assert _leftovers(settings.parent) == [], (
        f"a save killed midway left its temporary file behind for good: {left} {r.note}"
    )
    return f"{outcome} at temperature {saved} ({len(left)} temporary file(s) left by the kill)"


def _migration(r: Round, request) -> str:
    """Opening a version-1 conversation database (`enclave chats list` upgrades it): the old
    version whole or the new one, never half, and every conversation is still there."""
    database = r.home / "data" / "enclave.sqlite3"
    database.parent.mkdir(parents=True, mode=0o700)
    make_v1_database(database)
    before = v1_contents(database)
    marker = r.tmp / "migrating"
    listing = SLOW_MIGRATION + "\nfrom app.cli.main import main\nmain(['chats', 'list', '--json'])"
    running = r.start_python(listing, str(database), str(marker))
    outcome = running.kill_within(marker.exists, 0.4, r.rng)
    db = sqlite3.connect(database)
    try:
        version = db.execute("PRAGMA user_version").fetchone()[0]
        columns = {row[1] for row in db.execute("PRAGMA table_info(messages)")}
    finally:
        db.close()
    upgraded = "sources" in columns
    assert version == (SCHEMA_VERSION if upgraded else 1), (
        f"half an upgrade is stored: version {version}, columns {sorted(columns)} {r.note}"
    )
    listed = json.loads(r.cli("chats", "list", "--json").stdout)
    assert len(listed) == len(before), r.note
    assert contents(database) == before, f"the upgrade lost data {r.note}"
    return f"{outcome} at version {version}"


OPERATIONS: dict[str, Callable[[Round, pytest.FixtureRequest], str]] = {
    "ask": _ask,
    "download": _download,
    "index": _index,
    "audit": _audit,
    "settings": _settings,
    "migration": _migration,
}
