"""Make the real starter model answer like a reasoning model: a llama.cpp grammar forces the
shape ``<think>…</think>answer`` while the model still picks the words inside it."""

from __future__ import annotations

import functools

THOUGHT_MARK = "I ponder"  # every forced thought starts with it; no answer holds it
ANSWER_MARK = "Final:"

GRAMMAR = f"""
root ::= "<think>" "{THOUGHT_MARK} " word " " word "." "</think>" "{ANSWER_MARK} " word
word ::= [a-z]{{2,8}}
"""


def force_thinking(monkeypatch, engine) -> None:
    """Until the test ends, every answer of the LocalEngine ``engine`` follows ``GRAMMAR``."""
    from llama_cpp import LlamaGrammar

    grammar = LlamaGrammar.from_string(GRAMMAR, verbose=False)
    llama = engine._llama
    monkeypatch.setattr(llama, "generate", functools.partial(llama.generate, grammar=grammar))


def record_prompts(monkeypatch, engine) -> list[str]:
    """Every prompt text ``engine`` formats from now on (what it tokenizes and decodes)."""
    prompts: list[str] = []
    original = engine.format_prompt

    def format_prompt(messages):
        prompts.append(original(messages))
        return prompts[-1]

    monkeypatch.setattr(engine, "format_prompt", format_prompt)
    return prompts
