"""Answers from documents: the passages in the prompt and stored with the answer, the file edited
and asked again, and the cloud boundary — passages in the consent payload, redacted, and
never-to-the-cloud collections refused by the gate."""

from __future__ import annotations

import os
import threading
import time

import pytest
from docs_files import make_mixed_folder

from app.core.chat.assistant import Assistant
from app.core.chat.store import Store
from app.core.cloud.chat import CloudChat
from app.core.documents import retrieval
from app.core.documents.index import DocIndex, DocsError
from app.core.documents.indexer import Indexer
from app.core.platform import settings as settings_mod
from app.core.privacy import audit, consent, gate

pytestmark = pytest.mark.slow


@pytest.fixture
def work(paths, tmp_path):
    """The collection "Work" over a mixed folder, indexed (words only)."""
    folder = make_mixed_folder(tmp_path / "docs")
    with DocIndex(paths.documents_index) as index:
        index.create("Work")
        index.add_roots("Work", [folder])
        Indexer(index).run("Work")
    return folder


@pytest.fixture
def assistant(paths):
    store = Store(paths.database)
    a = Assistant(store, settings_mod.load(paths.settings_file), paths)
    a.overrides = {"max_answer_tokens": 24, "temperature": 0.0}
    yield a
    a.close()
    store.close()


def _ask(assistant, text, conversation=None, **kw):
    return assistant.send(conversation, text, cancel=threading.Event(), **kw)


def test_an_answer_cites_the_passages_its_prompt_held(assistant, work):
    seen = {}
    real_stream = None

    def spy(messages, **kw):
        seen["messages"] = messages
        return real_stream(messages, **kw)

    engine = assistant.host.get(assistant.model_for(None))
    real_stream, engine.stream = engine.stream, spy
    try:
        result = _ask(assistant, "Within how many days are invoices payable?", collections=["Work"])
    finally:
        engine.stream = real_stream
    assert result.sources and result.sources[0].where() == "contract.pdf, page 2"
    prompt = seen["messages"][-1].content
    assert "invoices are payable within 45 days" in prompt
    assert "[1] contract.pdf, page 2" in prompt and prompt.endswith(
        "Question: Within how many days are invoices payable?"
    )
    stored = assistant.store.message(result.answer_message_id)
    assert [s.chunk_id for s in retrieval.from_json(stored.sources)] == [
        s.chunk_id for s in result.sources
    ]
    # The conversation keeps its collections; the stored question is what the user typed.
    assert assistant.store.collections(result.conversation_id) == ["Work"]
    assert assistant.store.messages(result.conversation_id)[0].content.startswith("Within")


def test_edit_the_file_and_ask_again(assistant, work, paths):
    question = "Where do visitors park?"
    first = _ask(assistant, question, collections=["Work"])
    assert "garage B" in first.sources[0].text
    notes = work / "notes.txt"
    notes.write_text("Visitors park in garage C on level 1 from May.\n", encoding="utf-8")
    os.utime(notes, (time.time() + 5, time.time() + 5))
    with DocIndex(paths.documents_index) as index:
        assert Indexer(index).run("Work").changed == 1
    second = _ask(assistant, question, first.conversation_id)
    assert "garage C" in second.sources[0].text
    assert not any("garage B" in s.text for s in second.sources)


def test_a_deleted_collection_and_a_misspelt_one(assistant, work, paths):
    first = _ask(assistant, "Where do visitors park?", collections=["Work"])
    with DocIndex(paths.documents_index) as index:
        index.remove("Work")
    again = _ask(assistant, "And staff?", first.conversation_id)
    assert again.sources == [] and any("no longer exists" in n for n in again.notices)
    before = assistant.store.count_conversations()
    with pytest.raises(DocsError, match="no collection called 'Wrok'"):
        _ask(assistant, "Hello", collections=["Wrok"])
    assert assistant.store.count_conversations() == before  # nothing stored


@pytest.fixture
def cloud(assistant, org_provider):
    assistant.settings.cloud_allowed = True  # as org_provider saved it
    return CloudChat(assistant)


def test_the_consent_payload_holds_the_passages_redacted(cloud, work, provider_server):
    (work / "contacts.txt").write_text(
        "Invoices questions: write to billing.lead@acme.example about payment terms.\n",
        encoding="utf-8",
    )
    with DocIndex(cloud.assistant.paths.documents_index) as index:
        Indexer(index).run("Work")
    plan = cloud.plan(None, "Who handles invoices payment terms?", "Org", collections=["Work"])
    request = plan.request
    assert request.sources and "contacts.txt" in request.documents_note()
    payload = request.messages[-1]["content"]
    assert "billing.lead@acme.example" not in payload and "[EMAIL_1]" in payload
    assert "invoices are payable within 45 days" in payload
    assert provider_server.requests == []  # planning sends nothing
    result = cloud.send(plan, consent.ONCE, cancel=threading.Event())
    [sent] = provider_server.chats()
    assert sent.json()["messages"][-1]["content"] == payload
    stored = cloud.assistant.store.message(result.answer_message_id)
    assert stored.provider == "Org" and retrieval.from_json(stored.sources) == request.sources
    assert cloud.assistant.store.collections(result.conversation_id) == ["Work"]


def test_a_never_to_cloud_collection_is_refused_with_nothing_sent(
    cloud, work, paths, provider_server
):
    with DocIndex(paths.documents_index) as index:
        index.set_never_cloud("Work", True)
    with pytest.raises(gate.PrivateDocumentsError, match="'Work', marked never"):
        cloud.plan(None, "Summarise the payment terms", "Org", collections=["Work"])
    # A conversation that used it earlier stays local, even with the collection taken off.
    local = _ask(cloud.assistant, "Summarise the payment terms", collections=["Work"])
    assert local.sources
    cloud.assistant.store.set_collections(local.conversation_id, [])
    with pytest.raises(gate.PrivateDocumentsError):
        cloud.plan(local.conversation_id, "And the payment terms?", "Org")
    with DocIndex(paths.documents_index) as index:
        index.remove("Work")  # its passages are still in the answers: the mark stays with them
    with pytest.raises(gate.PrivateDocumentsError, match="'Work'"):
        cloud.plan(local.conversation_id, "And the payment terms?", "Org")
    assert provider_server.requests == [] and audit.default().entries() == []


def test_the_gate_itself_refuses_a_consent_naming_private_documents(cloud, provider_server):
    provider = cloud.providers.get("Org")
    given = consent.Consent(
        "once", "Org", ({"role": "user", "content": "hi"},), True, private_documents=("Contracts",)
    )
    with pytest.raises(gate.PrivateDocumentsError, match="Contracts"):
        with gate.open_cloud(cloud.settings, provider, "ask Org", consent=given):
            pass
    assert provider_server.requests == []


@pytest.mark.parametrize("reach", ["same folder", "a folder inside it", "a folder around it"])
def test_the_mark_follows_the_documents_into_an_unmarked_collection(
    cloud, work, paths, reach, provider_server
):
    """ "Private" marks the folder; "Other" reaches the same files and is not marked: refused."""
    root = {
        "same folder": work,
        "a folder inside it": work / "sub",
        "a folder around it": work.parent,
    }[reach]
    (work / "sub").mkdir(exist_ok=True)
    (work / "sub" / "terms.txt").write_text(
        "Invoices are payable within 45 days of receipt.\n", encoding="utf-8"
    )
    with DocIndex(paths.documents_index) as index:
        index.remove("Work")
        index.create("Private")
        index.add_roots("Private", [work])
        index.set_never_cloud("Private", True)
        index.create("Other")
        index.add_roots("Other", [root])
        Indexer(index).run("Other")
    with pytest.raises(gate.PrivateDocumentsError, match="'Other' holds documents of 'Private'"):
        cloud.plan(None, "Within how many days are invoices payable?", "Org", collections=["Other"])
    assert provider_server.requests == [] and audit.default().entries() == []


def test_a_copy_of_a_marked_file_elsewhere_is_refused_too(
    cloud, work, paths, tmp_path, provider_server
):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "notes.txt").write_bytes((work / "notes.txt").read_bytes())
    with DocIndex(paths.documents_index) as index:
        index.set_never_cloud("Work", True)
        index.create("Copies")
        index.add_roots("Copies", [elsewhere])
        Indexer(index).run("Copies")
    with pytest.raises(gate.PrivateDocumentsError, match="'Copies' holds documents of 'Work'"):
        cloud.plan(None, "Where do visitors park?", "Org", collections=["Copies"])
    assert provider_server.requests == []


def test_a_collection_marked_while_the_dialog_is_open_is_still_refused(
    cloud, work, paths, provider_server
):
    plan = cloud.plan(
        None, "Within how many days are invoices payable?", "Org", collections=["Work"]
    )
    assert plan.request.sources  # passages from Work are in the payload
    with DocIndex(paths.documents_index) as index:  # the user marks it; then clicks Send
        index.set_never_cloud("Work", True)
    with pytest.raises(gate.PrivateDocumentsError, match="'Work', marked never"):
        cloud.send(plan, consent.ONCE, cancel=threading.Event())
    assert provider_server.requests == [] and audit.default().entries() == []
    assert cloud.assistant.store.count_conversations() == 0  # nothing stored either
