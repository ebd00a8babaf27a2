"""`enclave providers`, `enclave ask --provider`, `enclave audit` and the settings they need, run
as a user would (subprocesses), against the llama.cpp server behind the recording proxy."""

from __future__ import annotations

import json

import pytest

pytestmark = pytest.mark.slow


@pytest.fixture
def org(run_cli, provider_server):
    added = run_cli(
        "providers",
        "add",
        "Org",
        "--base-url",
        provider_server.base_url,
        "--tier",
        "org",
        "--model",
        "starter",
        "--context",
        "2048",
    )
    assert added.returncode == 0, added.stderr
    return provider_server


def test_add_list_and_the_cloud_switch(run_cli, org):
    listed = run_cli("providers", "list")
    assert "Org" in listed.stdout and "Your organisation" in listed.stdout
    assert "no key needed" in listed.stdout
    assert run_cli("config", "get", "cloud.allowed").stdout.strip() == "false"
    refused = run_cli("ask", "--provider", "Org", "--yes-send", "hello")
    assert refused.returncode == 1 and "cloud.allowed true" in refused.stderr
    assert org.requests == []
    assert run_cli("config", "set", "cloud.allowed", "true").returncode == 0
    assert json.loads(run_cli("providers", "list", "--json").stdout)[0]["tier"] == "org"
    assert run_cli("providers", "models", "Org").stdout.split() == ["starter"]


def test_ask_without_confirmation_prints_the_payload_and_sends_nothing(run_cli, org):
    run_cli("config", "set", "cloud.allowed", "true")
    run_cli("config", "set", "redaction.terms", "Nightjar, Olsen")
    shown = run_cli("ask", "--provider", "Org", "Tell Olsen at olsen@x.example about Nightjar")
    assert shown.returncode == 3
    assert "[TERM_1] at [EMAIL_1] about [TERM_2]" in shown.stdout
    assert "olsen@x.example" not in shown.stdout and "Your organisation" in shown.stdout
    assert "nothing was sent" in shown.stderr
    assert org.requests == []
    assert run_cli("chats", "list", "--json").stdout.strip() == "[]"


def test_ask_with_yes_send_answers_and_the_audit_records_it(run_cli, org, enclave_home):
    run_cli("config", "set", "cloud.allowed", "true")
    asked = run_cli(
        "ask", "--provider", "Org", "--yes-send", "--max-tokens", "12", "--json", "Name a colour."
    )
    assert asked.returncode == 0, asked.stderr
    result = json.loads(asked.stdout)
    assert result["provider"] == "Org" and result["engine"] == "remote" and result["text"]
    assert "Name a colour." in asked.stderr  # the payload is printed even with --yes-send
    # and the headers that go with it, by name, the ones that arrived
    [shown] = [line for line in asked.stderr.splitlines() if line.startswith("Headers sent: ")]
    listed = shown.split(": ", 1)[1].split(" (", 1)[0]
    [chat] = org.chats()
    assert {n.strip().lower() for n in listed.split(",")} == {n.lower() for n in chat.headers}
    assert len(org.chats()) == 1

    entries = json.loads(run_cli("audit", "--json").stdout)
    assert [(e["provider"], e["consent"]) for e in entries] == [("Org", "--yes-send")]
    assert "Org (Your organisation) 127.0.0.1" in run_cli("audit").stdout
    verified = run_cli("audit", "--verify")
    assert verified.returncode == 0 and "intact" in verified.stdout

    log = enclave_home / "data" / "audit.jsonl"
    log.write_text(log.read_text().replace('"bytes_sent":', '"bytes_sent":1'))
    tampered = run_cli("audit", "--verify")
    assert tampered.returncode == 1 and "was edited" in tampered.stderr


def test_a_conversation_allowed_to_use_a_provider_goes_there_from_the_cli_too(run_cli, org):
    # "Allow for this conversation" in the window: the next message goes to the provider without
    # a dialog. `enclave ask --chat N` takes the same route for the same conversation.
    run_cli("config", "set", "cloud.allowed", "true")
    first = run_cli("ask", "--json", "--max-tokens", "8", "Name a colour.")
    cid = json.loads(first.stdout)["conversation_id"]
    from app.core.chat.store import Store
    from app.core.cloud.providers import ProviderRegistry
    from app.core.platform import paths

    with Store(paths.resolve().database) as store:
        org_provider = ProviderRegistry(paths.resolve().providers_file).get("Org")
        store.grant_consent(cid, "Org", "starter", org_provider.identity)
    asked = run_cli("ask", "--chat", cid, "--json", "--max-tokens", "8", "And another?")
    assert asked.returncode == 0, asked.stderr
    result = json.loads(asked.stdout)
    assert (result["engine"], result["provider"]) == ("remote", "Org")
    assert "Org" in asked.stderr and "allowed" in asked.stderr  # said, not silent
    assert len(org.chats()) == 1
    assert org.chats()[0].json()["messages"][-1]["content"] == "And another?"
    entries = json.loads(run_cli("audit", "--json").stdout)
    assert [(e["provider"], e["consent"]) for e in entries] == [("Org", "conversation")]


@pytest.mark.parametrize("how", ["offline", "policy"])
def test_offline_and_policy_block_with_zero_requests(run_cli, org, tmp_path, how):
    run_cli("config", "set", "cloud.allowed", "true")
    env = {}
    if how == "offline":
        assert run_cli("config", "set", "network.offline", "true").returncode == 0
    else:
        policy = tmp_path / "policy.json"
        policy.write_text(json.dumps({"forbid_cloud": True, "managed_by": "Example IT"}))
        env["ENCLAVE_POLICY"] = str(policy)
    blocked = run_cli("ask", "--provider", "Org", "--yes-send", "hello", env=env)
    assert blocked.returncode == 1
    assert ("Example IT" if how == "policy" else "offline") in blocked.stderr
    assert org.requests == []
    assert json.loads(run_cli("audit", "--json").stdout) == []


def test_a_cloud_key_set_from_stdin_never_lands_in_a_file(run_cli, provider_server, enclave_home):
    from keyring_check import keyring_or_skip

    keyring_or_skip()
    secret = "sk-proj-Zz9Yy8Xx7Ww6Vv5Uu4Tt3Ss2Rr1Qq0"
    provider_server.key = secret
    run_cli(
        "providers",
        "add",
        "Cloudy",
        "--preset",
        "openai",
        "--base-url",
        provider_server.base_url,
        "--model",
        "starter",
    )
    run_cli("config", "set", "cloud.allowed", "true")
    refused = run_cli("providers", "models", "Cloudy")
    assert refused.returncode == 1 and "enclave keys set" in refused.stderr
    assert run_cli("keys", "set", "Cloudy", input=secret + "\n").returncode == 0
    try:
        assert run_cli("providers", "models", "Cloudy").stdout.split() == ["starter"]
        asked = run_cli("ask", "--provider", "Cloudy", "--yes-send", "--max-tokens", "8", "hi")
        assert asked.returncode == 0, asked.stderr
        assert "Cloudy" in run_cli("keys", "list").stdout
        for output in (
            asked.stdout,
            asked.stderr,
            run_cli("keys", "list").stdout,
            run_cli("audit", "--json").stdout,
            run_cli("chats", "export", "--format", "json").stdout,
        ):
            assert secret not in output
        leaks = [
            p for p in enclave_home.rglob("*") if p.is_file() and secret.encode() in p.read_bytes()
        ]
        assert leaks == []
    finally:
        run_cli("providers", "remove", "Cloudy")
    assert "Cloudy" not in run_cli("keys", "list").stdout


# Erase the line, move up, carriage return, backspace, a right-to-left override and a zero-width
# space: printed raw, they hide what comes before them from the person asked to send it.
HIDING = "\x1b[2K\x1b[1A\r\x08\u202e\u200b"


def _hidden_payload_folder(tmp_path):
    folder = tmp_path / "notes"
    folder.mkdir()
    (folder / "budget.txt").write_text(
        f"The budget review for the lighthouse project is on Friday.\n"
        f"The review moves to the blue room{HIDING}Nothing to see here.\n",
        encoding="utf-8",
    )
    return folder


def test_the_terminal_prompt_shows_escape_and_invisible_characters(run_cli, org, tmp_path):
    run_cli("config", "set", "cloud.allowed", "true")
    assert run_cli("docs", "add", "Notes", _hidden_payload_folder(tmp_path)).returncode == 0
    question = f"When is the lighthouse budget review?{HIDING}Ignore this."
    shown = run_cli("ask", "--provider", "Org", "--docs", "Notes", question)
    assert shown.returncode == 3, shown.stderr
    printed = shown.stdout + shown.stderr
    for raw in "\x1b\r\x08\u202e\u200b":
        assert raw not in printed, f"{raw!r} printed raw"
    marks = "⟨ESC⟩[2K⟨ESC⟩[1A⟨CR⟩⟨BS⟩⟨U+202E⟩⟨U+200B⟩"
    assert f"review?{marks}Ignore this." in printed  # the message
    assert f"blue room{marks}Nothing to see here." in printed  # the document's passage
    assert "12 hidden or control characters are shown as ⟨…⟩ marks" in printed
    assert org.requests == []

    # Sent, the payload is exactly the consented text: the marks are for the eyes only.
    sent = run_cli(
        "ask", "--provider", "Org", "--docs", "Notes", "--yes-send", "--max-tokens", "4", question
    )
    assert sent.returncode == 0, sent.stderr
    assert f"review?{marks}Ignore this." in sent.stderr and HIDING not in sent.stderr
    sent_text = "".join(m["content"] for m in org.chats()[-1].json()["messages"])
    assert f"review?{HIDING}Ignore this." in sent_text
    assert f"blue room{HIDING}Nothing to see here." in sent_text


def test_an_answer_with_escape_sequences_is_shown_not_obeyed(run_cli, org):
    """The provider repeats the question back in 3-character pieces, so sequences arrive split."""
    run_cli("config", "set", "cloud.allowed", "true")
    org.fault = "echo"
    link = "\x1b]8;;https://x.test/\x1b\\here\x1b]8;;\x1b\\"  # an OSC 8 hyperlink
    question = f"Café\tnaïve 日本\nline{HIDING}two {link} end\r\nlast"
    asked = run_cli("ask", "--provider", "Org", "--yes-send", question)
    assert asked.returncode == 0, asked.stderr
    for raw in "\x1b\x08\u202e\u200b":
        assert raw not in asked.stdout, f"{raw!r} printed raw"
    marks = "⟨ESC⟩[2K⟨ESC⟩[1A⟨CR⟩⟨BS⟩⟨U+202E⟩⟨U+200B⟩"
    shown_link = "⟨ESC⟩]8;;https://x.test/⟨ESC⟩\\here⟨ESC⟩]8;;⟨ESC⟩\\"
    # Tabs, newlines, CR LF (read here in text mode, as LF) and ordinary Unicode stay as they are.
    assert f"Café\tnaïve 日本\nline{marks}two {shown_link} end\nlast\n" in asked.stdout
    assert "10 hidden or control characters are shown as ⟨…⟩ marks" in asked.stderr
    as_json = run_cli("ask", "--provider", "Org", "--yes-send", "--json", question)
    assert json.loads(as_json.stdout)["text"] == question  # the exact text, for programs
