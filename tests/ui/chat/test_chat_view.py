"""The chat view draws Markdown safely and never fetches anything on its own."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QEvent, QObject, QPoint, Qt, QUrl, Slot
from PySide6.QtGui import (
    QDesktopServices,
    QHelpEvent,
    QTextCursor,
    QTextFormat,
    QTextFrameFormat,
    QTextTable,
)
from PySide6.QtWidgets import QApplication, QMessageBox, QToolTip

from app.core.chat.store import Message, Store
from app.ui.chat.chat_view import ChatView
from app.ui.chat.markdown_html import ICON_SCHEME

LINK_SCHEMES = ("http", "https", "mailto")


def _fragments(view: ChatView):
    block = view.document().begin()
    while block.isValid():
        it = block.begin()
        while not it.atEnd():
            yield it.fragment()
            it += 1
        block = block.next()


def _images(view: ChatView) -> list[str]:
    return [
        f.charFormat().toImageFormat().name()
        for f in _fragments(view)
        if f.charFormat().isImageFormat()
    ]


def _has_images(view: ChatView) -> bool:
    """Any picture other than the view's own action icons."""
    return any(not name.startswith(f"{ICON_SCHEME}:") for name in _images(view))


def _link_point(view: ChatView, href: str) -> QPoint:
    """Where the link to ``href`` is drawn, in the view's viewport, scrolled into sight."""
    fragment = next(f for f in _fragments(view) if f.charFormat().anchorHref() == href)
    cursor = QTextCursor(view.document())
    cursor.setPosition(fragment.position() + fragment.length() // 2)
    view.setTextCursor(cursor)
    view.ensureCursorVisible()
    return view.cursorRect(cursor).center()


class _Browser(QObject):
    """Stands in for the web browser: QDesktopServices.openUrl hands it the URL."""

    def __init__(self):
        super().__init__()
        self.opened: list[QUrl] = []

    @Slot(QUrl)
    def open(self, url: QUrl) -> None:
        self.opened.append(url)


@pytest.fixture
def browser():
    stand_in = _Browser()
    for scheme in LINK_SCHEMES:
        QDesktopServices.setUrlHandler(scheme, stand_in, "open")
    yield stand_in
    for scheme in LINK_SCHEMES:
        QDesktopServices.unsetUrlHandler(scheme)


def test_images_in_a_reply_cause_no_request(qtbot, loopback_server, make_window, paths):
    port = loopback_server.server_address[1]
    reply = (
        f"Here is a cat: ![cat](http://127.0.0.1:{port}/cat.png)\n\n"
        f'<img src="http://127.0.0.1:{port}/raw.png">\n\n'
        f"[a link](http://127.0.0.1:{port}/page)"
    )
    with Store(paths.database) as store:
        c = store.create_conversation("Pictures")
        store.add_message(c.id, "user", "Show me a cat")
        store.add_message(c.id, "assistant", reply, model="m", engine="local")
    window = make_window()
    window.open_conversation(c.id)
    # Also the streaming path: text appended, then rendered when complete.
    view = window.chat
    streaming = Message(
        10_000, c.id, "assistant", "", model="m", engine="local", status="streaming"
    )
    view.add_message(streaming, streaming=True)
    view.append_text(streaming.id, reply)
    view.finish_message(Message(10_000, c.id, "assistant", reply, model="m", engine="local"))
    view.grab()  # paint everything once
    qtbot.wait(300)

    assert loopback_server.requests == []
    assert not _has_images(view), "images must be shown as links, never loaded"
    assert "[image:" in view.toPlainText()
    assert "<img" in view.toPlainText()  # raw HTML is shown as text, not interpreted


def test_a_link_opens_only_after_a_click_and_a_yes(
    qtbot, dialogs, browser, loopback_server, make_window, paths
):
    url = f"http://127.0.0.1:{loopback_server.server_address[1]}/page"
    with Store(paths.database) as store:
        c = store.create_conversation("Links")
        store.add_message(c.id, "user", "Where can I read more?")
        store.add_message(
            c.id, "assistant", f"Read [the page]({url}) later.", model="m", engine="local"
        )
    view = make_window().chat  # opens the newest conversation
    point = _link_point(view, url)
    assert view.anchorAt(point) == url
    qtbot.mouseMove(view.viewport(), point)  # rendered and hovered: nothing opens
    view.grab()
    qtbot.wait(200)
    assert browser.opened == []

    asked = []

    def press(button):
        def act(box: QMessageBox):
            asked.append(box.text())
            box.button(button).click()

        return act

    dialogs.answer(QMessageBox, press(QMessageBox.StandardButton.No))
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=point)
    assert len(asked) == 1 and url in asked[0] and "web browser" in asked[0]
    assert browser.opened == []

    dialogs.answer(QMessageBox, press(QMessageBox.StandardButton.Yes))
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=point)
    assert len(asked) == 2 and browser.opened == [QUrl(url)]
    assert loopback_server.requests == []  # only the stand-in saw it; nothing was fetched


def test_resources_are_refused(qtbot):
    view = ChatView()
    qtbot.addWidget(view)
    data = view.loadResource(2, QUrl("file:///etc/hostname"))
    assert data is not None and len(data) == 0


def test_code_block_copy_and_message_actions(qtbot):
    view = ChatView()
    qtbot.addWidget(view)
    view.add_message(Message(1, 1, "user", "Write code"))
    view.add_message(
        Message(
            2, 1, "assistant", "Sure:\n\n```python\nprint('hi')\n```\n", model="m", engine="local"
        )
    )
    copied, edits, regens = [], [], []
    view.copy_requested.connect(copied.append)
    view.edit_requested.connect(edits.append)
    view.regenerate_requested.connect(lambda: regens.append(True))

    html = view.toHtml()
    assert "enclave:copy-code/2/0" in html and "enclave:regenerate/2" in html
    assert "enclave:edit/1" in html and "enclave:edit/2" not in html
    view.anchorClicked.emit(QUrl("enclave:copy-code/2/0"))
    view.anchorClicked.emit(QUrl("enclave:copy/1"))
    view.anchorClicked.emit(QUrl("enclave:edit/1"))
    view.anchorClicked.emit(QUrl("enclave:regenerate/2"))
    assert copied == ["print('hi')\n", "Write code"]
    assert edits == [1] and regens == [True]

    # Only the newest answer offers Regenerate.
    view.add_message(Message(3, 1, "user", "Again"))
    view.add_message(Message(4, 1, "assistant", "Done.", model="m", engine="local"))
    html = view.toHtml()
    assert "enclave:regenerate/4" in html and "enclave:regenerate/2" not in html


def test_message_actions_are_icons_with_tooltips_drawn_by_the_view(qtbot):
    """Copy, Edit and Regenerate are icons the view draws itself (nothing is loaded), each with
    a tooltip; a real click on an icon does what it says."""
    view = ChatView()
    qtbot.addWidget(view)
    view.resize(900, 600)
    view.add_message(Message(1, 1, "user", "Hello"))
    view.add_message(Message(2, 1, "assistant", "Hi there.", model="m", engine="local"))
    view.show()
    qtbot.waitExposed(view)
    icons = {
        f.charFormat().anchorHref(): f.charFormat()
        for f in _fragments(view)
        if f.charFormat().isImageFormat()
    }
    assert set(icons) == {
        "enclave:copy/1",
        "enclave:edit/1",
        "enclave:copy/2",
        "enclave:regenerate/2",
    }
    for href, fmt in icons.items():
        tip = fmt.toolTip()
        assert tip and tip == fmt.toImageFormat().property(QTextFormat.Property.ImageAltText)
        # Hovering the icon shows its own tooltip, not the view's.
        point = _link_point(view, href) + QPoint(4, 0)
        QApplication.sendEvent(
            view.viewport(),
            QHelpEvent(QEvent.Type.ToolTip, point, view.viewport().mapToGlobal(point)),
        )
        assert QToolTip.text() == tip, href
        name = fmt.toImageFormat().name()
        picture = view.document().resource(2, QUrl(name))  # 2: QTextDocument.ImageResource
        assert picture is not None and not picture.isNull(), f"{name} is not drawn"
        assert picture.width() >= 16 * view.devicePixelRatioF()
    assert "Copy" not in view.toPlainText()  # no text links left

    regenerated = []
    view.regenerate_requested.connect(lambda: regenerated.append(True))
    qtbot.mouseClick(
        view.viewport(), Qt.MouseButton.LeftButton, pos=_link_point(view, "enclave:regenerate/2")
    )
    assert regenerated == [True]

    # The keyboard reaches them too: Tab moves from link to link, Enter uses the one reached.
    view.setFocus()
    for _ in range(10):
        reached = view.textCursor()
        if reached.hasSelection() and reached.charFormat().anchorHref() == "enclave:regenerate/2":
            break
        qtbot.keyClick(view, Qt.Key.Key_Tab)
    qtbot.keyClick(view, Qt.Key.Key_Return)
    assert regenerated == [True, True]

    # After the conversation is redrawn (a new conversation clears the document) they are back.
    view.set_messages([Message(3, 2, "user", "Again")])
    assert view.document().resource(2, QUrl(f"{ICON_SCHEME}:copy")) is not None


def _tables(frame):
    for child in frame.childFrames():
        if isinstance(child, QTextTable):
            yield child
        yield from _tables(child)


def test_markdown_tables_have_ruled_cells_a_shaded_header_and_their_alignment(qtbot):
    view = ChatView()
    qtbot.addWidget(view)
    answer = "| Planet | Moons |\n|:--|--:|\n| Earth | 1 |\n| Jupiter | 95 |\n"
    view.add_message(Message(1, 1, "assistant", answer, model="m", engine="local"))
    tables = list(_tables(view.document().rootFrame()))
    assert len(tables) == 1
    table = tables[0]
    assert (table.rows(), table.columns()) == (3, 2)
    fmt = table.format()
    assert fmt.border() >= 1 and fmt.borderCollapse()
    # Solid: Qt's default (outset) shades the rules, and in the light theme they vanish.
    assert fmt.borderStyle() == QTextFrameFormat.BorderStyle.BorderStyle_Solid
    header, body = table.cellAt(0, 1), table.cellAt(2, 1)
    assert header.format().background().color() != body.format().background().color()
    moons = QTextCursor(body.firstCursorPosition()).blockFormat().alignment()
    assert moons & Qt.AlignmentFlag.AlignRight, "the Moons column is right-aligned"
    assert "Jupiter" in view.toPlainText() and "|" not in view.toPlainText()


def test_streaming_appends_without_rerendering(qtbot):
    view = ChatView()
    qtbot.addWidget(view)
    view.add_message(
        Message(1, 1, "assistant", "", model="m", engine="local", status="streaming"),
        streaming=True,
    )
    for word in ["**bold**", " and", " more"]:
        view.append_text(1, word)
    assert "**bold** and more" in view.toPlainText()  # raw while streaming
    view.finish_message(Message(1, 1, "assistant", "**bold** and more", model="m", engine="local"))
    text = view.toPlainText()
    assert "bold and more" in text and "**" not in text  # rendered once complete


def test_long_conversations_open_with_the_newest_page_and_show_earlier_on_request(qtbot):
    from app.ui.chat.chat_view import PAGE

    view = ChatView()
    qtbot.addWidget(view)
    messages = [
        Message(
            i, 1, "user" if i % 2 else "assistant", f"message number {i}", model="m", engine="local"
        )
        for i in range(1, 2 * PAGE + 11)
    ]
    view.set_messages(messages)
    assert view.message_ids() == [m.id for m in messages[-PAGE:]]
    assert "message number 1\n" not in view.toPlainText() + "\n"
    assert f"{len(messages) - PAGE} not shown" in view.toPlainText()

    view.anchorClicked.emit(QUrl("enclave:earlier/0"))
    assert view.message_ids() == [m.id for m in messages[-2 * PAGE :]]
    view.show_earlier()
    assert view.message_ids() == [m.id for m in messages]
    assert "not shown" not in view.toPlainText()


# -- a reasoning model's thinking ---------------------------------------------------------------


def test_thinking_streams_folded_above_the_answer_and_unfolds_live(qtbot):
    view = ChatView()
    qtbot.addWidget(view)
    view.show()
    view.add_message(Message(1, 1, "user", "Why is the sky blue?"))
    view.add_message(
        Message(2, 1, "assistant", "", model="m", engine="local", status="streaming"),
        streaming=True,
    )
    assert view.thinking_line(2) == ""  # nothing to fold yet
    view.append_thinking(2, "Rayleigh scattering: ")
    assert view.thinking_line(2) == "Thinking…"
    assert "Rayleigh" not in view.toPlainText()  # folded
    qtbot.mouseClick(
        view.viewport(), Qt.MouseButton.LeftButton, pos=_link_point(view, "enclave:thinking/2")
    )
    assert "Rayleigh scattering:" in view.shown_text(2)
    view.append_thinking(2, "shorter wavelengths scatter more.")  # unfolded: it grows live
    assert "Rayleigh scattering: shorter wavelengths scatter more." in view.shown_text(2)
    view.append_text(2, "Because **blue** light scatters most.")
    assert view.thinking_line(2).startswith("Thought for ")
    text = view.shown_text(2)
    assert text.index("Thought for") < text.index("shorter wavelengths") < text.index("Because")

    view.finish_message(
        Message(
            2, 1, "assistant", "Because **blue** light scatters most.", model="m",
            engine="local", thinking="Rayleigh scattering: shorter wavelengths scatter more.",
            thinking_ms=12_400,
        )
    )  # fmt: skip
    assert view.thinking_line(2) == "Thought for 12 s"
    text = view.shown_text(2)
    assert "shorter wavelengths" in text and "**" not in text  # still unfolded, answer rendered
    assert text.index("shorter wavelengths") < text.index("Because blue light")
    view.anchorClicked.emit(QUrl("enclave:thinking/2"))  # fold it again
    text = view.shown_text(2)
    assert "Rayleigh" not in text and "Because blue light scatters most." in text
    copied = []
    view.copy_requested.connect(copied.append)
    view.anchorClicked.emit(QUrl("enclave:copy/2"))
    assert copied == ["Because **blue** light scatters most."]  # the answer, not the thinking


def test_a_stored_answer_shows_its_thinking_folded(qtbot):
    view = ChatView()
    qtbot.addWidget(view)
    plain = Message(1, 1, "assistant", "Hello.", model="m", engine="local")
    thought = Message(
        2, 1, "assistant", "Hi.", model="m", engine="local", thinking="Greet back.", thinking_ms=900
    )
    view.set_messages([plain, thought])
    assert view.thinking_line(1) == "" and "enclave:thinking/1" not in view.toHtml()
    assert view.thinking_line(2) == "Thought for 1 s" and "Greet back." not in view.toPlainText()
    view.anchorClicked.emit(QUrl("enclave:thinking/2"))
    assert "Greet back." in view.shown_text(2)
    view.anchorClicked.emit(QUrl("enclave:thinking/1"))  # no thinking: nothing to unfold
    assert view.shown_text(1).count("Hello.") == 1


def test_the_conversation_reads_in_a_centred_column(qtbot):
    """A wide window does not stretch lines: the text keeps a comfortable width, centred; a
    narrow one uses all of its width."""
    from app.ui.chat.chat_view import READING_COLUMN_CHARS

    view = ChatView()
    qtbot.addWidget(view)
    view.set_messages([Message(1, 1, "user", "word " * 400)])
    column = view.fontMetrics().averageCharWidth() * READING_COLUMN_CHARS
    view.resize(column * 2, 600)
    view.show()
    qtbot.waitExposed(view)
    assert abs(view.reading_column_width() - column) <= 4
    left = view.viewport().geometry().left()
    right = view.width() - view.viewport().geometry().right()
    assert abs(left - right) <= 4  # centred
    # The text wraps at the column: nothing reaches past it, so nothing scrolls sideways.
    assert view.document().textWidth() <= view.reading_column_width()
    assert view.horizontalScrollBar().maximum() == 0
    view.resize(column // 2, 600)
    qtbot.waitUntil(lambda: view.reading_column_width() >= column // 2 - 30)


def test_code_in_a_sentence_is_shaded_and_a_quotation_has_a_bar(qtbot):
    view = ChatView()
    qtbot.addWidget(view)
    answer = "Call `total()` here.\n\n> Quoted words.\n\nAfter."
    view.add_message(Message(1, 1, "assistant", answer, model="m", engine="local"))
    shaded = [f for f in _fragments(view) if f.text() == "total()"]
    assert shaded and shaded[0].charFormat().background().style() != Qt.BrushStyle.NoBrush
    quote = next(t for t in _tables(view.document().rootFrame()) if t.columns() == 2)
    bar, text = quote.cellAt(0, 0), quote.cellAt(0, 1)
    assert bar.format().background().style() != Qt.BrushStyle.NoBrush
    assert "Quoted words." in QTextCursor(text.firstCursorPosition()).block().text()
    assert view.toPlainText().count("Quoted words.") == 1


def test_lists_indent_a_few_characters_a_level(qtbot):
    """Qt indents each list level by 40 px; a nested list in a narrow column then starts far in."""
    view = ChatView()
    qtbot.addWidget(view)
    answer = "Plan:\n\n1. Arrive.\n2. Check in.\n   - Keys at the desk\n"
    view.resize(900, 400)
    view.set_messages([Message(1, 1, "assistant", answer, model="m", engine="local")])
    view.show()
    qtbot.waitExposed(view)
    x = {}  # where each line's text is drawn
    block = view.document().begin()
    while block.isValid():
        x[block.text().strip()] = view.cursorRect(QTextCursor(block)).x()
        block = block.next()
    nested = x["Keys at the desk"] - x["Plan:"]
    assert 0 < nested <= view.fontMetrics().averageCharWidth() * 10, nested


def test_a_view_at_the_newest_message_stays_there_when_the_window_shrinks(qtbot):
    view = ChatView()
    qtbot.addWidget(view)
    view.resize(1900, 900)
    view.show()
    qtbot.waitExposed(view)
    view.set_messages([Message(i, 1, "user", f"message {i} " + "word " * 60) for i in range(1, 9)])
    bar = view.verticalScrollBar()
    assert bar.value() == bar.maximum()
    view.resize(900, 400)  # taller text in a shorter view: the end moves away
    qtbot.wait(20)
    assert bar.maximum() > 0 and bar.value() == bar.maximum()
    bar.setValue(0)  # scrolled up to read: a resize leaves the place alone
    view.resize(800, 400)
    qtbot.wait(20)
    assert bar.value() == 0


def test_long_code_lines_wrap_inside_the_column(qtbot):
    """A long line of code wraps in its block instead of widening the conversation (which then
    scrolls sideways, every message with it)."""
    view = ChatView()
    qtbot.addWidget(view)
    view.resize(900, 400)
    line = "result = total(" + ", ".join(f"argument_{i}={i}" for i in range(20)) + ")"
    view.add_message(
        Message(1, 1, "assistant", f"```python\n{line}\n```", model="m", engine="local")
    )
    view.show()
    qtbot.waitExposed(view)
    assert view.document().idealWidth() <= view.reading_column_width()
    assert view.horizontalScrollBar().maximum() == 0
    assert line in view.toPlainText().replace("\u2028", "").replace("\n", "")


def test_resizing_through_every_width_settles(qtbot):
    """New margins lay the view out again (a scroll bar may come or go): every width settles."""
    view = ChatView()
    qtbot.addWidget(view)
    view.set_messages([Message(i, 1, "user", "word " * 60) for i in range(1, 30)])
    view.show()
    qtbot.waitExposed(view)
    for width in range(300, 2200, 7):
        view.resize(width, 500)
        qtbot.wait(1)
    assert view.reading_column_width() > 0
