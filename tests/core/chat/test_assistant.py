"""One conversation turn, start to finish, with the real model and a real database file."""

from __future__ import annotations

import bisect
import threading
import time

import pytest
from shared_host import SharedHost

from app.core.chat import assistant as assistant_mod
from app.core.chat.assistant import Assistant, title_from
from app.core.chat.store import Store
from app.core.engines.base import ChatMessage, Generation
from app.core.errors import EmptyMessageError, EnclaveError, ModelFileError, NoModelError
from app.core.platform.settings import Settings

QUESTION = "Write a short poem about the sea."


@pytest.fixture
def settings():
    return Settings(context_length=2048, max_answer_tokens=16, temperature=0.0)


@pytest.fixture
def store(paths):
    with Store(paths.database) as s:
        yield s


@pytest.fixture
def assistant(store, settings, paths, engine):
    return Assistant(store, settings, paths, host=SharedHost(settings, engine))


def test_send_stores_the_question_and_the_answer(assistant, store, starter_model):
    starts, pieces = [], []
    result = assistant.send(
        None, QUESTION, cancel=threading.Event(), on_start=starts.append, on_piece=pieces.append
    )
    assert result.text and "".join(pieces) == result.text
    assert len(starts) == 1
    start = starts[0]
    assert (start.conversation_id, start.user_message_id, start.answer_message_id) == (
        result.conversation_id,
        result.user_message_id,
        result.answer_message_id,
    )
    assert (start.model, start.engine) == (starter_model.stem, "local")

    conv = store.conversation(result.conversation_id)
    assert conv.title == title_from(QUESTION)
    assert conv.model is None  # the default model, not pinned
    user, answer = store.messages(conv.id)
    assert (user.id, user.role, user.content) == (result.user_message_id, "user", QUESTION)
    assert (answer.id, answer.role, answer.content) == (
        result.answer_message_id,
        "assistant",
        result.text,
    )
    assert (answer.model, answer.engine, answer.status) == (starter_model.stem, "local", "complete")
    stats = result.stats
    assert answer.prompt_tokens == stats.prompt_tokens > 0
    assert answer.completion_tokens == stats.completion_tokens > 0
    assert answer.ttft_ms == pytest.approx(stats.ttft_s * 1000) and answer.ttft_ms > 0
    assert answer.tokens_per_s == pytest.approx(stats.tokens_per_s) and answer.tokens_per_s > 0
    assert not result.cancelled


def test_a_second_message_continues_the_conversation(assistant, store):
    first = assistant.send(None, "My name is Ada.", cancel=threading.Event())
    second = assistant.send(first.conversation_id, "What is my name?", cancel=threading.Event())
    assert second.conversation_id == first.conversation_id
    assert store.count_conversations() == 1
    msgs = store.messages(first.conversation_id)
    assert [m.role for m in msgs] == ["user", "assistant", "user", "assistant"]
    # The model saw the whole history the second time.
    assert second.stats.prompt_tokens > first.stats.prompt_tokens + first.stats.completion_tokens


def test_system_prompt_and_model_are_kept_with_the_conversation(assistant, store, engine):
    result = assistant.send(
        None,
        "Bonjour",
        cancel=threading.Event(),
        model="starter",
        system_prompt="Answer in French.",
    )
    conv = store.conversation(result.conversation_id)
    assert (conv.system_prompt, conv.model) == ("Answer in French.", "starter")
    assert assistant.system_prompt_for(conv) == "Answer in French."
    history = assistant.history(conv)
    assert history[0] == ChatMessage("system", "Answer in French.")
    assert result.stats.prompt_tokens == engine.count_tokens(history[:2])


def test_regenerate_replaces_the_last_answer(assistant, store):
    first = assistant.send(None, QUESTION, cancel=threading.Event())
    again = assistant.regenerate(first.conversation_id, cancel=threading.Event())
    assert again.user_message_id is None
    assert again.answer_message_id > first.answer_message_id
    msgs = store.messages(first.conversation_id)
    assert [(m.id, m.role) for m in msgs] == [
        (first.user_message_id, "user"),
        (again.answer_message_id, "assistant"),
    ]
    assert msgs[1].content == again.text and msgs[1].status == "complete"


def test_regenerate_needs_a_question(assistant, store):
    conv = store.create_conversation()
    with pytest.raises(EnclaveError, match="no message to answer"):
        assistant.regenerate(conv.id, cancel=threading.Event())
    assert store.messages(conv.id) == []


def test_edit_and_resend_drops_what_came_after(assistant, store):
    first = assistant.send(None, "Tell me about cats.", cancel=threading.Event())
    assistant.send(first.conversation_id, "And dogs?", cancel=threading.Event())
    assert len(store.messages(first.conversation_id)) == 4
    edited = assistant.edit_and_resend(
        first.user_message_id, "Tell me about owls.", cancel=threading.Event()
    )
    msgs = store.messages(first.conversation_id)
    assert [(m.role, m.content) for m in msgs] == [
        ("user", "Tell me about owls."),
        ("assistant", edited.text),
    ]
    assert msgs[0].id == first.user_message_id == edited.user_message_id
    assert msgs[1].id == edited.answer_message_id


def test_edit_and_resend_refuses_empty_text_and_answers(assistant, store):
    first = assistant.send(None, QUESTION, cancel=threading.Event())
    with pytest.raises(EmptyMessageError):
        assistant.edit_and_resend(first.user_message_id, "  \n ", cancel=threading.Event())
    with pytest.raises(EnclaveError, match="Only your own messages"):
        assistant.edit_and_resend(first.answer_message_id, "Edited", cancel=threading.Event())
    msgs = store.messages(first.conversation_id)
    assert [m.content for m in msgs] == [QUESTION, first.text]


@pytest.mark.parametrize("text", ["", "   ", "\n\t\n"])
def test_an_empty_message_stores_nothing(assistant, store, text):
    with pytest.raises(EmptyMessageError, match="empty"):
        assistant.send(None, text, cancel=threading.Event())
    assert store.count_conversations() == 0
    conv = store.create_conversation()
    with pytest.raises(EmptyMessageError):
        assistant.send(conv.id, text, cancel=threading.Event())
    assert store.messages(conv.id) == []


def test_an_unknown_model_stores_nothing(assistant, store):
    with pytest.raises(NoModelError) as e:
        assistant.send(None, "Hello", cancel=threading.Event(), model="no-such-model")
    assert "no-such-model" in str(e.value)
    assert store.count_conversations() == 0

    conv = store.create_conversation()
    with pytest.raises(NoModelError):
        assistant.send(conv.id, "Hello", cancel=threading.Event(), model="no-such-model")
    assert store.messages(conv.id) == []
    assert store.conversation(conv.id).model is None


def test_a_model_file_that_is_not_there_stores_nothing(assistant, store, tmp_path):
    missing = tmp_path / "gone.gguf"
    with pytest.raises(ModelFileError) as e:
        assistant.send(None, "Hello", cancel=threading.Event(), model=str(missing))
    assert str(missing) in str(e.value)
    assert store.count_conversations() == 0


def test_the_message_is_saved_before_a_model_that_fails_to_load(store, settings, paths, tmp_path):
    broken = tmp_path / "broken.gguf"
    broken.write_bytes(b"GGUF" + b"\0" * 20)  # there, but truncated
    assistant = Assistant(store, settings, paths)  # the real host: it will try to load the file
    saved = []
    with pytest.raises(ModelFileError) as e:
        assistant.send(
            None,
            "Please keep this text.",
            cancel=threading.Event(),
            model=str(broken),
            on_saved=lambda cid, mid: saved.append((cid, mid)),
        )
    assert str(broken) in str(e.value)
    (conv,) = store.conversations()
    (user,) = store.messages(conv.id)  # what was typed is kept; no empty answer is left
    assert saved == [(conv.id, user.id)]
    assert user.content == "Please keep this text."
    assert assistant.host.engine is None


def test_a_cancelled_answer_keeps_its_partial_text(assistant, store, settings):
    settings.max_answer_tokens = 300
    cancel = threading.Event()
    pieces = []

    def on_piece(piece):
        pieces.append(piece)
        if len(pieces) == 4:
            cancel.set()

    result = assistant.send(
        None, "Write a long story about a dragon.", cancel=cancel, on_piece=on_piece
    )
    assert result.cancelled
    assert result.text == "".join(pieces) and result.text
    answer = store.message(result.answer_message_id)
    assert answer.status == "cancelled"
    assert answer.content == result.text
    assert 0 < answer.completion_tokens < 300


def test_the_answer_is_saved_while_it_streams(assistant, store, settings, paths, monkeypatch):
    monkeypatch.setattr(assistant_mod, "SAVE_INTERVAL_S", 0.0)
    settings.max_answer_tokens = 24
    seen, pieces = [], []
    with Store(paths.database) as other:  # what another window or a crash would find

        def on_piece(piece):
            answer = other.messages(other.conversations()[0].id)[-1]
            seen.append((answer.status, answer.content))
            pieces.append(piece)

        result = assistant.send(None, QUESTION, cancel=threading.Event(), on_piece=on_piece)
    assert len(seen) >= 3
    assert all(status == "streaming" for status, _ in seen)
    # Each piece is saved right after it is shown: piece k sees the text of pieces 1..k-1.
    assert [content for _, content in seen] == ["".join(pieces[:k]) for k in range(len(pieces))]
    assert store.message(result.answer_message_id).status == "complete"


def test_a_streaming_answer_is_saved_every_half_second(assistant, settings, paths):
    """With the real interval: what another connection (or a crash) finds at any moment lacks no
    piece written more than SAVE_INTERVAL_S ago, give or take the wait for the next piece (the
    save rides on a piece) and the write itself."""
    interval = assistant_mod.SAVE_INTERVAL_S
    assert interval == 0.5  # the figure the README promises
    settings.max_answer_tokens = 1000
    cancel, started, done = threading.Event(), threading.Event(), threading.Event()
    answer_id: list[int] = []
    written: list[tuple[float, int]] = []  # (when, characters so far) after each piece
    stored: list[tuple[float, str]] = []  # (when, the answer's text in the database)

    def sample():
        started.wait()
        with Store(paths.database) as other:
            while not done.is_set():
                at = time.monotonic()  # the read sees this moment's state or a later one
                stored.append((at, other.message(answer_id[0]).content))
                time.sleep(0.01)

    def on_start(start):
        answer_id.append(start.answer_message_id)
        started.set()

    def on_piece(piece):
        written.append((time.monotonic(), (written[-1][1] if written else 0) + len(piece)))
        if written[-1][0] - written[0][0] > 5 * interval:  # long enough for several saves
            cancel.set()

    sampler = threading.Thread(target=sample)
    sampler.start()
    try:
        result = assistant.send(
            None,
            "Write a very long story about a lighthouse keeper.",
            cancel=cancel,
            on_start=on_start,
            on_piece=on_piece,
        )
    finally:
        started.set()
        done.set()
        sampler.join()
    assert result.cancelled, "the answer ended before it needed several saves"
    lengths = [length for _, length in written]
    worst = 0.0
    for at, content in stored:
        assert result.text.startswith(content)
        first_unsaved = bisect.bisect_right(lengths, len(content))
        if first_unsaved < len(written) and written[first_unsaved][0] <= at:
            worst = max(worst, at - written[first_unsaved][0])
    longest_gap = max(b - a for (a, _), (b, _) in zip(written, written[1:]))
    assert len(stored) > 20 and worst > 0  # sampled while it streamed, and saw it behind
    assert worst <= interval + longest_gap + 0.1, (worst, longest_gap)


class _Failing:
    """Wraps the real engine; its stream breaks after two pieces, like a crashing backend."""

    def __init__(self, engine):
        self.engine, self.kind = engine, engine.kind

    def __getattr__(self, name):
        return getattr(self.engine, name)

    def stream(self, messages, *, options, cancel):
        real = self.engine.stream(messages, options=options, cancel=cancel)

        def pieces():
            for n, piece in enumerate(real, start=1):
                yield piece
                if n == 2:
                    raise RuntimeError("backend exploded")

        return Generation(pieces(), real.stats)


def test_a_failing_engine_marks_the_answer_as_error(store, settings, paths, engine):
    failing = Assistant(store, settings, paths, host=SharedHost(settings, _Failing(engine)))
    with pytest.raises(RuntimeError, match="backend exploded"):
        failing.send(None, QUESTION, cancel=threading.Event())
    conv = store.conversations()[0]
    user, answer = store.messages(conv.id)
    assert user.content == QUESTION
    assert answer.status == "error" and answer.content  # the partial text is kept
    # A failed answer is not part of what the model is shown next time.
    assert [m.role for m in failing.history(conv)] == ["system", "user"]


def test_with_the_real_engine_host(store, settings, paths, starter_model):
    assistant = Assistant(store, settings, paths)
    try:
        result = assistant.send(None, "Hi!", cancel=threading.Event())
        assert result.text and result.engine == "local"
        assert assistant.host.engine.context_length == settings.context_length
        assert assistant.host.engine.model_id == starter_model.stem
    finally:
        assistant.host.unload()
    assert assistant.host.engine is None


@pytest.mark.parametrize(
    "text, title",
    [
        ("Hello", "Hello"),
        ("  many   spaces\nand lines ", "many spaces and lines"),
        (
            "one two three four five six seven eight nine ten",
            "one two three four five six seven eight…",
        ),
        ("x" * 100, "x" * 59 + "…"),
        ("   ", "New chat"),
    ],
)
def test_titles_come_from_the_first_message(text, title):
    assert title_from(text) == title
