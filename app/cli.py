"""The `enclave` command: the window by default, and the same core from a terminal."""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import signal
import sys
import tempfile
import threading
from pathlib import Path

from app import __version__, cli_cloud, cli_docs, cli_models, std_streams
from app.core import export, hardware, runtime
from app.core.engines import placement
from app.core.errors import EnclaveError
from app.core.models import installed
from app.core.store import Store

log = logging.getLogger(__name__)


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="enclave", description=(
        "Enclave, a private AI assistant that lives on your computer. "
        "With no command, opens the window."))
    p.add_argument("--version", action="version", version=f"enclave {__version__}")
    p.add_argument("--self-test", action="store_true",
                   help="check this installation (no display needed) and exit 0 if it works")
    p.add_argument("--window", action="store_true",
                   help="with --self-test: also open the window, load the model and close it")
    p.add_argument("--scratch", action="store_true",
                   help="with --self-test: use a throw-away data folder, so an installer's check "
                        "leaves nothing in anyone's profile")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    ask = sub.add_parser("ask", help="answer one question on this device, streaming to stdout")
    ask.add_argument("question", nargs="?", help="the question; '-' or nothing reads stdin")
    ask.add_argument("--model", help="model id, 'starter', or a path to a .gguf file; with "
                     "--provider, one of the provider's models")
    ask.add_argument("--system", help="system prompt for this conversation")
    ask.add_argument("--chat", type=int, metavar="ID", help="continue conversation ID")
    ask.add_argument("--json", action="store_true",
                     help="print one JSON object (text, model, engine, tokens, timings)")
    ask.add_argument("--max-tokens", type=int, help="longest answer, in tokens")
    ask.add_argument("--temperature", type=float, help="0 gives the same answer every time")
    ask.add_argument("--provider", metavar="NAME",
                     help="ask a cloud or organisation provider instead (shows what would be "
                          "sent; sends only when you confirm, or with --yes-send)")
    ask.add_argument("--docs", action="append", metavar="NAME",
                     help="answer from a document collection (repeat for several); the answer "
                          "lists the passages it used")
    ask.add_argument("--yes-send", action="store_true",
                     help="with --provider: send without asking (the payload is still printed)")

    chats = sub.add_parser("chats", help="list or export conversations")
    chats_sub = chats.add_subparsers(dest="chats_command", metavar="ACTION", required=True)
    lst = chats_sub.add_parser("list", help="list conversations, most recent first")
    lst.add_argument("--json", action="store_true")
    exp = chats_sub.add_parser("export", help="export one conversation, or all of them")
    exp.add_argument("id", nargs="?", type=int, help="conversation id (default: all)")
    exp.add_argument("--format", choices=export.FORMATS, default="json")
    exp.add_argument("--output", "-o", type=Path, help="write to a file instead of stdout")

    cli_models.add_parsers(sub)
    cli_cloud.add_parsers(sub)
    cli_docs.add_parsers(sub)

    doctor = sub.add_parser("doctor", help="check this installation and this machine")
    doctor.add_argument("--json", action="store_true")
    return p


def main(argv: list[str] | None = None) -> int:
    std_streams.ensure_open()  # first: a windowed start has none, and model loads need them
    args = _parser().parse_args(argv)
    if args.self_test:
        return _self_test(args)
    if args.command is None:
        from app.ui.app import run_window

        return run_window()
    try:
        rt = runtime.start()
        handler = {"ask": _ask, "chats": _chats, "models": cli_models.run_models,
                   "keys": cli_models.run_keys, "config": cli_models.run_config,
                   "providers": cli_cloud.run_providers, "audit": cli_cloud.run_audit,
                   "docs": cli_docs.run_docs,
                   "doctor": _doctor}
        return handler[args.command](rt, args)
    except EnclaveError as exc:
        print(f"enclave: {exc}", file=sys.stderr)
        return 1
    except BrokenPipeError:  # `enclave chats export | head`
        return 0


def _self_test(args) -> int:
    if args.scratch:
        # ignore_cleanup_errors: on Windows the open log file cannot be removed before exit.
        with tempfile.TemporaryDirectory(prefix="enclave-self-test-",
                                         ignore_cleanup_errors=True) as home:
            os.environ["ENCLAVE_HOME"] = home
            return _self_test_here(args)
    return _self_test_here(args)


def _self_test_here(args) -> int:
    from app.core import selftest

    try:
        rt = runtime.start()
    except EnclaveError as exc:
        print(f"Enclave {__version__} self-test\n  FAIL  data folders  {exc}\nFAILED")
        return 1
    checks = selftest.run(rt)
    if args.window:
        from app.ui.selftest_window import check_window

        checks.insert(-1, check_window(rt))
    print(selftest.report(checks))
    return 0 if selftest.passed(checks) else 1


def _notice(text: str) -> None:
    print(f"enclave: {text}", file=sys.stderr)


def _ask(rt: runtime.Runtime, args) -> int:
    question = args.question
    if question in (None, "-"):
        question = sys.stdin.read()
    overrides = {}
    if args.max_tokens is not None:
        overrides["max_answer_tokens"] = max(1, args.max_tokens)
    if args.temperature is not None:
        overrides["temperature"] = args.temperature
    for notice in rt.settings.notices:
        _notice(notice)
    from app.core.assistant import Assistant

    cancel = threading.Event()
    previous = signal.signal(signal.SIGINT, lambda *_: cancel.set())  # Ctrl+C stops, keeps text
    with Store(rt.paths.database) as store:
        assistant = Assistant(store, rt.settings, rt.paths)
        assistant.overrides = overrides

        def on_start(start):
            for notice in start.notices:
                _notice(notice)

        def on_piece(piece: str):
            sys.stdout.write(piece)
            sys.stdout.flush()

        try:
            if args.provider:
                result = cli_cloud.ask(assistant, args, question, cancel, on_start,
                                       None if args.json else on_piece)
                if result is None:
                    return cli_cloud.NOT_SENT
            else:
                result = assistant.send(args.chat, question, cancel=cancel, model=args.model,
                                        system_prompt=args.system, on_start=on_start,
                                        on_piece=None if args.json else on_piece,
                                        collections=args.docs)
            engine = assistant.host.engine
            where = engine.placement.as_dict() if result.engine == "local" and engine else {
                "device": None, "device_description": None, "gpu_layers": None, "reason": None}
        finally:
            signal.signal(signal.SIGINT, previous)
            assistant.close()
    if args.json:
        print(json.dumps({
            "text": result.text, "model": result.model, "engine": result.engine,
            "provider": result.provider,
            "conversation_id": result.conversation_id, "message_id": result.answer_message_id,
            "prompt_tokens": result.stats.prompt_tokens,
            "completion_tokens": result.stats.completion_tokens,
            "ttft_s": result.stats.ttft_s, "tokens_per_s": result.stats.tokens_per_s,
            "total_s": result.stats.total_s, "finish_reason": result.stats.finish_reason,
            "threads": result.stats.threads,
            **where,
            "notices": result.notices,
            "sources": [{"n": s.n, "collection": s.collection, "path": s.path, "page": s.page,
                         "heading": s.heading, "start": s.start, "end": s.end}
                        for s in result.sources]}, ensure_ascii=False))
    else:
        sys.stdout.write("\n")
        if result.sources:
            sys.stdout.write("\nSources:\n" + "".join(
                f"  [{s.n}] {s.where()} — {s.path}\n" for s in result.sources))
        s = result.stats
        speed = f", {s.tokens_per_s:.1f} tokens/s" if s.tokens_per_s else ""
        where = f"via {result.provider}" if result.provider else "on this device"
        _notice(f"{result.model} {where} · chat {result.conversation_id} · "
                f"{s.completion_tokens} tokens{speed}"
                + (" · stopped" if result.cancelled else ""))
    return 130 if result.cancelled else 0


def _chats(rt: runtime.Runtime, args) -> int:
    with Store(rt.paths.database) as store:
        if args.chats_command == "list":
            conversations = [store.conversation(c.id) for c in store.conversations(limit=10_000)]
            if args.json:
                print(json.dumps([{"id": c.id, "title": c.title, "messages": c.message_count,
                                   "updated": export._iso(c.updated), "model": c.model}
                                  for c in conversations], ensure_ascii=False, indent=2))
            elif not conversations:
                _notice("no conversations yet: `enclave ask \"…\"` or the window starts one")
            for c in [] if args.json else conversations:
                print(f"{c.id:>6}  {export._iso(c.updated)[:16].replace('T', ' ')}  "
                      f"{c.message_count:>4} msgs  {c.title}")
            return 0
        if args.id is not None:
            conversations = [store.conversation(args.id)]
        else:
            conversations = list(reversed(store.conversations(limit=1_000_000)))
        text = export.export(store, conversations, args.format)
    if args.output:
        try:
            args.output.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise EnclaveError(f"Cannot write {args.output}: {exc.strerror}.") from exc
        _notice(f"exported {len(conversations)} conversation(s) to {args.output}")
    else:
        sys.stdout.write(text)
    return 0


def doctor_report(rt: runtime.Runtime) -> dict:
    llama = hardware.llama_build_info()
    starter = installed.starter_model_path()
    ram = hardware.total_ram_bytes()
    compute = placement.report() if llama.get("available") else {}
    if compute:
        compute["default_model"] = _planned_placement(rt)
    return {
        "enclave": __version__,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "llama_cpp": llama,
        "gpu_offload": bool(llama.get("gpu_offload")),
        "compute": compute,
        "ram_gb": round(ram / 2**30, 1) if ram else None,
        "cores": hardware.usable_cores(),
        "folders": {name: str(p) for name, p in rt.paths.folders().items()},
        "database": str(rt.paths.database),
        "starter_model": str(starter) if starter else None,
        "models_installed": len(installed.list_models(rt.paths)),
    }


def _planned_placement(rt: runtime.Runtime) -> dict | None:
    """Where the default model would run, planned as a load would plan it (nothing is loaded)."""
    from app.core.models import gguf

    try:
        model = installed.resolve(None, rt.paths, default=rt.settings.default_model)
        info = gguf.read(model.path)
    except EnclaveError:
        return None
    s = installed.settings_for(rt.settings, model)
    where = placement.for_gguf(info, context_length=s.context_length, gpu_layers=s.gpu_layers)
    return {"model": model.id, "label": where.label, **where.as_dict()}


def _compute_lines(compute: dict) -> list[tuple[str, str]]:
    build = compute["build"]
    built = "unknown (not installed by scripts/install-llama-cpp.sh)"
    if build:
        built = build["installed"] + (" (portable)" if build.get("portable") else "")
        built += f" — {build['fallback']}" if build.get("fallback") else f" — {build['reason']}"
    lines = [("llama.cpp build", built),
             ("Backends", ", ".join(compute["backends"]) or "none")]
    for d in compute["devices"]:
        memory = f"{d['free'] / 2**30:.1f} of {d['total'] / 2**30:.1f} GB free" if d["total"] \
            else "system memory"
        lines.append(("Device", f"{d['name']} · {d['description']} ({d['kind']}, {memory})"))
    if compute["memory_cap"] is not None:
        lines.append(("GPU memory cap", f"{compute['memory_cap'] / 2**20:.0f} MB "
                                        f"({placement.GPU_MEMORY_CAP_ENV}, for tests)"))
    if compute["why_no_gpu"]:
        lines.append(("GPU", f"not used: {compute['why_no_gpu']}"))
    planned = compute.get("default_model")
    if planned:
        why = f" ({planned['reason']})" if planned["reason"] else ""
        lines.append(("Default model", f"{planned['model']} would run on {planned['label']}{why}"))
    return lines


def _doctor(rt: runtime.Runtime, args) -> int:
    report = doctor_report(rt)
    if args.json:
        print(json.dumps(report, indent=2))
        return 0 if report["llama_cpp"].get("available") else 1
    llama = report["llama_cpp"]
    ok = "ok"
    lines = [
        ("Enclave", report["enclave"]),
        ("Python", report["python"]),
        ("Platform", report["platform"]),
        ("llama.cpp", f"llama-cpp-python {llama.get('version')}" if llama.get("available")
         else f"NOT AVAILABLE ({llama.get('error')})"),
        *(_compute_lines(report["compute"]) if report["compute"] else []),
        ("CPU features", llama.get("system_info", "?")),
        ("Memory", f"{report['ram_gb']} GB RAM, {report['cores']} cores"),
        *[(f"{name.capitalize()} folder", f"{path} ({ok}, writable)")
          for name, path in report["folders"].items()],
        ("Starter model", report["starter_model"]
         or "NOT FOUND — " + installed.how_to_get_a_model(rt.paths)),
        ("Models", f"{report['models_installed']} installed"),
    ]
    width = max(len(k) for k, _ in lines)
    for key, value in lines:
        print(f"{key:<{width}}  {value}")
    return 0 if llama.get("available") else 1


if __name__ == "__main__":
    sys.exit(main())
