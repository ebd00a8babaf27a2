"""Fixtures for the cloud tests."""

from __future__ import annotations

import pytest

from app.core.chat.assistant import Assistant
from app.core.chat.store import Store
from app.core.cloud.chat import CloudChat
from app.core.platform import settings as settings_mod


@pytest.fixture
def chat(paths, org_provider):
    """A CloudChat on this test's store and settings, with the org provider stand-in added;
    short, greedy answers."""
    store = Store(paths.database)
    assistant = Assistant(store, settings_mod.load(paths.settings_file), paths)
    assistant.overrides = {"max_answer_tokens": 16, "temperature": 0.0}
    yield CloudChat(assistant)
    assistant.host.unload()
    store.close()
