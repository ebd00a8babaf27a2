"""Conversations out of the store as JSON or Markdown, for backups and other tools."""

from __future__ import annotations

import datetime as dt
import json

from app import __version__
from app.core.chat.store import Conversation, Message, Store

FORMATS = ("json", "md")


def iso_time(ts: float) -> str:
    return dt.datetime.fromtimestamp(ts, dt.timezone.utc).isoformat(timespec="seconds")


def message_dict(m: Message) -> dict:
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
    return out


def conversation_dict(store: Store, c: Conversation) -> dict:
    return {
        "id": c.id,
        "title": c.title,
        "system_prompt": c.system_prompt,
        "model": c.model,
        "created": iso_time(c.created),
        "updated": iso_time(c.updated),
        "messages": [message_dict(m) for m in store.messages(c.id)],
    }


def to_json(store: Store, conversations: list[Conversation]) -> str:
    doc = {
        "format": "enclave-chats",
        "version": 1,
        "enclave": __version__,
        "exported": iso_time(dt.datetime.now().timestamp()),
        "conversations": [conversation_dict(store, c) for c in conversations],
    }
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"


def to_markdown(store: Store, conversations: list[Conversation]) -> str:
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
            out.append(f"{heading}{note}\n\n{m.content}\n")
        out.append("")
    return "\n".join(out)


def export(store: Store, conversations: list[Conversation], fmt: str) -> str:
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}")
    return to_json(store, conversations) if fmt == "json" else to_markdown(store, conversations)
