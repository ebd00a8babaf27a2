"""`enclave serve` as apps use it: a real server process on loopback with the starter model, driven
by the real openai SDK (sync, async, streaming, structured output), curl, and raw HTTP for what
the SDK would never send (a foreign Host header, broken bodies)."""

from __future__ import annotations

import asyncio
import http.client
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow
REPO_ROOT = Path(__file__).resolve().parents[2]


def _env(home: Path, service: str, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        ENCLAVE_HOME=str(home),
        ENCLAVE_KEYRING_SERVICE=service,
        QT_QPA_PLATFORM="offscreen",
        PYTHONIOENCODING="utf-8",
    )
    env.update(extra)
    return env


def _cli(env: dict, *args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *args],
        cwd=REPO_ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


class Served:
    """`enclave serve --port 0` in a subprocess; its stderr lines (the request log) as they come."""

    def __init__(self, env: dict, *args: str):
        self.env = env
        self.key = _cli(env, "server", "key").stdout.strip()
        assert self.key.startswith("enclave-"), self.key
        self.lines: list[tuple[float, str]] = []
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "app.cli", "serve", "--port", "0", *args],
            cwd=REPO_ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        threading.Thread(target=self._read, daemon=True).start()
        line = self.wait_for(lambda s: "local API at" in s, 60)
        self.url = line.split("local API at ")[1].split()[0]
        parts = urllib.parse.urlsplit(self.url)
        self.host, self.port = parts.hostname, parts.port
        deadline = time.monotonic() + 60
        while self.get("/health")[1].get("status") != "ok":
            assert time.monotonic() < deadline, self.stderr()
            time.sleep(0.1)

    def _read(self) -> None:
        for line in self.proc.stderr:
            self.lines.append((time.monotonic(), line.rstrip("\n")))

    def stderr(self) -> str:
        return "\n".join(text for _, text in self.lines)

    def wait_for(self, test, timeout: float, *, after: int = 0) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for _, text in self.lines[after:]:
                if test(text):
                    return text
            if self.proc.poll() is not None and not any(test(t) for _, t in self.lines):
                raise AssertionError(f"enclave serve exited: {self.stderr()}")
            time.sleep(0.01)
        raise AssertionError(f"not seen within {timeout} s; stderr:\n{self.stderr()}")

    def request(self, method, path, body=None, *, headers=None, key=True):
        conn = http.client.HTTPConnection(self.host, self.port, timeout=60)
        sent = {"Content-Type": "application/json"}
        if key:
            sent["Authorization"] = f"Bearer {self.key}"
        sent.update(headers or {})
        data = body if isinstance(body, bytes) or body is None else json.dumps(body).encode()
        conn.request(method, path, body=data, headers=sent)
        response = conn.getresponse()
        return response, response.read()

    def get(self, path, **kw):
        response, data = self.request("GET", path, **kw)
        return response.status, json.loads(data)

    def post(self, path, body, **kw):
        response, data = self.request("POST", path, body, **kw)
        return response.status, json.loads(data), response

    def client(self, **kw):
        import openai

        return openai.OpenAI(base_url=self.url, api_key=kw.pop("api_key", self.key), **kw)

    def stop(self, sig=signal.SIGINT) -> tuple[int, float]:
        begun = time.monotonic()
        self.proc.send_signal(sig)
        rc = self.proc.wait(10)
        return rc, time.monotonic() - begun


@pytest.fixture(scope="module")
def served(tmp_path_factory, starter_model):
    from keyring_check import keyring_or_skip

    keyring_or_skip()
    home = tmp_path_factory.mktemp("serve") / "enclave-home"
    env = _env(home, f"Enclave-test-serve-{os.getpid()}")
    assert _cli(env, "config", "set", "docs.embedding_model", "starter").returncode == 0
    server = Served(env)
    yield server
    if server.proc.poll() is None:
        server.stop()


@pytest.fixture
def starter_id(served):
    return served.client().models.list().data[0].id


ASK = [{"role": "user", "content": "Name three colours."}]


def test_openai_sdk_lists_models_and_chats_whole_and_streamed(served, starter_model):
    client = served.client()
    models = client.models.list().data
    starter = next(m for m in models if m.id == starter_model.stem)
    assert starter.model_extra["kind"] == "chat"
    assert starter.model_extra["embedding_model"] is True  # the documents' choice, here
    reply = client.chat.completions.create(
        model="starter", messages=ASK, max_tokens=16, temperature=0
    )
    assert reply.choices[0].message.content.strip()
    assert reply.choices[0].finish_reason in ("stop", "length")
    assert 0 < reply.usage.completion_tokens <= 16 and reply.usage.prompt_tokens > 5
    chunks = list(
        client.chat.completions.create(
            model=starter.id,
            messages=ASK,
            max_tokens=16,
            temperature=0,
            stream=True,
            stream_options={"include_usage": True},
        )
    )
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == reply.choices[0].message.content  # greedy: the same answer both ways
    assert chunks[-1].usage.completion_tokens == reply.usage.completion_tokens
    assert chunks[-2].choices[0].finish_reason == reply.choices[0].finish_reason


def test_async_clients_at_once_all_get_answers(served):
    import openai

    async def ask_all():
        async with openai.AsyncOpenAI(base_url=served.url, api_key=served.key) as client:

            async def one(n):
                stream = await client.chat.completions.create(
                    model="starter",
                    messages=[{"role": "user", "content": f"Say the number {n}."}],
                    max_tokens=12,
                    stream=True,
                )
                return "".join([c.choices[0].delta.content or "" async for c in stream])

            return await asyncio.gather(*(one(n) for n in range(4)))

    answers = asyncio.run(ask_all())
    assert len(answers) == 4 and all(a.strip() for a in answers)


SCHEMA = {
    "type": "object",
    "properties": {
        "colour": {"type": "string", "enum": ["red", "green", "blue"]},
        "count": {"type": "integer", "minimum": 0, "maximum": 99},
        "ok": {"type": "boolean"},
    },
    "required": ["colour", "count", "ok"],
    "additionalProperties": False,
}


def test_structured_output_matches_the_schema(served):
    reply = served.client().chat.completions.create(
        model="starter",
        messages=[{"role": "user", "content": "Pick a colour and a number, as JSON."}],
        max_tokens=60,
        temperature=0.8,
        seed=3,
        response_format={
            "type": "json_schema",
            "json_schema": {"name": "pick", "schema": SCHEMA, "strict": True},
        },
    )
    value = json.loads(reply.choices[0].message.content)
    assert set(value) == {"colour", "count", "ok"}
    assert value["colour"] in ("red", "green", "blue")
    assert isinstance(value["count"], int) and 0 <= value["count"] <= 99
    assert isinstance(value["ok"], bool)


def test_seed_repeats_an_answer_and_stop_cuts_it(served):
    client = served.client()

    def ask(**kw):
        return client.chat.completions.create(
            model="starter", messages=ASK, max_tokens=24, temperature=1.0, **kw
        )

    first, again = ask(seed=11).choices[0], ask(seed=11).choices[0]
    assert first.message.content == again.message.content
    word = first.message.content.split()[2]
    cut = ask(seed=11, stop=[word]).choices[0]
    assert cut.finish_reason == "stop" and word not in cut.message.content
    assert first.message.content.startswith(cut.message.content)


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_curl_streams_server_sent_events(served):
    done = subprocess.run(
        [
            "curl",
            "-sN",
            f"{served.url}/chat/completions",
            "-H",
            f"Authorization: Bearer {served.key}",
            "-H",
            "Content-Type: application/json",
            "-d",
            json.dumps({"model": "starter", "messages": ASK, "max_tokens": 8, "stream": True}),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    events = [line[6:] for line in done.stdout.splitlines() if line.startswith("data: ")]
    assert events[-1] == "[DONE]" and len(events) >= 3
    chunks = [json.loads(e) for e in events[:-1]]
    assert all(c["object"] == "chat.completion.chunk" for c in chunks)
    assert "".join(c["choices"][0]["delta"].get("content", "") for c in chunks).strip()


def test_embeddings_from_the_documents_model(served, starter_id):
    got = served.client().embeddings.create(model=starter_id, input=["a cat", "a dog"])
    assert len(got.data) == 2 and len(got.data[0].embedding) > 100
    status, body, _ = served.post("/v1/embeddings", {"model": "nope", "input": "x"})
    assert status == 404 and starter_id in body["error"]["message"]


def test_wrong_or_missing_key_is_refused(served):
    import openai

    with pytest.raises(openai.AuthenticationError) as err:
        served.client(api_key="enclave-wrong").models.list()
    assert err.value.status_code == 401 and "enclave server key" in err.value.message
    status, body = served.get("/v1/models", key=False)
    assert status == 401 and body["error"]["code"] == "invalid_api_key"
    assert body["error"]["type"] == "authentication_error"
    status, _ = served.get("/health", headers={"Authorization": "Basic " + served.key})
    assert status == 401


@pytest.mark.parametrize("host", ["evil.example:{port}", "127.0.0.1:1", "localhost.evil:{port}"])
def test_a_foreign_host_header_is_refused_before_anything_else(served, host):
    header = host.format(port=served.port)
    status, body, response = served.post("/v1/chat/completions", {}, headers={"Host": header})
    assert status == 400 and body["error"]["code"] == "invalid_host"
    assert not any(k.lower().startswith("access-control") for k, _ in response.getheaders())


def test_no_cors_headers_even_when_a_browser_asks(served):
    response, _ = served.request(
        "OPTIONS",
        "/v1/chat/completions",
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
    )
    assert response.status in (400, 405)
    assert not any(k.lower().startswith("access-control") for k, _ in response.getheaders())


def test_malformed_oversized_and_unknown(served):
    status, body, _ = served.post("/v1/chat/completions", b"{not json")
    assert status == 400 and "not valid JSON" in body["error"]["message"]
    status, body, _ = served.post(
        "/v1/chat/completions", {"model": "starter", "messages": ASK, "temperature": 9}
    )
    assert status == 400 and body["error"]["param"] == "temperature"
    status, body, _ = served.post("/v1/chat/completions", b"x" * (5 * 1024 * 1024))
    assert status == 413 and "4 MB" in body["error"]["message"]
    status, body, _ = served.post("/v1/chat/completions", {"model": "gpt-4o", "messages": ASK})
    assert status == 404 and body["error"]["code"] == "model_not_found"
    assert "Models: " in body["error"]["message"]
    status, body = served.get("/v1/nothing")
    assert status == 404 and "/v1/chat/completions" in body["error"]["message"]


def test_too_long_for_the_context_says_the_limit(served):
    import openai

    with pytest.raises(openai.BadRequestError) as err:
        served.client().chat.completions.create(
            model="starter",
            messages=[{"role": "user", "content": "word " * 6000}],
            max_tokens=4,
            stream=True,
        )
    message = err.value.message
    assert err.value.status_code == 400 and "context of 4096 tokens" in message
    assert err.value.code == "context_length_exceeded"


def test_a_client_that_leaves_mid_stream_stops_its_generation(served):
    import httpx2

    seen = len(served.lines)
    body = {
        "model": "starter",
        "messages": [{"role": "user", "content": "Write a very long story about a lighthouse."}],
        "max_tokens": 3000,
        "temperature": 0.9,
        "stream": True,
    }
    headers = {"Authorization": f"Bearer {served.key}"}
    with httpx2.Client(timeout=60) as http:
        with http.stream("POST", f"{served.url}/chat/completions", json=body, headers=headers) as r:
            assert r.status_code == 200
            got = 0
            for line in r.iter_lines():
                got += line.startswith("data: ")
                if got >= 6:
                    break
            left = time.monotonic()
    line = served.wait_for(
        lambda s: "/v1/chat/completions" in s and "finish=cancelled" in s, 5, after=seen
    )
    logged = next(t for t, text in served.lines if text == line)
    stopped_ms = float(line.split("stopped_after_disconnect_ms=")[1].split()[0])
    tokens = int(line.split("tokens=")[1].split()[0].split("+")[1])
    assert stopped_ms < 100, line  # from noticing the client left to the engine having stopped
    assert tokens < 3000 and logged - left < 2.0, line


def test_a_flood_of_bad_requests_does_not_keep_a_good_one_from_its_answer(served):
    import httpx2

    stop = threading.Event()
    refused = []

    def flood():
        with httpx2.Client(timeout=30) as http:
            while not stop.is_set():
                for kind in range(3):
                    headers = {"Authorization": "Bearer wrong"} if kind == 0 else {}
                    if kind == 1:
                        headers = {"Authorization": f"Bearer {served.key}"}
                    body = b"{broken" if kind == 1 else b"{}"
                    r = http.post(f"{served.url}/chat/completions", content=body, headers=headers)
                    refused.append(r.status_code)

    flooders = [threading.Thread(target=flood) for _ in range(4)]
    for t in flooders:
        t.start()
    try:
        time.sleep(0.3)
        reply = served.client(timeout=60).chat.completions.create(
            model="starter", messages=ASK, max_tokens=24, stream=True
        )
        text = "".join(c.choices[0].delta.content or "" for c in reply)
    finally:
        stop.set()
        for t in flooders:
            t.join(30)
    assert text.strip() and len(refused) > 50
    assert set(refused) <= {400, 401}
    assert served.get("/health")[0] == 200


def test_api_requests_are_not_stored_as_conversations(served):
    served.client().chat.completions.create(model="starter", messages=ASK, max_tokens=4)
    listed = _cli(served.env, "chats", "list", "--json")
    assert listed.returncode == 0 and json.loads(listed.stdout) == []


def test_requests_are_kept_as_conversations_when_the_user_turns_it_on(tmp_path, starter_model):
    from keyring_check import keyring_or_skip

    keyring_or_skip()
    env = _env(tmp_path / "home", f"Enclave-test-serve-keep-{os.getpid()}")
    assert _cli(env, "config", "set", "api.keep_conversations", "true").returncode == 0
    server = Served(env)
    try:
        asked = [{"role": "system", "content": "Be brief."}, *ASK]
        stream = server.client().chat.completions.create(
            model="starter", messages=asked, max_tokens=6, stream=True
        )
        answer = "".join(c.choices[0].delta.content or "" for c in stream if c.choices)
    finally:
        server.stop()
    [kept] = json.loads(_cli(env, "chats", "list", "--json").stdout)
    assert kept["title"] == "API: Name three colours."
    shown = json.loads(_cli(env, "chats", "export", str(kept["id"]), "--format", "json").stdout)
    [conversation] = shown["conversations"]
    messages = [(m["role"], m["content"]) for m in conversation["messages"]]
    assert messages == [("user", "Name three colours."), ("assistant", answer)]
    assert conversation.get("system_prompt") == "Be brief."


def test_a_rotated_key_takes_over_and_sigterm_stops_the_server_midway(tmp_path, starter_model):
    from keyring_check import keyring_or_skip

    from app.core.server.key import KEY_REFRESH_S

    keyring_or_skip()
    env = _env(tmp_path / "home", f"Enclave-test-serve-rotate-{os.getpid()}")
    server = Served(env)
    try:
        old = server.key
        assert _cli(env, "server", "key").stdout.strip() == old  # the same key, kept
        new = _cli(env, "server", "key", "--rotate").stdout.strip()
        assert new.startswith("enclave-") and new != old
        deadline = time.monotonic() + KEY_REFRESH_S + 5
        while server.get("/health")[0] != 401:  # still the old key in the request
            assert time.monotonic() < deadline
            time.sleep(0.2)
        server.key = new
        assert server.get("/health")[0] == 200
        stream = server.client().chat.completions.create(
            model="starter",
            messages=[{"role": "user", "content": "Write a very long story."}],
            max_tokens=3000,
            stream=True,
        )
        next(iter(stream))
        rc, took = server.stop(signal.SIGTERM)
    finally:
        if server.proc.poll() is None:
            server.proc.kill()
    assert rc == 0 and took < 3, server.stderr()
    assert "stopped" in server.stderr()


@pytest.mark.parametrize(
    "rules, args, said",
    [
        ({"forbid_api_server": True}, [], "does not allow Enclave's local API server"),
        ({"api_server_loopback_only": True}, ["--host", "0.0.0.0"], "only on this computer"),
    ],
)
def test_the_policy_keeps_the_server_off(tmp_path, rules, args, said):
    policy = tmp_path / "policy.json"
    policy.write_text(json.dumps({**rules, "managed_by": "Example IT"}))
    env = _env(tmp_path / "home", "Enclave-test-unused", ENCLAVE_POLICY=str(policy))
    done = _cli(env, "serve", "--port", "0", *args)
    assert done.returncode == 1 and said in done.stderr and "Example IT" in done.stderr
    assert "local API at" not in done.stderr


def test_another_host_is_allowed_with_a_warning(tmp_path, starter_model):
    from keyring_check import keyring_or_skip

    keyring_or_skip()
    env = _env(tmp_path / "home", f"Enclave-test-serve-host-{os.getpid()}")
    server = Served(env, "--host", "0.0.0.0")
    try:
        assert "other machines" in server.stderr() and "0.0.0.0" in server.url
        server.host = "127.0.0.1"
        assert server.get("/health")[0] == 200
    finally:
        server.stop()


def test_no_cloud_provider_is_ever_asked(
    org_provider, provider_server, paths, cli_env, starter_model
):
    """Cloud allowed and a conversation's standing consent for the provider, whose model is
    also called "starter": the API still answers on this device only."""
    from keyring_check import keyring_or_skip

    from app.core.chat.store import Store

    keyring_or_skip()
    with Store(paths.database) as store:
        cid = store.create_conversation("consented").id
        store.grant_consent(cid, "Org", "starter", org_provider.identity)
    server = Served(dict(cli_env))
    try:
        client = server.client()
        assert all(m.id != "Org" for m in client.models.list().data)
        for stream in (False, True):
            reply = client.chat.completions.create(
                model="starter", messages=ASK, max_tokens=8, stream=stream
            )
            if stream:
                list(reply)
        status, _, _ = server.post("/v1/chat/completions", {"model": "Org", "messages": ASK})
        assert status == 404
    finally:
        server.stop()
    assert provider_server.requests == []
