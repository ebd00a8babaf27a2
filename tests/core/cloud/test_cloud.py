"""Cloud and organisation providers end to end: the real openai SDK against llama-cpp-python's
server on loopback (through a recording proxy), the privacy gate, consent, redaction and audit."""

from __future__ import annotations

import hashlib
import json
import threading

import pytest

from app.core.chat.assistant import Assistant
from app.core.chat.store import Store
from app.core.cloud.chat import CloudChat
from app.core.cloud.providers import ProviderError, ProviderRegistry
from app.core.engines.remote import CloudError, list_models
from app.core.platform import settings as settings_mod
from app.core.privacy import audit, consent, gate, netguard
from app.core.privacy.keyring_store import KeyringStore

pytestmark = pytest.mark.slow


def _send(chat, plan, choice=consent.ONCE):
    return chat.send(plan, choice, cancel=threading.Event())


def test_nothing_is_sent_before_consent_and_cancel_sends_nothing(chat, provider_server):
    plan = chat.plan(None, "Hello there", "Org")
    assert plan.request.messages[-1] == {"role": "user", "content": "Hello there"}
    assert plan.request.tokens > 0 and "127.0.0.1" in plan.request.heading()
    assert "Your organisation" in plan.request.heading()
    assert chat.send(plan, consent.CANCEL, cancel=threading.Event()) is None
    assert provider_server.requests == []
    assert chat.assistant.store.count_conversations() == 0  # nothing stored either
    assert audit.default().entries() == []


def test_send_once_answers_through_the_real_server_and_is_audited(chat, provider_server, paths):
    result = _send(chat, chat.plan(None, "Say hello.", "Org"))
    assert result.text.strip() and result.provider == "Org" and result.engine == "remote"
    [request] = provider_server.chats()
    body = request.json()
    assert body["model"] == "starter" and body["messages"][-1]["content"] == "Say hello."
    assert not [h for h in request.headers if h.startswith("x-stainless")]
    stored = chat.assistant.store.messages(result.conversation_id)
    assert [(m.role, m.provider, m.tier) for m in stored] == [
        ("user", None, None),
        ("assistant", "Org", "org"),
    ]
    assert chat.assistant.store.sent_conversations() == {result.conversation_id}

    log = audit.default()
    [entry] = log.entries()
    assert entry["payload_sha256"] == hashlib.sha256(request.body).hexdigest()
    assert (entry["host"], entry["provider"], entry["tier"], entry["model"]) == (
        "127.0.0.1",
        "Org",
        "org",
        "starter",
    )
    assert entry["conversation"] == result.conversation_id and entry["consent"] == "once"
    assert entry["bytes_sent"] > len(request.body) and entry["bytes_received"] > 100
    assert entry["tokens_sent"] > 0 and entry["tokens_received"] > 0
    assert entry["status"] == 200
    assert log.verify().ok
    assert "Say hello" not in paths.audit_log.read_text()  # the log holds hashes, not text


def test_redaction_is_what_the_server_received_and_the_answer_shows_the_originals(
    chat, provider_server, paths
):
    s = settings_mod.load(paths.settings_file)
    chat.assistant.settings.redaction_terms = ["Project Nightjar"]
    provider_server.fault = "echo"
    text = (
        "Mail jane.doe@example.com or call +44 20 7946 0958 about Project Nightjar; "
        "card 4111 1111 1111 1111, server 10.2.3.4, password: hunter2hunter2"
    )
    plan = chat.plan(None, text, "Org")
    sent = plan.request.messages[-1]["content"]
    for original in ("jane.doe@example.com", "7946", "Nightjar", "4111", "10.2.3.4", "hunter2"):
        assert original not in sent
    for placeholder in ("[EMAIL_1]", "[PHONE_1]", "[TERM_1]", "[CARD_1]", "[IP_1]", "[SECRET_1]"):
        assert placeholder in sent
    result = _send(chat, plan)
    [request] = provider_server.chats()
    assert request.json()["messages"][-1]["content"] == sent  # exactly what the dialog showed
    assert result.text == text  # the echo came back with placeholders; the originals are put back
    assert chat.assistant.store.message(result.answer_message_id).content == text
    assert s.redact is True  # on by default


def test_a_request_that_differs_from_the_consented_payload_is_refused(chat, provider_server):
    plan = chat.plan(None, "What I agreed to", "Org")
    agreed = consent.Consent.for_request(plan.request, consent.ONCE)
    from app.core.engines.remote import client

    with gate.open_cloud(chat.settings, plan.provider, "test", consent=agreed):
        sdk = client(plan.provider, chat.keys, timeout_s=10)
        with pytest.raises(Exception) as info:
            sdk.chat.completions.create(
                model="starter", messages=[{"role": "user", "content": "Something else"}]
            )
    assert "differed from what you agreed" in str(info.value.__cause__ or info.value)
    assert provider_server.requests == []


@pytest.mark.parametrize(
    "rule", ["offline", "cloud_off", "force_offline", "forbid_cloud", "allowed_hosts"]
)
def test_each_rule_blocks_with_zero_requests(chat, provider_server, tmp_path, monkeypatch, rule):
    if rule == "offline":
        chat.assistant.settings.offline = True
    elif rule == "cloud_off":
        chat.assistant.settings.cloud_allowed = False
    else:
        policy = {
            "force_offline": {"force_offline": True},
            "forbid_cloud": {"forbid_cloud": True},
            "allowed_hosts": {"allowed_provider_hosts": ["llm.corp.example"]},
        }[rule]
        path = tmp_path / "policy.json"
        path.write_text(json.dumps({**policy, "managed_by": "Test IT"}))
        monkeypatch.setenv("ENCLAVE_POLICY", str(path))
    with pytest.raises((gate.OfflineError, gate.CloudNotAllowedError)) as info:
        chat.plan(None, "hello", "Org")
    if rule not in ("offline", "cloud_off"):
        assert "Test IT" in str(info.value)
    with pytest.raises((gate.OfflineError, gate.CloudNotAllowedError)):
        list_models(chat.providers.get("Org"), chat.settings, chat.keys)
    assert provider_server.requests == []


def test_an_allowed_host_passes_a_forbid_cloud_policy(chat, provider_server, tmp_path, monkeypatch):
    path = tmp_path / "policy.json"
    path.write_text(
        json.dumps(
            {"forbid_cloud": True, "allowed_provider_hosts": ["127.0.0.1"], "force_redaction": True}
        )
    )
    monkeypatch.setenv("ENCLAVE_POLICY", str(path))
    chat.assistant.settings.redact = False  # the policy keeps it on
    provider_server.fault = "echo"
    plan = chat.plan(None, "write to bob@example.org", "Org")
    assert plan.request.redacted and "[EMAIL_1]" in plan.request.messages[-1]["content"]
    assert _send(chat, plan).text == "write to bob@example.org"


# Each fault with the one status its audit entry must carry: the provider's own, or
# "no response" when none arrived in time; a stream that broke after 200 is still a 200.
@pytest.mark.parametrize(
    "fault, kind, words, status",
    [
        ("401", "auth", "refused the API key", 401),
        ("429", "rate limit", "wait 7 s", 429),
        ("500", "server error", "server error (500)", 500),
        ("timeout", "timeout", "did not answer in time", "no response"),
        ("malformed", "malformed", "could not read", 200),
        ("cut", "cut", "was cut mid-answer", 200),
    ],
)
def test_provider_failures_give_a_clear_message_and_keep_the_message(
    chat, provider_server, fault, kind, words, status
):
    provider_server.fault = fault
    provider_server.delay_s = 4
    # Short enough for "timeout", long enough for the real server's prompt before a "cut".
    chat.assistant.settings.cloud_timeout_s = 1.0 if fault == "timeout" else 30.0
    chat.assistant.overrides["max_answer_tokens"] = 64  # "cut": the answer outlasts cut_after
    plan = chat.plan(None, "Keep this message", "Org")
    with pytest.raises(CloudError) as info:
        _send(chat, plan)
    assert info.value.kind == kind and words in str(info.value)
    if fault == "429":
        assert info.value.retry_after == 7
    store = chat.assistant.store
    [conversation] = store.conversations()
    messages = store.messages(conversation.id)
    assert messages[0].content == "Keep this message"
    assert messages[-1].status == "error"
    if fault == "malformed":
        assert messages[-1].content == "Half an answer"
    if fault == "cut":  # what arrived before the cut is kept, and on record as received
        assert messages[-1].content.strip()
        entry = audit.default().entries()[0]
        assert (
            0 < entry["tokens_received"]
            and 0 < entry["bytes_received"] < provider_server.cut_after + 1000
        )
        assert (
            entry["payload_sha256"] == hashlib.sha256(provider_server.chats()[0].body).hexdigest()
        )
    # ... and it can be answered on this device instead.
    local = chat.assistant.regenerate(conversation.id, cancel=threading.Event())
    assert local.engine == "local" and local.provider is None
    assert [m.content for m in store.messages(conversation.id)][0] == "Keep this message"
    [entry] = audit.default().entries()  # the failed request is on record too
    assert entry["status"] == status


def test_a_providers_redirect_to_another_host_is_not_followed(chat, provider_server):
    """Providers get no redirects to other hosts: the SDK's client does not follow them, and the
    gate refuses one even for a client that would."""
    from app.core.privacy import http

    provider_server.fault = "redirect"  # to "localhost": the same stand-in, under another name
    with pytest.raises(CloudError) as info:
        _send(chat, chat.plan(None, "Where does this go?", "Org"))
    assert info.value.kind == "redirect"
    assert "redirected the request to localhost" in str(info.value)
    assert len(provider_server.requests) == 1  # the redirect's target was never asked
    assert [(e["host"], e["status"]) for e in audit.default().entries()] == [("127.0.0.1", 307)]

    provider = chat.providers.get("Org")
    with gate.open_cloud(chat.settings, provider, "list models", needs_consent=False):
        with pytest.raises(
            netguard.NetworkBlockedError,
            match="refused a request to localhost: only 127.0.0.1 was allowed",
        ):
            http.client(follow_redirects=True).get(provider.base_url + "/models")
    assert len(provider_server.requests) == 2  # again one request, the redirect's target none


def test_conversation_consent_is_remembered_and_can_be_withdrawn(chat, provider_server):
    first = _send(chat, chat.plan(None, "One", "Org"), consent.CONVERSATION)
    cid = first.conversation_id
    provider, model = chat.route_for(cid)
    assert provider.name == "Org" and model == "starter"
    second = _send(chat, chat.plan(cid, "Two", "Org"), consent.CONVERSATION)
    assert second.conversation_id == cid
    assert [e["consent"] for e in audit.default().entries()] == ["conversation"] * 2
    assert chat.assistant.store.withdraw_consent(cid)
    assert chat.route_for(cid) is None


def test_retry_with_cloud_replaces_a_local_answer(chat, provider_server):
    local = chat.assistant.send(None, "Answer me", cancel=threading.Event())
    plan = chat.plan(local.conversation_id, None, "Org")
    assert plan.request.messages[-1] == {"role": "user", "content": "Answer me"}
    again = _send(chat, plan)
    roles = [(m.role, m.provider) for m in chat.assistant.store.messages(again.conversation_id)]
    assert roles == [("user", None), ("assistant", "Org")]


def test_the_key_lives_only_in_the_keyring(paths, provider_server, enclave_home):
    from keyring_check import keyring_or_skip

    keyring_or_skip()
    secret = "sk-test-a1b2c3d4e5f6g7h8i9j0k1l2m3n4"
    provider_server.key = secret
    registry = ProviderRegistry(paths.providers_file)
    cloud = registry.add(
        "Cloudy", preset="openai", base_url=provider_server.base_url, model="starter"
    )
    assert cloud.tier == "cloud"
    keys = KeyringStore(paths.keys_index)
    s = settings_mod.load(paths.settings_file)
    s.cloud_allowed = True
    with pytest.raises(CloudError, match="No API key is saved for Cloudy"):
        list_models(cloud, s, keys)
    keys.set("Cloudy", secret)
    try:
        assert list_models(cloud, s, keys) == ["starter"]
        assert provider_server.requests[-1].headers["authorization"] == f"Bearer {secret}"
        store = Store(paths.database)
        assistant = Assistant(store, s, paths)
        assistant.overrides = {"max_answer_tokens": 8}
        chat = CloudChat(assistant)
        _send(chat, chat.plan(None, "hi", "Cloudy"))
        store.close()
        leaks = [
            p for p in enclave_home.rglob("*") if p.is_file() and secret.encode() in p.read_bytes()
        ]
        assert leaks == []
        assert [e["tier"] for e in audit.default().entries()] == ["cloud", "cloud"]
    finally:
        keys.remove("Cloudy")


def test_providers_registry_rules(paths):
    registry = ProviderRegistry(paths.providers_file)  # nothing here is contacted
    with pytest.raises(ProviderError, match="--tier org"):
        registry.add("X", base_url="http://10.0.0.5/v1")
    with pytest.raises(ProviderError, match="not a web address"):
        registry.add("X", base_url="ftp://x", tier="org")
    with pytest.raises(ProviderError, match="not in the URL"):
        registry.add("X", base_url="https://user:sk-1@h.example/v1", tier="org")
    with pytest.raises(ProviderError, match="cannot be changed"):
        registry.add("X", preset="openai", tier="org")
    # A server on this machine is still the tier it was configured as, never "this device".
    local = registry.add("Mine", base_url="http://127.0.0.1:9/v1", tier="cloud")
    assert local.tier == "cloud" and local.badge() == "Cloud: Mine"
    gemini = registry.add("G", preset="gemini")
    assert gemini.host == "generativelanguage.googleapis.com" and gemini.needs_key
    with pytest.raises(ProviderError, match="already"):
        registry.add("g", preset="groq")
    assert [p.name for p in registry.all()] == ["Mine", "G"]
    registry.remove("mine")
    assert [p.name for p in registry.all()] == ["G"]
    assert "sk-" not in paths.providers_file.read_text()


def test_hub_requests_are_audited_too(hub, paths):
    import time

    from app.core.models.hub import Hub

    Hub(settings_mod.load(paths.settings_file)).search("smol")
    # Each request is written before it leaves and completed when its response is closed, which
    # the HTTP client may do just after the search returns. (A connection the client kept from
    # an earlier hub is refused first: that attempt is on record too, as "no response".)
    deadline = time.monotonic() + 10

    def answered():
        return [
            e
            for e in audit.default().entries()
            if e["purpose"] == "search the model hub" and e.get("bytes_received")
        ]

    while not answered():
        assert time.monotonic() < deadline, audit.default().entries()
        time.sleep(0.05)
    assert answered()[0]["provider"] == "Hugging Face hub"
    assert audit.default().verify().ok


@pytest.fixture
def no_keyring():
    """A machine with no usable OS keyring (keyring's own "fail" backend)."""
    import keyring
    from keyring.backends import fail

    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    yield
    keyring.set_keyring(previous)


def test_without_a_keyring_cloud_is_unavailable_with_a_clear_message_and_no_plaintext(
    chat, provider_server, paths, enclave_home, no_keyring
):
    cloud = chat.providers.add(
        "Cloudy", preset="openai", base_url=provider_server.base_url, model="starter"
    )
    with pytest.raises(Exception, match="no keyring is available") as info:
        chat.keys.set("Cloudy", "sk-never-stored-1234567890abcdef")
    assert "Nothing was stored anywhere else" in str(info.value)
    with pytest.raises(Exception, match="no keyring is available"):
        list_models(cloud, chat.settings, chat.keys)
    plan = chat.plan(None, "hi", "Cloudy")
    with pytest.raises(Exception, match="no keyring is available"):
        _send(chat, plan)
    assert provider_server.requests == []
    assert not [
        p for p in enclave_home.rglob("*") if p.is_file() and b"sk-never-stored" in p.read_bytes()
    ]
    # An organisation server that needs no key still works on such a machine.
    assert _send(chat, chat.plan(None, "hello", "Org")).provider == "Org"


def test_a_request_is_recorded_in_the_runtimes_audit_log(
    chat, provider_server, paths, tmp_path, monkeypatch
):
    """Where the runtime's folders are, not wherever ENCLAVE_HOME points by the time it sends."""
    monkeypatch.setenv("ENCLAVE_HOME", str(tmp_path / "elsewhere"))
    _send(chat, chat.plan(None, "Say hello.", "Org"))
    assert [e["provider"] for e in audit.for_paths(paths).entries()] == ["Org"]
    assert not (tmp_path / "elsewhere").exists()
