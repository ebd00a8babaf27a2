"""First run in the real window: a new chat with only the starter model opens on the welcome;
one click downloads the suggested model (from the hub stand-in) and the chat switches to it; or
the user keeps the starter and chats at once."""

from __future__ import annotations

import pytest
from hub_server import HUB_FILE, HUB_REPO
from PySide6.QtCore import Qt

from app.core.models import catalog

pytestmark = pytest.mark.slow


@pytest.fixture
def narrow_catalog(hub, starter_hub_file, monkeypatch):
    """The catalog's one chat model is one the stand-in serves (the starter's real bytes)."""
    from test_welcome import _catalog

    entries = _catalog(HUB_REPO, HUB_FILE, starter_hub_file.size)
    monkeypatch.setattr(catalog, "load", lambda: entries)


def test_one_click_gets_the_suggested_model_and_the_chat_uses_it(
    qtbot, narrow_catalog, make_window, wait_idle
):
    window = make_window()
    assert window.chat_stack.currentWidget() is window.welcome
    panel = window.welcome
    qtbot.waitUntil(lambda: panel.download_button.isEnabled(), timeout=15_000)
    qtbot.mouseClick(panel.download_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.chat_stack.currentWidget() is window.chat, timeout=60_000)
    new_model = window.rt.settings.default_model
    assert new_model and new_model != "SmolLM2-135M-Instruct.Q4_1"  # not the starter
    assert window.model_picker.currentData() == new_model
    assert "is installed" in window.notice.text()
    wait_idle(window)
    window.input.setPlainText("Hello")
    window.send()
    wait_idle(window)
    assert window.store.messages(window.session.conversation_id)[-1].model == new_model


def test_keeping_the_starter_goes_straight_to_the_chat(qtbot, narrow_catalog, make_window):
    window = make_window()
    qtbot.waitUntil(window.isActiveWindow, timeout=5_000)
    assert window.chat_stack.currentWidget() is window.welcome
    qtbot.mouseClick(window.welcome.keep_button, Qt.MouseButton.LeftButton)
    assert window.chat_stack.currentWidget() is window.chat
    qtbot.waitUntil(window.input.hasFocus, timeout=2_000)  # ready to type
    window.new_chat()
    assert window.chat_stack.currentWidget() is window.chat  # not asked again this session
