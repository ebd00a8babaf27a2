"""API requests kept as conversations, when the user turns that on (`api.keep_conversations`):
off by default, because another app's prompts are that app's business, not Enclave's history."""

from __future__ import annotations

from pathlib import Path

from app.core.chat.assistant import title_from
from app.core.chat.store import Store
from app.core.engines.base import ChatMessage

TITLE_PREFIX = "API: "


def keep(database: Path, messages: list[ChatMessage], model: str, answer: str) -> int:
    """Store one answered request (its messages and the answer) as a new conversation; its id.
    Runs on the model runner's thread, with a connection of its own."""
    asked = next((m.content for m in reversed(messages) if m.role == "user"), "")
    system = next((m.content for m in messages if m.role == "system"), None)
    with Store(database) as store:
        conversation = store.create_conversation(
            TITLE_PREFIX + title_from(asked), system_prompt=system, model=model
        )
        for m in messages:
            if m.role in ("user", "assistant"):
                store.add_message(conversation.id, m.role, m.content)
        store.add_message(conversation.id, "assistant", answer, model=model, engine="local")
    return conversation.id
