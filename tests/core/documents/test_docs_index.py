"""Indexing real folders: every format, incremental re-indexing after edits and deletions,
unreadable files, cancel and resume, and search by words, by meaning (llama.cpp in embedding mode
on the starter model) and both fused."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time

import numpy as np
import pytest
from docs_files import make_mixed_folder, make_pdf

from app.core.documents import retrieval
from app.core.documents.embedder import Embedder
from app.core.documents.index import DocIndex, DocsError, Hit
from app.core.documents.indexer import Indexer


@pytest.fixture
def folder(tmp_path):
    return make_mixed_folder(tmp_path / "docs")


@pytest.fixture
def index(paths):
    with DocIndex(paths.documents_index) as ix:
        yield ix


@pytest.fixture(scope="module")
def embedder(starter_model):
    e = Embedder(starter_model, model_id="starter")
    yield e
    e.close()


def _collection(index, folder, name="Work"):
    index.create(name)
    index.add_roots(name, [folder])
    return name


def test_a_mixed_folder_is_indexed_and_what_cannot_be_read_is_listed(index, folder):
    name = _collection(index, folder)
    seen = []
    result = Indexer(index).run(
        name, on_progress=lambda p: seen.append((p.phase, p.files_done, p.files_total))
    )
    assert (result.added, result.failed, result.skipped) == (6, 2, 1)
    assert result.chunks >= 7 and not result.cancelled
    c = index.collection(name)
    assert (c.files, c.problems, c.state) == (6, 3, "ready")
    reasons = {os.path.basename(f.path): f.reason for f in index.problems(name)}
    assert set(reasons) == {"scan-cut-off.pdf", "locked.pdf", "photo.png"}
    assert "encrypted" in reasons["locked.pdf"]
    assert "not a readable PDF" in reasons["scan-cut-off.pdf"]
    assert "not a supported" in reasons["photo.png"]
    assert seen[0][0] == "scanning" and seen[-1][0] == "done"
    assert ("reading", 9, 9) in seen  # the hidden file is not among them
    # Every format's passages can be found, with their place.
    for query, where in [
        ("wifi password Monday", "notes.txt"),
        ("annual leave holidays", "handbook.md › Onboarding › Holidays"),
        ("invoices payable days", "contract.pdf, page 2"),
        ("meals reimbursed euros", "travel.docx › Travel expenses"),
        ("help desk extension", "faq.html › Support"),
        ("nightly backups Falkenstein", "backup.py"),
    ]:
        best = retrieval.search(index, [name], query, mode="text")[0]
        assert best.where() == where, query


def test_only_new_changed_and_deleted_files_are_touched_again(index, folder):
    name = _collection(index, folder)
    Indexer(index).run(name)
    again = Indexer(index).run(name)
    assert (again.added, again.changed, again.removed, again.chunks) == (0, 0, 0, 0)
    assert again.unchanged == 7  # the two failed files are tried again (they may be fixed)

    notes = folder / "notes.txt"
    notes.write_text("Visitors now park in garage C, level 1.\n", encoding="utf-8")
    os.utime(notes, (time.time() + 5, time.time() + 5))
    (folder / "faq.html").unlink()
    make_pdf(folder / "new.pdf", ["Quarterly revenue grew by 12 percent."])
    same = folder / "handbook.md"
    os.utime(same, (time.time() + 9, time.time() + 9))  # saved again, same bytes
    result = Indexer(index).run(name)
    assert (result.added, result.changed, result.removed) == (1, 1, 1)
    assert result.unchanged == 5  # the handbook among them, recognised by its hash
    hits = retrieval.search(index, [name], "garage level", mode="text")
    assert hits[0].path == str(notes) and "garage C" in hits[0].text
    assert not any("garage B" in h.text for h in hits)  # the old passage left the index
    assert not retrieval.search(index, [name], "help desk extension", mode="text")
    assert retrieval.search(index, [name], "quarterly revenue", mode="text")[0].page == 1
    assert index.files(index.collection(name).id)[str(same)].mtime == same.stat().st_mtime


_INDEX_AND_REPORT = """
import json, sys
from pathlib import Path
from app.core.documents.index import DocIndex
from app.core.documents.indexer import Indexer
with DocIndex(Path(sys.argv[1])) as index:
    index.create("Work")
    index.add_roots("Work", [Path(sys.argv[2])])
    result = Indexer(index).run("Work")
print(json.dumps({"added": result.added, "problems": dict(result.problems)}))
"""


def test_an_unreadable_file_is_reported_and_does_not_stop_the_run(folder, tmp_path, repo_root):
    (folder / "gone.txt").symlink_to(folder / "nowhere.txt")  # listed, but cannot be read
    (folder / "private.txt").write_text("salaries")
    (folder / "private.txt").chmod(0)
    # Root reads anything; without its capabilities (CI runs as root) it is refused like a user.
    drop = ["setpriv", "--bounding-set", "-all", "--"] if os.geteuid() == 0 else []
    done = subprocess.run(
        [
            *drop,
            sys.executable,
            "-c",
            _INDEX_AND_REPORT,
            str(tmp_path / "index.sqlite3"),
            str(folder),
        ],
        cwd=repo_root,
        capture_output=True,
        text=True,
        timeout=120,
    )
    if drop and done.returncode != 0 and "setpriv:" in done.stderr:
        pytest.skip(f"root cannot drop its capabilities here: {done.stderr.strip()[-200:]}")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert "cannot be read" in result["problems"][str(folder / "gone.txt")]
    assert "Permission denied" in result["problems"][str(folder / "private.txt")]
    assert result["added"] == 6


def test_indexing_can_be_cancelled_and_resumes_where_it_stopped(index, folder):
    name = _collection(index, folder)
    cancel = threading.Event()

    def stop_after_three(p):
        if p.files_done == 3:
            cancel.set()

    first = Indexer(index).run(name, cancel=cancel, on_progress=stop_after_three)
    assert first.cancelled and first.added + first.failed + first.skipped == 3
    assert index.collection(name).state == "indexing"
    assert index.unfinished() == [name]  # the window resumes these at start

    with DocIndex(index.path) as after_restart:  # a new process, as after closing the app
        second = Indexer(after_restart).run(name)
    assert not second.cancelled and second.unchanged == first.added
    assert second.added + first.added == 6
    assert index.collection(name).state == "ready" and index.unfinished() == []


def test_a_missing_folder_keeps_its_files_and_removing_a_collection_forgets_it(
    index, folder, tmp_path
):
    name = _collection(index, folder)
    Indexer(index).run(name)
    folder.rename(tmp_path / "unplugged")
    result = Indexer(index).run(name)
    assert result.missing_roots == [str(folder)] and result.removed == 0
    assert index.collection(name).files == 6
    index.remove(name)
    with pytest.raises(DocsError, match="no collection called 'Work'"):
        index.collection(name)
    assert index._db.execute("SELECT COUNT(*) FROM chunks").fetchone()[0] == 0
    assert index._db.execute("SELECT COUNT(*) FROM chunks_fts").fetchone()[0] == 0


def test_collection_names_are_checked(index):
    index.create("Contracts")
    with pytest.raises(DocsError, match="already a collection"):
        index.create("contracts")
    with pytest.raises(DocsError, match="1 to 100"):
        index.create("   ")


@pytest.mark.slow
def test_vectors_come_from_llama_cpp_and_hybrid_search_fuses_both(index, folder, embedder):
    name = _collection(index, folder)
    result = Indexer(index, embedder=embedder).run(name)
    cid = index.collection(name).id
    assert index.vector_count(cid, "starter") == result.chunks > 0
    vector = embedder.embed_query("annual leave")
    assert vector.shape == (576,) and abs(float(np.linalg.norm(vector)) - 1) < 1e-4
    by_meaning = retrieval.search(index, [name], "annual leave", embedder=embedder, mode="vector")
    assert len(by_meaning) == result.chunks  # every passage is ranked by similarity
    # The passage nearest to a passage's own text is itself.
    text = by_meaning[3].text
    assert (
        index.search_vector([cid], embedder.embed_documents([text])[0], "starter", limit=1)[0].text
        == text
    )
    hybrid = retrieval.search(index, [name], "annual leave holidays", embedder=embedder)
    assert hybrid[0].where() == "handbook.md › Onboarding › Holidays"


@pytest.mark.slow
def test_a_model_chosen_later_embeds_what_is_already_indexed(index, folder, embedder):
    name = _collection(index, folder)
    first = Indexer(index).run(name)
    cid = index.collection(name).id
    assert index.vector_count(cid, "starter") == 0
    second = Indexer(index, embedder=embedder).run(name)
    assert second.chunks == 0 and index.vector_count(cid, "starter") == first.chunks


def _hit(i):
    return Hit(i, "C", False, f"/f{i}.txt", None, None, 0, 1, f"text {i}")


def test_reciprocal_rank_fusion_favours_passages_both_rankings_like():
    fused = retrieval.fuse([[_hit(1), _hit(2), _hit(3)], [_hit(3), _hit(4), _hit(1)]])
    assert [h.chunk_id for h in fused] == [1, 3, 2, 4]
    assert retrieval.fuse([[], []]) == []


def test_passages_are_chosen_within_the_token_budget():
    hits = [_hit(1), _hit(2), _hit(3)]
    hits[1].text = "long " * 200
    chosen = retrieval.within_budget(hits, lambda t: len(t) // 4, budget=60)
    assert [s.chunk_id for s in chosen] == [1, 3]  # the long one is skipped, not the rest
    assert [s.n for s in chosen] == [1, 2]
    prompt = retrieval.with_passages("What?", chosen)
    assert prompt.startswith(retrieval.INSTRUCTION) and "[2] f3.txt\ntext 3" in prompt
    assert prompt.endswith("Question: What?")
    assert retrieval.from_json(retrieval.to_json(chosen)) == chosen


def _tiny_gguf(path, architecture: str):
    """A GGUF header naming only its architecture: enough to tell a model's kind."""
    import struct

    def string(s: str) -> bytes:
        return struct.pack("<Q", len(s.encode())) + s.encode()

    path.parent.mkdir(parents=True, exist_ok=True)
    header = (
        b"GGUF"
        + struct.pack("<IQQ", 3, 0, 1)
        + string("general.architecture")
        + struct.pack("<I", 8)
        + string(architecture)
    )
    path.write_bytes(header + b"\0" * (-len(header) % 32))  # the data section's alignment
    return path


def test_embedding_models_are_found_and_kept_out_of_the_chat_picker(paths):
    from app.core.documents import embedder as embedder_mod
    from app.core.models import installed
    from app.core.platform import settings as settings_mod

    s = settings_mod.Settings()
    assert embedder_mod.chosen_model(s, paths) is None  # none installed: words only
    _tiny_gguf(paths.models / "bge-small-en-v1.5-q8_0.gguf", "bert")
    assert embedder_mod.chosen_model(s, paths).id == "bge-small-en-v1.5-q8_0"
    assert "bge-small-en-v1.5-q8_0" not in [m.id for m in installed.chat_models(paths)]
    assert installed.chat_models(paths)[0].source == "starter"
    s.embedding_model = "off"
    assert embedder_mod.chosen_model(s, paths) is None
    s.embedding_model = "starter"  # a chat model can be chosen too
    assert embedder_mod.chosen_model(s, paths).source == "starter"


def test_links_that_lead_out_of_the_folder_are_not_followed(index, folder, tmp_path):
    outside = tmp_path / "home"
    (outside / "secrets").mkdir(parents=True)
    (outside / ".pgpass").write_text("db.example:5432:*:admin:hunter2-outside\n")
    (outside / "secrets" / "keys.txt").write_text("The vault code is outside-vault-7731.\n")
    (folder / "pgpass.txt").symlink_to(outside / ".pgpass")
    (folder / "linked-secrets").symlink_to(outside / "secrets", target_is_directory=True)
    (folder / "again.txt").symlink_to(folder / "notes.txt")  # inside: indexed once, as notes.txt
    index.create("Work")
    index.add_roots("Work", [folder])
    result = Indexer(index).run("Work")
    out = "a link to outside the folder, not followed"
    assert (str(folder / "pgpass.txt"), out) in result.problems
    assert (str(folder / "linked-secrets"), out) in result.problems
    listed = {f.path: (f.status, f.reason) for f in index.problems("Work")}
    assert (
        listed[str(folder / "pgpass.txt")]
        == listed[str(folder / "linked-secrets")]
        == ("skipped", out)
    )
    ids = [index.collection("Work").id]
    for word in ("hunter2", "outside-vault-7731"):
        assert index.search_text(ids, word) == []
    paths = [h.path for h in index.search_text(ids, "visitors park garage")]
    assert paths == [str(folder / "notes.txt")]  # once, under its own name
    assert Indexer(index).run("Work").added == 0  # and it stays that way
    assert index.search_text(ids, "hunter2") == []


@pytest.mark.parametrize(
    ("name", "query_starts"),
    [
        ("Qwen3-Embedding-0.6B-Q8_0.gguf", "Instruct: "),
        ("nomic-embed-text-v1.5.Q8_0.gguf", "search_query: "),
        ("SmolLM2-135M-Instruct.Q4_1.gguf", ""),
    ],
)
def test_a_query_gets_the_instruction_its_model_was_trained_with(
    starter_model, tmp_path, monkeypatch, name, query_starts
):
    """What is embedded for a query: the model (named as its maker names it) sees the query
    with its instruction; passages as they are, or with the document prefix."""
    (tmp_path / name).symlink_to(starter_model)
    e = Embedder(tmp_path / name, model_id=name)
    seen: list[list[str]] = []
    real = e.embed
    monkeypatch.setattr(e, "embed", lambda texts: seen.append(texts) or real(texts))
    try:
        e.embed_query("When are invoices due?")
        e.embed_documents(["Invoices are payable within 45 days."])
    finally:
        e.close()
    query, passage = seen[0][0], seen[1][0]
    assert query.startswith(query_starts) and query.endswith("When are invoices due?")
    assert passage.endswith("Invoices are payable within 45 days.")
    assert not passage.startswith("Instruct:")
