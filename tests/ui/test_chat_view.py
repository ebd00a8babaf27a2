"""The chat view draws Markdown safely and never fetches anything on its own."""

from __future__ import annotations

from PySide6.QtCore import QUrl

from app.core.store import Message, Store
from app.ui.chat_view import ChatView


def _has_images(view: ChatView) -> bool:
    block = view.document().begin()
    while block.isValid():
        it = block.begin()
        while not it.atEnd():
            if it.fragment().charFormat().isImageFormat():
                return True
            it += 1
        block = block.next()
    return False


def test_images_in_a_reply_cause_no_request(qtbot, loopback_server, make_window, paths):
    port = loopback_server.server_address[1]
    reply = (f"Here is a cat: ![cat](http://127.0.0.1:{port}/cat.png)\n\n"
             f"<img src=\"http://127.0.0.1:{port}/raw.png\">\n\n"
             f"[a link](http://127.0.0.1:{port}/page)")
    with Store(paths.database) as store:
        c = store.create_conversation("Pictures")
        store.add_message(c.id, "user", "Show me a cat")
        store.add_message(c.id, "assistant", reply, model="m", engine="local")
    window = make_window()
    window.open_conversation(c.id)
    # Also the streaming path: text appended, then rendered when complete.
    view = window.chat
    streaming = Message(10_000, c.id, "assistant", "", model="m", engine="local",
                        status="streaming")
    view.add_message(streaming, streaming=True)
    view.append_text(streaming.id, reply)
    view.finish_message(Message(10_000, c.id, "assistant", reply, model="m", engine="local"))
    view.grab()  # paint everything once
    qtbot.wait(300)

    assert loopback_server.requests == []
    assert not _has_images(view), "images must be shown as links, never loaded"
    assert "[image:" in view.toPlainText()
    assert "<img" in view.toPlainText()  # raw HTML is shown as text, not interpreted


def test_resources_are_refused(qtbot):
    view = ChatView()
    qtbot.addWidget(view)
    data = view.loadResource(2, QUrl("file:///etc/hostname"))
    assert data is not None and len(data) == 0


def test_code_block_copy_and_message_actions(qtbot):
    view = ChatView()
    qtbot.addWidget(view)
    view.add_message(Message(1, 1, "user", "Write code"))
    view.add_message(Message(2, 1, "assistant", "Sure:\n\n```python\nprint('hi')\n```\n",
                             model="m", engine="local"))
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


def test_streaming_appends_without_rerendering(qtbot):
    view = ChatView()
    qtbot.addWidget(view)
    view.add_message(Message(1, 1, "assistant", "", model="m", engine="local",
                             status="streaming"), streaming=True)
    for word in ["**bold**", " and", " more"]:
        view.append_text(1, word)
    assert "**bold** and more" in view.toPlainText()  # raw while streaming
    view.finish_message(Message(1, 1, "assistant", "**bold** and more", model="m",
                                engine="local"))
    text = view.toPlainText()
    assert "bold and more" in text and "**" not in text  # rendered once complete


def test_long_conversations_open_with_the_newest_page_and_show_earlier_on_request(qtbot):
    from app.ui.chat_view import PAGE

    view = ChatView()
    qtbot.addWidget(view)
    messages = [Message(i, 1, "user" if i % 2 else "assistant", f"message number {i}",
                        model="m", engine="local") for i in range(1, 2 * PAGE + 11)]
    view.set_messages(messages)
    assert view.message_ids() == [m.id for m in messages[-PAGE:]]
    assert "message number 1\n" not in view.toPlainText() + "\n"
    assert f"{len(messages) - PAGE} not shown" in view.toPlainText()

    view.anchorClicked.emit(QUrl("enclave:earlier/0"))
    assert view.message_ids() == [m.id for m in messages[-2 * PAGE:]]
    view.show_earlier()
    assert view.message_ids() == [m.id for m in messages]
    assert "not shown" not in view.toPlainText()
