"""`enclave ask` and a reasoning model: the thinking on stderr only with --show-thinking (hidden
characters marked), the answer alone on stdout, a `thinking` field in --json, --thinking kept
for the conversation. Subprocesses, against a loopback provider that streams reasoning_content."""

from __future__ import annotations

import json

import pytest
from provider_server import REASONING_PREFIX

pytestmark = pytest.mark.slow

QUESTION = "Say hi\x1b[2J to Ada"  # an escape sequence that would clear the screen


@pytest.fixture
def reasoning_org(run_cli, provider_server):
    added = run_cli(
        "providers", "add", "Org", "--base-url", provider_server.base_url, "--tier", "org",
        "--model", "starter", "--context", "2048",
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    assert run_cli("config", "set", "cloud.allowed", "true").returncode == 0
    provider_server.fault = "reasoning"
    return provider_server


def ask(run_cli, *args):
    return run_cli("ask", "--provider", "Org", "--yes-send", *args, QUESTION)


def test_show_thinking_prints_it_on_stderr_marked_and_apart(run_cli, reasoning_org):
    shown = ask(run_cli, "--show-thinking")
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout == "Say hi⟨ESC⟩[2J to Ada\n"  # the answer alone
    thinking = shown.stderr.split("Thinking…\n", 1)[1]
    assert thinking.startswith(REASONING_PREFIX + "Say hi⟨ESC⟩[2J to Ada\n\n")
    assert "\x1b" not in shown.stderr and "the thinking holds them" in shown.stderr
    assert "thought for" in shown.stderr


def test_without_the_flag_the_thinking_is_only_mentioned(run_cli, reasoning_org):
    quiet = ask(run_cli)
    assert quiet.returncode == 0, quiet.stderr
    assert REASONING_PREFIX not in quiet.stderr + quiet.stdout
    assert "--show-thinking shows it" in quiet.stderr


def test_json_has_the_exact_thinking_apart_from_the_text(run_cli, reasoning_org):
    asked = ask(run_cli, "--json", "--show-thinking")
    assert asked.returncode == 0, asked.stderr
    out = json.loads(asked.stdout)
    assert out["thinking"] == REASONING_PREFIX + QUESTION and out["text"] == QUESTION
    assert out["thinking_s"] >= 0
    assert REASONING_PREFIX not in asked.stderr  # --json: nothing streamed


def test_a_thinking_level_is_kept_for_the_conversation(run_cli, enclave_home):
    asked = run_cli("ask", "--thinking", "off", "--max-tokens", "4", "--json", "Hello")
    assert asked.returncode == 0, asked.stderr
    out = json.loads(asked.stdout)
    assert out["thinking"] == "" and out["thinking_s"] is None
    assert any("no thinking switch" in n for n in out["notices"])
    from app.core.chat.store import Store
    from app.core.platform.paths import resolve

    with Store(resolve().database) as store:
        assert store.thinking(out["conversation_id"]) == "off"
    wrong = run_cli("ask", "--thinking", "max", "Hello")
    assert wrong.returncode == 2 and "invalid choice: 'max'" in wrong.stderr
