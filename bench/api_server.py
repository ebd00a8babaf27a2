"""The local API (`enclave serve`) against the engine in this process, in the same run.

Decode speed and time to first token through the openai SDK (streaming) against the same engine,
loaded with the same settings, streaming the same prompt here; the two alternate, greedy, so both
produce the same tokens. Then 8 streaming clients at once, started a few milliseconds apart: all
must complete, the order they finish in against the order they arrived (the queue is first come,
first served, so it should be the same), and the server's memory while they run (one model).

    .venv/bin/python -m bench.api_server     # inside a session with a keyring (the API key)

The server keeps its key in the OS keyring under its own service name, never the user's.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from app.core.engines.base import GenerationOptions
from bench import Failed
from bench.engine_speed import STORY, _messages

ROOT = Path(__file__).resolve().parents[1]
ANSWER_TOKENS = 128
CLIENTS = 8


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


class _Server:
    """`enclave serve --port 0` on ``home``, its key and base URL."""

    def __init__(self, home: Path):
        env = dict(os.environ, ENCLAVE_HOME=str(home), ENCLAVE_KEYRING_SERVICE="Enclave-bench")
        command = [sys.executable, "-m", "app.cli"]
        key = subprocess.run(
            [*command, "server", "key"], env=env, cwd=ROOT, capture_output=True, text=True
        )
        if key.returncode != 0:
            raise Failed(f"no API key (the bench needs a keyring): {key.stderr.strip()}")
        self.key = key.stdout.strip()
        self.proc = subprocess.Popen(
            [*command, "serve", "--port", "0"],
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            if "local API at" in line:
                self.url = line.split("local API at ")[1].split()[0]
                break
        else:
            raise Failed("enclave serve did not start")
        threading.Thread(target=self.proc.stderr.read, daemon=True).start()  # keep it drained
        import openai

        self.client = openai.OpenAI(base_url=self.url, api_key=self.key, max_retries=20)

    def close(self) -> None:
        self.proc.terminate()
        self.proc.wait(10)


def _api_run(client, run: int, max_tokens: int = ANSWER_TOKENS) -> dict:
    """One streamed answer, timed at the client: first and last piece of text, tokens."""
    sent = time.perf_counter()
    first = last = None
    stream = client.chat.completions.create(
        model="starter",
        messages=[m.as_dict() for m in _messages(run, STORY)],
        max_tokens=max_tokens,
        temperature=0,
        stream=True,
        stream_options={"include_usage": True},
    )
    tokens = 0
    for chunk in stream:
        if chunk.choices and chunk.choices[0].delta.content:
            last = time.perf_counter()
            first = first or last
        if chunk.usage:
            tokens = chunk.usage.completion_tokens
    if first is None or last is None or tokens < 16:
        raise Failed(f"the API streamed {tokens} tokens")
    return {"tg": (tokens - 1) / (last - first), "ttft_s": first - sent, "tokens": tokens}


def _engine_run(engine, run: int) -> dict:
    options = GenerationOptions(max_tokens=ANSWER_TOKENS, temperature=0)
    g = engine.stream(_messages(run, STORY), options=options, cancel=threading.Event())
    "".join(g)
    return {"tg": g.stats.tokens_per_s or 0.0, "ttft_s": g.stats.ttft_s or 0.0}


def _concurrent(server: _Server, clients: int) -> dict:
    """``clients`` streaming at once, started 20 ms apart; finishing order and server memory."""
    finished: list[int] = []
    errors: list[str] = []
    lock = threading.Lock()

    def one(n: int) -> None:
        try:
            _api_run(server.client, 5000 + n, max_tokens=48)
            with lock:
                finished.append(n)
        except Exception as exc:  # noqa: BLE001 — counted as dropped
            errors.append(f"{n}: {exc}")

    before = _rss_mb(server.proc.pid)
    peak, threads = before, [threading.Thread(target=one, args=(n,)) for n in range(clients)]
    for t in threads:
        t.start()
        time.sleep(0.02)
    while any(t.is_alive() for t in threads):
        peak = max(peak, _rss_mb(server.proc.pid))
        time.sleep(0.05)
    return {
        "clients": clients,
        "completed": len(finished),
        "dropped": errors,
        "finish_order": finished,
        # 0 when they finished in the order they arrived (first come, first served)
        "order_spread": max((abs(i - n) for i, n in enumerate(finished)), default=0),
        "server_rss_before_mb": round(before, 1),
        "server_rss_peak_mb": round(peak, 1),
    }


def measure(model, scratch: Path, *, rounds: int = 5) -> dict:
    from app.core.engines.local import LocalEngine
    from app.core.platform.settings import Settings

    settings = Settings()
    server = _Server(scratch / "api-home")
    engine = LocalEngine(
        model,
        context_length=settings.context_length,
        gpu_layers=settings.gpu_layers,
        threads=settings.threads,
    )
    try:
        _api_run(server.client, -1)  # warm both: the first load, caches
        _engine_run(engine, -1)
        api, local = [], []
        for run in range(rounds):  # alternating, so both see the same machine
            api.append(_api_run(server.client, run))
            local.append(_engine_run(engine, run))
        crowd = _concurrent(server, CLIENTS)
    finally:
        engine.close()
        server.close()
    ratios = [a["tg"] / e["tg"] for a, e in zip(api, local)]
    extra_ms = [(a["ttft_s"] - e["ttft_s"]) * 1000 for a, e in zip(api, local)]
    return {
        "rounds": rounds,
        "api_tg": statistics.median(a["tg"] for a in api),
        "engine_tg": statistics.median(e["tg"] for e in local),
        "tg_ratio": statistics.median(ratios),
        "api_ttft_ms": statistics.median(a["ttft_s"] * 1000 for a in api),
        "engine_ttft_ms": statistics.median(e["ttft_s"] * 1000 for e in local),
        "ttft_extra_ms": statistics.median(extra_ms),
        "model_file_mb": round(model.stat().st_size / 1e6, 1),
        "concurrent": crowd,
    }


def main() -> int:
    from app.core.models.installed import starter_model_path

    model = starter_model_path()
    if model is None:
        print("the starter model is not installed")
        return 1
    with tempfile.TemporaryDirectory(prefix="enclave-bench-api-") as scratch:
        result = measure(model, Path(scratch))
    print(json.dumps(result, indent=2))
    crowd = result["concurrent"]
    ok = (
        result["tg_ratio"] >= 0.95
        and result["ttft_extra_ms"] <= 20
        and crowd["completed"] == crowd["clients"]
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
