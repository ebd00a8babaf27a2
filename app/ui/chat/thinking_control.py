"""The thinking control above the chat: how much a reasoning model thinks in this conversation.

Shown only while the conversation's model has a switch Enclave knows: On/Off for Qwen3-style
models, Low/Medium/High for gpt-oss-style ones, and Auto (the model's own default) for both. It
reads and sets the level through the ``ChatSession`` only; the session says when the conversation,
its model or its route changed (``thinking_changed``).
"""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QWidget

from app.core.chat import thinking
from app.core.chat.session import ChatSession
from app.core.chat.thinking_choice import ThinkingChoice

LABELS = {"on": "On", "off": "Off", "low": "Low", "medium": "Medium", "high": "High"}
TIPS = {
    thinking.SWITCH: "Whether the model thinks before it answers in this conversation.",
    thinking.EFFORT: "How long the model thinks before it answers in this conversation: "
    "Low answers sooner, High thinks longest.",
}
AUTO_TIP = (
    "Auto uses the model's own default (set one with `enclave models set MODEL thinking=LEVEL`)."
)


class ThinkingControl(QComboBox):
    """Lives on the UI thread, as the session it talks to."""

    def __init__(self, session: ChatSession, parent: QWidget | None = None):
        super().__init__(parent)
        self._session = session
        self.setAccessibleName("Thinking")
        self.setToolTip("How much the model thinks before it answers")  # until a model says
        self.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.activated.connect(self._on_activated)
        disconnect = session.thinking_changed.connect(self._on_session_thinking_changed)
        self.destroyed.connect(lambda *_: disconnect())  # the session may outlive this control
        self._show(session.thinking_choice())

    def _on_session_thinking_changed(self, choice: ThinkingChoice | None) -> None:
        self._show(choice)

    def _on_activated(self, index: int) -> None:
        self._session.set_thinking(self.itemData(index) or None)

    def _show(self, choice: ThinkingChoice | None) -> None:
        if choice is None:
            self.hide()
            return
        if self.parentWidget() is not None:  # shown without a parent, it would be a window
            self.show()
        self.blockSignals(True)  # the items change, not the user's choice
        self.clear()
        auto = "Thinking: Auto"
        if choice.default:
            auto += f" ({LABELS[choice.default]})"
        self.addItem(auto, "")
        for level in choice.levels:
            self.addItem(f"Thinking: {LABELS[level]}", level)
        self.setCurrentIndex(max(self.findData(choice.own or ""), 0))
        self.blockSignals(False)
        default = (
            f" This model's default is {LABELS[choice.default]}."
            if choice.default
            else " This model has no default of its own here."
        )
        self.setToolTip(f"{TIPS[choice.style]} {AUTO_TIP}{default}")
        self.setAccessibleDescription(f"Now: {self.currentText().removeprefix('Thinking: ')}")
