"""What a person sees in a label or tooltip: Qt's own rule for plain or rich text, applied."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import Qt as QtGui_Qt
from PySide6.QtGui import QTextDocument
from PySide6.QtWidgets import QLabel

# Markup, an image that would be read from disk (or over SMB on Windows) and links of schemes
# that start programs: shown as these very characters, or the test fails.
CRAFTED = (
    '<b>Accept</b><img src="file:///etc/passwd"><a href="search-ms:query=x">open</a>'
    '<img src="http://127.0.0.1:{port}/x.png">'
)


def _document(text: str, fmt: Qt.TextFormat) -> QTextDocument:
    doc = QTextDocument()
    rich = fmt == Qt.TextFormat.RichText or (
        fmt == Qt.TextFormat.AutoText and QtGui_Qt.mightBeRichText(text)
    )
    if rich:
        doc.setHtml(text)
    else:
        doc.setPlainText(text)
    return doc


def label_document(label: QLabel) -> QTextDocument:
    return _document(label.text(), label.textFormat())


def tooltip_document(text: str) -> QTextDocument:
    return _document(text, Qt.TextFormat.AutoText)  # tooltips always guess


def _formats(doc: QTextDocument):
    block = doc.begin()
    while block.isValid():
        it = block.begin()
        while not it.atEnd():
            yield it.fragment().charFormat()
            it += 1
        block = block.next()


def images(doc: QTextDocument) -> list[str]:
    return [f.toImageFormat().name() for f in _formats(doc) if f.isImageFormat()]


def links(doc: QTextDocument) -> list[str]:
    return [f.anchorHref() for f in _formats(doc) if f.isAnchor() and f.anchorHref()]


def shows_literally(doc: QTextDocument, text: str) -> bool:
    """``text`` is drawn as its own characters, and nothing in the document is an image, a link
    or bold: no markup at all."""
    return (
        text in doc.toPlainText()
        and not images(doc)
        and not links(doc)
        and all(f.fontWeight() <= 400 for f in _formats(doc))
    )
