"""The audit log through the real gate and HTTP client, against the provider stand-in: a request
is on record before it leaves (a process killed mid-stream leaves its entry), and a request whose
entry cannot be written is not sent."""

from __future__ import annotations

import errno
import hashlib
import os
import signal
import subprocess
import sys

import pytest

from app.core.engines.remote import list_models
from app.core.errors import EnclaveError
from app.core.platform import settings as settings_mod
from app.core.privacy import audit
from app.core.privacy.keyring_store import KeyringStore

pytestmark = pytest.mark.slow

# Streams an answer through the gate, says so after the first chunk, then waits to be killed.
STREAMER = """
import json, time
from app.core.cloud.providers import ProviderRegistry
from app.core.platform import paths, settings
from app.core.privacy import consent, gate, http

p = paths.resolve()
provider = ProviderRegistry(p.providers_file).get("Org")
messages = [{"role": "user", "content": "Count from one to two hundred."}]
agreed = consent.Consent("once", "Org", tuple(messages), False)
body = json.dumps({"model": "starter", "messages": messages, "stream": True, "max_tokens": 300})
with gate.open_cloud(settings.load(p.settings_file), provider, "ask Org", consent=agreed,
                     model="starter"):
    with http.client().stream("POST", provider.base_url.rstrip("/") + "/chat/completions",
                              content=body, headers={"content-type": "application/json"}) as r:
        for chunk in r.iter_bytes():
            print("streaming", flush=True)
            time.sleep(120)
"""


def test_a_request_killed_mid_stream_is_on_record(org_provider, provider_server, repo_root):
    proc = subprocess.Popen(
        [sys.executable, "-c", STREAMER],
        cwd=repo_root,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = proc.stdout.readline()
        assert line.strip() == "streaming", proc.stderr.read() if proc.poll() is not None else ""
        os.kill(proc.pid, signal.SIGKILL)  # mid-stream: its response never closes
    finally:
        proc.kill()
        proc.wait(30)
    [sent] = provider_server.chats()
    [entry] = audit.default().entries()
    assert entry["completed"] is False and entry["status"] is None
    assert (entry["provider"], entry["host"], entry["consent"]) == ("Org", "127.0.0.1", "once")
    assert entry["payload_sha256"] == hashlib.sha256(sent.body).hexdigest()
    assert entry["bytes_sent"] > len(sent.body)
    result = audit.default().verify()
    assert result.ok, result.describe()
    assert "never completed" in result.describe()
    assert "POST 127.0.0.1/v1/chat/completions (ask Org)" in result.describe()


def _models(paths, provider):
    return list_models(
        provider, settings_mod.load(paths.settings_file), KeyringStore(paths.keys_index)
    )


def test_a_completed_request_is_started_then_completed(org_provider, provider_server, paths):
    assert _models(paths, org_provider) == ["starter"]
    records = audit.default().records()
    assert [(r.get("kind"), r.get("of")) for r in records] == [("started", None), ("completed", 1)]
    [entry] = audit.default().entries()
    assert entry["completed"] and entry["status"] == 200 and entry["bytes_received"] > 0
    assert audit.default().verify().ok


@pytest.mark.parametrize("how", ["log is a folder", "disk full"])
def test_a_request_whose_entry_cannot_be_written_is_not_sent(
    org_provider, provider_server, paths, monkeypatch, how
):
    if how == "log is a folder":
        paths.audit_log.mkdir(parents=True)
        todo = "is a folder, not a file: move it out of the way"
    else:
        real_write = os.write
        log_fds: set[int] = set()
        real_open = os.open

        def tracking_open(path, flags, mode=0o777, **kw):
            fd = real_open(path, flags, mode, **kw)
            if str(path) == str(paths.audit_log):
                log_fds.add(fd)
            return fd

        def full(fd, data):
            if fd in log_fds:
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
            return real_write(fd, data)

        monkeypatch.setattr(os, "open", tracking_open)
        monkeypatch.setattr(os, "write", full)
        todo = "Free some space on the disk that holds"
    with pytest.raises(EnclaveError) as info:
        _models(paths, org_provider)
    message = str(info.value)
    assert message.startswith("Nothing was sent to 127.0.0.1 (list the models of Org)")
    assert str(paths.audit_log) in message and todo in message
    assert provider_server.requests == []
