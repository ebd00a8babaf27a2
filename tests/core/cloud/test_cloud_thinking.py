"""Thinking and providers: a provider's ``reasoning_content`` arrives as thinking through the
real openai SDK from a loopback server; no answer's thinking is ever part of a payload."""

from __future__ import annotations

import threading

import pytest
from provider_server import REASONING_PREFIX
from thinking_grammar import THOUGHT_MARK, force_thinking

from app.core.privacy import consent

pytestmark = pytest.mark.slow


def test_a_providers_reasoning_is_thinking_stored_apart(chat, provider_server):
    provider_server.fault = "reasoning"
    chat.assistant.settings.redaction_terms = ["Project Nightjar"]
    plan = chat.plan(None, "Is Project Nightjar on time?", "Org")
    assert "[TERM_1]" in plan.request.messages[-1]["content"]
    answer, thought = [], []
    result = chat.send(
        plan,
        consent.ONCE,
        cancel=threading.Event(),
        on_piece=answer.append,
        on_thinking=thought.append,
    )
    # Both come back with the placeholder; both show the user's own words again.
    assert result.thinking == REASONING_PREFIX + "Is Project Nightjar on time?"
    assert result.text == "Is Project Nightjar on time?"
    assert "".join(thought) == result.thinking and "".join(answer) == result.text
    assert len(thought) > 1  # streamed as it came, not at the end
    stored = chat.assistant.store.message(result.answer_message_id)
    assert (stored.content, stored.thinking) == (result.text, result.thinking)

    again = chat.plan(result.conversation_id, "And next week?", "Org")
    payload = " ".join(m["content"] for m in again.request.messages)
    assert REASONING_PREFIX not in payload  # the thinking is not sent back


def test_a_local_answers_thinking_is_never_in_a_cloud_payload(chat, monkeypatch):
    chat.assistant.overrides["max_answer_tokens"] = 48
    engine = chat.assistant.host.get(chat.assistant.model_for(None))
    force_thinking(monkeypatch, engine)
    local = chat.assistant.send(None, "Name a colour", cancel=threading.Event())
    assert local.thinking.startswith(THOUGHT_MARK)
    plan = chat.plan(local.conversation_id, "Another one?", "Org")
    shown = plan.request.payload_text()
    assert local.text in shown and THOUGHT_MARK not in shown
    assert all(THOUGHT_MARK not in m["content"] for m in plan.request.messages)
