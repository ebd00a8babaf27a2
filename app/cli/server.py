"""`enclave server key`: the local API server's key (made on first use, kept in the OS keyring)."""

from __future__ import annotations

from app.cli.common import notice
from app.core.platform import runtime
from app.core.server import key


def add_parser(sub) -> None:
    server = sub.add_parser("server", help="the local API server's settings (its key)")
    s = server.add_subparsers(dest="server_command", metavar="ACTION", required=True)
    k = s.add_parser("key", help="print the API key that apps send to `enclave serve`")
    k.add_argument(
        "--rotate",
        action="store_true",
        help="make a new key; the old one stops working (within seconds in a running server)",
    )


def run(rt: runtime.Runtime, args) -> int:
    if args.rotate:
        print(key.rotate(rt.paths))
        notice("a new key is in force; apps that used the old one need this one")
    else:
        print(key.current(rt.paths))
    return 0
