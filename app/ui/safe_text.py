"""Text from outside (model cards, provider and hub errors, document names and text) shown as text.

Qt guesses whether a label's, tooltip's or message box's text is HTML from its first tag
(``Qt::mightBeRichText``): an error message or file name that starts with ``<b>`` would be drawn as
markup, could fake the text around it, and ``<img src="file://host/...">`` would make Qt read a
file or, on Windows, open an SMB connection. So every widget here that can show outside text
gets plain text; where markup is needed, each outside part is escaped. Links open only through
``open_link``: http, https and mailto, after the user confirms; every other scheme is refused.
"""

from __future__ import annotations

import html

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QLabel, QMessageBox, QWidget

OPENABLE = ("http", "https", "mailto")


def plain(label: QLabel) -> QLabel:
    """The label shows its text as typed: never markup, never a link, never an image."""
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setOpenExternalLinks(False)
    return label


def plain_label(text: str = "", *, wrap: bool = True) -> QLabel:
    label = plain(QLabel(text))
    label.setWordWrap(wrap)
    return label


def rich(label: QLabel) -> QLabel:
    """A label whose markup is Enclave's own and whose outside parts are escaped (``esc``); its
    links go to a handler (``linkActivated`` → ``open_link``), never straight to the system."""
    label.setTextFormat(Qt.TextFormat.RichText)
    label.setOpenExternalLinks(False)
    return label


def esc(text: object) -> str:
    """An outside string for a rich-text label or attribute: every <, >, &, " and ' escaped."""
    return html.escape(str(text), quote=True)


TIP_CHARS = 1000  # a tooltip is a glance: a whole pasted document would only slow the view


def tip(text: str, last_line: str = "") -> str:
    """A tooltip that shows ``text`` literally (tooltips guess markup like labels do), shortened
    if long, then ``last_line`` whole."""
    if len(text) > TIP_CHARS:
        text = text[:TIP_CHARS] + "…"
    text = "\n".join(t for t in (text, last_line) if t)
    return f"<p style='white-space:pre-wrap'>{esc(text)}</p>" if text else ""


def _box(
    parent: QWidget | None,
    icon: QMessageBox.Icon,
    title: str,
    text: str,
    buttons: QMessageBox.StandardButton,
    default: QMessageBox.StandardButton,
) -> QMessageBox.StandardButton:
    box = QMessageBox(icon, title, text, buttons, parent)
    box.setTextFormat(Qt.TextFormat.PlainText)
    box.setDefaultButton(default)
    return QMessageBox.StandardButton(box.exec())


def ask(parent: QWidget | None, title: str, text: str) -> bool:
    """A Yes/No question in plain text; No is the default."""
    yes, no = QMessageBox.StandardButton.Yes, QMessageBox.StandardButton.No
    return _box(parent, QMessageBox.Icon.Question, title, text, yes | no, no) == yes


def warn(parent: QWidget | None, title: str, text: str) -> None:
    ok = QMessageBox.StandardButton.Ok
    _box(parent, QMessageBox.Icon.Warning, title, text, ok, ok)


def inform(parent: QWidget | None, title: str, text: str) -> None:
    ok = QMessageBox.StandardButton.Ok
    _box(parent, QMessageBox.Icon.Information, title, text, ok, ok)


def open_link(parent: QWidget | None, url: QUrl | str) -> bool:
    """Open a web or mail link in the user's browser after they confirm; refuse anything else
    (file:, smb, search-ms:, javascript: and every other scheme) with a notice. True if opened."""
    url = QUrl(url) if isinstance(url, str) else url
    shown = url.toString(QUrl.ComponentFormattingOption.FullyEncoded)
    scheme = url.scheme().lower()
    if not url.isValid() or scheme not in OPENABLE or (scheme != "mailto" and not url.host()):
        warn(
            parent,
            "Link not opened",
            f"Enclave opens only web (http, https) and e-mail (mailto) links. This one was not "
            f"opened:\n\n{shown or '(empty link)'}",
        )
        return False
    answer = ask(
        parent,
        "Open link in your browser?",
        f"This link will open in your web browser, outside Enclave:\n\n{shown}",
    )
    if answer:
        QDesktopServices.openUrl(url)
    return answer
