"""A reasoning model's thinking from the command line: a per-model default level (`enclave models
set ID thinking=LEVEL`) that the next answer uses, and exports that include the thinking only
with --include-thinking. Subprocesses against this test's ENCLAVE_HOME; the answer runs on the
real starter model."""

from __future__ import annotations

import json
import shutil
import threading

import pytest
from shared_host import SharedHost
from thinking_grammar import record_prompts

from app.core.chat.assistant import Assistant
from app.core.chat.store import Store
from app.core.platform.settings import Settings

pytestmark = pytest.mark.slow

# What steers a gpt-oss model: its template takes reasoning_effort (thinking.style_of).
GPT_OSS_TEMPLATE = "Reasoning: {{ reasoning_effort }}<|channel|>"
THOUGHT = "The user greets me; a short greeting back will do."


@pytest.fixture
def reasoner(run_cli, starter_model, tmp_path):
    """The starter model's file imported as "reasoner" (a model of its own, with a record)."""
    copy = tmp_path / "reasoner.gguf"
    shutil.copyfile(starter_model, copy)
    imported = run_cli("models", "import", copy, "--in-place")
    assert imported.returncode == 0, imported.stderr
    return "reasoner"


def _defaults(run_cli, model_id: str) -> dict:
    listed = json.loads(run_cli("models", "list", "--json").stdout)
    return next(m for m in listed if m["id"] == model_id)["defaults"]


def test_a_models_thinking_default_is_set_checked_and_cleared(run_cli, reasoner):
    done = run_cli("models", "set", reasoner, "thinking=High")
    assert done.returncode == 0, done.stderr
    assert _defaults(run_cli, reasoner) == {"thinking": "high"}
    wrong = run_cli("models", "set", reasoner, "thinking=max")
    assert wrong.returncode != 0 and "Traceback" not in wrong.stderr
    assert "thinking must be one of on, off, low, medium, high, not 'max'" in wrong.stderr
    assert _defaults(run_cli, reasoner) == {"thinking": "high"}  # the refused value changed nothing
    assert run_cli("models", "set", reasoner, "thinking=").returncode == 0
    assert _defaults(run_cli, reasoner) == {}


def test_the_next_answer_uses_the_models_default_unless_the_conversation_has_its_own(
    run_cli, reasoner, paths, engine, monkeypatch
):
    monkeypatch.setitem(engine.info.metadata, "tokenizer.chat_template", GPT_OSS_TEMPLATE)
    prompts = record_prompts(monkeypatch, engine)
    settings = Settings(context_length=2048, max_answer_tokens=4, temperature=0.0)

    def answer(level=None) -> str:
        """The prompt the engine decoded for one new conversation with the reasoner."""
        prompts.clear()
        with Store(paths.database) as store:
            assistant = Assistant(store, settings, paths, host=SharedHost(settings, engine))
            assistant.send(
                None, "Hello", cancel=threading.Event(), model=reasoner, thinking_level=level
            )
        return prompts[-1]

    assert "Reasoning:" not in answer()  # no level anywhere: the model decides
    assert run_cli("models", "set", reasoner, "thinking=high").returncode == 0
    assert "Reasoning: high" in answer()
    own = answer("low")
    assert "Reasoning: low" in own and "Reasoning: high" not in own


def _seed_a_thinking_answer(paths) -> int:
    with Store(paths.database) as store:
        c = store.create_conversation("Greetings")
        store.add_message(c.id, "user", "Hello")
        answer = store.add_message(c.id, "assistant", "", model="m", engine="local")
        store.finish_message(answer.id, "Hi!", thinking=THOUGHT, thinking_ms=1200.0)
        return c.id


def test_exports_include_the_thinking_only_when_asked(run_cli, paths):
    cid = _seed_a_thinking_answer(paths)
    plain = run_cli("chats", "export", cid)
    assert plain.returncode == 0, plain.stderr
    assert THOUGHT not in plain.stdout
    assert "thinking" not in json.loads(plain.stdout)["conversations"][0]["messages"][1]

    full = run_cli("chats", "export", cid, "--include-thinking")
    assert full.returncode == 0, full.stderr
    answer = json.loads(full.stdout)["conversations"][0]["messages"][1]
    assert (answer["content"], answer["thinking"], answer["thinking_ms"]) == ("Hi!", THOUGHT, 1200)

    assert THOUGHT not in run_cli("chats", "export", cid, "--format", "md").stdout
    md = run_cli("chats", "export", cid, "--format", "md", "--include-thinking").stdout
    assert "<details>\n<summary>Thought for 1 s</summary>" in md
    assert md.index(THOUGHT) < md.index("</details>") < md.index("Hi!")
