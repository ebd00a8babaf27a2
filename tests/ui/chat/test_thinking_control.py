"""The thinking control: what it offers follows the conversation's model, the user's choice goes
to the session (and so to the store), and it hides for models without a switch. A real
ChatSession on a real Store, with small real GGUF files whose templates steer thinking."""

from __future__ import annotations

import logging

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QWidget
from thinking_models import EFFORT_MODEL, SWITCH_MODEL, write_reasoning_models

from app.core.chat.session import ChatSession
from app.core.chat.store import Store
from app.core.cloud.providers import ProviderRegistry
from app.core.models.service import ModelLibrary
from app.core.platform.settings import Settings
from app.ui.chat.thinking_control import ThinkingControl


class SentRequests:
    """Where the session's work would run: only the first message's options matter here."""

    def __init__(self):
        self.sent: list[tuple] = []

    def send(self, conversation_id, text, model="", collections=None, thinking_level=None):
        self.sent.append((conversation_id, text, thinking_level))
        return len(self.sent)


@pytest.fixture
def parts(qtbot, paths):
    write_reasoning_models(paths.models)
    store = Store(paths.database)
    requests = SentRequests()
    settings = Settings(default_model=SWITCH_MODEL)
    session = ChatSession(
        store, ProviderRegistry(paths.providers_file), settings, requests, paths=paths
    )
    window = QWidget()
    qtbot.addWidget(window)
    control = ThinkingControl(session, window)
    window.show()
    yield session, store, control, requests
    store.close()


def items(control) -> list[str]:
    return [control.itemText(i) for i in range(control.count())]


def test_a_new_chat_offers_on_and_off_and_the_choice_goes_with_the_first_message(parts, qtbot):
    session, store, control, requests = parts
    assert control.isVisible() and control.accessibleName() == "Thinking"
    assert items(control) == ["Thinking: Auto", "Thinking: On", "Thinking: Off"]
    assert control.currentText() == "Thinking: Auto"
    assert "thinks before it answers" in control.toolTip()
    assert "thinking=LEVEL" in control.toolTip()  # where the model's default is set

    control.setFocus()
    qtbot.keyClick(control, Qt.Key.Key_Down)  # the user picks the next item: On
    assert control.currentText() == "Thinking: On"
    assert session.thinking_level() == "on" and store.count_conversations() == 0
    session.send("Hello")
    assert requests.sent == [(None, "Hello", "on")]


def test_it_follows_the_open_conversation_and_hides_without_a_switch(parts, qtbot):
    session, store, control, _ = parts
    effort = store.create_conversation("gpt-oss", model=EFFORT_MODEL)
    store.set_thinking(effort.id, "high")
    session.open(effort.id)
    assert items(control) == [
        "Thinking: Auto",
        "Thinking: Low",
        "Thinking: Medium",
        "Thinking: High",
    ]
    assert control.currentText() == "Thinking: High"
    assert "Low answers sooner" in control.toolTip()
    control.setFocus()
    qtbot.keyClick(control, Qt.Key.Key_Up)
    assert store.thinking(effort.id) == "medium"  # stored for the conversation at once

    starter = store.create_conversation("small", model="starter")
    session.open(starter.id)
    assert control.isHidden()
    session.open(effort.id)
    assert control.isVisible() and control.currentText() == "Thinking: Medium"


def test_made_before_its_place_in_a_window_it_is_not_a_window_of_its_own(parts, qtbot):
    session = parts[0]
    control = ThinkingControl(session)  # as a window builds its top bar
    qtbot.addWidget(control)
    assert not control.isVisible()
    bar = QWidget()
    qtbot.addWidget(bar)
    QHBoxLayout(bar).addWidget(control)
    bar.show()
    assert control.isVisible() and control.window() is bar


def test_auto_names_the_models_own_default(parts, paths):
    session, _, control, _ = parts
    ModelLibrary(paths, Settings()).set_model_defaults(SWITCH_MODEL, thinking="off")
    session.model_changed()  # the window says so when its model picker changes the model
    assert control.currentText() == "Thinking: Auto (Off)"
    assert "default is Off" in control.toolTip()


def test_a_closed_control_stops_listening(parts, caplog):
    session, _, control, _ = parts
    control.deleteLater()
    from PySide6.QtCore import QCoreApplication, QEvent

    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    with caplog.at_level(logging.ERROR):
        session.new()
    assert "thinking_changed failed" not in caplog.text
