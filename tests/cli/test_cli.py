"""The `enclave` command, run as a real subprocess against a private ENCLAVE_HOME."""

from __future__ import annotations

import json
import os
import re
import signal
import sqlite3
import subprocess
import sys

import pytest

from app.core.chat.store import Store
from app.core.platform import paths as paths_mod

pytestmark = [pytest.mark.slow, pytest.mark.timeout(180)]

MAX = "24"


def seed(
    conversations=(
        (
            "Lisbon trip",
            [("user", "Where to eat in Lisbon?"), ("assistant", "Try the pastéis in Belém.")],
        ),
        ("Python help", [("user", "How to reverse a list?"), ("assistant", "Use reversed(xs).")]),
    ),
):
    """Conversations written straight into this test's database (no model needed)."""
    ids = []
    with Store(paths_mod.resolve().ensure().database) as store:
        for title, messages in conversations:
            c = store.create_conversation(title)
            for role, text in messages:
                store.add_message(
                    c.id,
                    role,
                    text,
                    model="m" if role == "assistant" else None,
                    engine="local" if role == "assistant" else None,
                )
            ids.append(c.id)
    return ids


def stored_messages(conversation_id):
    with Store(paths_mod.resolve().database) as store:
        return store.messages(conversation_id)


# -- ask ---------------------------------------------------------------------------------------


def test_ask_streams_an_answer_to_stdout(run_cli, starter_model):
    r = run_cli("ask", "--max-tokens", MAX, "What is the capital of France?")
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip()
    assert starter_model.stem in r.stderr and "on this device" in r.stderr
    assert "Traceback" not in r.stderr
    with Store(paths_mod.resolve().database) as store:
        (conv,) = store.conversations()
        user, answer = store.messages(conv.id)
    assert user.content == "What is the capital of France?"
    assert answer.content.strip() == r.stdout.strip()
    assert answer.status == "complete"


def test_ask_json_prints_one_object(run_cli, starter_model):
    r = run_cli("ask", "--json", "--max-tokens", MAX, "--temperature", "0", "Say hello.")
    assert r.returncode == 0, r.stderr
    lines = [line for line in r.stdout.splitlines() if line.strip()]
    assert len(lines) == 1
    data = json.loads(lines[0])
    assert data["text"]
    assert data["model"] == starter_model.stem
    assert data["engine"] == "local"
    assert 0 < data["completion_tokens"] <= int(MAX)
    assert data["prompt_tokens"] > 0
    assert data["ttft_s"] > 0 and data["tokens_per_s"] > 0
    assert data["finish_reason"] in ("stop", "length")
    # where it ran: this build's devices, all layers on the GPU or none
    assert data["gpu_layers"]["total"] == 31
    assert (data["device"], data["gpu_layers"]["used"]) == ("CPU", 0) or data["gpu_layers"][
        "used"
    ] == 31
    assert data["threads"] >= 1
    msgs = stored_messages(data["conversation_id"])
    assert msgs[-1].id == data["message_id"] and msgs[-1].content == data["text"]


def test_ctrl_c_stops_the_answer_exits_130_and_keeps_what_was_printed(repo_root, cli_env):
    ask = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "app.cli",
            "ask",
            "--max-tokens",
            "2000",
            "Write a very long story about a lighthouse keeper.",
        ],
        cwd=repo_root,
        env=cli_env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        printed = b""
        while len(printed.split()) < 5:  # the answer is streaming: a few words are out
            chunk = os.read(ask.stdout.fileno(), 4096)
            assert chunk, ask.stderr.read().decode()
            printed += chunk
        ask.send_signal(signal.SIGINT)  # what Ctrl+C in a terminal does
        out, err = ask.communicate(timeout=60)
    finally:
        ask.kill()
    printed, err = (printed + out).decode(), err.decode()
    assert ask.returncode == 130, err
    assert "stopped" in err and "Traceback" not in err
    (answer,) = [m for m in stored_messages(1) if m.role == "assistant"]
    assert answer.status == "cancelled"
    assert answer.content.strip() and answer.content.strip() == printed.strip()
    assert answer.completion_tokens < 2000


def test_ask_with_standard_streams_closed_still_answers(repo_root, cli_env, enclave_home):
    # What a windowed start from a menu gives: no stdin, stdout or stderr at all.
    done = subprocess.run(
        [
            "sh",
            "-c",
            '"$0" "$@" <&- >&- 2>&-',
            sys.executable,
            "-m",
            "app.cli",
            "ask",
            "--max-tokens",
            "8",
            "Say hello.",
        ],
        cwd=repo_root,
        env=cli_env,
        timeout=120,
    )
    assert done.returncode == 0
    (answer,) = [m for m in stored_messages(1) if m.role == "assistant"]
    assert answer.status == "complete" and answer.content.strip()
    log = (enclave_home / "logs" / "enclave.log").read_text(encoding="utf-8")
    assert "Traceback" not in log and answer.content.strip() not in log  # nothing printed there


def test_ask_chat_continues_a_conversation(run_cli):
    lisbon, _ = seed()
    r = run_cli("ask", "--chat", lisbon, "--json", "--max-tokens", MAX, "And for dinner?")
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["conversation_id"] == lisbon
    msgs = stored_messages(lisbon)
    assert [m.content for m in msgs[:3]] == [
        "Where to eat in Lisbon?",
        "Try the pastéis in Belém.",
        "And for dinner?",
    ]
    assert len(msgs) == 4 and msgs[3].content == data["text"]
    # The earlier turn was part of the prompt.
    assert data["prompt_tokens"] > 40


def test_ask_chat_that_does_not_exist(run_cli):
    r = run_cli("ask", "--chat", "999", "--max-tokens", MAX, "Hello")
    assert r.returncode == 1
    assert "no conversation 999" in r.stderr and "Traceback" not in r.stderr


def test_ask_reads_the_question_from_stdin(run_cli):
    r = run_cli("ask", "--json", "--max-tokens", "8", "-", input="What is 2 + 2?\n")
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert stored_messages(data["conversation_id"])[0].content == "What is 2 + 2?\n"


def test_ask_with_a_model_file_that_is_not_there(run_cli, tmp_path):
    missing = tmp_path / "nonexistent.gguf"
    r = run_cli("ask", "--model", missing, "--max-tokens", MAX, "Hello")
    assert r.returncode == 1
    assert str(missing) in r.stderr and "does not exist" in r.stderr
    assert "Traceback" not in r.stderr
    assert r.stdout == ""
    with Store(paths_mod.resolve().database) as store:
        assert store.count_conversations() == 0  # nothing half-made was left behind


def test_ask_with_an_unknown_model_name(run_cli):
    r = run_cli("ask", "--model", "no-such-model", "Hello")
    assert r.returncode == 1
    assert "no-such-model" in r.stderr and "models list" in r.stderr


def test_ask_with_a_damaged_model_file(run_cli, tmp_path):
    bad = tmp_path / "broken.gguf"
    bad.write_text("this is not a model\n")
    r = run_cli("ask", "--model", bad, "Hello")
    assert r.returncode == 1
    assert str(bad) in r.stderr and "not a GGUF" in r.stderr


@pytest.mark.parametrize("question", ["", "   "])
def test_ask_an_empty_question(run_cli, question):
    r = run_cli("ask", question)
    assert r.returncode == 1
    assert "empty" in r.stderr and "Traceback" not in r.stderr
    with Store(paths_mod.resolve().database) as store:
        assert store.count_conversations() == 0


def test_unwritable_data_folder(run_cli, tmp_path):
    blocker = tmp_path / "file.txt"
    blocker.write_text("a file where a folder should be")
    home = blocker / "home"
    for args in (["ask", "--max-tokens", MAX, "Hello"], ["chats", "list"], ["doctor"]):
        r = run_cli(*args, home=home)
        assert r.returncode == 1, args
        assert "cannot write" in r.stderr and str(home) in r.stderr
        assert "Traceback" not in r.stderr


def test_damaged_settings_are_reported_and_the_answer_still_comes(run_cli, enclave_home):
    settings_file = paths_mod.resolve().ensure().settings_file
    settings_file.write_text("{oops", encoding="utf-8")
    r = run_cli("ask", "--max-tokens", "4", "Hi")
    assert r.returncode == 0, r.stderr
    assert str(settings_file) in r.stderr and "defaults" in r.stderr


# -- chats -------------------------------------------------------------------------------------


def test_chats_list(run_cli):
    r = run_cli("chats", "list")
    assert r.returncode == 0 and "no conversations yet" in r.stderr
    lisbon, python = seed()
    r = run_cli("chats", "list")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert len(lines) == 2
    assert "Python help" in lines[0] and "Lisbon trip" in lines[1]  # most recent first
    assert "2 msgs" in lines[0]
    r = run_cli("chats", "list", "--json")
    data = json.loads(r.stdout)
    assert [(c["id"], c["title"], c["messages"]) for c in data] == [
        (python, "Python help", 2),
        (lisbon, "Lisbon trip", 2),
    ]


def test_chats_export_one_as_json(run_cli):
    lisbon, _ = seed()
    r = run_cli("chats", "export", lisbon, "--format", "json")
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["format"] == "enclave-chats" and doc["version"] == 1
    (conv,) = doc["conversations"]
    assert conv["id"] == lisbon and conv["title"] == "Lisbon trip"
    assert [(m["role"], m["content"]) for m in conv["messages"]] == [
        ("user", "Where to eat in Lisbon?"),
        ("assistant", "Try the pastéis in Belém."),
    ]
    assert conv["messages"][1]["engine"] == "local"
    assert all(m["status"] == "complete" for m in conv["messages"])


def test_chats_export_one_as_markdown(run_cli):
    lisbon, _ = seed()
    r = run_cli("chats", "export", lisbon, "--format", "md")
    assert r.returncode == 0, r.stderr
    md = r.stdout
    assert md.startswith("# Lisbon trip")
    assert "## You" in md and "Where to eat in Lisbon?" in md
    assert "## Assistant (m, local)" in md and "Try the pastéis in Belém." in md
    assert "Python help" not in md


def test_chats_export_all(run_cli):
    lisbon, python = seed()
    r = run_cli("chats", "export")
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert [c["id"] for c in doc["conversations"]] == [lisbon, python]  # oldest first
    r = run_cli("chats", "export", "--format", "md")
    assert "# Lisbon trip" in r.stdout and "# Python help" in r.stdout


def test_chats_export_to_a_file(run_cli, tmp_path):
    seed()
    out = tmp_path / "backup.json"
    r = run_cli("chats", "export", "--output", out)
    assert r.returncode == 0, r.stderr
    assert r.stdout == ""
    assert "exported 2 conversation(s)" in r.stderr
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert len(doc["conversations"]) == 2

    blocked = tmp_path / "backup.json" / "nested.md"  # a file where a folder should be
    r = run_cli("chats", "export", "--format", "md", "-o", blocked)
    assert r.returncode == 1
    assert "Cannot write" in r.stderr and str(blocked) in r.stderr
    assert "Traceback" not in r.stderr


def test_chats_export_of_a_missing_conversation(run_cli):
    seed()
    r = run_cli("chats", "export", "77")
    assert r.returncode == 1
    assert "no conversation 77" in r.stderr


def test_chats_export_shows_an_interrupted_answer(run_cli):
    with Store(paths_mod.resolve().ensure().database) as store:
        c = store.create_conversation("Cut off")
        store.add_message(c.id, "user", "Tell me everything.")
        a = store.add_message(c.id, "assistant", "Once upon", status="streaming")
    with sqlite3.connect(paths_mod.resolve().database) as db:  # as if written 10 minutes ago
        db.execute("UPDATE messages SET updated = updated - 600 WHERE id = ?", (a.id,))
    r = run_cli("chats", "export", c.id, "--format", "json")
    assert json.loads(r.stdout)["conversations"][0]["messages"][1]["status"] == "interrupted"
    r = run_cli("chats", "export", c.id, "--format", "md")
    assert "_(interrupted)_" in r.stdout and "Once upon" in r.stdout


# -- models and doctor -------------------------------------------------------------------------


def test_models_list(run_cli, starter_model, enclave_home):
    r = run_cli("models", "list")
    assert r.returncode == 0, r.stderr
    assert starter_model.stem in r.stdout and "starter" in r.stdout
    # A .gguf dropped in the models folder shows up; a partial download does not.
    models = paths_mod.resolve().ensure().models
    (models / "sub").mkdir()
    (models / "sub" / "mine.gguf").write_bytes(b"GGUF")
    (models / "half.gguf.part").write_bytes(b"GGUF")
    r = run_cli("models", "list", "--json")
    data = json.loads(r.stdout)
    assert [(m["id"], m["source"]) for m in data] == [
        (starter_model.stem, "starter"),
        ("mine", "library"),
    ]
    assert data[0]["size_bytes"] == starter_model.stat().st_size


def test_doctor(run_cli, starter_model, enclave_home):
    r = run_cli("doctor")
    assert r.returncode == 0, r.stderr
    out = r.stdout
    for label in (
        "llama.cpp",
        "Backends",
        "Device",
        "Default model",
        "Starter model",
        "Config folder",
        "Data folder",
        "Models folder",
        "Memory",
    ):
        assert label in out, label
    assert "llama-cpp-python" in out
    assert re.search(r"Device +CPU · .+ \(cpu, [\d.]+ of [\d.]+ GB free\)", out), out
    assert re.search(
        r"Default model +SmolLM2-135M-Instruct.Q4_1 would run on (CPU|\w+\d · .+ · "
        r"\d+/31 layers)",
        out,
    ), out
    assert str(starter_model) in out
    assert str(enclave_home / "data") in out


def test_doctor_json(run_cli, starter_model, enclave_home):
    r = run_cli("doctor", "--json")
    assert r.returncode == 0, r.stderr
    report = json.loads(r.stdout)
    assert report["llama_cpp"]["available"] is True
    assert isinstance(report["gpu_offload"], bool)
    compute = report["compute"]
    assert "CPU" in compute["backends"]
    cpu = next(d for d in compute["devices"] if d["kind"] == "cpu")
    assert 0 < cpu["free"] <= cpu["total"]
    gpus = [d for d in compute["devices"] if d["kind"] in ("gpu", "igpu")]
    assert bool(gpus) == report["gpu_offload"] and bool(compute["why_no_gpu"]) != bool(gpus)
    planned = compute["default_model"]
    assert planned["gpu_layers"]["total"] == 31  # SmolLM2-135M: 30 blocks and the output layer
    assert planned["gpu_layers"]["used"] == (31 if gpus else 0)
    assert report["starter_model"] == str(starter_model)
    assert report["folders"]["data"] == str(enclave_home / "data")
    assert report["database"] == str(enclave_home / "data" / "enclave.sqlite3")
    assert report["cores"] >= 1 and report["models_installed"] >= 1


def test_version_and_help(run_cli):
    r = run_cli("--version")
    assert r.returncode == 0 and r.stdout.startswith("enclave ")
    r = run_cli("ask", "--help")
    assert r.returncode == 0 and "--max-tokens" in r.stdout
    r = run_cli("chats")
    assert r.returncode == 2  # argparse: an action is required
