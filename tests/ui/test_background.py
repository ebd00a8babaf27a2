"""The one background runner, on a real Qt event loop and the real thread pool: results, the two
kinds of failure, cancel, progress on the UI thread, and an owner that goes away first."""

from __future__ import annotations

import logging
import threading

import pytest
import shiboken6
from PySide6.QtWidgets import QLabel, QWidget

from app.core.errors import EnclaveError
from app.core.platform.jobs import Cancelled
from app.ui import background
from app.ui.background import BackgroundOp, ProgressLine

WAIT_MS = 10_000


class Recorder:
    def __init__(self):
        self.calls: list[tuple[str, object, threading.Thread]] = []

    def __getattr__(self, kind):
        return lambda value: self.calls.append((kind, value, threading.current_thread()))

    def kinds(self):
        return [c[0] for c in self.calls]


@pytest.fixture
def owner(qtbot):
    widget = QWidget()
    qtbot.addWidget(widget)
    return widget


def _run(owner, fn, rec, **progress):
    op = BackgroundOp(owner, fn)
    if progress:
        op.with_progress("Working…", **progress)
    return (
        op.on_success(rec.success)
        .on_failure(rec.failure)
        .on_cancelled(rec.cancelled)
        .on_progress(rec.progress)
        .run()
    )


def test_the_result_arrives_on_the_ui_thread(qtbot, owner):
    rec, ran_on = Recorder(), []

    def work(job):
        ran_on.append(threading.current_thread())
        return 42

    op = _run(owner, work, rec)
    qtbot.waitUntil(lambda: bool(rec.calls), timeout=WAIT_MS)
    assert rec.calls == [("success", 42, threading.main_thread())]
    assert ran_on[0] is not threading.main_thread()
    assert op not in background._running


def test_an_enclave_error_is_its_own_message(qtbot, owner):
    rec = Recorder()

    def work(job):
        raise EnclaveError("The model file is damaged: x.gguf. Download it again.")

    _run(owner, work, rec)
    qtbot.waitUntil(lambda: bool(rec.calls), timeout=WAIT_MS)
    assert rec.calls == [
        (
            "failure",
            "The model file is damaged: x.gguf. Download it again.",
            threading.main_thread(),
        )
    ]


def test_a_bug_is_logged_and_the_person_gets_a_short_apology(qtbot, owner, caplog, tmp_path):
    rec = Recorder()
    root = logging.getLogger()
    earlier = [h for h in root.handlers if getattr(h, "_enclave", False)]
    for h in earlier:  # an app started by an earlier test in this process
        root.removeHandler(h)
    handler = logging.FileHandler(tmp_path / "enclave.log")
    handler._enclave = True  # as logs.configure marks the app's log file
    root.addHandler(handler)
    try:
        _run(owner, lambda job: {}["missing"], rec)
        with caplog.at_level(logging.ERROR):
            qtbot.waitUntil(lambda: bool(rec.calls), timeout=WAIT_MS)
    finally:
        root.removeHandler(handler)
        handler.close()
        for h in earlier:
            root.addHandler(h)
    [(kind, message, _)] = rec.calls
    assert kind == "failure"
    assert message == f"Something went wrong (KeyError). Details are in {tmp_path / 'enclave.log'}."
    assert "Traceback" in caplog.text and "KeyError" in caplog.text


def test_cancel_stops_the_work_and_reports_cancelled_not_success(qtbot, owner):
    rec, started = Recorder(), threading.Event()

    def work(job):
        started.set()
        for _ in range(10_000):
            job.check("Stopped; what was done is kept.")
            job.cancel.wait(0.01)
        return "finished anyway"

    op = _run(owner, work, rec)
    assert started.wait(5)
    op.cancel()
    qtbot.waitUntil(lambda: bool(rec.calls), timeout=WAIT_MS)
    assert rec.calls == [("cancelled", "Stopped; what was done is kept.", threading.main_thread())]


def test_progress_reaches_the_ui_thread_and_the_progress_line(qtbot, owner):
    rec = Recorder()
    line = ProgressLine(owner)
    release = threading.Event()

    def work(job):
        job.report(0, 40_000_000)
        job.cancel.wait(0.3)
        job.report(10_000_000)
        release.wait(WAIT_MS / 1000)
        return "ok"

    _run(owner, work, rec, cancellable=True, view=line)
    assert line.isVisibleTo(owner) and line.cancel_button.isVisibleTo(owner)
    qtbot.waitUntil(lambda: line.bar.value() == 250, timeout=WAIT_MS)
    assert "Working… 10.0 MB of 40.0 MB" in line.label.text()
    assert "MB/s" in line.label.text() and "ETA 0:00:0" in line.label.text()
    release.set()
    qtbot.waitUntil(lambda: "success" in rec.kinds(), timeout=WAIT_MS)
    progress = [c for c in rec.calls if c[0] == "progress"]
    assert progress and {c[2] for c in progress} == {threading.main_thread()}
    assert progress[-1][1].done == 10_000_000
    assert not line.isVisibleTo(owner)


def test_the_cancel_button_of_the_progress_line_cancels(qtbot, owner):
    from PySide6.QtCore import Qt

    rec = Recorder()
    line = ProgressLine(owner)

    def work(job):
        job.report(1, 100)
        while not job.cancelled:
            job.cancel.wait(0.01)
        raise Cancelled("Import cancelled; nothing was added.")

    _run(owner, work, rec, cancellable=True, view=line)
    qtbot.waitUntil(lambda: "progress" in rec.kinds(), timeout=WAIT_MS)
    qtbot.mouseClick(line.cancel_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "cancelled" in rec.kinds(), timeout=WAIT_MS)
    assert rec.calls[-1][1] == "Import cancelled; nothing was added."


def test_an_owner_destroyed_first_cancels_the_work_and_hears_nothing(qtbot):
    label = QLabel("waiting")
    seen, started, finished = [], threading.Event(), threading.Event()

    def work(job):
        started.set()
        job.cancel.wait(WAIT_MS / 1000)
        seen.append(job.cancelled)
        finished.set()
        return "result for a dead window"

    op = (
        BackgroundOp(label, work)
        .with_progress("Working…", cancellable=True)  # its popup belongs to the label
        .on_success(label.setText)  # would raise on a deleted label
        .on_failure(label.setText)
        .run()
    )
    assert started.wait(5)
    shiboken6.delete(label)
    assert finished.wait(5)
    assert seen == [True]  # the work was told to stop
    qtbot.waitUntil(lambda: op not in background._running, timeout=WAIT_MS)
    qtbot.wait(50)  # nothing else is queued for it
