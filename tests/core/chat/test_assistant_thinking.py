"""A thinking answer end to end through the real engine: the starter model is held to the shape
``<think>…</think>answer`` by a llama.cpp grammar; the thinking is stored apart, streamed apart,
and never part of the next turn's prompt."""

from __future__ import annotations

import threading
from types import SimpleNamespace

import pytest
from shared_host import SharedHost
from thinking_grammar import ANSWER_MARK, THOUGHT_MARK, force_thinking, record_prompts

from app.core.chat import export
from app.core.chat.assistant import Assistant
from app.core.chat.store import Store
from app.core.engines.base import ChatMessage
from app.core.errors import EnclaveError
from app.core.platform.settings import Settings

pytestmark = pytest.mark.slow


@pytest.fixture
def store(paths):
    with Store(paths.database) as s:
        yield s


@pytest.fixture
def assistant(store, paths, engine, monkeypatch):
    settings = Settings(context_length=2048, max_answer_tokens=48, temperature=0.0)
    force_thinking(monkeypatch, engine)
    return Assistant(store, settings, paths, host=SharedHost(settings, engine))


def test_thinking_is_stored_and_streamed_apart_and_never_sent_back(
    assistant, store, engine, monkeypatch
):
    prompts = record_prompts(monkeypatch, engine)
    answer_pieces, thought_pieces = [], []
    first = assistant.send(
        None,
        "Why is the sea salty?",
        cancel=threading.Event(),
        on_piece=answer_pieces.append,
        on_thinking=thought_pieces.append,
    )
    assert first.thinking.startswith(THOUGHT_MARK) and first.thinking.endswith(".")
    assert first.text.startswith(ANSWER_MARK) and "<think>" not in first.text
    assert "".join(answer_pieces) == first.text and "".join(thought_pieces) == first.thinking
    assert first.thinking_s is not None and first.thinking_s > 0
    stored = store.message(first.answer_message_id)
    assert (stored.content, stored.thinking) == (first.text, first.thinking)
    assert stored.thinking_ms == pytest.approx(first.thinking_s * 1000)

    prompts.clear()
    second = assistant.send(first.conversation_id, "And the rivers?", cancel=threading.Event())
    assert prompts, "the engine formatted the prompt it decoded"
    for prompt in prompts:  # what the model received holds the first answer, not its thinking
        assert first.text in prompt
        assert THOUGHT_MARK not in prompt and "<think>" not in prompt
    assert second.thinking.startswith(THOUGHT_MARK)


def test_a_stopped_answer_keeps_its_unclosed_thinking(assistant, store):
    cancel = threading.Event()

    def stop_soon(piece):
        if "ponder" in piece:
            cancel.set()

    result = assistant.send(None, "Think about it", cancel=cancel, on_thinking=stop_soon)
    assert result.cancelled and result.text == ""
    assert result.thinking.startswith(THOUGHT_MARK)
    stored = store.message(result.answer_message_id)
    assert stored.status == "cancelled" and stored.thinking == result.thinking


def test_exports_leave_thinking_out_unless_asked(assistant, store):
    result = assistant.send(None, "Hello", cancel=threading.Event())
    conversation = [store.conversation(result.conversation_id)]
    assert THOUGHT_MARK not in export.export(store, conversation, "json")
    assert THOUGHT_MARK not in export.export(store, conversation, "md")
    import json

    doc = json.loads(export.export(store, conversation, "json", include_thinking=True))
    answer = doc["conversations"][0]["messages"][-1]
    assert answer["thinking"] == result.thinking and answer["content"] == result.text
    assert answer["thinking_ms"] > 0
    md = export.export(store, conversation, "md", include_thinking=True)
    assert "<details>\n<summary>Thought for " in md
    assert md.index(result.thinking) < md.index("</details>") < md.index(result.text)


def test_a_level_the_starter_model_has_no_switch_for_is_a_notice(assistant, store):
    result = assistant.send(None, "Hi", cancel=threading.Event(), thinking_level="high")
    assert store.thinking(result.conversation_id) == "high"
    assert any("no thinking switch" in n for n in result.notices)
    with pytest.raises(EnclaveError, match="Thinking must be one of on, off, low"):
        assistant.send(None, "Hi", cancel=threading.Event(), thinking_level="max")
    assert store.count_conversations() == 1  # the refused one stored nothing


def _template_engine(template: str):
    return SimpleNamespace(info=SimpleNamespace(chat_template=template), model_id="m")


def test_the_level_reaches_the_system_prompt_in_the_models_words(assistant, store):
    c = store.create_conversation("Levels")
    history = [ChatMessage("system", "Be brief."), ChatMessage("user", "Hi")]
    qwen3 = _template_engine("{% if enable_thinking is defined %}<think>{% endif %}")
    gpt_oss = _template_engine("Reasoning: {{ reasoning_effort }}<|channel|>")
    assert assistant.steer(history, store.conversation(c.id), None, qwen3) == (history, [])
    store.set_thinking(c.id, "off")
    steered, notes = assistant.steer(history, store.conversation(c.id), None, qwen3)
    assert steered[0].content == "Be brief.\n\n/no_think" and steered[1:] == history[1:]
    store.set_thinking(c.id, "high")
    steered, _ = assistant.steer(history[1:], store.conversation(c.id), None, gpt_oss)
    assert steered == [ChatMessage("system", "Reasoning: high"), history[1]]
    # A model's own default applies where the conversation has none.
    store.set_thinking(c.id, None)
    model = SimpleNamespace(defaults={"thinking": "low"}, id="gpt-oss")
    steered, _ = assistant.steer(history, store.conversation(c.id), model, gpt_oss)
    assert steered[0].content.endswith("Reasoning: low")
