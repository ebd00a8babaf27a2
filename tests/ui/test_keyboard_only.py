"""A new user with only a keyboard: from the first-run welcome to a downloaded model, a message,
Stop, Regenerate, a setting changed in Settings and a new chat. Every step is a key event sent to
the widget that has the focus (or a shortcut): no mouse, no calls into the window."""

from __future__ import annotations

import pytest
from hub_server import HUB_FILE, HUB_REPO
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWidget

from app.core.models import catalog

pytestmark = pytest.mark.slow  # a download from the hub stand-in and answers from the model

Key = Qt.Key
CTRL = Qt.KeyboardModifier.ControlModifier
STARTER = "SmolLM2-135M-Instruct.Q4_1"
# Long enough that Esc arrives while the answer is still being written.
LONG_PROMPT = "Count from 1 to 300, one number per line."


@pytest.fixture
def narrow_catalog(hub, starter_hub_file, monkeypatch):
    """The catalog's one chat model is one the hub stand-in serves (the starter's real bytes)."""
    size = starter_hub_file.size
    entries = catalog.entries(
        {
            "models": [
                {
                    "id": "test-model",
                    "name": "Test Model 135M",
                    "repo": HUB_REPO,
                    "files": [{"file": HUB_FILE, "quant": "Q4_1", "size_bytes": size}],
                    "parameters_b": 0.135,
                    "license": "apache-2.0",
                }
            ]
        }
    )
    monkeypatch.setattr(catalog, "load", lambda: entries)


def _name(widget: QWidget | None) -> str:
    if widget is None:
        return "nothing"
    return f"{type(widget).__name__} {widget.accessibleName()!r}"


class Keyboard:
    """Keys go where the keyboard focus is, as they would for a person."""

    def __init__(self, qtbot):
        self.qtbot = qtbot

    @property
    def focus(self) -> QWidget | None:
        return QApplication.focusWidget()

    def press(self, key: Key, modifier=Qt.KeyboardModifier.NoModifier) -> None:
        widget = self.focus
        assert widget is not None, f"nothing has the keyboard focus for {key!r}"
        self.qtbot.keyClick(widget, key, modifier)

    def type(self, text: str) -> None:
        widget = self.focus
        assert widget is not None, "nothing has the keyboard focus to type into"
        self.qtbot.keyClicks(widget, text)

    def tab_to(self, target: QWidget, *, limit: int = 40) -> int:
        """Press Tab until ``target`` has the focus; how many presses it took."""
        for presses in range(limit):
            if self.focus is target:
                return presses
            self.press(Key.Key_Tab)
        pytest.fail(f"Tab never reached {_name(target)}; the focus is on {_name(self.focus)}")


def _last_answer(window):
    return window.store.messages(window.session.conversation_id)[-1]


def test_a_new_user_gets_a_model_chats_stops_regenerates_and_changes_a_setting_by_keyboard(
    qtbot, narrow_catalog, make_window, wait_idle
):
    keys = Keyboard(qtbot)
    window = make_window(max_answer_tokens=600)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=5_000)

    # First run: the welcome offers one model; Tab reaches Download, Space presses it.
    panel = window.welcome
    assert window.chat_stack.currentWidget() is panel
    qtbot.waitUntil(panel.download_button.isEnabled, timeout=15_000)
    keys.tab_to(panel.download_button)
    keys.press(Key.Key_Space)
    qtbot.waitUntil(lambda: window.chat_stack.currentWidget() is window.chat, timeout=60_000)
    model = window.rt.settings.default_model
    assert model and model != STARTER
    assert window.model_picker.currentData() == model
    wait_idle(window)

    # The chat: Tab reaches the message box (one press: the switch leaves the focus on the
    # panel's hidden Download button, not in the box; see main_window._on_welcome_model_ready);
    # Enter sends.
    keys.tab_to(window.input)
    keys.type(LONG_PROMPT)
    written = []  # the answer's text as it streams (watched, not driven)
    window.models.text_received.connect(lambda *chunk: written.append(chunk))
    keys.press(Key.Key_Return)
    qtbot.waitUntil(lambda: window.stop_button.isVisible() and bool(written), timeout=30_000)

    # Esc stops the answer; what was written is kept, marked as stopped.
    keys.press(Key.Key_Escape)
    wait_idle(window)
    stopped = _last_answer(window)
    assert stopped.role == "assistant" and stopped.status == "cancelled" and stopped.content
    assert stopped.model == model

    # Ctrl+R answers the last message again.
    written.clear()
    keys.press(Key.Key_R, CTRL)
    qtbot.waitUntil(lambda: window.stop_button.isVisible() and bool(written), timeout=30_000)
    keys.press(Key.Key_Escape)  # a long answer again: stop it too
    wait_idle(window)
    again = _last_answer(window)
    assert again.role == "assistant" and again.id != stopped.id and again.content
    assert [m.role for m in window.store.messages(window.session.conversation_id)] == [
        "user",
        "assistant",
    ]

    # Ctrl+, opens Settings: Down picks the Models page, Tab reaches Longest answer, Up raises it
    # and Enter saves it; Esc closes the window.
    keys.press(Key.Key_Comma, CTRL)
    settings = window.settings_dialog
    assert settings is not None and settings.isVisible()
    qtbot.waitUntil(lambda: settings.isAncestorOf(keys.focus), timeout=5_000)
    keys.tab_to(settings.pages)
    keys.press(Key.Key_Down)
    assert settings.pages.currentItem().text() == "Models"
    longest = settings.fields["max_answer_tokens"].widget
    keys.tab_to(longest)
    keys.press(Key.Key_Up)
    keys.press(Key.Key_Return)
    assert window.rt.settings.max_answer_tokens == 601
    keys.press(Key.Key_Escape)
    assert not settings.isVisible()

    # Ctrl+N: a new, empty chat, ready to type in. A window manager gives the window back the
    # keyboard when its dialog closes; the offscreen platform has none, so the test does that.
    window.activateWindow()
    qtbot.waitUntil(lambda: window.isActiveWindow() and keys.focus is not None, timeout=5_000)
    keys.press(Key.Key_N, CTRL)
    assert window.session.conversation_id is None
    assert keys.focus is window.input
