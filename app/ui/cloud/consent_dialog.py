"""The question asked before anything leaves: exactly what, to whom, and what it costs.

Shows the full message list after redaction (what the provider will receive, byte for byte in its
text, with control and invisible characters shown as marks so that none can hide part of it), the
provider, model, host and trust tier, a token count and, where prices are known, a cost
estimate. *Cancel* is the default button and Esc: sending is never the accident.
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
)

from app.core.privacy import consent
from app.core.privacy.consent import ConsentRequest
from app.core.privacy.visible_text import reveal, reveal_note
from app.ui.safe_text import esc, plain, rich, tip


class ConsentDialog(QDialog):
    """Lives on the UI thread. ``choice`` is ONCE, CONVERSATION or CANCEL once it closes."""

    def __init__(self, request: ConsentRequest, parent=None, *, retry: bool = False):
        super().__init__(parent)
        self.request = request
        self.choice = consent.CANCEL
        p = request.provider
        self.setWindowTitle(f"Send to {p.name}?")
        self.setAccessibleName("Consent to send")
        intro = "answer your last message again" if retry else "answer this message"
        # Names, host and model may come from a provider or a shared config: escaped, and
        # revealed so that a bidi override cannot turn the host name around.
        heading = rich(
            QLabel(
                f"<p><b>{_shown(p.name)}</b> — <b>{_shown(p.tier_label)}</b> "
                f"({_shown(p.host)}) would {intro} with the model "
                f"<b>{_shown(request.model)}</b>.</p>"
                f"<p>This is exactly what would leave this computer: "
                f"≈ {request.tokens:,} tokens, {esc(request.cost_text())}. "
                f"{esc(request.redaction_note)}</p>"
            )
        )
        heading.setWordWrap(True)
        heading.setObjectName("consentHeading")
        shown, marked = reveal(request.payload_text())
        self.payload = QPlainTextEdit(shown)  # display only: what is sent is the request's text
        self.payload.setReadOnly(True)
        self.payload.setAccessibleName("What will be sent")
        self.payload.setToolTip("The full message list after redaction: what the provider receives")
        self.headers = plain(QLabel(request.headers_note()))
        self.headers.setObjectName("consentHeaders")
        self.headers.setWordWrap(True)
        self.headers.setAccessibleName("Headers sent")
        self.headers.setToolTip(
            "The only HTTP headers that go with the message: any other is removed before it leaves"
        )
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addWidget(self.headers)
        if request.sources:
            self.documents = plain(QLabel(request.documents_note()))  # file names
            self.documents.setObjectName("consentDocuments")
            self.documents.setWordWrap(True)
            self.documents.setToolTip(
                "The passages are part of the message below, redacted like the rest of it"
            )
            layout.addWidget(self.documents)
        for notice in request.notices:
            note = plain(QLabel(notice))
            note.setWordWrap(True)
            layout.addWidget(note)
        self.marks = plain(QLabel(reveal_note(marked)))
        self.marks.setObjectName("consentMarks")
        self.marks.setWordWrap(True)
        self.marks.setVisible(bool(marked))
        layout.addWidget(self.marks)
        layout.addWidget(self.payload, 1)
        buttons = QDialogButtonBox()
        self.send_once = QPushButton("Send once")
        self.send_once.setToolTip("Send this message only; ask again next time")
        self.allow = QPushButton("Allow for this conversation")
        self.allow.setToolTip(
            tip(
                f"Send this and later messages of this conversation to "
                f"{p.name} without asking (you can withdraw it from the badge)"
            )
        )
        self.cancel = QPushButton("Cancel")
        self.cancel.setToolTip("Send nothing")
        for button, role in (
            (self.send_once, QDialogButtonBox.ButtonRole.AcceptRole),
            (self.allow, QDialogButtonBox.ButtonRole.AcceptRole),
            (self.cancel, QDialogButtonBox.ButtonRole.RejectRole),
        ):
            button.setAccessibleName(button.text())
            button.setAutoDefault(False)
            buttons.addButton(button, role)
        self.cancel.setDefault(True)
        self.send_once.clicked.connect(lambda: self._choose(consent.ONCE))
        self.allow.clicked.connect(lambda: self._choose(consent.CONVERSATION))
        self.cancel.clicked.connect(self.reject)
        layout.addWidget(buttons)
        em = self.fontMetrics().averageCharWidth()
        self.resize(em * 100, self.fontMetrics().lineSpacing() * 30)

    def _choose(self, choice: str) -> None:
        self.choice = choice
        self.accept()

    def reject(self) -> None:
        self.choice = consent.CANCEL
        super().reject()


def _shown(text: str) -> str:
    """An outside string for the heading: invisible characters marked, then escaped."""
    return esc(reveal(text)[0])
