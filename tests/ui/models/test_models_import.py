"""Importing a model in the Models window: a progress line with bytes, speed and time left, a
Cancel that leaves nothing behind, and the window never waiting on the copy."""

from __future__ import annotations

import threading

import pytest
from PySide6.QtCore import Qt

from app.core.models import importer, installed
from app.core.platform import jobs
from app.core.platform.units import size_text
from app.ui.background import ProgressLine

WAIT_MS = 20_000


@pytest.fixture
def dialog(qtbot):
    from app.core.platform import runtime
    from app.ui.models.models_dialog import ModelsDialog

    d = ModelsDialog(runtime.start())
    qtbot.addWidget(d)
    d.show()
    yield d
    d.shutdown()


@pytest.fixture
def model_file(tmp_path, starter_model, monkeypatch):
    monkeypatch.setattr(importer, "CHUNK", 1 << 20)  # a progress report per MB
    path = tmp_path / "elsewhere" / "Imported-Starter.Q4_1.gguf"
    path.parent.mkdir()
    path.write_bytes(starter_model.read_bytes())
    return path


@pytest.fixture
def held_after_first_report(monkeypatch):
    """The copy waits after its first 10 MB until the test lets it go: the test then sees the
    progress line and clicks Cancel mid-copy on any machine, however fast its disk."""
    release, report = threading.Event(), jobs.Job.report

    def held(job, done, total=None, text=None):
        if done >= 10 << 20 and not release.is_set():
            job.meter.update(done, total, text, force=True)  # shown, however recent the last
            release.wait(WAIT_MS / 1000)
        else:
            report(job, done, total, text)

    monkeypatch.setattr(jobs.Job, "report", held)
    yield release
    release.set()


def _line(dialog) -> ProgressLine:
    return dialog.findChildren(ProgressLine)[0]


def test_import_shows_progress_and_cancel_leaves_nothing(
    qtbot, dialog, model_file, paths, held_after_first_report
):
    dialog.import_path(str(model_file))
    qtbot.waitUntil(lambda: bool(dialog.findChildren(ProgressLine)), timeout=WAIT_MS)
    line = _line(dialog)
    shown = f"{size_text(10 << 20)} of {size_text(model_file.stat().st_size)}"
    qtbot.waitUntil(lambda: shown in line.label.text(), timeout=WAIT_MS)
    assert "Importing Imported-Starter.Q4_1.gguf…" in line.label.text()
    assert "MB/s" in line.label.text() and "ETA" in line.label.text()
    assert 0 < line.bar.value() < 1000 and line.cancel_button.isEnabled()
    dialog.refresh_installed()  # the window answers while the copy runs

    qtbot.mouseClick(line.cancel_button, Qt.MouseButton.LeftButton)
    held_after_first_report.set()
    qtbot.waitUntil(
        lambda: dialog.installed_status.text() == "Import cancelled; nothing was added.",
        timeout=WAIT_MS,
    )
    qtbot.waitUntil(lambda: not dialog.findChildren(ProgressLine), timeout=WAIT_MS)
    folder = paths.models / importer.IMPORT_FOLDER
    assert not folder.exists() or list(folder.iterdir()) == []
    assert "Imported-Starter.Q4_1" not in [m.id for m in installed.list_models(paths)]


def test_import_to_the_end_lists_the_model(qtbot, dialog, model_file, paths):
    told = []
    with qtbot.waitSignal(dialog.models_changed, timeout=WAIT_MS):
        dialog.import_path(str(model_file)).on_progress(told.append)
    assert told and told[-1].done == told[-1].total == model_file.stat().st_size
    assert dialog.installed_status.text().startswith("Imported Imported-Starter.Q4_1:")
    ids = [dialog.installed.item(r, 0).text() for r in range(dialog.installed.rowCount())]
    assert "Imported-Starter.Q4_1" in ids
    qtbot.waitUntil(lambda: not dialog.findChildren(ProgressLine), timeout=WAIT_MS)
