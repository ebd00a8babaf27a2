"""A passage an answer used: exactly the text that went into the prompt, where it is, and a way
to open the file."""

from __future__ import annotations

import html
from pathlib import Path

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices, QPalette
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
)

from app.core.documents.retrieval import Source
from app.ui.safe_text import rich


def file_url(source: Source) -> QUrl:
    """The file, at the passage's page for a PDF (viewers that understand #page= go there)."""
    url = QUrl.fromLocalFile(source.path)
    if source.page and source.path.lower().endswith(".pdf"):
        url.setFragment(f"page={source.page}")
    return url


class SourceDialog(QDialog):
    def __init__(self, source: Source, parent=None):
        super().__init__(parent)
        self.source = source
        self.setWindowTitle(f"[{source.n}] {source.where()}")
        self.setAccessibleName("Source passage")
        exists = Path(source.path).is_file()
        muted = self.palette().color(QPalette.ColorRole.PlaceholderText).name()  # 4.5:1 or more
        place = (
            f"page {source.page}"
            if source.page
            else (html.escape(source.heading) if source.heading else "")
        )
        where = rich(
            QLabel(  # file names and headings come from the documents: escaped
                f"<p><b>[{source.n}] {html.escape(Path(source.path).name)}</b>"
                f"{' — ' + place if place else ''}<br>"
                f"<span style='color:{muted};'>{html.escape(source.path)} · collection "
                f"{html.escape(source.collection)} · characters {source.start:,}–{source.end:,}"
                f"{'' if exists else ' · the file is no longer there'}</span></p>"
                f"<p>This exact text went into the prompt:</p>"
            )
        )
        where.setWordWrap(True)
        self.text = QPlainTextEdit(source.text)
        self.text.setReadOnly(True)
        self.text.setAccessibleName("Passage text")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.open_button = QPushButton("Open file")
        self.open_button.setToolTip("Open the document in its usual app")
        self.folder_button = QPushButton("Show in folder")
        self.open_button.setEnabled(exists)
        self.folder_button.setEnabled(exists)
        buttons.addButton(self.open_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.folder_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        self.open_button.clicked.connect(lambda: QDesktopServices.openUrl(file_url(source)))
        self.folder_button.clicked.connect(
            lambda: QDesktopServices.openUrl(QUrl.fromLocalFile(str(Path(source.path).parent)))
        )
        layout = QVBoxLayout(self)
        layout.addWidget(where)
        layout.addWidget(self.text, 1)
        layout.addWidget(buttons)
        em = self.fontMetrics().averageCharWidth()
        self.resize(em * 90, self.fontMetrics().lineSpacing() * 22)
