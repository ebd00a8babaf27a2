"""The API in this process on a model runner it shares (as the window will): 503 with Retry-After
while a model loads, then answers from the same loaded engine the other user of the runner has."""

from __future__ import annotations

import http.client
import json
import threading
import time

import pytest

from app.core.engines.host import EngineHost
from app.core.engines.runner import ModelRunner
from app.core.models import installed
from app.core.platform.settings import Settings
from app.core.server import key as key_mod
from app.core.server.listen import ApiServer

pytestmark = pytest.mark.slow


def _post(server, key, body):
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    conn.request("POST", "/v1/chat/completions", json.dumps(body), headers)
    response = conn.getresponse()
    return response, json.loads(response.read())


def test_loading_answers_503_then_the_shared_engine_answers(paths, starter_model):
    from keyring_check import keyring_or_skip

    keyring_or_skip()
    settings = Settings(context_length=2048)
    runner = ModelRunner(EngineHost(settings))
    other_user = threading.Event()  # the window's turn, holding the model thread
    runner.submit(lambda host, cancel: other_user.wait(30), label="window turn")
    starter = installed.resolve("starter", paths)
    server = ApiServer(paths, settings, port=0, runner=runner)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        runner.preload(starter)  # queued behind the window's turn: "loading" from now on
        key = key_mod.current(paths)
        body = {"model": "starter", "messages": [{"role": "user", "content": "Hi"}]}
        body["max_tokens"] = 4
        deadline = time.monotonic() + 10
        while True:
            try:
                response, error = _post(server, key, body)
                break
            except ConnectionRefusedError:
                assert time.monotonic() < deadline
                time.sleep(0.05)
        assert response.status == 503 and int(response.getheader("Retry-After")) >= 1
        assert error["error"]["code"] == "model_loading" and starter.id in error["error"]["message"]
        other_user.set()
        while runner.loading:
            time.sleep(0.02)
        engine = runner.host.engine
        response, reply = _post(server, key, body)
        assert response.status == 200 and reply["choices"][0]["message"]["content"]
        assert runner.host.engine is engine  # one model in memory, used by both
        window = runner.submit(lambda host, cancel: host.get(starter)).result(10)
        assert window is engine
    finally:
        server.stop()
        thread.join(10)
        runner.stop()
    assert not thread.is_alive()
