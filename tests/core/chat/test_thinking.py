"""Thinking split from the answer, on raw outputs in each format, fed in pieces of every size."""

from __future__ import annotations

import random

import pytest

from app.core.chat import thinking
from app.core.chat.thinking import ANSWER, THINKING, Split, ThinkingParser
from app.core.engines.base import Thought

# Raw outputs as each family writes them (special tokens rendered).
QWEN3 = (
    "<think>\nThe user asks for the capital of France. That is Paris.\n</think>\n\n"
    "The capital of France is **Paris**."
)
# DeepSeek-R1's template ends the prompt with "<think>\n": the output has only the closing tag.
DEEPSEEK_R1_OPENED = (
    "Okay, 7 * 6: 7 * 5 = 35, plus 7 is 42.\n</think>\n\n7 × 6 = 42. Note: <think> is a tag."
)
GPT_OSS = (
    "<|channel|>analysis<|message|>User wants a haiku. Count syllables: 5-7-5.<|end|>"
    "<|start|>assistant<|channel|>final<|message|>Old pond, a frog leaps\n"
    "splash — silence again<|return|>"
)
GPT_OSS_TOOL = (
    "<|channel|>analysis<|message|>Need the weather.<|end|>"
    "<|start|>assistant<|channel|>commentary to=functions.weather <|constrain|>json"
    '<|message|>{"city":"Oslo"}<|call|>'
    "<|start|>assistant<|channel|>final<|message|>It is 4 °C in Oslo.<|return|>"
)
QWEN3_NO_THINK = "<think>\n\n</think>\n\nHello! How can I help?"
PLAIN = "  A plain answer from a model that does not think, <think> mentioned mid-way."
UNCLOSED = "<think>\nLet me count the r's in strawberry: s-t-r (1), r (2), r (3"
THINKING_ONLY = "<think>All of it was thinking.</think>\n\n"
EMPTY = ""

CASES = [
    (
        QWEN3,
        False,
        Split(
            "The user asks for the capital of France. That is Paris.",
            "The capital of France is **Paris**.",
        ),
    ),
    (
        DEEPSEEK_R1_OPENED,
        True,
        Split("Okay, 7 * 6: 7 * 5 = 35, plus 7 is 42.", "7 × 6 = 42. Note: <think> is a tag."),
    ),
    (
        GPT_OSS,
        False,
        Split(
            "User wants a haiku. Count syllables: 5-7-5.",
            "Old pond, a frog leaps\nsplash — silence again",
        ),
    ),
    (GPT_OSS_TOOL, False, Split('Need the weather.{"city":"Oslo"}', "It is 4 °C in Oslo.")),
    (QWEN3_NO_THINK, False, Split("", "Hello! How can I help?")),
    (PLAIN, False, Split("", PLAIN.lstrip())),
    (UNCLOSED, False, Split("Let me count the r's in strawberry: s-t-r (1), r (2), r (3", "")),
    (THINKING_ONLY, False, Split("All of it was thinking.", "")),
    (EMPTY, False, Split("", "")),
]


def feed_in(text: str, sizes, *, inside: bool) -> tuple[Split, dict[str, str]]:
    """Feed ``text`` in pieces of the given sizes; the split and the streamed text per kind."""
    parser = ThinkingParser(inside=inside)
    streamed = {THINKING: "", ANSWER: ""}
    at = 0
    events = []
    for size in sizes:
        events += parser.feed(text[at : at + size])
        at += size
    events += parser.feed(text[at:])
    events += parser.finish()
    for kind, piece in events:
        assert piece, "no empty pieces reach the window"
        streamed[kind] += piece
    return parser.split(), streamed


@pytest.mark.parametrize(("raw", "inside", "expected"), CASES)
def test_every_split_size_gives_the_same_result(raw, inside, expected):
    assert thinking.split(raw, inside=inside) == expected
    for size in range(1, max(len(raw), 1) + 1):
        result, streamed = feed_in(raw, [size] * (len(raw) // size + 1), inside=inside)
        assert result == expected, f"pieces of {size}"
        # What was streamed live is what is stored (thinking: up to trailing white space).
        assert streamed[ANSWER] == expected.answer
        assert streamed[THINKING].rstrip() == expected.thinking


@pytest.mark.parametrize(("raw", "inside", "expected"), CASES)
def test_random_splits_give_the_same_result(raw, inside, expected):
    rng = random.Random(raw)
    for _ in range(200):
        sizes = [rng.randint(0, 6) for _ in range(len(raw))]
        assert feed_in(raw, sizes, inside=inside)[0] == expected


def test_a_tag_split_across_pieces_is_never_shown_as_text():
    parser = ThinkingParser()
    assert parser.feed("<thi") == []
    assert parser.feed("nk>Hmm</th") == [(THINKING, "Hmm")]
    assert parser.feed("ink>Yes") == [(ANSWER, "Yes")]
    assert parser.finish() == []


def test_a_plain_answer_streams_without_delay():
    parser = ThinkingParser()
    assert parser.feed("Hello") == [(ANSWER, "Hello")]
    assert parser.feed(" </think> world") == [(ANSWER, " </think> world")]


def test_the_prompt_says_whether_the_output_starts_inside_thinking():
    r1 = "<｜User｜>7*6?<｜Assistant｜><think>\n"
    assert thinking.split(DEEPSEEK_R1_OPENED, inside=True).thinking
    parser = ThinkingParser.for_prompt(r1)
    parser.feed(DEEPSEEK_R1_OPENED)
    parser.finish()
    assert parser.answer.startswith("7 × 6 = 42")
    # Qwen3 with thinking switched off closes the block in the prompt: the output is the answer.
    off = ThinkingParser.for_prompt("<|im_start|>assistant\n<think>\n\n</think>\n\n")
    off.feed("Hi there")
    assert off.finish() == [] and off.split() == Split("", "Hi there")
    # A model that repeats the opening tag anyway.
    again = ThinkingParser(inside=True)
    again.feed("<think>\nhmm</think>ok")
    again.finish()
    assert again.split() == Split("hmm", "ok")


def test_a_providers_reasoning_field_is_thinking_whatever_it_says():
    parser = ThinkingParser()
    events = parser.feed(Thought("Consider </think> and <|end|>. "))
    events += parser.feed(Thought("Done."))
    events += parser.feed("The answer.")
    events += parser.finish()
    assert parser.split() == Split("Consider </think> and <|end|>. Done.", "The answer.")
    assert [k for k, _ in events] == [THINKING, THINKING, ANSWER]


def test_the_switch_in_each_models_own_words():
    qwen3 = "{%- if enable_thinking is defined and enable_thinking is false %}<think>..."
    gpt_oss = "{{- 'Reasoning: ' + reasoning_effort }}<|channel|>"
    assert thinking.style_of(qwen3) == thinking.SWITCH
    assert thinking.style_of(gpt_oss) == thinking.EFFORT
    assert thinking.style_of("{{ messages }}") is None and thinking.style_of(None) is None
    assert thinking.instruction("off", thinking.SWITCH) == "/no_think"
    assert thinking.instruction("high", thinking.SWITCH) == "/think"
    assert thinking.instruction("high", thinking.EFFORT) == "Reasoning: high"
    assert thinking.instruction("off", thinking.EFFORT) == "Reasoning: low"
    assert thinking.instruction(None, thinking.EFFORT) is None
    assert "no thinking switch" in thinking.unsupported_note("on", None, "smol")
    assert thinking.check_level(" HIGH ") == "high" and thinking.check_level("") is None
    with pytest.raises(ValueError, match="on, off, low, medium, high"):
        thinking.check_level("max")
