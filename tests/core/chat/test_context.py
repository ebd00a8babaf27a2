"""Fitting a conversation into the model's context window: with the real tokenizer, and with a
small fake engine for the edge cases of the logic."""

from __future__ import annotations

import re
import threading
import time

import pytest

from app.core.chat import context
from app.core.chat.context import SHORTENED_MARK, fit
from app.core.engines.base import ChatMessage, Engine, GenerationOptions
from app.core.engines.local import LocalEngine

ANSWER = 256
SYSTEM = ChatMessage("system", "You are a helpful, concise assistant.")
WORDS = (
    "river stone apple cloud seven orange market window garden yellow "
    "thunder pencil silver lantern morning travel"
).split()


def paragraph(n: int, words: int = 100) -> str:
    return " ".join(
        f"{WORDS[(n + i) % len(WORDS)]}{n}" if i == 0 else WORDS[(n * 7 + i) % len(WORDS)]
        for i in range(words)
    )


def long_history(turns: int = 60) -> list[ChatMessage]:
    msgs = [SYSTEM]
    for n in range(turns):
        msgs.append(ChatMessage("user" if n % 2 == 0 else "assistant", paragraph(n)))
    msgs.append(ChatMessage("user", "So, what should I plant first?"))
    return msgs


# -- with the real engine (context_length 2048) -----------------------------------------------


def test_a_short_history_passes_unchanged(engine):
    msgs = [
        SYSTEM,
        ChatMessage("user", "Hi"),
        ChatMessage("assistant", "Hello! How can I help?"),
        ChatMessage("user", "Tell me a joke."),
    ]
    result = fit(msgs, engine, answer_tokens=ANSWER)
    assert result.messages == msgs
    assert result.messages is not msgs  # a copy: the caller's list is not shared
    assert result.prompt_tokens == engine.count_tokens(msgs)
    assert (result.dropped_messages, result.shortened, result.notices) == (0, False, [])


def test_a_long_history_drops_the_oldest_turns(engine):
    msgs = long_history(60)
    assert engine.count_tokens(msgs) > 3 * engine.context_length  # really too long
    result = fit(msgs, engine, answer_tokens=ANSWER)
    kept = result.messages
    assert kept[0] == SYSTEM  # the system prompt stays, first
    assert kept[-1] == msgs[-1]  # the new message is always sent
    assert result.dropped_messages > 0
    assert kept[1:] == msgs[1 + result.dropped_messages :]  # the newest turns, in order, unchanged
    assert not result.shortened
    # It fits, and the count it reports is the real one.
    assert result.prompt_tokens == engine.count_tokens(kept)
    assert engine.count_tokens(kept) + ANSWER <= engine.context_length
    # It dropped no more than it had to.
    one_more = [SYSTEM] + msgs[result.dropped_messages :]
    assert engine.count_tokens(one_more) + ANSWER > engine.context_length
    assert len(result.notices) == 1
    assert f"{result.dropped_messages} oldest messages" in result.notices[0]
    assert "2,048" in result.notices[0]


def test_a_one_megabyte_message_is_shortened_and_fits(engine):
    huge = "lorem ipsum " * 87_500  # 1,050,000 characters
    msgs = [
        SYSTEM,
        ChatMessage("user", "Hello"),
        ChatMessage("assistant", "Hi!"),
        ChatMessage("user", huge),
    ]
    started = time.perf_counter()
    result = fit(msgs, engine, answer_tokens=ANSWER)
    assert time.perf_counter() - started < 10
    kept = result.messages
    assert kept[0] == SYSTEM
    assert result.shortened
    last = kept[-1]
    assert last.role == "user" and last.content.endswith(SHORTENED_MARK)
    used = last.content[: -len(SHORTENED_MARK)]
    assert used and huge.startswith(used) and len(used) < len(huge)
    assert engine.count_tokens(kept) + ANSWER <= engine.context_length
    assert result.prompt_tokens == engine.count_tokens(kept)
    # Most of the room is used for the message, not wasted.
    assert engine.count_tokens(kept) > (engine.context_length - ANSWER) * 0.8
    notice = " ".join(result.notices)
    assert "too long" in notice and f"{len(huge):,}" in notice


def test_a_giant_system_prompt_still_leaves_room_for_the_message(engine):
    giant = ChatMessage("system", "Always follow these rules. " * 2000)
    msgs = [giant, ChatMessage("user", "What is two plus two?")]
    result = fit(msgs, engine, answer_tokens=ANSWER)
    kept = result.messages
    assert kept[0].role == "system" and giant.content.startswith(kept[0].content)
    assert len(kept[0].content) < len(giant.content)
    assert kept[-1].content.startswith("What is two plus two?")
    assert engine.count_tokens(kept) + ANSWER <= engine.context_length


def test_a_fitted_long_history_can_be_answered(starter_model):
    # A small window of its own keeps the prompt evaluation short (~500 tokens, not ~2000).
    small = LocalEngine(starter_model, context_length=512)
    try:
        result = fit(long_history(20), small, answer_tokens=32)
        assert result.dropped_messages > 0
        generation = small.stream(
            result.messages, options=GenerationOptions(max_tokens=32), cancel=threading.Event()
        )
        text = "".join(generation)  # llama.cpp accepts it: no "prompt does not fit" error
        assert text and generation.stats.prompt_tokens == result.prompt_tokens
        assert result.prompt_tokens + generation.stats.completion_tokens <= 512
    finally:
        small.close()


# -- logic, with a fake engine whose tokens are words -----------------------------------------


class WordEngine(Engine):
    """One token per word, 3 per message for the template, 2 for the answer prompt."""

    kind = "fake"

    def __init__(self, context_length: int = 100):
        super().__init__("fake")
        self._context_length = context_length
        self.longest_counted = 0
        self.count_calls = 0

    @property
    def context_length(self) -> int:
        return self._context_length

    def count_tokens(self, messages) -> int:
        messages = list(messages)
        self.count_calls += 1
        self.longest_counted = max([self.longest_counted] + [len(m.content) for m in messages])
        return 2 + sum(3 + len(m.content.split()) for m in messages)

    def truncate(self, text: str, max_tokens: int) -> str:
        ends = [m.end() for m in re.finditer(r"\S+", text)]
        return text if len(ends) <= max_tokens else text[: ends[max_tokens - 1]]

    def stream(self, messages, *, options, cancel):
        raise NotImplementedError


def words(n: int, word: str = "w") -> str:
    return " ".join([word] * n)


def test_nothing_to_send_is_an_error():
    with pytest.raises(ValueError):
        fit([], WordEngine(), answer_tokens=10)
    with pytest.raises(ValueError):
        fit([SYSTEM], WordEngine(), answer_tokens=10)


def test_exactly_full_still_passes_unchanged():
    eng = WordEngine(100)
    msgs = [ChatMessage("user", words(70))]  # 2 + 3 + 70 = 75 = 100 - 25
    result = fit(msgs, eng, answer_tokens=25)
    assert result.messages == msgs and result.prompt_tokens == 75 and not result.notices
    result = fit(msgs, eng, answer_tokens=26)
    assert result.shortened


def test_drops_the_fewest_oldest_messages():
    eng = WordEngine(100)
    turns = [
        ChatMessage("user" if i % 2 == 0 else "assistant", words(10, f"t{i}")) for i in range(9)
    ]
    # Each turn costs 13; system costs 3 + 6 = 9; 2 for the answer prompt; budget 100 - 20 = 80.
    # 9 + 2 + 13k <= 80 -> k = 5 turns kept, 4 dropped.
    result = fit([SYSTEM] + turns, eng, answer_tokens=20)
    assert result.dropped_messages == 4
    assert result.messages == [SYSTEM] + turns[4:]
    assert result.prompt_tokens == 9 + 2 + 13 * 5
    assert "4 oldest messages were left out" in result.notices[0]


def test_one_dropped_message_is_named_in_the_singular():
    eng = WordEngine(100)
    msgs = [
        ChatMessage("user", words(40)),
        ChatMessage("assistant", words(30)),
        ChatMessage("user", "and now?"),
    ]
    result = fit(msgs, eng, answer_tokens=20)
    assert result.dropped_messages == 1
    assert "the 1 oldest message was left out" in result.notices[0]


def test_without_a_system_prompt_the_newest_turns_are_kept():
    eng = WordEngine(60)
    msgs = [ChatMessage("user", words(20, f"m{i}")) for i in range(5)]
    result = fit(msgs, eng, answer_tokens=10)
    assert result.messages == msgs[-2:]
    assert result.messages[0].role == "user"


def test_a_too_long_last_message_after_a_history_drops_the_rest_and_shortens_it():
    eng = WordEngine(100)
    msgs = [
        SYSTEM,
        ChatMessage("user", "hello"),
        ChatMessage("assistant", "hi"),
        ChatMessage("user", words(500, "big")),
    ]
    result = fit(msgs, eng, answer_tokens=20)
    assert result.shortened and result.dropped_messages == 2
    assert [m.role for m in result.messages] == ["system", "user"]
    assert result.messages[0] == SYSTEM
    assert result.messages[-1].content.startswith("big big")
    assert result.messages[-1].content.endswith(SHORTENED_MARK)
    assert eng.count_tokens(result.messages) <= 80
    assert result.prompt_tokens == eng.count_tokens(result.messages)
    assert len(result.notices) == 2
    assert "2 oldest messages" in result.notices[0] and "too long" in result.notices[1]


def test_a_giant_paste_is_never_tokenised_whole():
    eng = WordEngine(200)
    huge = words(500_000, "x")  # 1 MB
    result = fit([SYSTEM, ChatMessage("user", huge)], eng, answer_tokens=50)
    assert result.shortened
    assert eng.count_tokens(result.messages) <= 150
    assert eng.longest_counted <= eng.context_length * context.MAX_CHARS_PER_TOKEN + len(
        SHORTENED_MARK
    )
    assert f"{len(huge):,} characters" in result.notices[-1]
