"""`enclave audit`: the record of every request that left this device, and its check."""

from __future__ import annotations

import datetime
import sys

from app.cli.common import notice, print_json
from app.core.cloud.providers import TIERS
from app.core.platform import runtime
from app.core.privacy import audit


def add_parser(sub) -> None:
    aud = sub.add_parser("audit", help="the record of every request that left this device")
    aud.add_argument("--json", action="store_true", help="one JSON array of entries")
    aud.add_argument(
        "--verify",
        action="store_true",
        help="check the log against its chain and its record outside the log's "
        "folder (your keyring); exit 1 if it was changed",
    )


def run(rt: runtime.Runtime, args) -> int:
    log = audit.for_paths(rt.paths)
    if args.verify:
        result = log.verify()
        print(result.describe(), file=sys.stdout if result.ok else sys.stderr)
        return 0 if result.ok else 1
    entries = log.entries()
    if args.json:
        print_json(entries)
        return 0
    if not entries:
        notice("nothing has left this device.")
    for e in entries:
        print(describe_entry(e))
    return 0


def describe_entry(e: dict) -> str:
    when = datetime.datetime.fromtimestamp(e.get("time") or 0).strftime("%Y-%m-%d %H:%M:%S")
    tier = TIERS.get(e.get("tier") or "", e.get("tier") or "")
    model = f" · {e['model']}" if e.get("model") else ""
    chat = f" · chat {e['conversation']}" if e.get("conversation") else ""
    tokens = (
        f" · {e['tokens_sent']}→{e['tokens_received']} tokens"
        if e.get("tokens_sent") is not None
        else ""
    )
    ended = (
        f"received {e.get('bytes_received')} B{tokens} · {e.get('status')}"
        if e.get("completed", True)
        else "STARTED, NEVER COMPLETED (Enclave stopped before the response ended, or it is "
        "still running)"
    )
    return (
        f"{e.get('seq'):>5}  {when}  {e.get('provider')} ({tier}) {e.get('host')}{model}"
        f"{chat} · {e.get('purpose')} · sent {e.get('bytes_sent')} B, {ended} · consent: "
        f"{e.get('consent')}"
    )
