"""The window reopens as it was left: size, place, splitter and conversation, from
``ui-state.json``; a missing or damaged file gives the defaults, and a window that would not fit
the screen is fitted to it."""

from __future__ import annotations

import base64
import json
import logging
import stat

import pytest
from PySide6.QtCore import QRect
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QMainWindow, QSplitter, QTextEdit

from app.ui.window_state import FILE_NAME, WindowState, fit_to_screen


def _window(qtbot, width=560, height=380):
    window = QMainWindow()
    splitter = QSplitter()
    splitter.addWidget(QTextEdit())
    splitter.addWidget(QTextEdit())
    window.setCentralWidget(splitter)
    window.resize(width, height)
    qtbot.addWidget(window)
    return window, splitter


def _available() -> QRect:
    return QGuiApplication.primaryScreen().availableGeometry()


def _centred(window) -> bool:
    return (window.frameGeometry().center() - _available().center()).manhattanLength() <= 4


def test_a_new_window_comes_back_as_the_last_one_was_left(qtbot, paths):
    window, splitter = _window(qtbot)
    window.move(40, 50)
    window.show()
    qtbot.waitExposed(window)
    splitter.setSizes([140, 420])
    sizes, geometry = splitter.sizes(), window.geometry()
    WindowState(paths).save(window, splitter, 7)
    state = paths.config / FILE_NAME
    assert stat.S_IMODE(state.stat().st_mode) == 0o600

    again, again_splitter = _window(qtbot, 900, 700)  # its own defaults differ
    assert WindowState(paths).restore(again, again_splitter) == 7
    again.show()
    qtbot.waitExposed(again)
    assert again.geometry() == geometry
    assert again_splitter.sizes() == sizes


def test_the_open_conversation_is_optional(qtbot, paths):
    window, splitter = _window(qtbot)
    WindowState(paths).save(window, splitter, None)
    assert WindowState(paths).restore(*_window(qtbot)) is None


DAMAGED = [
    b"{not json",
    b"\xff\xfe not UTF-8",
    b"[]",
    json.dumps({"geometry": "AAAA", "conversation": 3}).encode(),  # no version: not ours
    json.dumps(
        {"version": 1, "geometry": "!!not base64", "splitter": "wide", "conversation": "7"}
    ).encode(),
    json.dumps(
        {
            "version": 1,
            "geometry": base64.b64encode(b"not a geometry").decode(),
            "splitter": [1, 2, 3],
            "conversation": True,
        }
    ).encode(),
    json.dumps({"version": 1, "splitter": [-5, 400], "conversation": -2}).encode(),
]


@pytest.mark.parametrize("content", [None, *DAMAGED], ids=["missing", *map(str, range(7))])
def test_a_missing_or_damaged_file_gives_the_defaults(qtbot, paths, content, caplog):
    if content is not None:
        (paths.config / FILE_NAME).write_bytes(content)
    window, splitter = _window(qtbot)
    splitter.setSizes([200, 360])
    before = splitter.sizes()
    with caplog.at_level(logging.WARNING):
        assert WindowState(paths).restore(window, splitter) is None
    assert window.size().width() == 560 and window.size().height() == 380  # its own size…
    assert _centred(window)  # …in the middle of the screen
    assert splitter.sizes() == before
    if content in DAMAGED[:4]:
        assert FILE_NAME in caplog.text  # said in the log, never in the user's way


def test_a_window_larger_than_the_screen_is_fitted_to_it(qtbot, paths):
    screen = _available()
    big, splitter = _window(qtbot, screen.width() * 3, screen.height() * 3)
    big.show()
    qtbot.waitExposed(big)
    WindowState(paths).save(big, splitter, 1)

    window, splitter = _window(qtbot)
    WindowState(paths).restore(window, splitter)
    window.show()
    qtbot.waitExposed(window)
    assert screen.contains(window.frameGeometry())


def test_with_nothing_saved_a_default_larger_than_the_screen_is_fitted_and_centred(qtbot, paths):
    screen = _available()
    window, splitter = _window(qtbot, screen.width() + 400, screen.height() + 300)
    WindowState(paths).restore(window, splitter)
    assert window.width() <= screen.width() and window.height() <= screen.height()
    assert window.width() == int(screen.width() * 0.9)
    assert _centred(window)


@pytest.mark.parametrize(
    ("rect", "expected"),
    [
        (QRect(100, 100, 400, 300), QRect(100, 100, 400, 300)),  # fits: left alone
        (QRect(700, 650, 400, 300), QRect(600, 500, 400, 300)),  # half off: pulled in
        (QRect(-300, -50, 400, 300), QRect(0, 0, 400, 300)),
        (QRect(5000, 5000, 400, 300), QRect(300, 250, 400, 300)),  # a screen that is gone
        (QRect(0, 0, 2000, 500), QRect(50, 150, 900, 500)),  # too wide: 90 %, centred
    ],
)
def test_fit_to_screen(rect, expected):
    assert fit_to_screen(rect, QRect(0, 0, 1000, 800)) == expected


def test_a_state_that_cannot_be_written_is_logged_not_raised(qtbot, paths, caplog):
    (paths.config / FILE_NAME).mkdir()  # in the way of the file
    window, splitter = _window(qtbot)
    with caplog.at_level(logging.WARNING):
        WindowState(paths).save(window, splitter, 3)
    assert "were not saved" in caplog.text
    assert WindowState(paths).restore(window, splitter) is None
