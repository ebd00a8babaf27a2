"""`enclave serve`: the local OpenAI-compatible API, in the foreground, until Ctrl+C or SIGTERM.

Other apps on this computer (editors, scripts) use Enclave's local models through it; it never
forwards to a cloud provider and stores nothing as a conversation.
"""

from __future__ import annotations

import sys

from app.cli.common import notice
from app.core.models import installed
from app.core.platform import runtime
from app.core.server import listen

FAILED_TO_LOAD = 1


def add_parser(sub) -> None:
    serve = sub.add_parser(
        "serve",
        help="run the local OpenAI-compatible API for other apps on this computer "
        "(Ctrl+C stops it)",
    )
    serve.add_argument(
        "--host",
        default=listen.DEFAULT_HOST,
        help=f"address to listen on (default {listen.DEFAULT_HOST}: this computer only); "
        f"another address lets other machines connect",
    )
    serve.add_argument(
        "--port",
        type=int,
        default=listen.DEFAULT_PORT,
        help=f"port (default {listen.DEFAULT_PORT}; 0 picks a free one)",
    )
    serve.add_argument(
        "--model", help="model to load at start (default: your default model, else the starter)"
    )


def run(rt: runtime.Runtime, args) -> int:
    for text in rt.settings.notices:
        notice(text)
    model = installed.resolve(args.model, rt.paths, default=rt.settings.default_model)
    if model.source == "file":
        notice(
            f"{model.path} is not an installed model; the API offers installed models only. "
            f"Add it first: `enclave models import {model.path}`."
        )
        return 2
    server = listen.ApiServer(rt.paths, rt.settings, host=args.host, port=args.port, model=model)
    failed: list[BaseException] = []
    server.on_load_failed = failed.append
    if not listen.is_loopback(server.host):
        notice(
            f"listening on {server.host}: other machines that can reach this one may connect "
            f"(each still needs the API key). Leave out --host to serve this computer only."
        )
    server.requests.listeners.append(lambda record: print(record.line(), file=sys.stderr))
    notice(f"local API at {server.url} (model {model.id}); `enclave server key` prints the key")
    notice("Ctrl+C stops it")
    server.run()
    if failed:
        notice(f"the model did not load: {failed[0]}")
        return FAILED_TO_LOAD
    notice("stopped")
    return 0
