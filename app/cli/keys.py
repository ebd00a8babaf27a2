"""`enclave keys`: secrets in the OS keyring (e.g. the Hugging Face token); values are read from
standard input, never taken as arguments, and never printed."""

from __future__ import annotations

import sys

from app.core.platform import runtime
from app.core.privacy.keyring_store import KeyringStore


def add_parser(sub) -> None:
    keys = sub.add_parser("keys", help="secrets in the OS keyring (e.g. the Hugging Face token)")
    k = keys.add_subparsers(dest="keys_command", metavar="ACTION", required=True)
    kset = k.add_parser("set", help="store a secret read from standard input (never an argument)")
    kset.add_argument("name")
    krm = k.add_parser("remove", help="delete a secret")
    krm.add_argument("name")
    k.add_parser("list", help="names of stored secrets (never their values)")


def run(rt: runtime.Runtime, args) -> int:
    store = KeyringStore(rt.paths.keys_index)
    if args.keys_command == "list":
        for name in store.names():
            print(name)
        return 0
    if args.keys_command == "remove":
        removed = store.remove(args.name)
        print(f"removed {args.name}" if removed else f"there was no key called {args.name}")
        return 0
    if sys.stdin.isatty():
        import getpass

        value = getpass.getpass(f"{args.name} (input hidden): ")
    else:
        value = sys.stdin.readline()
    store.set(args.name, value)
    print(f"stored {args.name} in the system keyring")
    return 0
