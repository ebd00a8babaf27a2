"""Documents in the window (pytest-qt), as a new user meets them: make a collection, add a
folder, watch it index, choose it for a chat, ask, open a cited passage, edit the file, ask again;
cancel and resume; the consent dialog lists the passages."""

from __future__ import annotations

import os
import threading
import time

import pytest
from docs_files import make_mixed_folder

from app.core.documents import retrieval
from app.core.documents.index import DocIndex
from app.core.documents.indexer import Progress
from app.ui.documents.documents_dialog import progress_text
from app.ui.documents.source_dialog import SourceDialog, file_url

pytestmark = pytest.mark.slow
INDEX_TIMEOUT_MS = 60_000


def _index_and_wait(qtbot, window, dialog, paths_, name="Work"):
    with qtbot.waitSignal(window.indexing.finished, timeout=INDEX_TIMEOUT_MS) as done:
        dialog.add_paths(paths_, name)
    return done.args[0]


def _ask(qtbot, window, wait_idle, text):
    window.input.setPlainText(text)
    window.send()
    wait_idle(window)
    cid = window.session.conversation_id
    return window.store.messages(cid)[-1]


def test_indexing_progress_says_how_far_and_about_how_long_is_left():
    reading = Progress("Work", 120, 2000, 3_400_000, 80_000_000, 900, phase="reading")
    assert progress_text(reading) == "Work: 120 of 2,000 files · 3.4 MB of 80.0 MB · 900 passages"
    reading.speed, reading.eta_s = 31.0, 60.6  # measured by the jobs meter while reading
    assert progress_text(reading).endswith("900 passages · about 1 min left")
    embedding = Progress("Work", 2000, 2000, phase="embedding", eta_s=0.0)
    assert progress_text(embedding) == "Work: computing vectors for search by meaning…"


def test_a_new_user_adds_a_folder_asks_and_opens_the_source(
    qtbot, make_window, wait_idle, tmp_path, monkeypatch
):
    folder = make_mixed_folder(tmp_path / "docs")
    window = make_window()
    wait_idle(window)
    window.show_documents()
    dialog = window.documents_dialog
    assert "Make a collection" in dialog.title.text()
    assert dialog.new_collection("Work") == "Work"
    progress, bar = [], []
    window.indexing.progress.connect(lambda p: progress.append(p.phase))
    # The bar, read as each report arrives (after the dialog's own handler): files done of all.
    window.indexing.progress.connect(
        lambda p: p.phase == "reading" and bar.append((dialog.bar.value(), dialog.bar.maximum()))
    )
    result = _index_and_wait(qtbot, window, dialog, [folder])
    assert result.added == 6 and "reading" in progress
    assert bar and bar[-1][1] == 9 and bar[-1][0] == max(v for v, _ in bar)  # 9 files looked at
    assert dialog.problems.topLevelItemCount() == 3  # the two PDFs and the picture, with why
    reasons = [dialog.problems.topLevelItem(i).text(1) for i in range(3)]
    assert any("encrypted" in r for r in reasons)
    assert "6 files" in dialog.collections.item(0).text()
    dialog.close()

    window.new_chat()
    window.documents_menu.aboutToShow.emit()
    [work] = [a for a in window.documents_menu.actions() if a.text().startswith("Work")]
    work.setChecked(True)
    assert window.documents_button.text() == "Documents: Work"
    answer = _ask(qtbot, window, wait_idle, "Within how many days are invoices payable?")
    sources = retrieval.from_json(answer.sources)
    assert sources[0].where() == "contract.pdf, page 2"
    assert window.store.collections(window.session.conversation_id) == ["Work"]
    shown = window.chat.toPlainText()
    assert "Sources: [1] contract.pdf, page 2" in shown

    opened = {}
    monkeypatch.setattr(
        SourceDialog,
        "exec",
        lambda self: opened.setdefault(
            "text", (self.text.toPlainText(), self.open_button.isEnabled())
        ),
    )
    window.chat.source_requested.emit(answer.id, 1)
    assert opened["text"] == (sources[0].text, True)  # exactly what the prompt held
    assert file_url(sources[0]).toString().endswith("contract.pdf#page=2")

    # Edit the file in place (as many editors save); the watched file is indexed again alone.
    notes = folder / "notes.txt"
    with qtbot.waitSignal(window.indexing.finished, timeout=INDEX_TIMEOUT_MS) as again:
        with notes.open("w", encoding="utf-8") as f:
            f.write("Visitors park in garage C, level 1.\n")
        os.utime(notes, (time.time() + 5, time.time() + 5))
    assert again.args[0].changed == 1
    with qtbot.waitSignal(window.indexing.finished, timeout=INDEX_TIMEOUT_MS) as added:
        draft = folder / "policies" / "draft.md"  # saved the way editors save: write, rename
        draft.with_suffix(".tmp").write_text("# Bikes\nLease two bikes.\n", encoding="utf-8")
        draft.with_suffix(".tmp").rename(draft)
    assert added.args[0].added == 1
    later = _ask(qtbot, window, wait_idle, "Where do visitors park?")
    assert "garage C" in retrieval.from_json(later.sources)[0].text


def test_cancel_keeps_what_was_done_and_the_next_start_resumes(
    qtbot, make_window, wait_idle, tmp_path, paths
):
    folder = tmp_path / "many"
    folder.mkdir()
    for i in range(400):
        (folder / f"note{i:03}.txt").write_text(f"Note {i}. " * 400, encoding="utf-8")
    window = make_window()
    wait_idle(window)
    window.show_documents()
    dialog = window.documents_dialog
    dialog.new_collection("Many")

    def cancel_soon(p):
        if p.files_done >= 5 and dialog.cancel_button.isEnabled():
            dialog.cancel_button.click()

    window.indexing.progress.connect(cancel_soon)
    result = _index_and_wait(qtbot, window, dialog, [folder], "Many")
    window.indexing.progress.disconnect(cancel_soon)
    assert result.cancelled and 5 <= result.added < 400
    assert "stopped — run again to resume" in dialog.status.text()
    assert "unfinished" in dialog.collections.item(0).text()
    window.close()

    second = make_window()  # the app starts again: it resumes on its own
    with qtbot.waitSignal(second.indexing.finished, timeout=INDEX_TIMEOUT_MS) as resumed:
        pass
    assert resumed.args[0].added == 400 - result.added and not resumed.args[0].cancelled
    with DocIndex(paths.documents_index) as index:
        assert index.collection("Many").files == 400


def test_the_consent_dialog_lists_the_passages(
    qtbot, dialogs, make_window, wait_idle, tmp_path, org_provider, provider_server, monkeypatch
):
    folder = make_mixed_folder(tmp_path / "docs")
    window = make_window()
    wait_idle(window)
    window.show_documents()
    window.documents_dialog.new_collection("Work")
    _index_and_wait(qtbot, window, window.documents_dialog, [folder])
    window.new_chat()
    window.set_collections(["Work"])
    # Searching the documents loads the embedding model: never on the UI thread.
    from app.core.cloud.chat import CloudChat
    from app.core.documents.grounding import Documents

    on_ui_thread = []
    for cls, name in ((CloudChat, "plan"), (Documents, "embedder")):

        def watched(*args, _original=getattr(cls, name), **kwargs):
            on_ui_thread.append(threading.current_thread() is threading.main_thread())
            return _original(*args, **kwargs)

        monkeypatch.setattr(cls, name, watched)
    seen = {}
    dialogs.consent("cancel", seen)
    window.input.setPlainText("When are invoices payable?")
    window.ask_cloud()
    qtbot.waitUntil(lambda: "documents" in seen, timeout=30_000)
    assert on_ui_thread and not any(on_ui_thread)
    assert "[1] contract.pdf, page 2" in seen["documents"]
    assert "invoices are payable within 45 days" in seen["payload"]
    assert provider_server.requests == []


def test_file_names_and_reader_errors_are_shown_as_text(
    qtbot, make_window, tmp_path, loopback_server
):
    from shown import label_document, shows_literally, tooltip_document

    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "notes.txt").write_text("Visitors park behind the building.\n")
    # A file name can hold markup (no "/" though): bold, and an image from a loopback server.
    name = f'<b>Accept<img src="http:127.0.0.1:{loopback_server.server_port}">.pdf'
    (folder / name).write_bytes(b"%PDF-1.4 not really a PDF")  # unreadable: listed with why
    window = make_window()
    window.show_documents()
    dialog = window.documents_dialog
    dialog.new_collection("Work")
    _index_and_wait(qtbot, window, dialog, [folder])
    items = [dialog.problems.topLevelItem(i) for i in range(dialog.problems.topLevelItemCount())]
    hostile = next(i for i in items if name in i.text(0))
    assert shows_literally(tooltip_document(hostile.toolTip(0)), name)
    window.indexing.failed.emit(name, "could not be read")  # how reader errors reach the line
    assert shows_literally(label_document(dialog.status), name)
    assert loopback_server.requests == []
