"""`enclave models …`, `enclave keys …` and `enclave config …`: the model library from a terminal."""

from __future__ import annotations

import dataclasses
import json
import signal
import sys
import threading
from pathlib import Path

from app.core import runtime, settings as settings_mod
from app.core.errors import EnclaveError
from app.core.units import size_text
from app.core.models import catalog, installed
from app.core.privacy import policy
from app.core.privacy.keyring_store import KeyringStore

# The hub client (httpx2, huggingface_hub) is imported only by commands that use it, so
# `enclave ask` starts as fast as before.


def add_parsers(sub) -> None:
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
    dl.add_argument("--accept-license", action="store_true",
                    help="accept a non-commercial or custom license (after reading it)")
    m.add_parser("downloads", help="unfinished downloads (resume with `models download`)")
    imp = m.add_parser("import", help="add a GGUF file you already have")
    imp.add_argument("path", type=Path)
    imp.add_argument("--in-place", action="store_true",
                     help="use the file where it is instead of copying it in")
    m.add_parser("hf-cache", help="GGUF files in the local Hugging Face cache")
    rm = m.add_parser("remove", help="delete an installed model and free its space")
    rm.add_argument("id")
    default = m.add_parser("default", help="choose the model new chats use")
    default.add_argument("id")
    st = m.add_parser("set", help="per-model defaults, e.g. temperature=0.2 (empty value clears)")
    st.add_argument("id")
    st.add_argument("values", nargs="+", metavar="KEY=VALUE")

    keys = sub.add_parser("keys", help="secrets in the OS keyring (e.g. the Hugging Face token)")
    k = keys.add_subparsers(dest="keys_command", metavar="ACTION", required=True)
    kset = k.add_parser("set", help="store a secret read from standard input (never an argument)")
    kset.add_argument("name")
    krm = k.add_parser("remove", help="delete a secret")
    krm.add_argument("name")
    k.add_parser("list", help="names of stored secrets (never their values)")

    config = sub.add_parser("config", help="read or change a setting")
    c = config.add_subparsers(dest="config_command", metavar="ACTION", required=True)
    get = c.add_parser("get", help="show one setting, or all")
    get.add_argument("key", nargs="?")
    cset = c.add_parser("set", help="change a setting")
    cset.add_argument("key")
    cset.add_argument("value")


def _err(text: str) -> None:
    print(f"enclave: {text}", file=sys.stderr)


def run_models(rt: runtime.Runtime, args) -> int:
    from app.core.models.importer import find_in_hf_cache, import_file
    from app.core.models.service import ModelLibrary

    lib = ModelLibrary(rt.paths, rt.settings)
    command = args.models_command
    if command == "list":
        rows = [lib.describe(m) for m in lib.installed()]
        if args.json:
            print(json.dumps(rows, indent=2))
        elif not rows:
            _err("no models installed. " + installed.how_to_get_a_model(rt.paths))
        for r in [] if args.json else rows:
            mark = "*" if r["default"] else " "
            size = size_text(r["size_bytes"])
            print(f"{mark} {r['id']:<40} {size:>9}  {r['quantization'] or '?':<7} "
                  f"{r['license'] or '-':<13} {r['source']:<9} {r['path']}")
        return 0
    if command == "catalog":
        entries = catalog.load()
        if args.json:
            print(json.dumps([dataclasses.asdict(e) for e in entries], indent=2))
            return 0
        for e in entries:
            size = f"{e.parameters_b}B" if e.parameters_b else "?"
            print(f"{e.id:<28} {size:>6}  {e.license_id or '?':<13} {e.commercial_text:<32} "
                  f"{e.repo}")
        return 0
    if command == "search":
        results = lib.search(args.query, sort=args.sort, limit=args.limit)
        if args.json:
            print(json.dumps([{"repo": r.id, "downloads": r.downloads, "likes": r.likes,
                               "gated": r.gated, "license": r.license,
                               "files": [{"name": c.name, "quant": c.quant, "size": c.size,
                                          "parts": len(c.files)} for c in r.choices]}
                              for r in results], indent=2))
            return 0
        if not results:
            _err(f"no GGUF repositories match {args.query!r}")
        for r in results:
            gated = "  (gated)" if r.gated else ""
            print(f"{r.id}  ↓{r.downloads or 0:,}  ♥{r.likes or 0:,}  "
                  f"{r.license or 'license ?'}{gated}")
            for c in r.choices:
                parts = f" ({len(c.files)} parts)" if len(c.files) > 1 else ""
                print(f"    {c.quant or '?':<8} {c.name}{parts}")
        return 0
    if command == "info":
        return _info(lib, args)
    if command == "download":
        return _download(lib, args)
    if command == "downloads":
        pending = lib.downloader.pending()
        if not pending:
            _err("no unfinished downloads")
        for request, present in pending:
            print(f"{request.repo}  {request.name}  {size_text(present)} of "
                  f"{size_text(request.total_bytes)}  (resume: enclave models download "
                  f"{request.repo} {request.name})")
        return 0
    if command == "import":
        done = import_file(args.path, rt.paths, copy=not args.in_place)
        info = done.info
        print(f"imported {done.model.id}: {info.architecture}, {info.parameter_count / 1e9:.2f}B "
              f"parameters, {info.quantization}, context {info.context_length or '?'}, "
              f"chat template {'yes' if info.chat_template else 'no (ChatML is used)'}"
              f"{'' if done.model.source == 'import' else ', used in place'}")
        return 0
    if command == "hf-cache":
        found = find_in_hf_cache()
        if not found:
            _err("no GGUF files in the Hugging Face cache")
        for f in found:
            print(f"{f.repo:<45} {size_text(f.size):>9}  {f.path}")
        if found:
            _err("use one with: enclave models import --in-place PATH")
        return 0
    if command == "remove":
        model = lib.remove(args.id)
        print(f"removed {model.id}" + (" (the file itself was left where it is)"
                                       if model.source == "reference" else ""))
        return 0
    if command == "default":
        model = lib.set_default(args.id)
        print(f"new chats use {model.id}")
        return 0
    if command == "set":
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
        print(f"{args.id}: {installed.resolve(args.id, rt.paths).defaults}")
        return 0
    raise AssertionError(command)


def _info(lib, args) -> int:
    report = lib.report(args.repo, context=args.context)
    d, lic = report.details, report.details.license
    if args.json:
        print(json.dumps({
            "repo": d.id, "revision": d.revision, "gated": d.gated,
            "license": {"id": lic.id, "name": lic.name, "url": lic.url,
                        "commercial_use": lic.commercial_use, "summary": lic.summary,
                        "needs_acknowledgement": lic.needs_acknowledgement},
            "machine": report.machine.describe(), "recommended": report.recommended,
            "files": [{"name": c.name, "quant": c.quant, "size": c.size,
                       "parts": [{"name": f.name, "size": f.size, "sha256": f.sha256}
                                 for f in c.files],
                       "fit": report.fits[c.name].kind if c.name in report.fits else None,
                       "fit_label": report.fits[c.name].label if c.name in report.fits else None,
                       "estimate_bytes": report.fits[c.name].estimate.total
                       if c.name in report.fits else None}
                      for c in d.choices]}, indent=2))
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
        print(f" {mark} {c.quant or '?':<8} {size_text(c.size):>9}  {label:<50} "
              f"{c.name}{parts}")
    if report.recommended:
        print(f"Suggested for this machine: {report.recommended}")
    return 0


def _download(lib, args) -> int:
    details = lib.hub.details(args.repo)
    request = lib.request(details, args.file)
    if args.accept_license:
        lib.acknowledge(request)
    pause = threading.Event()
    previous = signal.signal(signal.SIGINT, lambda *_: pause.set())  # Ctrl+C pauses, keeps bytes
    tty = sys.stderr.isatty()
    last = {"pct": -10}

    def show(p) -> None:
        if tty:
            print("\r" + p.describe().ljust(100), end="", file=sys.stderr, flush=True)
            return
        pct = int(100 * p.done / p.total) if p.total else 0
        if pct >= last["pct"] + 10 or p.state != "downloading":
            last["pct"] = pct
            print(p.describe(), file=sys.stderr, flush=True)

    try:
        result = lib.downloader.run(request, pause=pause, on_progress=show)
    finally:
        signal.signal(signal.SIGINT, previous)
        if tty:
            print(file=sys.stderr)
    if result.state == "paused":
        _err(f"paused; run the same command again to resume "
             f"({size_text(result.done)} of {size_text(result.total)} kept)")
        return 130
    print(f"{result.model_id}: {result.message}")
    return 0


def run_keys(rt: runtime.Runtime, args) -> int:
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


def run_config(rt: runtime.Runtime, args) -> int:
    fields = {f.name: f for f in dataclasses.fields(settings_mod.Settings) if f.name != "notices"}
    if args.config_command == "get":
        if args.key is None:
            for name in fields:
                print(f"{name} = {json.dumps(getattr(rt.settings, name))}")
            return 0
        print(json.dumps(getattr(rt.settings, settings_mod.field_name(args.key))))
        return 0
    name = settings_mod.field_name(args.key)
    current = getattr(rt.settings, name)
    try:
        if isinstance(current, str):
            value = args.value
        elif isinstance(current, list) and not args.value.lstrip().startswith("["):
            value = [w.strip() for w in args.value.split(",") if w.strip()]  # "a, b, c"
        else:
            value = json.loads(args.value)
        new = settings_mod.coerce(name, value, current)
        setattr(rt.settings, name, new)
        rt.settings.validate()
    except ValueError as exc:
        raise EnclaveError(f"Not changed: {exc}.") from None
    rt.save_settings()
    print(f"{name} = {json.dumps(new)}")
    for notice in policy.overrides(name, new):
        print(f"enclave: {notice}", file=sys.stderr)
    return 0
