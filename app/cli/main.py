"""The `enclave` command: the window by default, and the same core from a terminal. Each command
group is a module of this package with ``add_parser(sub)`` and ``run(rt, args)``."""

from __future__ import annotations

import argparse
import os
import tempfile

from app import __version__, std_streams
from app.cli import (
    ask,
    audit,
    chats,
    config,
    doctor,
    documents,
    keys,
    models,
    providers,
    serve,
    server,
)
from app.cli.common import notice
from app.core.errors import EnclaveError
from app.core.platform import runtime

COMMANDS = {
    "ask": ask,
    "chats": chats,
    "models": models,
    "keys": keys,
    "config": config,
    "providers": providers,
    "audit": audit,
    "docs": documents,
    "doctor": doctor,
    "serve": serve,
    "server": server,
}


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="enclave",
        description=(
            "Enclave, a private AI assistant that lives on your computer. "
            "With no command, opens the window."
        ),
    )
    p.add_argument("--version", action="version", version=f"enclave {__version__}")
    p.add_argument(
        "--self-test",
        action="store_true",
        help="check this installation (no display needed) and exit 0 if it works",
    )
    p.add_argument(
        "--window",
        action="store_true",
        help="with --self-test: also open the window, load the model and close it",
    )
    p.add_argument(
        "--scratch",
        action="store_true",
        help="with --self-test: use a throw-away data folder, so an installer's check "
        "leaves nothing in anyone's profile",
    )
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    for command in COMMANDS.values():
        command.add_parser(sub)
    return p


def main(argv: list[str] | None = None) -> int:
    std_streams.ensure_open()  # first: a windowed start has none, and model loads need them
    args = _parser().parse_args(argv)
    if args.self_test:
        return _self_test(args)
    if args.command is None:
        from app.ui.app import display_problem, run_window

        if problem := display_problem():  # before Qt, which would abort the process
            notice(problem)
            return 2
        return run_window()
    try:
        return COMMANDS[args.command].run(runtime.start(), args)
    except EnclaveError as exc:
        notice(str(exc))
        return 1
    except BrokenPipeError:  # `enclave chats export | head`
        return 0


def _self_test(args) -> int:
    if args.scratch:
        # ignore_cleanup_errors: on Windows the open log file cannot be removed before exit.
        with tempfile.TemporaryDirectory(
            prefix="enclave-self-test-", ignore_cleanup_errors=True
        ) as home:
            os.environ["ENCLAVE_HOME"] = home
            return _self_test_here(args)
    return _self_test_here(args)


def _self_test_here(args) -> int:
    from app.core.platform import selftest

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
