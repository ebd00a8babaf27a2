"""The rules of background indexing, without threads: the order, coalescing, cancel, and what is
watched for changes."""

from __future__ import annotations

import os

from app.core.documents.index import DocIndex
from app.core.documents.indexing_queue import (
    IndexingQueue,
    collections_changed,
    paths_to_watch,
    watched_roots,
)


def test_one_at_a_time_in_the_order_asked():
    q = IndexingQueue()
    assert q.take() is None and not q.busy
    q.request("Work")
    q.request("Notes")
    assert q.take() == "Work" and q.busy
    assert q.take() is None  # Work is running
    q.finished()
    assert q.take() == "Notes"
    q.finished()
    assert q.take() is None and not q.busy


def test_repeated_requests_coalesce_but_one_during_the_run_runs_again_after():
    q = IndexingQueue()
    for _ in range(5):  # an editor saving five times in a row
        q.request("Work")
    assert q.waiting == ("Work",)
    assert q.take() == "Work"
    assert q.request("Work") is True  # changed behind the running pass
    assert q.request("Work") is False
    q.finished()
    assert q.take() == "Work"
    q.finished()
    assert q.take() is None


def test_clear_forgets_what_waits_and_not_what_runs():
    q = IndexingQueue()
    for name in ("A", "B", "C"):
        q.request(name)
    q.take()
    q.clear()
    assert q.current == "A" and q.waiting == ()
    q.finished()
    assert q.take() is None


def test_what_is_watched_leaves_hidden_and_tool_folders_out_and_stops_at_the_limit(tmp_path):
    root = tmp_path / "docs"
    for folder in ("a", "a/b", ".git", "node_modules", ".hidden"):
        (root / folder).mkdir(parents=True)
    (root / "a" / "notes.txt").write_text("x")
    (root / "a" / "b" / "report.pdf").write_bytes(b"%PDF")
    (root / "a" / "picture.png").write_bytes(b"\x89PNG")
    (root / ".git" / "config.txt").write_text("x")
    (root / "node_modules" / "readme.md").write_text("x")
    (root / ".secret.txt").write_text("x")
    single = tmp_path / "single.md"
    single.write_text("x")
    found = paths_to_watch([str(root), str(single)])
    assert sorted(os.path.relpath(p, tmp_path) for p in found) == [
        "docs",
        "docs/a",
        "docs/a/b",
        "docs/a/b/report.pdf",
        "docs/a/notes.txt",
        "single.md",
    ]
    assert len(paths_to_watch([str(root), str(single)], limit=3)) == 3


def test_a_change_names_the_collections_whose_roots_hold_it(tmp_path, paths):
    docs, other = tmp_path / "docs", tmp_path / "docs-old"
    docs.mkdir()
    other.mkdir()
    with DocIndex(paths.documents_index) as index:
        index.create("Work")
        index.add_roots("Work", [docs])
        index.create("Archive")
        index.add_roots("Archive", [other])
    roots = watched_roots(paths.documents_index)
    assert set(roots.values()) == {"Work", "Archive"}
    assert collections_changed(str(docs / "a" / "notes.txt"), roots) == {"Work"}
    assert collections_changed(str(docs), roots) == {"Work"}
    assert collections_changed(str(other / "x.md"), roots) == {"Archive"}  # not "docs" + "-old"
    assert collections_changed(str(tmp_path / "elsewhere.txt"), roots) == set()
