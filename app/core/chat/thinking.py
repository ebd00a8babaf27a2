"""Reasoning models think before they answer: split the thinking from the answer as it streams.

Formats handled:

- ``<think>…</think>answer`` (Qwen3, QwQ, DeepSeek-R1 and their distills). A chat template may
  open the block itself (the prompt ends in ``<think>``), so the output starts inside the thinking
  and only ``</think>`` follows; ``ThinkingParser.for_prompt`` notices that.
- gpt-oss's harmony channels: ``<|channel|>analysis<|message|>…<|end|>`` then
  ``<|start|>assistant<|channel|>final<|message|>…``. ``analysis`` and ``commentary`` are
  thinking, ``final`` is the answer.
- A provider's separate ``reasoning_content``/``reasoning`` field: the remote engine yields those
  pieces as ``Thought`` (``engines.base``), which pass through as thinking.

A tag split across pieces is held back until it is whole, so feeding the text in any pieces gives
the same split as feeding it at once. Thinking left open when the answer stops stays thinking.

The per-conversation switch (``LEVELS``) becomes what the model understands: Qwen3's ``/think``
and ``/no_think``, gpt-oss's ``Reasoning: low|medium|high`` in the system prompt.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.core.engines.base import Thought

THINKING, ANSWER = "thinking", "answer"

THINK_OPEN, THINK_CLOSE = "<think>", "</think>"
H_START, H_CHANNEL, H_MESSAGE = "<|start|>", "<|channel|>", "<|message|>"
H_ENDS = ("<|end|>", "<|return|>", "<|call|>")
THINKING_CHANNELS = ("analysis", "commentary")
_OPENS = {THINK_OPEN: "think", H_CHANNEL: "h_header", H_START: "h_header"}

# The per-conversation and per-model setting; None (or "") leaves the model to its own default.
LEVELS = ("on", "off", "low", "medium", "high")
SWITCH, EFFORT = "switch", "effort"  # how a model can be told: on/off, or an effort level


@dataclass(frozen=True)
class Split:
    thinking: str
    answer: str


class ThinkingParser:
    """Feed it text pieces; it returns (kind, text) pieces, kind being THINKING or ANSWER."""

    def __init__(self, *, inside: bool = False):
        """``inside``: the prompt opened a ``<think>`` block, so the output begins in it."""
        self._buf = ""
        self._state = "start_inside" if inside else "start"
        self._kind = ANSWER  # of a harmony message's body
        self._header = ""
        self._strip = True  # leading white space of a section is dropped
        self._parts: dict[str, list[str]] = {THINKING: [], ANSWER: []}

    @classmethod
    def for_prompt(cls, prompt: str | None) -> ThinkingParser:
        """A parser for what follows ``prompt`` (the exact text the model continues)."""
        tail = (prompt or "").rstrip()
        return cls(inside=tail.endswith(THINK_OPEN))

    # -- results -------------------------------------------------------------------------------

    @property
    def thinking(self) -> str:
        return "".join(self._parts[THINKING]).rstrip()

    @property
    def answer(self) -> str:
        return "".join(self._parts[ANSWER])

    def split(self) -> Split:
        return Split(self.thinking, self.answer)

    # -- feeding -------------------------------------------------------------------------------

    def feed(self, piece: str) -> list[tuple[str, str]]:
        if isinstance(piece, Thought):  # a provider's own reasoning field
            return self._emit(THINKING, str(piece), strip=False)
        self._buf += piece
        out: list[tuple[str, str]] = []
        while self._buf and self._step(out):
            pass
        return out

    def finish(self) -> list[tuple[str, str]]:
        """The answer ended (or was stopped): whatever is held back is text of the current part."""
        rest, self._buf = self._buf, ""
        if self._state in ("start", "answer"):
            return self._emit(ANSWER, rest)
        if self._state in ("start_inside", "think"):
            return self._emit(THINKING, rest)
        if self._state == "h_body":
            return self._emit(self._kind, rest)
        return []  # a harmony header cut off: no text of either kind

    def _step(self, out: list) -> bool:
        """One move of the state machine over ``_buf``; False when it must wait for more text."""
        buf, state = self._buf, self._state
        if state in ("start", "start_inside"):
            head = buf.lstrip()
            openers = (THINK_OPEN,) if state == "start_inside" else (THINK_OPEN, H_CHANNEL, H_START)
            for opener in openers:
                if head.startswith(opener):
                    self._buf = head[len(opener) :]
                    self._to(_OPENS[opener])
                    self._header = opener
                    return True
            if not head or any(o.startswith(head) for o in openers):
                return False  # still possibly the start of an opener
            self._to("think" if state == "start_inside" else "answer")
            return True
        if state == "answer":
            out += self._emit(ANSWER, buf)
            self._buf = ""
            return False
        if state == "think":
            return self._until(out, (THINK_CLOSE,), THINKING, lambda _: self._to("answer"))
        if state == "h_header":
            at = buf.find(H_MESSAGE)
            if at == -1:
                return False
            self._header += buf[:at]
            self._buf = buf[at + len(H_MESSAGE) :]
            channel = self._header.rpartition(H_CHANNEL)[2].split("<|")[0].split()
            self._kind = THINKING if channel and channel[0] in THINKING_CHANNELS else ANSWER
            self._to("h_body")
            return True
        if state == "h_body":
            return self._until(out, H_ENDS + (H_START, H_CHANNEL), self._kind, self._after_body)
        # "h_between": only a new message's header may follow; anything else is dropped
        for opener in (H_START, H_CHANNEL):
            at = buf.find(opener)
            if at != -1:
                self._buf, self._header = buf[at + len(opener) :], opener
                self._to("h_header")
                return True
        self._buf = buf[-(len(H_CHANNEL) - 1) :]
        return False

    def _after_body(self, marker: str) -> None:
        if marker in H_ENDS:
            self._to("h_between")
        else:  # a header began without an <|end|>
            self._header = marker
            self._to("h_header")

    def _until(self, out: list, markers: tuple[str, ...], kind: str, then) -> bool:
        """Emit ``kind`` text up to the first of ``markers``, then call ``then(marker)``."""
        buf = self._buf
        found = [(buf.find(m), m) for m in markers if m in buf]
        if found:
            at, marker = min(found)
            out += self._emit(kind, buf[:at])
            self._buf = buf[at + len(marker) :]
            then(marker)
            return True
        keep = _held_back(buf, markers)
        out += self._emit(kind, buf[: len(buf) - keep])
        self._buf = buf[len(buf) - keep :]
        return False

    def _to(self, state: str) -> None:
        self._state, self._strip = state, True

    def _emit(self, kind: str, text: str, *, strip: bool = True) -> list[tuple[str, str]]:
        if strip and self._strip:
            text = text.lstrip()
            if not text:
                return []
            self._strip = False
        if not text:
            return []
        self._parts[kind].append(text)
        return [(kind, text)]


def _held_back(text: str, markers: tuple[str, ...]) -> int:
    """How many characters at the end of ``text`` could be the beginning of a marker."""
    longest = 0
    for marker in markers:
        for n in range(min(len(marker) - 1, len(text)), longest, -1):
            if text.endswith(marker[:n]):
                longest = n
                break
    return longest


def split(text: str, *, inside: bool = False) -> Split:
    """The thinking and the answer in a whole raw output."""
    parser = ThinkingParser(inside=inside)
    parser.feed(text)
    parser.finish()
    return parser.split()


# -- the switch --------------------------------------------------------------------------------


def style_of(chat_template: str | None) -> str | None:
    """How a model's chat template lets thinking be steered: SWITCH, EFFORT, or None."""
    template = chat_template or ""
    if "reasoning_effort" in template or H_CHANNEL in template:
        return EFFORT
    if "enable_thinking" in template or "/no_think" in template:
        return SWITCH
    return None


def check_level(level: str | None) -> str | None:
    """A valid level (or None for the model's default). Raises ValueError naming the choices."""
    if level in (None, ""):
        return None
    level = str(level).strip().lower()
    if level not in LEVELS:
        raise ValueError(f"thinking must be one of {', '.join(LEVELS)}, not {level!r}")
    return level


def instruction(level: str | None, style: str | None) -> str | None:
    """What to add to the system prompt so the model thinks as ``level`` asks (None: nothing)."""
    if not level or not style:
        return None
    if style == SWITCH:
        return "/no_think" if level == "off" else "/think"
    effort = {"off": "low", "on": "medium"}.get(level, level)
    return f"Reasoning: {effort}"


def unsupported_note(level: str | None, style: str | None, model: str) -> str | None:
    """A notice when a level was asked for that this model cannot be told."""
    if not level or style:
        return None
    return f"{model} has no thinking switch that Enclave knows; thinking={level} was not applied."
