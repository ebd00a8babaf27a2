"""`enclave docs …`: document collections from a terminal — add, index, search, remove."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

from app.cli.common import INTERRUPTED, ProgressLine, ctrl_c_sets, notice
from app.core.documents import embedder as embedder_mod
from app.core.documents import retrieval
from app.core.documents.grounding import Documents
from app.core.documents.index import DocsError
from app.core.documents.indexer import Indexer, Progress
from app.core.platform import runtime
from app.core.platform import settings as settings_mod
from app.core.platform.units import size_text


def add_parser(sub) -> None:
    docs = sub.add_parser("docs", help="your document collections, searched on this device")
    d = docs.add_subparsers(dest="docs_command", metavar="ACTION", required=True)
    add = d.add_parser(
        "add", help="add folders or files to a collection (made if new) and index them"
    )
    add.add_argument("name")
    add.add_argument("paths", nargs="+", type=Path, metavar="PATH")
    add.add_argument("--no-index", action="store_true", help="add only; index later")
    add.add_argument(
        "--never-cloud",
        action="store_true",
        help="never send this collection's passages to a cloud or remote provider",
    )
    lst = d.add_parser("list", help="collections, their files and passages")
    lst.add_argument("--json", action="store_true")
    show = d.add_parser("show", help="a collection's folders and the files it could not index")
    show.add_argument("name")
    idx = d.add_parser(
        "index",
        help="index new and changed files (progress on stderr; Ctrl+C "
        "stops, running it again resumes)",
    )
    idx.add_argument("name")
    srch = d.add_parser("search", help="the passages that best match a query, with sources")
    srch.add_argument("name", help="a collection, or several separated by commas")
    srch.add_argument("query")
    srch.add_argument("--mode", choices=retrieval.MODES, default="hybrid")
    srch.add_argument("--limit", type=int, default=5)
    srch.add_argument("--json", action="store_true")
    cloud = d.add_parser("cloud", help="whether a collection may ever go to a provider")
    cloud.add_argument("name")
    cloud.add_argument(
        "choice",
        choices=("never", "ask"),
        help="never: refused by the gate; ask: sent only with your consent",
    )
    rm = d.add_parser("remove", help="remove a collection from the index (your files stay)")
    rm.add_argument("name")


def run(rt: runtime.Runtime, args) -> int:
    docs = Documents(rt.paths, rt.settings)
    try:
        return _COMMANDS[args.docs_command](docs, args)
    finally:
        docs.close()


def _add(docs: Documents, args) -> int:
    paths = [p.expanduser() for p in args.paths]
    for p in paths:
        if not p.exists():
            raise DocsError(f"{p} does not exist: nothing was added.")
    index = docs.index
    try:
        index.collection(args.name)
    except DocsError:
        index.create(args.name)
        notice(f"made the collection {args.name!r}")
    index.add_roots(args.name, paths)
    if args.never_cloud:
        index.set_never_cloud(args.name, True)
    if args.no_index:
        notice(f"added; `enclave docs index {args.name}` indexes it")
        return 0
    return _run_index(docs, args.name)


def _index(docs: Documents, args) -> int:
    return _run_index(docs, args.name)


def _run_index(docs: Documents, name: str) -> int:
    line, last = ProgressLine(), [0.0]

    def on_progress(p: Progress) -> None:
        now = time.monotonic()
        if (
            p.phase not in ("done",)
            and now - last[0] < (0.2 if line.tty else 2.0)
            and p.files_done not in (0, p.files_total)
        ):
            return
        last[0] = now
        left = p.time_left_text()
        line.show(
            f"{p.collection}: {p.phase} {p.files_done}/{p.files_total} files, "
            f"{size_text(p.bytes_done)}/{size_text(p.bytes_total)}, "
            f"{p.chunks} passages" + (f", {left}" if left else "")
        )

    try:
        embedder = docs.embedder()
        if docs.embedder_error:
            notice(f"vector search is off: {docs.embedder_error}")
        with ctrl_c_sets(threading.Event()) as cancel:  # Ctrl+C stops; running again resumes
            result = Indexer(docs.index, embedder=embedder).run(
                name, cancel=cancel, on_progress=on_progress
            )
    finally:
        line.close()
    for root in result.missing_roots:
        notice(f"{root} is not there (unplugged or moved?): its files were kept in the index")
    for path, reason in result.problems:
        notice(f"not indexed: {path}: {reason}")
    notice(result.summary())
    return INTERRUPTED if result.cancelled else 0


def _list(docs: Documents, args) -> int:
    collections = docs.index.collections()
    model = embedder_mod.chosen_model(docs.settings, docs.paths)
    rows = [
        {
            "name": c.name,
            "files": c.files,
            "passages": c.chunks,
            "not_indexed": c.problems,
            "state": c.state,
            "never_cloud": c.never_cloud,
            "roots": c.roots,
            "vectors": docs.index.vector_count(c.id, model.id) if model else 0,
        }
        for c in collections
    ]
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return 0
    if not rows:
        notice("no collections yet: `enclave docs add NAME FOLDER` makes one")
    for r in rows:
        flags = (" · never sent to the cloud" if r["never_cloud"] else "") + (
            " · indexing unfinished: run `enclave docs index` to resume"
            if r["state"] == "indexing"
            else ""
        )
        print(
            f"{r['name']}: {r['files']} files, {r['passages']} passages "
            f"({r['vectors']} with vectors), {r['not_indexed']} not indexed{flags}"
        )
        for root in r["roots"]:
            print(f"    {root}")
    return 0


def _show(docs: Documents, args) -> int:
    c = docs.index.collection(args.name)
    print(
        f"{c.name}: {c.files} files, {c.chunks} passages"
        + (" · never sent to the cloud" if c.never_cloud else "")
    )
    for root in c.roots:
        print(f"  folder/file: {root}")
    for f in docs.index.problems(args.name):
        print(f"  not indexed ({f.status}): {f.path}: {f.reason}")
    return 0


def _search(docs: Documents, args) -> int:
    names = settings_mod.comma_list(args.name)
    if args.mode == "vector" and docs.embedder() is None:
        raise DocsError(
            docs.embedder_error
            or (
                "Vector search needs an embedding model: install one (Models, or `enclave models "
                "catalog`) or set `enclave config set docs.embedding_model MODEL`."
            )
        )
    hits = docs.search(names, args.query, mode=args.mode, limit=max(1, args.limit))
    if docs.embedder_error:
        notice(f"searched by words only: {docs.embedder_error}")
    if args.json:
        print(
            json.dumps(
                [
                    {
                        "rank": i,
                        "collection": h.collection,
                        "path": h.path,
                        "page": h.page,
                        "heading": h.heading,
                        "start": h.start,
                        "end": h.end,
                        "text": h.text,
                    }
                    for i, h in enumerate(hits, start=1)
                ],
                ensure_ascii=False,
                indent=2,
            )
        )
        return 0
    if not hits:
        notice("nothing matched")
    for i, h in enumerate(hits, start=1):
        text = " ".join(h.text.split())
        print(
            f"[{i}] {h.where()}  ({h.path}, characters {h.start}–{h.end})\n    "
            f"{text[:300]}{'…' if len(text) > 300 else ''}"
        )
    return 0


def _cloud(docs: Documents, args) -> int:
    docs.index.set_never_cloud(args.name, args.choice == "never")
    notice(
        f"{args.name}: "
        + (
            "never sent to a provider"
            if args.choice == "never"
            else "may be sent to a provider, only with your consent"
        )
    )
    return 0


def _remove(docs: Documents, args) -> int:
    docs.index.remove(args.name)
    notice(f"removed {args.name!r} from the index; your files were not touched")
    return 0


_COMMANDS = {
    "add": _add,
    "index": _index,
    "list": _list,
    "show": _show,
    "search": _search,
    "cloud": _cloud,
    "remove": _remove,
}
