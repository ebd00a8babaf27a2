"""`enclave models …`: the model library from a terminal — find, download, import, manage."""

from __future__ import annotations

import dataclasses
import json
import threading
from pathlib import Path

from app.cli.common import INTERRUPTED, ProgressLine, ctrl_c_sets, notice, print_json
from app.core.errors import EnclaveError
from app.core.models import catalog, installed
from app.core.platform import runtime
from app.core.platform.units import size_text

# The hub client (httpx2, huggingface_hub) is imported only by commands that use it, so
# `enclave ask` starts as fast as before.


def add_parser(sub) -> None:
    models = sub.add_parser("models", help="find, download, import and manage models")
    m = models.add_subparsers(dest="models_command", metavar="ACTION", required=True)
    lst = m.add_parser("list", help="list installed models")
    lst.add_argument("--json", action="store_true")
    cat = m.add_parser("catalog", help="the curated models Enclave suggests (no network)")
    cat.add_argument("--json", action="store_true")
    search = m.add_parser("search", help="search the hub for GGUF models")
    search.add_argument("query", nargs="?", default="")
    search.add_argument("--sort", choices=("downloads", "likes"), default="downloads")
    search.add_argument("--limit", type=int, default=20)
    search.add_argument("--json", action="store_true")
    info = m.add_parser("info", help="a repository's license, files and fit on this machine")
    info.add_argument("repo")
    info.add_argument("--context", type=int, help="context length for the estimate")
    info.add_argument("--json", action="store_true")
    dl = m.add_parser("download", help="download (or resume) a GGUF file, verified by sha256")
    dl.add_argument("repo")
    dl.add_argument("file", help="file name (or the name of a split model's group)")
    dl.add_argument(
        "--accept-license",
        action="store_true",
        help="accept a non-commercial or custom license (after reading it)",
    )
    m.add_parser("downloads", help="unfinished downloads (resume with `models download`)")
    imp = m.add_parser("import", help="add a GGUF file you already have")
    imp.add_argument("path", type=Path)
    imp.add_argument(
        "--in-place", action="store_true", help="use the file where it is instead of copying it in"
    )
    m.add_parser("hf-cache", help="GGUF files in the local Hugging Face cache")
    rm = m.add_parser("remove", help="delete an installed model and free its space")
    rm.add_argument("id")
    default = m.add_parser("default", help="choose the model new chats use")
    default.add_argument("id")
    st = m.add_parser("set", help="per-model defaults, e.g. temperature=0.2 (empty value clears)")
    st.add_argument("id")
    st.add_argument("values", nargs="+", metavar="KEY=VALUE")


def run(rt: runtime.Runtime, args) -> int:
    from app.core.models.service import ModelLibrary

    return _ACTIONS[args.models_command](ModelLibrary(rt.paths, rt.settings_service), args)


def _list(lib, args) -> int:
    rows = [lib.describe(m) for m in lib.installed()]
    if args.json:
        print_json([r.as_json() for r in rows])
        return 0
    if not rows:
        notice("no models installed. " + installed.how_to_get_a_model(lib.paths))
    for r in rows:
        print(
            f"{'*' if r.default else ' '} {r.id:<40} {size_text(r.size_bytes):>9}  "
            f"{r.quantization or '?':<7} {r.license or '-':<13} {r.source:<9} {r.path}"
        )
    return 0


def _catalog(lib, args) -> int:
    entries = catalog.load()
    if args.json:
        print_json([dataclasses.asdict(e) for e in entries])
        return 0
    for e in entries:
        size = e.parameters_text or "?"
        reasons = "reasons" if e.reasons else ""
        print(
            f"{e.id:<28} {size:>20}  {reasons:<7}  {e.license_id or '?':<13} "
            f"{e.commercial_text:<32} {e.repo}"
        )
    return 0


def _search(lib, args) -> int:
    results = lib.search(args.query, sort=args.sort, limit=args.limit)
    if args.json:
        print_json(
            [
                {
                    "repo": r.id,
                    "downloads": r.downloads,
                    "likes": r.likes,
                    "gated": r.gated,
                    "license": r.license,
                    "files": [
                        {"name": c.name, "quant": c.quant, "size": c.size, "parts": len(c.files)}
                        for c in r.choices
                    ],
                }
                for r in results
            ]
        )
        return 0
    if not results:
        notice(f"no GGUF repositories match {args.query!r}")
    for r in results:
        gated = "  (gated)" if r.gated else ""
        print(
            f"{r.id}  ↓{r.downloads or 0:,}  ♥{r.likes or 0:,}  {r.license or 'license ?'}{gated}"
        )
        for c in r.choices:
            parts = f" ({len(c.files)} parts)" if len(c.files) > 1 else ""
            print(f"    {c.quant or '?':<8} {c.name}{parts}")
    return 0


def _downloads(lib, args) -> int:
    pending = lib.downloader.pending()
    if not pending:
        notice("no unfinished downloads")
    for request, present in pending:
        print(
            f"{request.repo}  {request.name}  {size_text(present)} of "
            f"{size_text(request.total_bytes)}  (resume: enclave models download "
            f"{request.repo} {request.name})"
        )
    return 0


def _import(lib, args) -> int:
    from app.core.models.importer import import_file

    done = import_file(args.path, lib.paths, copy=not args.in_place)
    info = done.info
    print(
        f"imported {done.model.id}: {info.architecture}, {info.parameter_count / 1e9:.2f}B "
        f"parameters, {info.quantization}, context {info.context_length or '?'}, "
        f"chat template {'yes' if info.chat_template else 'no (ChatML is used)'}"
        f"{'' if done.model.source == 'import' else ', used in place'}"
    )
    return 0


def _hf_cache(lib, args) -> int:
    from app.core.models.importer import find_in_hf_cache

    found = find_in_hf_cache()
    if not found:
        notice("no GGUF files in the Hugging Face cache")
    for f in found:
        print(f"{f.repo:<45} {size_text(f.size):>9}  {f.path}")
    if found:
        notice("use one with: enclave models import --in-place PATH")
    return 0


def _remove(lib, args) -> int:
    model = lib.remove(args.id)
    print(
        f"removed {model.id}"
        + (" (the file itself was left where it is)" if model.source == "reference" else "")
    )
    return 0


def _default(lib, args) -> int:
    print(f"new chats use {lib.set_default(args.id).id}")
    return 0


def _set(lib, args) -> int:
    values = {}
    for item in args.values:
        key, sep, value = item.partition("=")
        if not sep:
            raise EnclaveError(f"Write per-model settings as KEY=VALUE, not {item!r}.")
        values[key.strip()] = value
    try:
        lib.set_model_defaults(args.id, **values)
    except ValueError as exc:
        raise EnclaveError(f"Not changed: {exc}.") from None
    print(f"{args.id}: {installed.resolve(args.id, lib.paths).defaults}")
    return 0


def _info(lib, args) -> int:
    report = lib.report(args.repo, context=args.context)
    d, lic = report.details, report.details.license
    if args.json:
        print(
            json.dumps(
                {
                    "repo": d.id,
                    "revision": d.revision,
                    "gated": d.gated,
                    "license": {
                        "id": lic.id,
                        "name": lic.name,
                        "url": lic.url,
                        "commercial_use": lic.commercial_use,
                        "summary": lic.summary,
                        "needs_acknowledgement": lic.needs_acknowledgement,
                    },
                    "machine": report.machine.describe(),
                    "recommended": report.recommended,
                    "files": [
                        {
                            "name": c.name,
                            "quant": c.quant,
                            "size": c.size,
                            "parts": [
                                {"name": f.name, "size": f.size, "sha256": f.sha256}
                                for f in c.files
                            ],
                            "fit": report.fits[c.name].kind if c.name in report.fits else None,
                            "fit_label": report.fits[c.name].label
                            if c.name in report.fits
                            else None,
                            "estimate_bytes": report.fits[c.name].estimate.total
                            if c.name in report.fits
                            else None,
                        }
                        for c in d.choices
                    ],
                },
                indent=2,
            )
        )
        return 0
    print(f"{d.id}" + ("  (gated: needs your Hugging Face token)" if d.gated else ""))
    print(f"License: {lic.name}" + (f" — {lic.url}" if lic.url else ""))
    print(f"  {lic.summary}")
    if lic.needs_acknowledgement:
        print("  Downloading needs your acknowledgement (--accept-license).")
    print(f"This machine: {report.machine.describe()}")
    for c in d.choices:
        f = report.fits.get(c.name)
        mark = "→" if c.name == report.recommended else " "
        parts = f" ({len(c.files)} parts)" if len(c.files) > 1 else ""
        label = f.label if f else "?"
        print(f" {mark} {c.quant or '?':<8} {size_text(c.size):>9}  {label:<50} {c.name}{parts}")
    if report.recommended:
        print(f"Suggested for this machine: {report.recommended}")
    return 0


def _download(lib, args) -> int:
    details = lib.hub.details(args.repo)
    request = lib.request(details, args.file)
    if args.accept_license:
        lib.acknowledge(request)
    line, last = ProgressLine(), {"pct": -10}

    def show(p) -> None:
        pct = int(100 * p.done / p.total) if p.total else 0
        worth = pct >= last["pct"] + 10 or p.state != "downloading"
        if worth:
            last["pct"] = pct
        line.show(p.describe(), worth_a_line=worth)

    try:
        with ctrl_c_sets(threading.Event()) as pause:  # Ctrl+C pauses, keeps the bytes
            result = lib.downloader.run(request, pause=pause, on_progress=show)
    finally:
        line.close()
    if result.state == "paused":
        notice(
            f"paused; run the same command again to resume "
            f"({size_text(result.done)} of {size_text(result.total)} kept)"
        )
        return INTERRUPTED
    print(f"{result.model_id}: {result.message}")
    return 0


_ACTIONS = {
    "list": _list,
    "catalog": _catalog,
    "search": _search,
    "info": _info,
    "download": _download,
    "downloads": _downloads,
    "import": _import,
    "hf-cache": _hf_cache,
    "remove": _remove,
    "default": _default,
    "set": _set,
}
