"""The conversation store: a real SQLite file, shared by threads and processes, with search."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import textwrap
import threading
import time

import pytest

from app.core.chat.store import SCHEMA_VERSION, Store, StoreError, fts_query
from app.core.errors import ConversationNotFoundError


@pytest.fixture
def db_path(paths):
    return paths.database


@pytest.fixture
def store(db_path):
    with Store(db_path) as s:
        yield s


def fts_integrity_ok(path) -> bool:
    db = sqlite3.connect(path)
    try:
        db.execute("INSERT INTO messages_fts(messages_fts, rank) VALUES ('integrity-check', 1)")
        return True
    except sqlite3.DatabaseError:
        return False
    finally:
        db.close()


# -- conversations -----------------------------------------------------------------------------


def test_create_and_read_a_conversation(store):
    c = store.create_conversation("Trip to Lisbon", system_prompt="Be brief.", model="starter")
    got = store.conversation(c.id)
    assert (got.id, got.title, got.system_prompt, got.model) == (
        c.id,
        "Trip to Lisbon",
        "Be brief.",
        "starter",
    )
    assert got.message_count == 0
    assert store.count_conversations() == 1


def test_rename_cleans_the_title(store):
    c = store.create_conversation()
    store.rename_conversation(c.id, "  Budget \n for   2025 ")
    assert store.conversation(c.id).title == "Budget for 2025"
    store.rename_conversation(c.id, "   ")
    assert store.conversation(c.id).title == "Untitled"
    store.rename_conversation(c.id, "x" * 500)
    assert store.conversation(c.id).title == "x" * 200


def test_missing_conversation_raises_a_clear_error(store):
    with pytest.raises(ConversationNotFoundError, match="no conversation 42"):
        store.conversation(42)
    with pytest.raises(ConversationNotFoundError):
        store.rename_conversation(42, "nope")
    with pytest.raises(ConversationNotFoundError):
        store.set_system_prompt(42, "nope")


def test_system_prompt_and_model_can_be_set_and_cleared(store):
    c = store.create_conversation()
    store.set_system_prompt(c.id, "Talk like a pirate.")
    store.set_conversation_model(c.id, "llama-3")
    got = store.conversation(c.id)
    assert (got.system_prompt, got.model) == ("Talk like a pirate.", "llama-3")
    store.set_system_prompt(c.id, "")
    store.set_conversation_model(c.id, None)
    got = store.conversation(c.id)
    assert (got.system_prompt, got.model) == (None, None)


def test_conversations_are_listed_most_recently_used_first(store):
    a = store.create_conversation("a")
    b = store.create_conversation("b")
    c = store.create_conversation("c")
    time.sleep(0.01)
    store.add_message(a.id, "user", "bump")
    assert [x.id for x in store.conversations()] == [a.id, c.id, b.id]
    assert [x.id for x in store.conversations(offset=1, limit=1)] == [c.id]


def test_delete_conversation_removes_its_messages(store, db_path):
    keep = store.create_conversation("keep")
    store.add_message(keep.id, "user", "kept message")
    gone = store.create_conversation("gone")
    m = store.add_message(gone.id, "user", "zebra crossing")
    store.delete_conversation(gone.id)
    with pytest.raises(ConversationNotFoundError):
        store.conversation(gone.id)
    assert store.messages(gone.id) == []
    with pytest.raises(StoreError):
        store.message(m.id)
    assert store.search("zebra") == []
    assert [x.id for x in store.conversations()] == [keep.id]
    assert fts_integrity_ok(db_path)


def test_ids_are_never_reused(store):
    c = store.create_conversation("first")
    m = store.add_message(c.id, "user", "hello")
    store.delete_conversation(c.id)
    c2 = store.create_conversation("second")
    m2 = store.add_message(c2.id, "user", "hello again")
    assert c2.id > c.id and m2.id > m.id  # a stale id held by a window never finds new data


# -- messages ----------------------------------------------------------------------------------


def test_messages_keep_order_roles_and_details(store):
    c = store.create_conversation()
    u = store.add_message(c.id, "user", "Hello?")
    a = store.add_message(c.id, "assistant", "", model="m1", engine="local", status="streaming")
    store.update_text(a.id, "Hi th")
    assert store.message(a.id).content == "Hi th"
    assert store.message(a.id).status == "streaming"
    store.finish_message(
        a.id, "Hi there!", prompt_tokens=12, completion_tokens=4, ttft_ms=55.5, tokens_per_s=80.0
    )
    msgs = store.messages(c.id)
    assert [(m.id, m.role, m.content) for m in msgs] == [
        (u.id, "user", "Hello?"),
        (a.id, "assistant", "Hi there!"),
    ]
    done = msgs[1]
    assert (done.model, done.engine, done.status) == ("m1", "local", "complete")
    assert (done.prompt_tokens, done.completion_tokens) == (12, 4)
    assert done.ttft_ms == pytest.approx(55.5) and done.tokens_per_s == pytest.approx(80.0)
    assert store.conversation(c.id).message_count == 2


def test_invalid_role_or_status_is_refused(store):
    c = store.create_conversation()
    with pytest.raises(sqlite3.IntegrityError):
        store.add_message(c.id, "robot", "beep")
    with pytest.raises(sqlite3.IntegrityError):
        store.add_message(c.id, "user", "x", status="weird")
    with pytest.raises(sqlite3.IntegrityError):
        store.add_message(999, "user", "orphan")  # foreign keys are on
    assert store.messages(c.id) == []


def test_edit_and_delete_from(store):
    c = store.create_conversation()
    ids = [
        store.add_message(c.id, r, t).id
        for r, t in [
            ("user", "one"),
            ("assistant", "two"),
            ("user", "three"),
            ("assistant", "four"),
        ]
    ]
    store.edit_message(ids[0], "uno")
    assert store.delete_messages_from(c.id, ids[2]) == 2
    assert [m.content for m in store.messages(c.id)] == ["uno", "two"]
    assert store.search("uno")[0].message_id == ids[0]
    assert store.search("one") == []  # the old text left the search index too
    assert store.search("three") == []


def test_interrupted_means_a_stale_streaming_answer(store, db_path):
    c = store.create_conversation()
    m = store.add_message(c.id, "assistant", "partial", status="streaming")
    assert not store.message(m.id).interrupted  # still being written
    with sqlite3.connect(db_path) as db:
        db.execute("UPDATE messages SET updated = ? WHERE id = ?", (time.time() - 60, m.id))
    assert store.message(m.id).interrupted
    store.finish_message(m.id, "partial", status="cancelled")
    assert not store.message(m.id).interrupted


# -- search ------------------------------------------------------------------------------------


@pytest.fixture
def searchable(store):
    a = store.create_conversation("Holiday plans")
    store.add_message(a.id, "user", "Where should I travel in September?")
    store.add_message(a.id, "assistant", "Portugal is lovely: try the café in Sintra.")
    b = store.create_conversation("Python help")
    store.add_message(b.id, "user", "How do I reverse a list in Python?")
    store.add_message(b.id, "assistant", "Use reversed(items) or items[::-1].")
    return store, a, b


def test_search_finds_words_in_messages(searchable):
    store, a, b = searchable
    hits = store.search("Portugal")
    assert [h.conversation_id for h in hits] == [a.id]
    assert "«Portugal»" in hits[0].snippet
    assert hits[0].title == "Holiday plans"
    assert [h.conversation_id for h in store.search("reverse list")] == [b.id]


def test_search_matches_prefixes_case_and_accents(searchable):
    store, a, b = searchable
    assert [h.conversation_id for h in store.search("portu")] == [a.id]
    assert [h.conversation_id for h in store.search("SEPT")] == [a.id]
    assert [h.conversation_id for h in store.search("cafe")] == [a.id]  # café
    assert [h.conversation_id for h in store.search("pyth rev")] == [b.id]


def test_search_needs_every_word(searchable):
    store, a, b = searchable
    assert store.search("Portugal Python") == []
    assert store.search("nothing-like-this") == []


def test_search_finds_titles(searchable):
    store, a, b = searchable
    hits = store.search("holiday")
    assert [h.conversation_id for h in hits] == [a.id]
    assert hits[0].message_id is None


@pytest.mark.parametrize("query", ["", "   ", "!!!", '"', "NEAR(", "a OR", "*", "'; DROP TABLE x"])
def test_search_never_breaks_on_odd_input(searchable, query):
    store, a, b = searchable
    assert isinstance(store.search(query), list)
    assert store.count_conversations() == 2


def test_fts_query_quotes_every_word():
    assert fts_query('hello "world" OR x*') == '"hello"* "world"* "OR"* "x"*'
    assert fts_query("...") == ""


# -- durability --------------------------------------------------------------------------------


def test_wal_mode_and_schema_version(store, db_path):
    db = sqlite3.connect(db_path)
    try:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 5
    finally:
        db.close()


def test_everything_survives_reopening(db_path):
    with Store(db_path) as s:
        c = s.create_conversation("Persistent")
        s.add_message(c.id, "user", "remember the aardvark")
        a = s.add_message(c.id, "assistant", "", status="streaming")
        s.update_text(a.id, "I will rem")
    with Store(db_path) as s:  # a restart
        assert s.conversation(c.id).title == "Persistent"
        assert [m.content for m in s.messages(c.id)] == ["remember the aardvark", "I will rem"]
        assert s.message(a.id).status == "streaming"
        assert [h.conversation_id for h in s.search("aardv")] == [c.id]
        assert s.integrity_ok()


def test_a_newer_schema_is_refused(db_path):
    Store(db_path).close()
    with sqlite3.connect(db_path) as db:
        db.execute("PRAGMA user_version = 99")
    with pytest.raises(StoreError, match="newer Enclave"):
        Store(db_path)


def test_a_damaged_database_gives_a_clear_error(db_path):
    db_path.parent.mkdir(parents=True, exist_ok=True)
    db_path.write_bytes(b"this is not a database at all" * 200)
    with pytest.raises(StoreError) as info:
        Store(db_path)
    assert str(db_path) in str(info.value)


# -- concurrency -------------------------------------------------------------------------------

WRITES = 150


def _write_many(path, label: str, count: int = WRITES) -> None:
    with Store(path) as s:
        c = s.create_conversation(label)
        for i in range(count):
            s.add_message(c.id, "user", f"{label} question {i}")
            a = s.add_message(c.id, "assistant", "", status="streaming")
            s.update_text(a.id, f"{label} partial {i}")
            s.finish_message(a.id, f"{label} answer {i}")


def _check_all_written(path, labels) -> None:
    with Store(path) as s:
        assert s.integrity_ok()
        by_title = {c.title: c for c in s.conversations()}
        assert set(by_title) == set(labels)
        for label in labels:
            msgs = s.messages(by_title[label].id)
            assert len(msgs) == 2 * WRITES
            assert msgs[-1].content == f"{label} answer {WRITES - 1}"
            assert all(m.status == "complete" for m in msgs)
        assert len(s.search("answer")) == len(labels)
    assert fts_integrity_ok(path)


@pytest.mark.timeout(120)
def test_two_threads_write_at_once(db_path):
    Store(db_path).close()  # schema in place; each thread opens its own connection
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def worker(label):
        try:
            start.wait()
            _write_many(db_path, label)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(f"thread{n}",)) for n in (1, 2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=100)
    assert not any(t.is_alive() for t in threads)
    assert errors == []
    _check_all_written(db_path, ["thread1", "thread2"])


WRITER_SCRIPT = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    sys.path.insert(0, "tests/core/chat")
    from test_store import _write_many
    path, label, count, go = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
    while time.time() < go:  # both processes start writing at the same moment
        time.sleep(0.005)
    _write_many(path, label, count)
    print("done", label)
""")


@pytest.mark.timeout(120)
def test_two_processes_write_at_once(db_path, repo_root):
    # No Store is opened first: both processes also race to create the schema.
    db_path.parent.mkdir(parents=True, exist_ok=True)
    go = time.time() + 1.5
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER_SCRIPT, str(db_path), label, str(WRITES), str(go)],
            cwd=repo_root,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for label in ("proc1", "proc2")
    ]
    for p in procs:
        out, err = p.communicate(timeout=100)
        assert p.returncode == 0, err
        assert out.startswith("done")
    _check_all_written(db_path, ["proc1", "proc2"])


def test_a_version_1_database_is_upgraded_and_keeps_its_messages(db_path):
    db_path.parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(db_path) as db:  # the version 1 layout of messages
        db.executescript("""
            CREATE TABLE conversations (id INTEGER PRIMARY KEY AUTOINCREMENT, title TEXT NOT NULL,
                system_prompt TEXT, model TEXT, created REAL NOT NULL, updated REAL NOT NULL);
            CREATE TABLE messages (id INTEGER PRIMARY KEY AUTOINCREMENT,
                conversation_id INTEGER NOT NULL, role TEXT NOT NULL, content TEXT NOT NULL,
                model TEXT, engine TEXT, status TEXT NOT NULL DEFAULT 'complete',
                prompt_tokens INTEGER, completion_tokens INTEGER, ttft_ms REAL,
                tokens_per_s REAL, created REAL NOT NULL, updated REAL NOT NULL);
            INSERT INTO conversations VALUES (1, 'Old', NULL, NULL, 1, 1);
            INSERT INTO messages (conversation_id, role, content, created, updated)
                VALUES (1, 'user', 'kept from before', 1, 1);
            PRAGMA user_version = 1;""")
    with Store(db_path) as s:
        [old] = s.messages(1)
        assert old.content == "kept from before" and old.provider is None
        answer = s.add_message(1, "assistant", "hi", provider="Org", tier="org")
        assert s.message(answer.id).tier == "org"
        assert s.sent_conversations() == {1}
        s.grant_consent(1, "Org", "m", "org https://org.example:443")
        assert s.consent_grant(1) == ("Org", "m", "org https://org.example:443")
        assert s.withdraw_consent(1) and s.consent(1) is None
        s.set_collections(1, ["Contracts"])  # version 3's tables and columns are there too
        assert s.collections(1) == ["Contracts"]
        cited = s.add_message(1, "assistant", "x", sources='[{"collection": "Contracts"}]')
        assert s.message(cited.id).sources and s.cited_collections(1) == {"Contracts": False}


def test_a_version_2_database_gains_sources_and_collections(db_path):
    with Store(db_path) as s:
        s.create_conversation("Two")
        s._db.executescript(
            "DROP TABLE conversation_collections; "
            "ALTER TABLE messages DROP COLUMN sources; PRAGMA user_version = 2;"
        )
    with Store(db_path) as s:
        assert s._db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        m = s.add_message(1, "assistant", "hi", sources="[]")
        assert s.message(m.id).sources == "[]"
        s.set_collections(1, ["A", "B"])
        assert s.collections(1) == ["A", "B"]


def test_a_version_3_grant_has_no_identity_and_is_asked_for_again(db_path):
    with Store(db_path) as s:
        s.create_conversation("Three")
        s._db.executescript(
            "DROP TABLE conversation_consents; CREATE TABLE conversation_consents ("
            "conversation_id INTEGER PRIMARY KEY, provider TEXT NOT NULL, "
            "model TEXT NOT NULL, granted REAL NOT NULL); "
            "INSERT INTO conversation_consents VALUES (1, 'Org', 'm', 1); "
            "PRAGMA user_version = 3;"
        )
    with Store(db_path) as s:
        assert s._db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert s.consent_grant(1) == ("Org", "m", None)  # matches no provider's identity


def test_a_version_4_database_gains_thinking_apart_from_the_answer(db_path):
    with Store(db_path) as s:
        c = s.create_conversation("Four")
        s.add_message(c.id, "assistant", "kept")
        s._db.executescript(
            "ALTER TABLE messages DROP COLUMN thinking; "
            "ALTER TABLE messages DROP COLUMN thinking_ms; "
            "ALTER TABLE conversations DROP COLUMN thinking; PRAGMA user_version = 4;"
        )
    with Store(db_path) as s:
        assert s._db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        [old] = s.messages(c.id)
        assert old.content == "kept" and old.thinking is None and s.thinking(c.id) is None
        a = s.add_message(c.id, "assistant", "", status="streaming")
        s.update_text(a.id, "Par", thinking="France's capital…")
        assert (s.message(a.id).content, s.message(a.id).thinking) == ("Par", "France's capital…")
        s.update_text(a.id, "Paris")  # thinking already saved stays
        assert s.message(a.id).thinking == "France's capital…"
        s.finish_message(a.id, "Paris.", thinking="France's capital is Paris.", thinking_ms=1200)
        done = s.message(a.id)
        assert (done.content, done.thinking, done.thinking_ms) == (
            "Paris.",
            "France's capital is Paris.",
            1200,
        )
        assert [h.message_id for h in s.search("capital")] == []  # search finds answers only
        s.set_thinking(c.id, "high")
        assert s.thinking(c.id) == "high"
