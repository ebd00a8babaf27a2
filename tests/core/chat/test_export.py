"""Conversations out of the store as JSON or Markdown."""

from __future__ import annotations

import json

import pytest

from app.core.chat import export
from app.core.chat.store import Store


@pytest.fixture
def store(paths):
    with Store(paths.database) as s:
        yield s


@pytest.fixture
def conversations(store):
    a = store.create_conversation("Recipes", system_prompt="You are a chef.")
    store.add_message(a.id, "user", "How do I make crêpes? 🥞")
    answer = store.add_message(
        a.id, "assistant", "", model="smol", engine="local", status="streaming"
    )
    store.finish_message(
        answer.id,
        "Mix flour, eggs and milk.",
        completion_tokens=7,
        ttft_ms=12.5,
        tokens_per_s=90.0,
        prompt_tokens=30,
    )
    b = store.create_conversation("Stopped one")
    store.add_message(b.id, "user", "Count to a million.")
    stopped = store.add_message(b.id, "assistant", "1, 2, 3", model="smol", engine="local")
    store.finish_message(stopped.id, "1, 2, 3", status="cancelled")
    return [store.conversation(a.id), store.conversation(b.id)]


def test_json_holds_everything(store, conversations):
    doc = json.loads(export.export(store, conversations, "json"))
    assert doc["format"] == "enclave-chats" and doc["version"] == 1 and doc["enclave"]
    recipes, stopped = doc["conversations"]
    assert recipes["title"] == "Recipes" and recipes["system_prompt"] == "You are a chef."
    user, answer = recipes["messages"]
    assert user == {
        "id": user["id"],
        "role": "user",
        "content": "How do I make crêpes? 🥞",
        "created": user["created"],
        "status": "complete",
    }
    assert answer["model"] == "smol" and answer["engine"] == "local"
    assert (answer["completion_tokens"], answer["ttft_ms"], answer["tokens_per_s"]) == (
        7,
        12.5,
        90.0,
    )
    assert stopped["messages"][1]["status"] == "cancelled"
    assert recipes["created"].endswith("+00:00")


def test_json_keeps_non_ascii_readable(store, conversations):
    assert "crêpes? 🥞" in export.to_json(store, conversations)


def test_markdown_reads_like_a_transcript(store, conversations):
    md = export.export(store, conversations, "md")
    assert md.startswith("# Recipes")
    assert "> **System prompt:** You are a chef." in md
    assert "## You\n\nHow do I make crêpes? 🥞" in md
    assert "## Assistant (smol, local)\n\nMix flour, eggs and milk." in md
    assert "## Assistant (smol, local) _(stopped)_" in md
    assert md.index("# Recipes") < md.index("# Stopped one")


def test_an_unknown_format_is_refused(store, conversations):
    with pytest.raises(ValueError, match="json, md"):
        export.export(store, conversations, "pdf")


def test_nothing_to_export(store):
    assert json.loads(export.export(store, [], "json"))["conversations"] == []
    assert export.export(store, [], "md") == ""
