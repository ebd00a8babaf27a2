"""Answer modal dialogs the way a user would, from a test.

Each answer polls for its dialog only until a deadline, and the ``dialogs`` fixture (conftest.py)
that owns the polling stops it at teardown: an answer whose dialog never opened can neither click a
later test's dialog nor pass unnoticed.
"""

from __future__ import annotations

import time

from PySide6.QtCore import Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from app.ui.cloud.consent_dialog import ConsentDialog

POLL_MS = 20
DEADLINE_S = 30.0  # far above any dialog's opening time here; a missed dialog fails, not hangs


class DialogAnswerer:
    """Lives on the UI thread; owns one polling timer per answer still waiting."""

    def __init__(self):
        self._waiting: dict[QTimer, str] = {}
        self.missed: list[str] = []  # answers whose dialog never opened before the deadline

    def answer(self, kind: type, act, *, deadline_s: float = DEADLINE_S) -> None:
        """When a modal dialog of type ``kind`` opens, call ``act(dialog)`` once."""
        timer = QTimer()
        timer.setInterval(POLL_MS)
        ends = time.monotonic() + deadline_s

        def poll():
            dialog = QApplication.activeModalWidget()
            if isinstance(dialog, kind):
                self._stop(timer)
                act(dialog)
            elif time.monotonic() > ends:
                self.missed.append(self._stop(timer))

        timer.timeout.connect(poll)
        self._waiting[timer] = kind.__name__
        timer.start()

    def consent(self, button: str, seen: dict, **kwargs) -> None:
        """When the consent dialog opens, note what it shows in ``seen`` and press ``button``
        ("once", "conversation" or "cancel"), or the Esc key ("esc")."""

        def act(dialog: ConsentDialog):
            seen["payload"] = dialog.payload.toPlainText()
            seen["heading"] = dialog.request.heading()
            documents = getattr(dialog, "documents", None)
            seen["documents"] = documents.text() if documents is not None else None
            if button == "esc":
                QTest.keyClick(dialog, Qt.Key.Key_Escape)
            else:
                {"once": dialog.send_once, "conversation": dialog.allow, "cancel": dialog.cancel}[
                    button
                ].click()

        self.answer(ConsentDialog, act, **kwargs)

    def waiting(self) -> list[str]:
        return list(self._waiting.values())

    def close(self) -> list[str]:
        """Stop every answer; returns the dialogs that were expected and never opened."""
        unanswered = self.missed + [self._stop(t) for t in list(self._waiting)]
        self.missed = []
        return unanswered

    def _stop(self, timer: QTimer) -> str:
        timer.stop()
        return self._waiting.pop(timer)
