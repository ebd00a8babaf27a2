"""Per-answer sampling of the local engine on the real starter model: a grammar and a seed given
as options apply to that answer only, and special tokens a model writes reach the text."""

from __future__ import annotations

import threading

import pytest

from app.core.engines.base import ChatMessage, GenerationOptions

pytestmark = pytest.mark.slow

ASK = [ChatMessage("user", "Tell me something about the sea.")]
SHORT = [ChatMessage("user", "What is the capital of France? Answer in one word.")]


def answer(engine, messages=ASK, **options) -> str:
    options.setdefault("max_tokens", 24)
    generation = engine.stream(
        messages, options=GenerationOptions(**options), cancel=threading.Event()
    )
    return "".join(generation)


def grammar(text: str):
    from llama_cpp import LlamaGrammar

    return LlamaGrammar.from_string(text, verbose=False)


def test_a_grammar_shapes_one_answer_and_not_the_next(engine):
    shaped = answer(engine, grammar=grammar('root ::= "Answer: " [0-9] [0-9] "."'))
    assert len(shaped) == len("Answer: 42.") and shaped.startswith("Answer: ")
    assert shaped[8:10].isdigit() and shaped.endswith(".")
    free = answer(engine, temperature=0.0)
    assert not free.startswith("Answer: ")  # the grammar is gone


def test_a_seed_repeats_an_answer_and_leaves_the_engines_seed_alone(engine):
    seed_before = engine._llama._seed
    first = answer(engine, temperature=1.0, seed=11)
    again = answer(engine, temperature=1.0, seed=11)
    other = answer(engine, temperature=1.0, seed=12)
    assert first == again
    assert other != first
    assert engine._llama._seed == seed_before  # unseeded answers stay random


def test_seeds_outside_32_bits_are_fixed_seeds_too(engine):
    # 0xFFFFFFFF is llama.cpp's "random seed": every integer a client sends must still repeat.
    for seed in (0xFFFFFFFF, -1, 1 << 40):
        assert answer(engine, temperature=1.0, seed=seed) == answer(
            engine, temperature=1.0, seed=seed
        ), seed


def test_a_special_token_the_model_writes_is_in_the_text(engine):
    # <|im_start|> is a control token of the starter model (not end-of-generation): written as
    # a token, it reaches the text as the thinking parser needs gpt-oss's <|channel|> to.
    text = answer(engine, grammar=grammar('root ::= "Hi" <|im_start|> "user"'))
    assert text == "Hi<|im_start|>user"


def test_ordinary_answers_hold_no_special_tokens(engine, monkeypatch):
    """What the engine streams is what the tokens say without their special tokens: rendering
    them changed nothing in a plain answer, and the end-of-generation token stops unrendered."""
    llama, tokens = engine._llama, []
    real = llama.generate

    def recorded(*args, **kwargs):
        for token in real(*args, **kwargs):
            tokens.append(token)
            yield token

    monkeypatch.setattr(llama, "generate", recorded)
    for messages in (ASK, SHORT):
        tokens.clear()
        text = answer(engine, messages, max_tokens=64, temperature=0.0)
        plain = llama._model.detokenize(
            [t for t in tokens if not engine._llama_cpp.llama_vocab_is_eog(engine._vocab, t)]
        )
        assert text and text == plain.decode("utf-8", errors="replace")
        assert "<|" not in text
