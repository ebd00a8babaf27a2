"""Where the window was: its size and place, the splitter between the conversations and the chat,
and the conversation last open, so the next start looks as the last one ended.

Kept in ``ui-state.json`` in the config folder (owner-only, written atomically, like Enclave's
other files) rather than in QSettings, whose store is elsewhere on each system. The file only
makes the window comfortable: a missing, damaged or foreign one gives the defaults, and one that
cannot be written is logged, never an error when closing.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray, QEvent, QObject, QRect
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QSplitter, QWidget

from app.core.platform import jsonfile

if TYPE_CHECKING:
    from app.core.platform.paths import Paths

log = logging.getLogger(__name__)
FILE_NAME = "ui-state.json"
VERSION = 1
FILL = 0.9  # a window that does not fit takes this much of the screen, centred


class WindowState:
    """Saves and restores one main window's state. Lives on the UI thread."""

    def __init__(self, paths: Paths):
        self.path = paths.config / FILE_NAME

    def restore(self, window: QWidget, splitter: QSplitter | None = None) -> int | None:
        """Put ``window`` (shown or not yet) and ``splitter`` where they were saved; a window
        with nothing usable saved keeps its own size, fitted to the screen and centred.

        Returns:
            The conversation open when the state was saved, or None. It may have been deleted
            since: the caller checks.
        """
        state = self._read()
        geometry = _bytes(state.get("geometry"))
        if geometry is None or not window.restoreGeometry(QByteArray(geometry)):
            _fit(window, centre=True)
        elif not (window.isMaximized() or window.isFullScreen()):
            _fit(window)  # Qt moves a window whose screen is gone, but not always all of it
        if not window.isVisible():
            _FitWhenShown(window)  # the frame is only known then: Qt restores without it
        sizes = state.get("splitter")
        if splitter is not None and _sizes_fit(sizes, splitter):
            splitter.setSizes(sizes)
        conversation = state.get("conversation")
        if (
            isinstance(conversation, int)
            and not isinstance(conversation, bool)
            and conversation > 0
        ):
            return conversation
        return None

    def save(
        self, window: QWidget, splitter: QSplitter | None = None, conversation_id: int | None = None
    ) -> None:
        """Record ``window``'s geometry, ``splitter``'s sizes and the open conversation."""
        state = {
            "version": VERSION,
            "geometry": base64.b64encode(bytes(window.saveGeometry().data())).decode("ascii"),
            "splitter": splitter.sizes() if splitter is not None else None,
            "conversation": conversation_id,
        }
        try:
            jsonfile.write_atomic(self.path, state)
        except OSError as exc:
            log.warning("the window's size and place were not saved to %s: %s", self.path, exc)

    def _read(self) -> dict:
        try:
            state = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:  # ValueError: not JSON, or not UTF-8
            log.warning("ignoring the window state in %s: %s", self.path, exc)
            return {}
        if not isinstance(state, dict) or state.get("version") != VERSION:
            log.warning("ignoring the window state in %s: not one Enclave wrote", self.path)
            return {}
        return state


def fit_to_screen(rect: QRect, available: QRect, *, centre: bool = False) -> QRect:
    """``rect`` moved and shrunk as little as needed to lie within ``available``; one larger
    than it becomes ``FILL`` of it, and with ``centre`` (or when it was not on that screen at
    all) it is centred there."""
    if available.isEmpty():
        return QRect(rect)
    out = QRect(rect)
    if rect.width() > available.width() or rect.height() > available.height():
        out.setSize(out.size().boundedTo(available.size() * FILL))
        centre = True
    if centre or not available.intersects(rect):
        out.moveCenter(available.center())
        return out
    out.moveLeft(min(max(out.left(), available.left()), available.right() - out.width() + 1))
    out.moveTop(min(max(out.top(), available.top()), available.bottom() - out.height() + 1))
    return out


def _fit(window: QWidget, *, centre: bool = False) -> None:
    """Fit the window with its frame (none yet before it is first shown) onto its screen."""
    frame = window.frameGeometry()
    fitted = fit_to_screen(frame, _available(window), centre=centre)
    if fitted == frame:
        return
    inner = window.geometry()
    window.resize(inner.size() - (frame.size() - fitted.size()))
    window.move(fitted.topLeft())  # move() places the frame's corner


class _FitWhenShown(QObject):
    """Fits the window, frame included, onto its screen the first time it is shown."""

    def __init__(self, window: QWidget):
        super().__init__(window)
        window.installEventFilter(self)

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 (Qt override)
        if event.type() == QEvent.Type.Show:
            watched.removeEventFilter(self)
            if not (watched.isMaximized() or watched.isFullScreen()):
                _fit(watched)
            self.deleteLater()
        return False


def _available(window: QWidget) -> QRect:
    """The free area of the screen the window is on, or else the main screen's."""
    screen = QGuiApplication.screenAt(window.geometry().center()) or window.screen()
    screen = screen or QGuiApplication.primaryScreen()
    return screen.availableGeometry() if screen is not None else QRect()


def _bytes(text) -> bytes | None:
    if not isinstance(text, str):
        return None
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return None


def _sizes_fit(sizes, splitter: QSplitter) -> bool:
    return (
        isinstance(sizes, list)
        and len(sizes) == splitter.count()
        and all(isinstance(s, int) and not isinstance(s, bool) and s >= 0 for s in sizes)
        and sum(sizes) > 0
    )
