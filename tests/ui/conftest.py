"""Qt fixtures: the real window, on the real model, drawn offscreen."""

from __future__ import annotations

import http.server
import threading

import pytest

ANSWER_TIMEOUT_MS = 90_000


@pytest.fixture
def make_window(qtbot):
    """Open a MainWindow on this test's ENCLAVE_HOME; settings can be overridden per call."""
    from app.core.platform import runtime
    from app.ui.chat.main_window import MainWindow

    windows = []

    def make(**settings):
        rt = runtime.start()
        settings.setdefault("max_answer_tokens", 48)
        for name, value in settings.items():
            setattr(rt.settings, name, value)
        window = MainWindow(rt)
        windows.append(window)  # strong references: a collected window would kill its thread
        window.show()
        return window

    yield make
    for window in windows:
        window.close()  # stops the model thread


@pytest.fixture
def dialogs(qtbot):
    """Answers modal dialogs for this test (see consent_helper.py); an answer whose dialog never
    opened fails the test here, and none outlives it."""
    from consent_helper import DialogAnswerer

    answerer = DialogAnswerer()
    yield answerer
    if unanswered := answerer.close():
        pytest.fail(f"a dialog this test answers never opened: {', '.join(unanswered)}")


@pytest.fixture
def wait_idle(qtbot):
    """Wait until the window has finished answering and loading."""

    def wait(window, timeout=ANSWER_TIMEOUT_MS):
        qtbot.waitUntil(window.idle, timeout=timeout)

    return wait


class _CountingHandler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802
        self.server.requests.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def loopback_server():
    """An HTTP server on 127.0.0.1 that records every request it gets."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _CountingHandler)
    server.requests = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


# Every scheme a hostile link might use: a handler stands in for each, so a test sees what would
# have been handed to the system, and nothing is ever launched.
RECORDED_SCHEMES = ("http", "https", "mailto", "file", "search-ms", "smb", "javascript", "ms-msdt")


@pytest.fixture
def opened_urls():
    """The URLs QDesktopServices.openUrl was given during the test (a recording stand-in)."""
    from PySide6.QtCore import QObject, QUrl, Slot
    from PySide6.QtGui import QDesktopServices

    class Recorder(QObject):
        def __init__(self):
            super().__init__()
            self.urls: list[str] = []

        @Slot(QUrl)
        def open(self, url: QUrl) -> None:
            self.urls.append(url.toString())

    recorder = Recorder()
    for scheme in RECORDED_SCHEMES:
        QDesktopServices.setUrlHandler(scheme, recorder, "open")
    yield recorder.urls
    for scheme in RECORDED_SCHEMES:
        QDesktopServices.unsetUrlHandler(scheme)


def press_message_box(dialogs, button, seen: list):
    """When the next QMessageBox opens, note its text in ``seen`` and press ``button``."""
    from PySide6.QtWidgets import QMessageBox

    def act(box: QMessageBox):
        seen.append((box.windowTitle(), box.text(), box.textFormat()))
        box.button(button).click()

    dialogs.answer(QMessageBox, act)
