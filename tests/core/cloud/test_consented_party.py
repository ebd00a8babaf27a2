"""Exactly the consented bytes, to exactly the consented party: no header from the environment
reaches a provider, and a standing consent or a key never follows a provider's name to another
server."""

from __future__ import annotations

import threading

import pytest

from app.core.chat.store import Store
from app.core.cloud import providers as providers_mod
from app.core.cloud.chat import route_for
from app.core.cloud.providers import ProviderRegistry
from app.core.privacy import consent
from app.core.privacy.keyring_store import KeyringStore

pytestmark = pytest.mark.slow


def test_headers_from_the_environment_never_reach_a_provider(chat, provider_server, monkeypatch):
    monkeypatch.setenv("OPENAI_ORG_ID", "org-secret-company")
    monkeypatch.setenv("OPENAI_PROJECT_ID", "proj_internal")
    monkeypatch.setenv("OPENAI_CUSTOM_HEADERS", "X-Team: payroll\nAuthorization: Bearer sk-env")
    provider_server.fault = "echo"
    chat.send(chat.plan(None, "Hello", "Org"), consent.ONCE, cancel=threading.Event())
    [request] = provider_server.chats()
    sent = {name.lower() for name in request.headers}
    assert not sent & {"openai-organization", "openai-project", "x-team"}
    from app.core.engines.remote import SENT_HEADERS

    assert sent <= set(SENT_HEADERS)
    assert request.headers["authorization"] == "Bearer none"  # "Org" needs no key: not sk-env
    assert not [
        v
        for v in request.headers.values()
        if "org-secret" in v or "proj_internal" in v or "payroll" in v
    ]


def shown_header_names(note: str) -> set[str]:
    """The names a consent's headers note lists: "Headers sent: Host, Accept, … (…); …"."""
    listed = note.split(": ", 1)[1].split(" (", 1)[0]
    return {name.strip().lower() for name in listed.split(",")}


def test_the_consent_names_exactly_the_headers_the_request_carries(chat, provider_server):
    provider_server.fault = "echo"
    plan = chat.plan(None, "Hello", "Org")
    shown = shown_header_names(plan.request.headers_note())
    chat.send(plan, consent.ONCE, cancel=threading.Event())
    [request] = provider_server.chats()
    assert {name.lower() for name in request.headers} == shown
    assert "no key" in plan.request.headers_note()  # "Org" needs none: said so


def test_consent_and_key_do_not_follow_a_name_to_another_server(
    chat, paths, provider_server, run_cli
):
    registry, keys = ProviderRegistry(paths.providers_file), KeyringStore(paths.keys_index)
    lab = registry.add(
        "Lab",
        base_url=provider_server.base_url,
        tier="org",
        model="starter",
        context_length=2048,
        needs_key=True,
    )
    keys.set(lab.key_name, "sk-lab-key")
    provider_server.fault = "echo"
    result = chat.send(chat.plan(None, "Hi", "Lab"), consent.CONVERSATION, cancel=threading.Event())
    cid = result.conversation_id
    assert chat.route_for(cid)[0].name == "Lab"

    removed = run_cli("providers", "remove", "Lab")
    assert removed.returncode == 0, removed.stderr
    # A new "Lab", somewhere else: the conversation asks again, and there is no key for it.
    run_cli("providers", "add", "Lab", "--base-url", "http://127.0.0.2:9/v1", "--tier", "org")
    store = Store(paths.database)
    try:
        assert route_for(store, ProviderRegistry(paths.providers_file), cid) is None
        assert store.consent(cid) is None  # withdrawn, not just ignored
    finally:
        store.close()
    new_lab = ProviderRegistry(paths.providers_file).get("Lab")
    assert keys.get(new_lab.key_name) is None and keys.get("Lab") is None
    assert "withdrew the permission 1 conversation(s)" in removed.stdout
    assert "deleted its key" in removed.stdout


def test_a_grant_for_another_identity_is_not_honoured(paths, org_provider):
    """Even if removal could not withdraw it (another tool rewrote the providers file), a grant
    names the server and tier it was given for."""
    store = Store(paths.database)
    try:
        cid = store.create_conversation("t").id
        store.grant_consent(cid, "Org", "starter", org_provider.identity)
        registry = ProviderRegistry(paths.providers_file)
        assert route_for(store, registry, cid)[0].name == "Org"
        moved = providers_mod.Provider("Org", "https://elsewhere.example/v1", "org")
        registry._write([moved])
        assert route_for(store, registry, cid) is None
        registry._write([providers_mod.Provider("Org", org_provider.base_url, "cloud")])
        assert route_for(store, registry, cid) is None  # same host, another tier
    finally:
        store.close()
