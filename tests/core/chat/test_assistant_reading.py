"""A long message shows the model reading it, and Stop while it reads keeps nothing half-done:
the assistant on the real starter model and a real database."""

from __future__ import annotations

import threading

import pytest
from shared_host import SharedHost

from app.core.chat.assistant import Assistant
from app.core.chat.store import Store
from app.core.platform.settings import Settings

pytestmark = pytest.mark.slow

LONG = "word " * 1100 + "\nSay hello."  # three batches of the starter model


@pytest.fixture
def assistant(paths, engine):
    settings = Settings(context_length=2048, max_answer_tokens=8, temperature=0.0)
    engine._llama.reset()  # nothing of these prompts in the KV cache
    with Store(paths.database) as store:
        yield Assistant(store, settings, paths, host=SharedHost(settings, engine))


def test_reading_progress_reaches_the_whole_prompt(assistant):
    reports: list[tuple[int, int]] = []
    result = assistant.send(
        None, LONG, cancel=threading.Event(), on_reading=lambda *r: reports.append(r)
    )
    total = result.stats.prompt_tokens
    assert reports[0] == (0, total) and reports[-1] == (total, total)
    assert [d for d, _ in reports] == sorted({d for d, _ in reports})
    assert not result.cancelled


def test_a_message_routed_to_this_device_reports_its_reading(assistant):
    """CloudChat.send_message (how the window and `enclave ask` send) passes on_reading on."""
    from app.core.cloud.chat import CloudChat

    reports: list[tuple[int, int]] = []
    result = CloudChat(assistant).send_message(
        None, LONG, cancel=threading.Event(), on_reading=lambda *r: reports.append(r)
    )
    assert reports and reports[-1] == (result.stats.prompt_tokens,) * 2


def test_stop_while_reading_stores_an_empty_stopped_answer(assistant):
    cancel, pieces, reports = threading.Event(), [], []

    def stop_once_reading_shows(done: int, total: int) -> None:
        reports.append(done)
        if done > 0:
            cancel.set()

    result = assistant.send(
        None, LONG, cancel=cancel, on_piece=pieces.append, on_reading=stop_once_reading_shows
    )
    assert result.cancelled and result.text == "" and pieces == []
    assert reports == [0, assistant.host.shared._llama.n_batch]
    user, answer = assistant.store.messages(result.conversation_id)
    assert (user.content, answer.content, answer.status) == (LONG, "", "cancelled")
    assert answer.completion_tokens == 0
    # The stopped answer is no part of what the model said: the question is asked again alone.
    history = assistant.history(assistant.store.conversation(result.conversation_id))
    assert [m.role for m in history if m.role != "system"] == ["user"]
