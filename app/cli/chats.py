"""`enclave chats`: list or export conversations."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from app.cli.common import notice
from app.core.chat import export
from app.core.chat.store import Store
from app.core.errors import EnclaveError
from app.core.platform import runtime


def add_parser(sub) -> None:
    chats = sub.add_parser("chats", help="list or export conversations")
    chats_sub = chats.add_subparsers(dest="chats_command", metavar="ACTION", required=True)
    lst = chats_sub.add_parser("list", help="list conversations, most recent first")
    lst.add_argument("--json", action="store_true")
    exp = chats_sub.add_parser("export", help="export one conversation, or all of them")
    exp.add_argument("id", nargs="?", type=int, help="conversation id (default: all)")
    exp.add_argument("--format", choices=export.FORMATS, default="json")
    exp.add_argument("--output", "-o", type=Path, help="write to a file instead of stdout")
    exp.add_argument(
        "--include-thinking",
        action="store_true",
        help="add what reasoning models thought before answering (a thinking field in JSON, a "
        "collapsed section in Markdown); left out by default",
    )


def run(rt: runtime.Runtime, args) -> int:
    with Store(rt.paths.database) as store:
        if args.chats_command == "list":
            conversations = [store.conversation(c.id) for c in store.conversations(limit=10_000)]
            if args.json:
                print(
                    json.dumps(
                        [
                            {
                                "id": c.id,
                                "title": c.title,
                                "messages": c.message_count,
                                "updated": export.iso_time(c.updated),
                                "model": c.model,
                            }
                            for c in conversations
                        ],
                        ensure_ascii=False,
                        indent=2,
                    )
                )
            elif not conversations:
                notice('no conversations yet: `enclave ask "…"` or the window starts one')
            for c in [] if args.json else conversations:
                print(
                    f"{c.id:>6}  {export.iso_time(c.updated)[:16].replace('T', ' ')}  "
                    f"{c.message_count:>4} msgs  {c.title}"
                )
            return 0
        if args.id is not None:
            conversations = [store.conversation(args.id)]
        else:
            conversations = list(reversed(store.conversations(limit=1_000_000)))
        text = export.export(
            store, conversations, args.format, include_thinking=args.include_thinking
        )
    if args.output:
        try:
            args.output.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise EnclaveError(f"Cannot write {args.output}: {exc.strerror}.") from exc
        notice(f"exported {len(conversations)} conversation(s) to {args.output}")
    else:
        sys.stdout.write(text)
    return 0
