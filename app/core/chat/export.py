"""Conversations out of the store as JSON or Markdown, for backups and other tools.

A reasoning model's thinking is left out unless asked for (``include_thinking``): then it is a
separate field in JSON and a collapsed ``<details>`` section above the answer in Markdown.
"""

from __future__ import annotations

import datetime as dt
import json

from app import __version__
from app.core.chat.store import Conversation, Message, Store

FORMATS = ("json", "md")


def iso_time(ts: float) -> str:
    return dt.datetime.fromtimestamp(ts, dt.timezone.utc).isoformat(timespec="seconds")


def thought_for(m: Message) -> str:
    """ "Thought for 12 s" (or just "Thought" when the time is not known)."""
    if m.thinking_ms is None:
        return "Thought"
    return f"Thought for {max(1, round(m.thinking_ms / 1000))} s"


def message_dict(m: Message, *, include_thinking: bool = False) -> dict:
    out = {
        "id": m.id,
        "role": m.role,
        "content": m.content,
        "created": iso_time(m.created),
        "status": "interrupted" if m.interrupted else m.status,
    }
    if m.role == "assistant":
        out.update(
            model=m.model,
            engine=m.engine,
            prompt_tokens=m.prompt_tokens,
            completion_tokens=m.completion_tokens,
            ttft_ms=m.ttft_ms,
            tokens_per_s=m.tokens_per_s,
        )
        if include_thinking and m.thinking:
            out.update(thinking=m.thinking, thinking_ms=m.thinking_ms)
    return out


def conversation_dict(store: Store, c: Conversation, *, include_thinking: bool = False) -> dict:
    return {
        "id": c.id,
        "title": c.title,
        "system_prompt": c.system_prompt,
        "model": c.model,
        "created": iso_time(c.created),
        "updated": iso_time(c.updated),
        "messages": [
            message_dict(m, include_thinking=include_thinking) for m in store.messages(c.id)
        ],
    }


def to_json(
    store: Store, conversations: list[Conversation], *, include_thinking: bool = False
) -> str:
    doc = {
        "format": "enclave-chats",
        "version": 1,
        "enclave": __version__,
        "exported": iso_time(dt.datetime.now().timestamp()),
        "conversations": [
            conversation_dict(store, c, include_thinking=include_thinking) for c in conversations
        ],
    }
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"


def to_markdown(
    store: Store, conversations: list[Conversation], *, include_thinking: bool = False
) -> str:
    out = []
    for c in conversations:
        out.append(f"# {c.title}\n\n_Conversation {c.id}, started {iso_time(c.created)}_\n")
        if c.system_prompt:
            out.append(f"> **System prompt:** {c.system_prompt}\n")
        for m in store.messages(c.id):
            if m.role == "user":
                heading = "## You"
            else:
                heading = f"## Assistant ({m.model or 'unknown model'}, {m.engine or 'local'})"
            note = {"cancelled": " _(stopped)_", "error": " _(failed)_"}.get(m.status, "")
            if m.interrupted:
                note = " _(interrupted)_"
            thought = ""
            if include_thinking and m.thinking:
                thought = (
                    f"<details>\n<summary>{thought_for(m)}</summary>\n\n{m.thinking}\n\n"
                    f"</details>\n\n"
                )
            out.append(f"{heading}{note}\n\n{thought}{m.content}\n")
        out.append("")
    return "\n".join(out)


def export(
    store: Store, conversations: list[Conversation], fmt: str, *, include_thinking: bool = False
) -> str:
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}")
    write = to_json if fmt == "json" else to_markdown
    return write(store, conversations, include_thinking=include_thinking)
