"""Small dialogs: the per-conversation system prompt (links: ``app.ui.safe_text.open_link``)."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)


class SystemPromptDialog(QDialog):
    """Edit one conversation's system prompt, or go back to the default from settings."""

    def __init__(self, current: str | None, default: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("System prompt")
        self._default = default
        intro = QLabel(
            "The system prompt tells the model how to behave in this conversation. "
            "It is sent with every message and stays on this device."
        )
        intro.setWordWrap(True)
        self.use_default = QCheckBox("Use the default system prompt")
        self.use_default.setToolTip("The default is set in Settings and used by new chats")
        self.use_default.setAccessibleName("Use the default system prompt")
        self.editor = QPlainTextEdit(current if current is not None else default)
        self.editor.setAccessibleName("System prompt")
        self.editor.setToolTip("Instructions for the model in this conversation")
        self.use_default.setChecked(current is None)
        self.editor.setEnabled(current is not None)
        self.use_default.toggled.connect(self._on_use_default_toggled)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.use_default)
        layout.addWidget(self.editor, 1)
        layout.addWidget(buttons)
        self.resize(
            self.fontMetrics().averageCharWidth() * 70, self.fontMetrics().lineSpacing() * 16
        )

    def _on_use_default_toggled(self, checked: bool) -> None:
        self.editor.setEnabled(not checked)
        if checked:
            self.editor.setPlainText(self._default)

    def prompt(self) -> str | None:
        """None means: use the default."""
        return None if self.use_default.isChecked() else self.editor.toPlainText()
