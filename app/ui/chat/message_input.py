"""Where the user types: Enter sends, Shift+Enter starts a new line."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QPlainTextEdit


class MessageInput(QPlainTextEdit):
    submitted = Signal()
    focus_changed = Signal(bool)  # the composer around it shows where the keyboard is

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setPlaceholderText("Message Enclave — Enter sends, Shift+Enter adds a line")
        self.setAccessibleName("Message")
        self.setToolTip("Type your message. Enter sends it; Shift+Enter starts a new line.")
        self.setTabChangesFocus(True)
        lines = 4
        self.setMaximumHeight(self.fontMetrics().lineSpacing() * lines + 16)

    def focusInEvent(self, event) -> None:  # noqa: N802 (Qt override)
        super().focusInEvent(event)
        self.focus_changed.emit(True)

    def focusOutEvent(self, event) -> None:  # noqa: N802 (Qt override)
        super().focusOutEvent(event)
        self.focus_changed.emit(False)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt override)
        enter = event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
        if enter and not event.modifiers() & (
            Qt.KeyboardModifier.ShiftModifier | Qt.KeyboardModifier.AltModifier
        ):
            event.accept()
            self.submitted.emit()
            return
        super().keyPressEvent(event)
