"""The conversation, rendered: one frame per message in a single QTextBrowser.

Streaming appends plain text at the end of the answer's frame, so a token costs the same however
long the conversation or the answer is; the answer is rendered as Markdown once it is complete.
A reasoning model's thinking is folded into one line above the answer ("Thinking…", then "Thought
for 12 s"); a link unfolds it (live while it streams). While the model reads a long prompt the
answer says how far it got, with the time left, until its first token. Nothing shown here is
ever fetched from anywhere: ``loadResource`` refuses every resource, and links open only when
clicked (after the window asks). The only pictures are the message actions' icons (Copy, Edit,
Regenerate), which the view draws itself and puts into the document under ``enclave-icon:``
before any message is shown; a message cannot add an image (Markdown images become links).
"""

from __future__ import annotations

import html
import time
from dataclasses import dataclass, field

from PySide6.QtCore import QByteArray, QEvent, QPointF, QSize, Qt, QUrl, Signal
from PySide6.QtGui import (
    QColor,
    QGuiApplication,
    QPalette,
    QTextCharFormat,
    QTextCursor,
    QTextDocument,
    QTextFrame,
    QTextFrameFormat,
)
from PySide6.QtWidgets import QTextBrowser, QToolTip

from app.core.chat.reading import ReadingLine
from app.core.chat.store import Message
from app.core.cloud import providers
from app.core.documents import retrieval
from app.ui import icons
from app.ui.chat.markdown_html import (
    ACTION_SCHEME,
    DARK_CODE,
    ICON_SCHEME,
    LIGHT_CODE,
    MarkdownRenderer,
)

# Longest message text drawn in the view; longer ones are kept whole in the store and shown cut.
MAX_SHOWN_CHARS = 40_000
# Messages drawn when a conversation opens; older ones are drawn on request, a page at a time, so
# a conversation of thousands of messages opens as fast as a short one.
PAGE = 50
# The message actions, drawn as icons with a tooltip: what each does, by its action name.
ACTIONS = {
    "copy": "Copy this message",
    "edit": "Edit this message and send it again",
    "regenerate": "Regenerate this answer",
}
ICON_PX = 16


@dataclass
class _Shown:
    message: Message
    frame: QTextFrame  # the whole message
    body: QTextFrame  # the text, replaced when re-rendered
    code_blocks: list[str] = field(default_factory=list)
    streaming: bool = False
    # A reasoning model's thinking: folded under a line above the answer, unfolded on request.
    thinking_open: bool = False
    thinking_frame: QTextFrame | None = None  # at the top of ``body`` while unfolded
    thinking_since: float | None = None  # when streamed thinking began, for "Thought for"
    thinking_until: float | None = None  # when the answer began
    # While the model reads a long prompt, before the first token: "Reading your message… 45 %".
    reading: str = ""
    reading_line: ReadingLine | None = None


def is_dark(palette: QPalette) -> bool:
    return palette.color(QPalette.ColorRole.Window).lightness() < 128


# The reading column's widest line, in average characters: about what a book or a chat app sets,
# so a wide window does not stretch lines past easy reading.
READING_COLUMN_CHARS = 90


class ChatView(QTextBrowser):
    """Shows one conversation, in a centred reading column. Lives on the UI thread."""

    copy_requested = Signal(str)  # text to put on the clipboard
    edit_requested = Signal(int)  # message id
    regenerate_requested = Signal()
    source_requested = Signal(int, int)  # message id, passage number
    external_link_clicked = Signal(QUrl)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setOpenLinks(False)
        self.setOpenExternalLinks(False)
        self.setUndoRedoEnabled(False)
        # Lists indent by about four characters a level (Qt's 40 px pushes nested lists far in).
        self.document().setIndentWidth(self.fontMetrics().averageCharWidth() * 4)
        self.setAccessibleName("Conversation")
        self.setToolTip("The conversation. Links open in your browser only when you click them.")
        self.anchorClicked.connect(self._on_anchor_clicked)
        self._shown: dict[int, _Shown] = {}
        self._order: list[int] = []
        self._hidden: list[Message] = []  # older messages not drawn yet
        self._empty_html = ""
        self._side_margin = 0  # the reading column's margins (see resizeEvent)
        self._apply_palette()

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt override)
        """Keep the text in a centred column of comfortable width; the margins take the rest.
        Set only when they change: new margins lay the view out again, which can show or hide
        the scroll bar and resize it once more. Set before the text is laid out for the new
        size, so the text wraps at the column, not at the old width of the viewport. A view
        scrolled to the end stays at the end."""
        column = self.fontMetrics().averageCharWidth() * READING_COLUMN_CHARS
        side = max(0, (self.width() - column) // 2)
        at_bottom = self._at_bottom()
        if side != self._side_margin:
            self._side_margin = side
            self.setViewportMargins(side, 0, side, 0)
        super().resizeEvent(event)
        if at_bottom:  # the newest message stays in sight, as in every chat app
            self._scroll_to_end()

    def reading_column_width(self) -> int:
        return self.viewport().width()

    def viewportEvent(self, event) -> bool:  # noqa: N802 (Qt override)
        """Over an icon or a source link, its own tooltip (what it does, where it points);
        elsewhere the view's. Qt's text views do not show a link's title on their own."""
        if event.type() == QEvent.Type.ToolTip:
            if tip := self.tooltip_at(event.pos()):
                QToolTip.showText(event.globalPos(), tip, self.viewport())
                return True
        return super().viewportEvent(event)

    def tooltip_at(self, point) -> str:
        """The tooltip of what is drawn at ``point`` in the viewport ('' if it has none)."""
        scrolled = QPointF(point) + QPointF(
            self.horizontalScrollBar().value(), self.verticalScrollBar().value()
        )
        where = self.document().documentLayout().hitTest(scrolled, Qt.HitTestAccuracy.ExactHit)
        if where < 0:
            return ""
        cursor = QTextCursor(self.document())
        # A cursor's format is the character's before it.
        cursor.setPosition(min(where + 1, self.document().characterCount() - 1))
        return cursor.charFormat().toolTip()

    # -- never fetch anything ------------------------------------------------------------------

    def loadResource(self, kind: int, url: QUrl):  # noqa: N802 (Qt override)
        """Refuse every image, stylesheet or other resource a message might point at."""
        return QByteArray()

    # -- public API ----------------------------------------------------------------------------

    def show_empty(self, html_text: str) -> None:
        """An empty-state page that teaches (no model yet, or a first chat)."""
        self._reset()
        self._empty_html = html_text
        self.setHtml(html_text)

    def set_messages(self, messages: list[Message], *, page: int = PAGE) -> None:
        """Show a conversation: its newest ``page`` messages, and a link to the older ones."""
        self._reset()
        self._hidden = list(messages[:-page]) if len(messages) > page else []
        if self._hidden:
            cursor = QTextCursor(self.document())
            cursor.insertHtml(
                f"<p align='center'><a href='{ACTION_SCHEME}:earlier/0'>Show "
                f"{min(PAGE, len(self._hidden))} earlier messages</a> "
                f"<span style='color:{self.muted_colour};'>({len(self._hidden)} not shown)"
                f"</span></p>"
            )
        for m in messages[len(self._hidden) :]:
            self.add_message(m)
        self._scroll_to_end()

    def show_earlier(self) -> None:
        """Draw one more page of older messages (the view is redrawn from there)."""
        shown = [self._shown[mid].message for mid in self._order]
        count = len(shown) + PAGE
        self.set_messages(self._hidden + shown, page=count)
        self.verticalScrollBar().setValue(0)

    def add_message(self, message: Message, *, streaming: bool = False) -> None:
        if self._empty_html:
            self._reset()
        previous_last = self._last_assistant_id()
        cursor = QTextCursor(self.document())
        cursor.movePosition(QTextCursor.MoveOperation.End)
        outer_format = QTextFrameFormat()
        outer_format.setBackground(self._bubble_colour(message.role))
        outer_format.setPadding(10)
        outer_format.setTopMargin(4)
        outer_format.setBottomMargin(4)
        outer_format.setBorder(0)
        frame = cursor.insertFrame(outer_format)
        shown = _Shown(message, frame, frame, streaming=streaming)
        cursor.insertHtml(self._header_html(shown))
        shown.body = cursor.insertFrame(QTextFrameFormat())
        self._shown[message.id] = shown
        self._order.append(message.id)
        if streaming:
            self._insert_plain(shown, message.content)
        else:
            self._render_body(shown)
        cursor = QTextCursor(self.document())
        cursor.setPosition(frame.lastPosition())
        cursor.insertBlock()
        cursor.insertHtml(self._footer_html(shown))
        if previous_last is not None and message.role == "assistant":
            self._refresh_footer(previous_last)  # only the last answer offers Regenerate
        self._scroll_to_end()

    def show_reading(self, message_id: int, done: int, total: int) -> None:
        """How far the model has read the prompt of a streaming answer (tokens ``done`` of
        ``total``), with the time left once the pace is known; gone when all is read."""
        shown = self._shown.get(message_id)
        if shown is None or not shown.streaming:
            return
        if shown.reading_line is None:
            shown.reading_line = ReadingLine()
        line = shown.reading_line.update(done, total)
        if not line:
            self._clear_reading(shown)
            return
        shown.reading = line
        self._refresh_footer(message_id)

    def reading_line(self, message_id: int) -> str:
        """What the answer says while its prompt is read ("" when it is not)."""
        shown = self._shown.get(message_id)
        return shown.reading if shown else ""

    def append_text(self, message_id: int, text: str) -> None:
        """Add streamed text to an answer: O(len(text)), whatever came before."""
        shown = self._shown.get(message_id)
        if shown is None or not text:
            return
        self._clear_reading(shown)
        follow = self._at_bottom()
        shown.message.content += text
        if shown.thinking_since is not None and shown.thinking_until is None:
            shown.thinking_until = time.monotonic()  # the thinking is over
            self._refresh_header(shown)
        self._insert_plain(shown, text)
        if follow:
            self._scroll_to_end()

    def append_thinking(self, message_id: int, text: str) -> None:
        """Add streamed thinking to an answer: its fold line says so; unfolded, it grows."""
        shown = self._shown.get(message_id)
        if shown is None or not text:
            return
        self._clear_reading(shown)
        first = not shown.message.thinking
        shown.message.thinking = (shown.message.thinking or "") + text
        if shown.thinking_since is None:
            shown.thinking_since = time.monotonic()
        if first:
            self._refresh_header(shown)
        if shown.thinking_frame is not None:
            follow = self._at_bottom()
            cursor = QTextCursor(self.document())
            cursor.setPosition(shown.thinking_frame.lastPosition())
            cursor.insertText(text, self._thinking_format())
            if follow:
                self._scroll_to_end()

    def toggle_thinking(self, message_id: int) -> None:
        """Unfold a message's thinking, or fold it again."""
        shown = self._shown.get(message_id)
        if shown is None or not shown.message.thinking:
            return
        shown.thinking_open = not shown.thinking_open
        if shown.thinking_open:
            self._insert_thinking(shown)
        else:
            self._remove_thinking(shown)
        self._refresh_header(shown)

    def thinking_line(self, message_id: int) -> str:
        """The fold line shown above an answer ("" when it has no thinking)."""
        shown = self._shown.get(message_id)
        return self._thinking_label(shown) if shown else ""

    def shown_text(self, message_id: int) -> str:
        """The message's frame as plain text, as a reader sees it (header, body, footer)."""
        shown = self._shown[message_id]
        cursor = QTextCursor(self.document())
        cursor.setPosition(shown.frame.firstPosition())
        cursor.setPosition(shown.frame.lastPosition(), QTextCursor.MoveMode.KeepAnchor)
        return cursor.selection().toPlainText()

    def finish_message(self, message: Message) -> None:
        """The answer is complete (or stopped): draw it as Markdown with its final details."""
        shown = self._shown.get(message.id)
        if shown is None:
            return
        follow = self._at_bottom()
        if not message.thinking and shown.message.thinking:
            message.thinking = shown.message.thinking  # not saved (a failed turn): as streamed
        shown.message, shown.streaming = message, False
        shown.reading, shown.reading_line = "", None
        shown.thinking_frame = None  # the body is drawn anew
        self._render_body(shown)
        if shown.thinking_open:
            self._insert_thinking(shown)
        self._refresh_header(shown)
        self._refresh_footer(message.id)
        if follow:
            self._scroll_to_end()

    def remove_from(self, message_id: int) -> None:
        """Drop a message and all after it (edit and regenerate replace them)."""
        keep = [mid for mid in self._order if mid < message_id]
        if len(keep) == len(self._order):
            return
        messages = self._hidden + [self._shown[mid].message for mid in keep]
        self.set_messages(messages, page=max(PAGE, len(keep)))

    def rekey(self, old_id: int, new_id: int) -> None:
        """Give a message shown ahead of being stored (a temporary id) its stored id."""
        shown = self._shown.pop(old_id, None)
        if shown is None:
            return
        shown.message.id = new_id
        self._shown[new_id] = shown
        self._order[self._order.index(old_id)] = new_id
        self._refresh_footer(new_id)

    def message_ids(self) -> list[int]:
        return list(self._order)

    def last_user_id(self) -> int | None:
        return next(
            (mid for mid in reversed(self._order) if self._shown[mid].message.role == "user"), None
        )

    def last_answer_text(self) -> str | None:
        mid = self._last_assistant_id()
        return self._shown[mid].message.content if mid is not None else None

    def refresh_theme(self) -> None:
        self._apply_palette()
        messages = [self._shown[mid].message for mid in self._order]
        if messages:
            self.set_messages(self._hidden + messages, page=max(PAGE, len(messages)))
        elif self._empty_html:
            self.show_empty(self._empty_html)

    # -- drawing -------------------------------------------------------------------------------

    def _apply_palette(self) -> None:
        style = DARK_CODE if is_dark(QGuiApplication.palette()) else LIGHT_CODE
        self._renderer = MarkdownRenderer(style)
        self._link_colour = style.link
        # Secondary text (model name, footers): the palette's placeholder colour, which the
        # theme keeps at 4.5:1 or more on both message backgrounds.
        self.muted_colour = (
            QGuiApplication.palette().color(QPalette.ColorRole.PlaceholderText).name()
        )
        self._add_icons()

    def _add_icons(self) -> None:
        """Put the action icons into the document, in the muted colour, at the screen's pixel
        ratio. Clearing the document drops them, so ``_reset`` adds them again."""
        ratio = self.devicePixelRatioF()
        for name in ACTIONS:
            image = (
                icons.icon(name, QPalette.ColorRole.PlaceholderText)
                .pixmap(QSize(ICON_PX, ICON_PX), ratio)
                .toImage()
            )
            url = QUrl(f"{ICON_SCHEME}:{name}")
            self.document().addResource(QTextDocument.ResourceType.ImageResource, url, image)

    def _reset(self) -> None:
        self._shown.clear()
        self._order.clear()
        self._hidden = []
        self._empty_html = ""
        self.document().clear()
        self._add_icons()

    def _bubble_colour(self, role: str) -> QColor:
        palette = QGuiApplication.palette()
        base = palette.color(QPalette.ColorRole.Base)
        if role == "user":
            return palette.color(QPalette.ColorRole.AlternateBase)
        return base

    def _header_html(self, shown: _Shown) -> str:
        m = shown.message
        if m.role == "user":
            who = "You"
        else:
            if m.provider:  # the badge every answer from outside this device carries
                badge = html.escape(providers.badge_text(m.tier, m.provider))
                where = (
                    f"<span style='background-color:{providers.tier_colour(m.tier)}; "
                    f"color:white;'>&nbsp;{badge}&nbsp;</span>"
                )
            else:
                where = "on this device"
            who = (
                f"Assistant <span style='color:{self.muted_colour};'>· "
                f"{html.escape(m.model or '?')} · </span>{where}"
            )
        fold = ""
        if label := self._thinking_label(shown):
            link = f"style='color:{self._link_colour}; text-decoration:none;'"
            verb = "hide" if shown.thinking_open else "show"
            fold = (
                f"<br><span style='font-size:small; color:{self.muted_colour};'>"
                f"<i>{html.escape(label)}</i> "
                f"<a {link} href='{ACTION_SCHEME}:thinking/{m.id}' title='"
                f"{verb.capitalize()} what the model thought before answering'>{verb}</a></span>"
            )
        return f"<b>{who}</b>{fold}"

    def _thinking_label(self, shown: _Shown) -> str:
        m = shown.message
        if m.role != "assistant" or not m.thinking:
            return ""
        if shown.streaming and shown.thinking_until is None:
            return "Thinking…"
        seconds = None
        if m.thinking_ms is not None:
            seconds = m.thinking_ms / 1000
        elif shown.thinking_since is not None and shown.thinking_until is not None:
            seconds = shown.thinking_until - shown.thinking_since
        return "Thought" if seconds is None else f"Thought for {max(1, round(seconds))} s"

    def _thinking_format(self) -> QTextCharFormat:
        fmt = QTextCharFormat()
        fmt.setForeground(QGuiApplication.palette().color(QPalette.ColorRole.PlaceholderText))
        fmt.setFontItalic(True)
        return fmt

    def _insert_thinking(self, shown: _Shown) -> None:
        """The thinking, as plain text in a frame of its own at the top of the answer."""
        fmt = QTextFrameFormat()
        fmt.setBorder(0)
        fmt.setLeftMargin(12)
        fmt.setBottomMargin(6)
        cursor = QTextCursor(self.document())
        cursor.setPosition(shown.body.firstPosition())
        shown.thinking_frame = cursor.insertFrame(fmt)
        cursor.insertText(shown.message.thinking or "", self._thinking_format())

    def _remove_thinking(self, shown: _Shown) -> None:
        frame, shown.thinking_frame = shown.thinking_frame, None
        if frame is None:
            return
        cursor = QTextCursor(self.document())
        cursor.setPosition(frame.firstPosition() - 1)
        cursor.setPosition(frame.lastPosition() + 1, QTextCursor.MoveMode.KeepAnchor)
        cursor.removeSelectedText()

    def _refresh_header(self, shown: _Shown) -> None:
        cursor = QTextCursor(self.document())
        cursor.setPosition(shown.frame.firstPosition())
        cursor.setPosition(shown.body.firstPosition() - 1, QTextCursor.MoveMode.KeepAnchor)
        cursor.removeSelectedText()
        cursor.insertHtml(self._header_html(shown))

    def _footer_html(self, shown: _Shown) -> str:
        m = shown.message
        link = f"style='color:{self._link_colour}; text-decoration:none;'"
        parts = []
        if shown.streaming:
            parts.append(f"<i>{html.escape(shown.reading or 'writing…')}</i>")
        elif m.role == "assistant":
            if m.status == "cancelled":
                parts.append("<i>stopped</i>")
            elif m.interrupted:
                parts.append("<i>interrupted (the app closed while answering)</i>")
            elif m.status == "error":
                parts.append("<i>failed</i>")
            if m.tokens_per_s:
                parts.append(f"{m.completion_tokens or 0} tokens · {m.tokens_per_s:.1f} tokens/s")
        if m.role == "assistant" and (sources := retrieval.from_json(m.sources)):
            parts.append(
                "Sources: "
                + " · ".join(
                    f"<a {link} href='{ACTION_SCHEME}:source/{m.id}/{s.n}' title='"
                    f"{html.escape(s.path, quote=True)}'>[{s.n}] {html.escape(s.where())}</a>"
                    for s in sources
                )
            )
        actions = ["copy"]
        if m.role == "user" and not shown.streaming:
            actions.append("edit")
        if m.role == "assistant" and not shown.streaming and m.id == self._last_assistant_id():
            actions.append("regenerate")
        parts.append(" &nbsp; ".join(self._action_html(action, m.id) for action in actions))
        return (
            f"<span style='font-size:small; color:{self.muted_colour};'>"
            f"{' &nbsp; '.join(parts)}</span>"
        )

    @staticmethod
    def _action_html(action: str, message_id: int) -> str:
        """One message action: its icon as a link, with what it does as tooltip and alt text."""
        what = html.escape(ACTIONS[action], quote=True)
        return (
            f"<a href='{ACTION_SCHEME}:{action}/{message_id}' title='{what}'>"
            f"<img src='{ICON_SCHEME}:{action}' width='{ICON_PX}' height='{ICON_PX}' "
            f"alt='{what}' style='vertical-align: middle;'></a>"
        )

    def _clear_reading(self, shown: _Shown) -> None:
        if shown.reading:
            shown.reading = ""
            self._refresh_footer(shown.message.id)

    def _refresh_footer(self, message_id: int) -> None:
        shown = self._shown[message_id]
        cursor = QTextCursor(self.document())
        cursor.setPosition(shown.frame.lastPosition())
        cursor.movePosition(QTextCursor.MoveOperation.StartOfBlock, QTextCursor.MoveMode.KeepAnchor)
        cursor.removeSelectedText()
        cursor.insertHtml(self._footer_html(shown))

    def _body_cursor(self, shown: _Shown) -> QTextCursor:
        cursor = QTextCursor(self.document())
        cursor.setPosition(shown.body.firstPosition())
        cursor.setPosition(shown.body.lastPosition(), QTextCursor.MoveMode.KeepAnchor)
        return cursor

    def _render_body(self, shown: _Shown) -> None:
        text, cut = shown.message.content, ""
        if len(text) > MAX_SHOWN_CHARS:
            cut = (
                f"<p><i>… {len(text) - MAX_SHOWN_CHARS:,} more characters are not shown "
                f"here; the whole message is kept (Copy copies all of it).</i></p>"
            )
            text = text[:MAX_SHOWN_CHARS]
        rendered = self._renderer.render(text, message_id=shown.message.id)
        shown.code_blocks = rendered.code_blocks
        cursor = self._body_cursor(shown)
        cursor.removeSelectedText()
        cursor.insertHtml(rendered.html + cut if text.strip() else "<i>(no text)</i>")

    def _insert_plain(self, shown: _Shown, text: str) -> None:
        cursor = QTextCursor(self.document())
        cursor.setPosition(shown.body.lastPosition())
        cursor.insertText(text, QTextCharFormat())

    # -- helpers -------------------------------------------------------------------------------

    def _last_assistant_id(self) -> int | None:
        return next(
            (mid for mid in reversed(self._order) if self._shown[mid].message.role == "assistant"),
            None,
        )

    def _at_bottom(self) -> bool:
        bar = self.verticalScrollBar()
        return bar.value() >= bar.maximum() - 4

    def _scroll_to_end(self) -> None:
        bar = self.verticalScrollBar()
        bar.setValue(bar.maximum())

    def _on_anchor_clicked(self, url: QUrl) -> None:
        if url.scheme() != ACTION_SCHEME:
            self.external_link_clicked.emit(url)
            return
        action, _, rest = url.path().partition("/")
        if action == "earlier":
            self.show_earlier()
            return
        parts = rest.split("/")
        try:
            message_id = int(parts[0])
        except ValueError:
            return
        shown = self._shown.get(message_id)
        if shown is None:
            return
        if action == "copy":
            self.copy_requested.emit(shown.message.content)
        elif action == "copy-code" and len(parts) > 1 and parts[1].isdigit():
            index = int(parts[1])
            if index < len(shown.code_blocks):
                self.copy_requested.emit(shown.code_blocks[index])
        elif action == "edit":
            self.edit_requested.emit(message_id)
        elif action == "thinking":
            self.toggle_thinking(message_id)
        elif action == "regenerate":
            self.regenerate_requested.emit()
        elif action == "source" and len(parts) > 1 and parts[1].isdigit():
            self.source_requested.emit(message_id, int(parts[1]))
