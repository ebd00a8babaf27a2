"""The one interface every engine implements: local llama.cpp now, remote APIs later.

An engine turns a list of chat messages into a stream of text. It also knows its context window and
how to count tokens, which is what ``app.core.chat.context`` needs to make a conversation fit.
"""

from __future__ import annotations

import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class ChatMessage:
    role: str  # "system" | "user" | "assistant"
    content: str

    def as_dict(self) -> dict:
        return {"role": self.role, "content": self.content}


class Thought(str):
    """A piece of a model's thinking that arrives apart from its answer (a provider's
    ``reasoning_content``); other pieces are answer text, thinking tags and all."""

    __slots__ = ()


@dataclass(frozen=True)
class GenerationOptions:
    max_tokens: int = 1024
    temperature: float = 0.7
    top_p: float = 0.95
    top_k: int = 40
    min_p: float = 0.05
    repeat_penalty: float = 1.1  # tiny models loop without it
    # A llama.cpp grammar (``llama_cpp.LlamaGrammar``) the answer must follow, e.g. a JSON schema's.
    grammar: Any = None
    seed: int | None = None  # the same seed, prompt and options give the same answer
    # Told (tokens read, prompt tokens) while a long prompt is read, before the first token.
    on_prompt_progress: Callable[[int, int], None] | None = field(
        default=None, compare=False, repr=False
    )


@dataclass
class GenerationStats:
    prompt_tokens: int = 0
    completion_tokens: int = 0
    ttft_s: float | None = None  # request start to the first token of text
    tokens_per_s: float | None = None  # decode speed after the first token
    total_s: float = 0.0
    finish_reason: str = "stop"  # "stop" | "length" | "cancelled"
    threads: int | None = None  # CPU threads a local engine used

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass
class Generation:
    """A streaming answer: iterate for text pieces; ``stats`` is complete once iteration ends."""

    pieces: Iterator[str]
    stats: GenerationStats = field(default_factory=GenerationStats)

    def __iter__(self) -> Iterator[str]:
        return self.pieces


class StatsClock:
    """Measures time to first token and decode speed the same way for every engine."""

    def __init__(self, stats: GenerationStats):
        self.stats = stats
        self.start = time.perf_counter()
        self._first: float | None = None

    def token(self, count: int = 1) -> None:
        now = time.perf_counter()
        if self._first is None:
            self._first = now
            self.stats.ttft_s = now - self.start
        self.stats.completion_tokens += count
        self.stats.total_s = now - self.start
        decoded = self.stats.completion_tokens - 1
        if decoded > 0 and now > self._first:
            self.stats.tokens_per_s = decoded / (now - self._first)

    def finish(self, reason: str) -> None:
        self.stats.finish_reason = reason
        self.stats.total_s = time.perf_counter() - self.start


class Engine(ABC):
    """A loaded model that can chat. Not thread-safe: one thread drives an engine."""

    kind: str = ""  # "local" | "remote": where the words go, for the store and the badge

    def __init__(self, model_id: str):
        self.model_id = model_id

    @property
    @abstractmethod
    def context_length(self) -> int:
        """Tokens the model can attend to: prompt and answer together."""

    @abstractmethod
    def count_tokens(self, messages: Iterable[ChatMessage]) -> int:
        """Tokens the messages take once formatted as a prompt for this model."""

    @abstractmethod
    def truncate(self, text: str, max_tokens: int) -> str:
        """The longest beginning of ``text`` that fits in ``max_tokens`` tokens."""

    @abstractmethod
    def stream(
        self, messages: list[ChatMessage], *, options: GenerationOptions, cancel: threading.Event
    ) -> Generation:
        """Start an answer. Setting ``cancel`` ends it within one token (within one batch while
        the prompt is read). An engine that cannot honour ``options.grammar`` or ``seed`` (a remote
        one) samples without them; ``on_prompt_progress`` is called only by engines that can
        watch the prompt being read."""

    def close(self) -> None:  # noqa: B027 (an engine with nothing to free need not override it)
        """Free the model's memory."""
