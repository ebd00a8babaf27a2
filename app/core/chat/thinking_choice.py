"""What a front end offers for a reasoning model's thinking: the levels the conversation's model
understands, the conversation's own choice and the model's default (``enclave models set ID
thinking=…``). Qt-free; ``ChatSession`` builds it for the open conversation.

A model's chat template says how it can be told (``thinking.style_of``): Qwen3-style templates
take on/off, gpt-oss-style ones an effort level. A level stored in the other vocabulary is shown
as what the model is actually told (``thinking.instruction``): "high" on an on/off model is "on".
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

from app.core.chat import thinking
from app.core.errors import ModelFileError
from app.core.models import gguf

OFFERED = {thinking.SWITCH: ("on", "off"), thinking.EFFORT: ("low", "medium", "high")}


@dataclass(frozen=True)
class ThinkingChoice:
    style: str  # thinking.SWITCH or thinking.EFFORT
    own: str | None  # the conversation's setting, one of ``levels``; None: the model decides
    default: str | None  # the model's own default, one of ``levels``, or None

    @property
    def levels(self) -> tuple[str, ...]:
        return OFFERED[self.style]

    @property
    def level(self) -> str | None:
        """What applies: the conversation's setting, else the model's default."""
        return self.own or self.default


def as_offered(level: str | None, style: str) -> str | None:
    """``level`` in the words of a model of ``style`` (None stays None; invalid is None)."""
    try:
        level = thinking.check_level(level)
    except ValueError:  # a database or records file edited by hand: ignored, as the turn does
        return None
    if level is None:
        return None
    if style == thinking.SWITCH:
        return "off" if level == "off" else "on"
    return {"off": "low", "on": "medium"}.get(level, level)


_styles: dict[tuple[str, int, int], str | None] = {}
_styles_lock = threading.Lock()


def model_style(path: Path) -> str | None:
    """How the model file's chat template lets thinking be steered (SWITCH, EFFORT or None).

    The header is read once per version of the file (~10 ms), so a front end may ask on every
    conversation switch.
    """
    try:
        stat = path.stat()
    except OSError:
        return None
    key = (str(path), stat.st_size, stat.st_mtime_ns)
    with _styles_lock:
        if key in _styles:
            return _styles[key]
    try:
        style = thinking.style_of(gguf.read(path).chat_template)
    except ModelFileError:  # the turn will say what is wrong with the file
        style = None
    with _styles_lock:
        _styles[key] = style
    return style
