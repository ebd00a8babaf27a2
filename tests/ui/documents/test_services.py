"""The app's background services: one owner for the model thread, the download queue and the
indexing service, stopped in order; the walk for what to watch never on the UI thread; the Models
and Documents windows use the services they are given."""

from __future__ import annotations

import threading

import pytest

from app.core.documents import indexing_queue
from app.core.documents.index import DocIndex

WAIT_MS = 20_000


@pytest.fixture
def services(qtbot):
    from app.core.platform import runtime
    from app.ui.services import Services

    s = Services(runtime.start())
    yield s
    s.shutdown()


def test_the_walk_for_what_to_watch_runs_off_the_ui_thread(qtbot, services, paths, tmp_path):
    folder = tmp_path / "docs"
    (folder / "inner").mkdir(parents=True)
    (folder / "inner" / "notes.txt").write_text("Visitors park in garage B.", encoding="utf-8")
    with DocIndex(paths.documents_index) as index:
        index.create("Work")
        index.add_roots("Work", [folder])
    walked_on, walk = [], indexing_queue.paths_to_watch

    def recorded(roots, **kw):
        walked_on.append(threading.current_thread())
        return walk(roots, **kw)

    indexing = services.indexing
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(indexing_queue, "paths_to_watch", recorded)
        with qtbot.waitSignal(indexing.watched, timeout=WAIT_MS) as watched:
            indexing.watch()
    assert watched.args == [3]  # the folder, its sub-folder and the document
    assert walked_on and threading.main_thread() not in walked_on
    assert str(folder / "inner" / "notes.txt") in indexing._watcher.files()

    # A change under the root asks for its collection to be indexed (after the editor's pause).
    with qtbot.waitSignal(indexing.finished, timeout=60_000) as done:
        (folder / "inner" / "more.md").write_text("# Bikes\nLease two.\n", encoding="utf-8")
    assert done.args[0].collection == "Work" and done.args[0].added == 2


def test_shutdown_stops_every_service_in_order(qtbot, services):
    threads = [services.models._thread, services.indexing._thread]
    downloads = services.downloads.queue._thread
    assert all(t.isRunning() for t in threads) and downloads.is_alive()
    services.shutdown()
    assert not any(t.isRunning() for t in threads) and not downloads.is_alive()
    services.shutdown()  # twice (closeEvent, then the app quitting) is harmless


def test_the_windows_use_the_services_they_are_given(qtbot, services):
    from app.ui.documents.documents_dialog import DocumentsDialog
    from app.ui.models.models_dialog import ModelsDialog

    models = ModelsDialog(services.rt, services=services)
    qtbot.addWidget(models)
    assert models.queue is services.downloads.queue and models.library is services.library
    models.shutdown()  # the window closing leaves the app's downloads running
    assert services.downloads.queue._thread.is_alive()

    documents = DocumentsDialog(services.rt, services)
    qtbot.addWidget(documents)
    assert documents.indexing is services.indexing
