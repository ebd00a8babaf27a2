"""Stand-ins for cloud and organisation providers, on loopback.

``LlamaServer`` is llama-cpp-python's own OpenAI-compatible server on the starter model: the real
thing Enclave talks to through the real ``openai`` SDK. ``ProviderProxy`` sits in front of it and
records every request (method, path, headers, body), so tests can count what arrived — zero before
consent — and read exactly what was sent. Its ``fault`` switches it into a failing provider: 401,
429 with Retry-After, 500, a timeout, a malformed stream, a stream cut mid-answer, or a redirect
to another host.

Runnable on its own for trying the window by hand::

    python tests/provider_server.py   # prints the base URL to add as a provider
"""

from __future__ import annotations

import http.client
import json
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

FAULTS = ("401", "429", "500", "timeout", "malformed", "cut", "redirect", "echo", "slow")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LlamaServer:
    """``python -m llama_cpp.server`` on the starter model, on a free loopback port."""

    def __init__(self, model_path, *, model_alias: str = "starter"):
        self.port = free_port()
        self.alias = model_alias
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "llama_cpp.server",
                "--model",
                str(model_path),
                "--model_alias",
                model_alias,
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--n_ctx",
                "2048",
                "--n_threads",
                "1",
                "--verbose",
                "False",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(
                    "llama_cpp.server exited: "
                    + self.proc.stderr.read().decode(errors="replace")[-2000:]
                )
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                conn.request("GET", "/v1/models")
                if conn.getresponse().status == 200:
                    return
            except OSError:
                time.sleep(0.2)
        self.close()
        raise RuntimeError("llama_cpp.server did not start within 120 s")

    def close(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


REASONING_PREFIX = "The user wrote: "  # the "reasoning" fault's thinking, before the message


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> dict:
        return json.loads(self.body)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def _record(self) -> Recorded:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        rec = Recorded(
            self.command, self.path, {k.lower(): v for k, v in self.headers.items()}, body
        )
        self.server.owner.requests.append(rec)
        return rec

    def do_GET(self):  # noqa: N802
        self._serve(self._record())

    def do_POST(self):  # noqa: N802
        self._serve(self._record())

    def _send(
        self,
        status: int,
        body: bytes,
        headers: dict | None = None,
        content_type: str = "application/json",
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def _error(self, status: int, message: str, headers=None) -> None:
        self._send(
            status,
            json.dumps({"error": {"message": message, "type": "test", "code": status}}).encode(),
            headers,
        )

    def _serve(self, rec: Recorded) -> None:
        owner = self.server.owner
        fault = owner.fault
        if owner.key and rec.headers.get("authorization") != f"Bearer {owner.key}":
            fault = "401"
        if fault == "401":
            return self._error(401, "Incorrect API key provided.")
        if fault == "429":
            return self._error(429, "Rate limit reached.", {"Retry-After": "7"})
        if fault == "500":
            return self._error(500, "The server had an error.")
        if fault == "400":  # a refusal in the provider's own words
            return self._error(400, owner.error_text)
        if owner.model_ids is not None and rec.method == "GET" and rec.path.endswith("/models"):
            listed = [{"id": m, "object": "model", "owned_by": "test"} for m in owner.model_ids]
            return self._send(200, json.dumps({"object": "list", "data": listed}).encode())
        if fault == "redirect":  # elsewhere: the same server under another loopback name
            return self._send(307, b"", {"Location": f"http://localhost:{owner.port}{rec.path}"})
        if fault == "timeout":
            time.sleep(owner.delay_s)
            return self._error(504, "late")
        if fault == "malformed" and rec.method == "POST":
            body = (
                b'data: {"id":"x","object":"chat.completion.chunk","created":1,"model":"m",'
                b'"choices":[{"index":0,"delta":{"content":"Half an answer"}}]}\n\n'
                b"data: {this is not json\n\n"
            )
            return self._send(200, body, content_type="text/event-stream")
        if fault in ("echo", "reasoning") and rec.method == "POST":
            # A provider that repeats the message back; "reasoning": after thinking about it
            # in the separate reasoning_content field, as DeepSeek's API and llama-server do.
            text = rec.json()["messages"][-1]["content"]
            deltas = []
            if fault == "reasoning":
                thought = REASONING_PREFIX + text
                deltas += [
                    {"reasoning_content": thought[i : i + 4]} for i in range(0, len(thought), 4)
                ]
            deltas += [{"content": text[i : i + 3]} for i in range(0, len(text), 3)]
            events = [
                {
                    "id": "e",
                    "object": "chat.completion.chunk",
                    "created": 1,
                    "model": "m",
                    "choices": [{"index": 0, "delta": delta}],
                }
                for delta in deltas
            ]
            body = b"".join(b"data: " + json.dumps(e).encode() + b"\n\n" for e in events)
            return self._send(200, body + b"data: [DONE]\n\n", content_type="text/event-stream")
        if fault == "slow" and rec.method == "POST":  # a long answer, one piece every 0.1 s
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for i in range(600):
                event = {
                    "id": "s",
                    "object": "chat.completion.chunk",
                    "created": 1,
                    "model": "m",
                    "choices": [{"index": 0, "delta": {"content": f"{i} "}}],
                }
                data = b"data: " + json.dumps(event).encode() + b"\n\n"
                try:
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
                    self.wfile.flush()
                except OSError:
                    return
                time.sleep(0.1)
            self.wfile.write(b"0\r\n\r\n")
            return
        self._forward(rec)

    def _forward(self, rec: Recorded) -> None:
        owner = self.server.owner
        upstream = http.client.HTTPConnection("127.0.0.1", owner.upstream_port, timeout=120)
        headers = {
            k: v
            for k, v in rec.headers.items()
            if k not in ("host", "content-length", "connection", "accept-encoding")
        }
        upstream.request(rec.method, rec.path, body=rec.body or None, headers=headers)
        r = upstream.getresponse()
        self.send_response(r.status)
        for k, v in r.getheaders():
            if k.lower() not in (
                "content-length",
                "transfer-encoding",
                "connection",
                "date",
                "server",
            ):
                self.send_header(k, v)
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        sent = 0
        while chunk := r.read1(65536):
            if owner.fault == "cut" and sent + len(chunk) > owner.cut_after:
                # The network drops mid-answer, mid-event: what went before has arrived.
                part = chunk[: owner.cut_after - sent]
                self.wfile.write(b"%x\r\n%s" % (len(chunk), part))
                self.wfile.flush()
                self.connection.shutdown(socket.SHUT_RDWR)
                upstream.close()
                return
            self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            self.wfile.flush()
            sent += len(chunk)
        self.wfile.write(b"0\r\n\r\n")
        upstream.close()


class ProviderProxy:
    """A provider on loopback: forwards to ``upstream_port`` (a LlamaServer) unless ``fault``
    (``"echo"`` answers with the last message's own text, in 3-character pieces)."""

    def __init__(self, upstream_port: int, *, key: str | None = None):
        self.upstream_port = upstream_port
        self.key = key  # when set, any other Authorization is answered with 401
        self.fault: str | None = None
        self.delay_s = 5.0
        self.cut_after = 1000  # "cut": answer bytes that arrive before the connection drops
        self.model_ids: list[str] | None = None  # when set, the model list it answers with
        self.error_text = "Bad request."  # what its "400" says
        self.requests: list[Recorded] = []
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._server.daemon_threads = True
        self._server.handle_error = lambda *args: None  # clients hanging up are expected
        self._server.owner = self
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def chats(self) -> list[Recorded]:
        return [r for r in self.requests if r.path.endswith("/chat/completions")]

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


if __name__ == "__main__":
    sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parents[1]))
    from app.core.models.installed import starter_model_path

    server = LlamaServer(starter_model_path())
    proxy = ProviderProxy(server.port)
    print(f"base URL: {proxy.base_url}  (model: {server.alias}; any key)", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        proxy.close()
        server.close()
