"""Answer the consent dialog the way a user would, from a test."""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from app.ui.consent_dialog import ConsentDialog


def answer_consent(button: str, seen: dict) -> None:
    """When the consent dialog opens, note what it shows in ``seen`` and press ``button``
    ("once", "conversation" or "cancel")."""

    def act():
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, ConsentDialog):
            QTimer.singleShot(20, act)
            return
        seen["payload"] = dialog.payload.toPlainText()
        seen["heading"] = dialog.request.heading()
        documents = getattr(dialog, "documents", None)
        seen["documents"] = documents.text() if documents is not None else None
        {"once": dialog.send_once, "conversation": dialog.allow,
         "cancel": dialog.cancel}[button].click()

    QTimer.singleShot(20, act)
