"""The local engine: real llama.cpp on the starter model."""

from __future__ import annotations

import shutil
import threading
import time

import pytest

from app.core.engines.base import ChatMessage, GenerationOptions
from app.core.engines.host import EngineHost
from app.core.engines.local import LocalEngine
from app.core.errors import ModelFileError
from app.core.models.installed import InstalledModel
from app.core.platform.settings import Settings

GREEDY = GenerationOptions(max_tokens=16, temperature=0.0)
STORY = [
    ChatMessage("system", "You are a helpful, concise assistant."),
    ChatMessage("user", "Write a long story about a lighthouse keeper and the sea."),
]
SHORT = [ChatMessage("user", "What is the capital of France? Answer in one word.")]


class DecodeLog(list):
    """The size of each llama.cpp decode; ``after``, if set, runs once each decode is done."""

    after = None


@pytest.fixture
def decodes(engine, monkeypatch) -> DecodeLog:
    """Every decode the shared engine makes in this test, recorded around the real one."""
    log, real = DecodeLog(), engine._llama.eval

    def eval_and_log(tokens):
        log.append(len(tokens))
        real(tokens)
        if log.after:
            log.after()

    monkeypatch.setattr(engine._llama, "eval", eval_and_log)
    return log


def run(engine, messages, options=GREEDY, cancel=None):
    generation = engine.stream(messages, options=options, cancel=cancel or threading.Event())
    pieces = list(generation)
    return pieces, generation.stats


def test_engine_facts(engine, starter_model):
    assert engine.kind == "local"
    assert engine.context_length == 2048
    assert engine.model_id == starter_model.stem
    assert engine.info.architecture == "llama"
    assert engine.chat_template_source == "model"


def test_prompt_uses_the_models_own_chat_template(engine):
    prompt = engine.format_prompt(
        [ChatMessage("system", "Be terse."), ChatMessage("user", "Hi there")]
    )
    assert "<|im_start|>" in prompt and "<|im_end|>" in prompt
    assert "<|im_start|>system\nBe terse.<|im_end|>" in prompt
    assert "<|im_start|>user\nHi there<|im_end|>" in prompt
    assert prompt.rstrip().endswith("<|im_start|>assistant")  # the generation prompt


def test_streaming_yields_several_pieces(engine):
    pieces, stats = run(engine, STORY)
    assert len(pieces) >= 5
    assert all(isinstance(p, str) and p for p in pieces)
    assert len("".join(pieces).split()) >= 3
    assert stats.completion_tokens == 16


def test_stats_are_measured(engine):
    pieces, stats = run(engine, STORY)
    assert stats.prompt_tokens == engine.count_tokens(STORY)
    assert stats.completion_tokens > 0
    assert stats.ttft_s is not None and 0 < stats.ttft_s < 30
    assert stats.tokens_per_s is not None and stats.tokens_per_s > 0
    assert stats.total_s >= stats.ttft_s
    assert stats.as_dict()["finish_reason"] == stats.finish_reason


def test_greedy_answers_repeat_exactly(engine):
    first, _ = run(engine, STORY)
    second, _ = run(engine, STORY)
    assert "".join(first) == "".join(second)


def test_max_tokens_is_respected(engine):
    pieces, stats = run(engine, STORY, GenerationOptions(max_tokens=7, temperature=0.0))
    assert stats.finish_reason == "length"
    assert stats.completion_tokens == 7
    assert 1 <= len(pieces) <= 7


def test_a_short_answer_stops_by_itself(engine):
    pieces, stats = run(engine, SHORT, GenerationOptions(max_tokens=64, temperature=0.0))
    assert stats.finish_reason == "stop"
    assert stats.completion_tokens < 64
    assert "Paris" in "".join(pieces)


def test_cancel_mid_answer_stops_before_the_next_decode(engine, decodes):
    cancel = threading.Event()
    generation = engine.stream(
        STORY, options=GenerationOptions(max_tokens=500, temperature=0.0), cancel=cancel
    )
    pieces, decoded_at_cancel = [], None
    for piece in generation:
        pieces.append(piece)
        if len(pieces) == 5:
            cancelled_at, decoded_at_cancel = time.perf_counter(), len(decodes)
            cancel.set()
    stopped_at = time.perf_counter()
    assert decoded_at_cancel is not None
    assert len(pieces) == 5  # nothing more after the cancel
    # Not one more token is computed: Stop costs no decode, however slow the model or the device.
    assert len(decodes) == decoded_at_cancel
    assert stopped_at - cancelled_at < 0.2  # generous: nothing is left to wait for
    assert generation.stats.finish_reason == "cancelled"
    assert 5 <= generation.stats.completion_tokens < 500


def test_cancel_before_the_first_token(engine):
    cancel = threading.Event()
    cancel.set()
    pieces, stats = run(engine, STORY, cancel=cancel)
    assert pieces == []
    assert stats.finish_reason == "cancelled"
    assert stats.completion_tokens == 0
    # The aborted prompt evaluation left the engine usable.
    again, again_stats = run(engine, STORY)
    assert again and again_stats.finish_reason == "length"


def test_cancel_during_a_long_prompt_evaluation(engine, decodes):
    long_prompt = [ChatMessage("user", "word " * 1500)]  # ~1,500 tokens: several batches
    reference, _ = run(engine, STORY)
    cancel = threading.Event()
    decodes.clear()
    decodes.after = cancel.set  # Stop pressed while the first batch is evaluated, on any device
    pieces, stats = run(engine, long_prompt, GenerationOptions(max_tokens=300), cancel)
    decodes.after = None
    assert stats.finish_reason == "cancelled"
    assert pieces == [] and stats.completion_tokens == 0
    # The prompt evaluation itself stopped early: one batch, and not all of the prompt reached
    # the KV cache.
    assert decodes == [engine._llama.n_batch]
    assert engine._llama.n_tokens < stats.prompt_tokens - 1
    after, _ = run(engine, STORY)
    assert "".join(after) == "".join(reference)  # no trace of the aborted prompt


def test_count_tokens_grows_with_the_conversation(engine):
    one = engine.count_tokens(SHORT)
    two = engine.count_tokens(
        SHORT + [ChatMessage("assistant", "Paris."), ChatMessage("user", "And of Spain?")]
    )
    assert 5 < one < two
    # Special tokens of the template count as one token each, not as their spelled-out text.
    assert one < len(engine.format_prompt(SHORT)) // 3


def test_truncate_keeps_a_beginning_that_fits(engine):
    text = "The quick brown fox jumps over the lazy dog. " * 200
    cut = engine.truncate(text, 12)
    assert cut and text.startswith(cut)
    assert len(cut) < len(text)
    assert (
        engine.count_tokens([ChatMessage("user", cut)])
        - engine.count_tokens([ChatMessage("user", "")])
        <= 12
    )
    assert engine.truncate("short text", 100) == "short text"


def test_truncate_of_a_huge_text_is_fast(engine):
    text = "lorem ipsum " * 90_000  # ~1 MB
    started = time.perf_counter()
    cut = engine.truncate(text, 500)
    assert time.perf_counter() - started < 2
    assert text.startswith(cut) and 500 < len(cut) < 8000


def test_a_prompt_longer_than_the_context_is_refused(engine):
    with pytest.raises(ValueError, match="context"):
        run(engine, [ChatMessage("user", "word " * 5000)])


def _damaged_architecture_copy(src, dst):
    """A copy whose header is whole but names an architecture llama.cpp does not know."""
    shutil.copyfile(src, dst)
    with dst.open("r+b") as f:
        head = f.read(4096)
        key = b"general.architecture"
        at = head.index(key) + len(key) + 4 + 8  # value type (u32), string length (u64)
        assert head[at : at + 5] == b"llama"
        f.seek(at)
        f.write(b"xyzzy")
    return dst


def test_damaged_files_raise_and_the_shared_engine_keeps_working(engine, starter_model, tmp_path):
    before, _ = run(engine, STORY)

    truncated = tmp_path / "truncated.gguf"
    with starter_model.open("rb") as f:
        truncated.write_bytes(f.read(1_000_000))
    with pytest.raises(ModelFileError) as e:
        LocalEngine(truncated, context_length=512)
    assert str(truncated) in str(e.value)

    foreign = _damaged_architecture_copy(starter_model, tmp_path / "foreign.gguf")
    with pytest.raises(ModelFileError) as e:  # passes our header check, llama.cpp refuses it
        LocalEngine(foreign, context_length=512)
    assert str(foreign) in str(e.value) and "llama.cpp" in str(e.value)

    after, _ = run(engine, STORY)
    assert "".join(after) == "".join(before)


def test_engine_host_keeps_one_model_loaded(starter_model):
    settings = Settings(context_length=1024, max_answer_tokens=64)
    host = EngineHost(settings)
    events = []
    host.on_loading = lambda model_id: events.append(("loading", model_id))
    host.on_ready = lambda model_id, seconds, where: events.append(("ready", model_id, seconds > 0))
    model = InstalledModel(starter_model.stem, starter_model, "starter")
    try:
        first = host.get(model)
        assert events == [("loading", model.id), ("ready", model.id, True)]
        assert host.get(model) is first  # no reload for the same model and settings
        assert host.last_load_s is not None and host.last_load_s > 0
        assert first.context_length == 1024
        settings.context_length = 512
        second = host.get(model)
        assert second is not first and second.context_length == 512
        assert host.engine is second
        assert len(events) == 4  # one more load, none for the cached get
        pieces, stats = run(second, SHORT)
        assert pieces and stats.completion_tokens > 0
    finally:
        host.unload()
    assert host.engine is None


def test_a_chat_template_that_refuses_gives_a_clear_error(starter_model, monkeypatch):
    """Templates call raise_exception() (e.g. for non-alternating roles): say so in words."""
    from app.core.errors import EnclaveError

    strict = (
        "{% for m in messages %}{% if m['role'] == 'assistant' and loop.first %}"
        "{{ raise_exception('Conversation roles must alternate') }}{% endif %}"
        "{{ m['content'] }}{% endfor %}"
    )
    own = LocalEngine(starter_model, context_length=512)
    try:
        from llama_cpp.llama_chat_format import Jinja2ChatFormatter

        own._formatter = Jinja2ChatFormatter(template=strict, eos_token="", bos_token="")
        with pytest.raises(EnclaveError, match="alternat"):
            own.count_tokens([ChatMessage("assistant", "hi")])
        assert own.count_tokens([ChatMessage("user", "hi")]) > 0
    finally:
        own.close()


def test_a_broken_chat_template_falls_back_to_chatml(starter_model, monkeypatch):
    from app.core.models import gguf

    real_read = gguf.read

    def read_with_broken_template(path):
        info = real_read(path)
        info.metadata["tokenizer.chat_template"] = "{% for m in messages %}{{ m['content'] }"
        return info

    monkeypatch.setattr(gguf, "read", read_with_broken_template)
    own = LocalEngine(starter_model, context_length=512)
    try:
        assert own.chat_template_source == "fallback (ChatML)"
        assert "<|im_start|>user\nhi<|im_end|>" in own.format_prompt([ChatMessage("user", "hi")])
    finally:
        own.close()
