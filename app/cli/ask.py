"""`enclave ask`: one question answered on this device, or by a provider after the payload is
shown and confirmed (`--provider`; nothing is sent without a confirmation typed in the terminal
or ``--yes-send``)."""

from __future__ import annotations

import json
import sys
import threading

from app.cli.common import INTERRUPTED, ctrl_c_sets, notice
from app.core.chat.reading import ReadingLine
from app.core.chat.store import Store
from app.core.chat.thinking import LEVELS
from app.core.platform import runtime
from app.core.privacy.visible_text import StreamReveal, reveal, reveal_note

NOT_SENT = 3  # `enclave ask --provider` without a confirmation: shown, not sent


def add_parser(sub) -> None:
    ask = sub.add_parser("ask", help="answer one question on this device, streaming to stdout")
    ask.add_argument("question", nargs="?", help="the question; '-' or nothing reads stdin")
    ask.add_argument(
        "--model",
        help="model id, 'starter', or a path to a .gguf file; with "
        "--provider, one of the provider's models",
    )
    ask.add_argument("--system", help="system prompt for this conversation")
    ask.add_argument("--chat", type=int, metavar="ID", help="continue conversation ID")
    ask.add_argument(
        "--json",
        action="store_true",
        help="print one JSON object (text, thinking, model, engine, tokens, timings)",
    )
    ask.add_argument(
        "--show-thinking",
        action="store_true",
        help="print a reasoning model's thinking on stderr as it thinks (it is always stored, "
        "apart from the answer)",
    )
    ask.add_argument(
        "--thinking",
        choices=LEVELS,
        help="how much the model should think, for this conversation from now on (models with "
        "a switch: on/off for Qwen3, low/medium/high for gpt-oss)",
    )
    ask.add_argument("--max-tokens", type=int, help="longest answer, in tokens")
    ask.add_argument("--temperature", type=float, help="0 gives the same answer every time")
    ask.add_argument(
        "--provider",
        metavar="NAME",
        help="ask a cloud or organisation provider instead (shows what would be "
        "sent; sends only when you confirm, or with --yes-send)",
    )
    ask.add_argument(
        "--docs",
        action="append",
        metavar="NAME",
        help="answer from a document collection (repeat for several); the answer "
        "lists the passages it used",
    )
    ask.add_argument(
        "--yes-send",
        action="store_true",
        help="with --provider: send without asking (the payload is still printed)",
    )


def run(rt: runtime.Runtime, args) -> int:
    question = args.question
    if question in (None, "-"):
        question = sys.stdin.read()
    overrides = {}
    if args.max_tokens is not None:
        overrides["max_answer_tokens"] = max(1, args.max_tokens)
    if args.temperature is not None:
        overrides["temperature"] = args.temperature
    for text in rt.settings.notices:
        notice(text)
    from app.core.chat.assistant import Assistant
    from app.core.cloud.chat import CloudChat

    cancel = threading.Event()
    with ctrl_c_sets(cancel), Store(rt.paths.database) as store:  # Ctrl+C stops, keeps text
        assistant = Assistant(store, rt.settings, rt.paths)
        assistant.overrides = overrides
        reading = _ReadingOnStderr() if sys.stderr.isatty() else None

        def on_start(start):
            for text in start.notices:
                notice(text)

        # An answer can carry escape sequences (from a provider, or echoed from a document):
        # shown as marks, never obeyed by the terminal. --json holds the exact text.
        shown = StreamReveal()

        thought = _ThinkingOnStderr() if args.show_thinking and not args.json else None

        def on_piece(piece: str):
            if thought:
                thought.end()
            sys.stdout.write(shown.feed(piece))
            sys.stdout.flush()

        try:
            if args.provider:
                result = _ask_provider(
                    assistant,
                    args,
                    question,
                    cancel,
                    on_start,
                    None if args.json else on_piece,
                    thought.feed if thought else None,
                )
                if result is None:
                    return NOT_SENT
            else:
                chat = CloudChat(assistant)
                route = chat.route_for(args.chat)
                if route is not None:
                    notice(
                        f"chat {args.chat} goes to {route[0].name} ({route[0].tier_label}, "
                        f"model {route[1]}): you allowed it for this conversation (withdraw "
                        f"that in the window)"
                    )
                result = chat.send_message(
                    args.chat,
                    question,
                    cancel=cancel,
                    model=args.model,
                    system_prompt=args.system,
                    on_start=on_start,
                    on_piece=None if args.json else on_piece,
                    on_thinking=thought.feed if thought else None,
                    collections=args.docs,
                    thinking_level=args.thinking,
                    on_reading=reading.show if reading else None,
                )
            engine = assistant.host.engine
            where = (
                engine.placement.as_dict()
                if result.engine == "local" and engine
                else {
                    "device": None,
                    "device_description": None,
                    "gpu_layers": None,
                    "reason": None,
                }
            )
        finally:
            if reading:
                reading.end()  # stopped while reading: the line goes
            assistant.close()
    if args.json:
        print(
            json.dumps(
                {
                    "text": result.text,
                    "thinking": result.thinking,
                    "thinking_s": result.thinking_s,
                    "model": result.model,
                    "engine": result.engine,
                    "provider": result.provider,
                    "conversation_id": result.conversation_id,
                    "message_id": result.answer_message_id,
                    "prompt_tokens": result.stats.prompt_tokens,
                    "completion_tokens": result.stats.completion_tokens,
                    "ttft_s": result.stats.ttft_s,
                    "tokens_per_s": result.stats.tokens_per_s,
                    "total_s": result.stats.total_s,
                    "finish_reason": result.stats.finish_reason,
                    "threads": result.stats.threads,
                    **where,
                    "notices": result.notices,
                    "sources": [
                        {
                            "n": s.n,
                            "collection": s.collection,
                            "path": s.path,
                            "page": s.page,
                            "heading": s.heading,
                            "start": s.start,
                            "end": s.end,
                        }
                        for s in result.sources
                    ],
                },
                ensure_ascii=False,
            )
        )
    else:
        if thought:
            thought.end()
        sys.stdout.write(shown.flush() + "\n")
        if shown.marked:
            notice(reveal_note(shown.marked, kept="the answer holds them (--json shows them raw)"))
        if result.sources:
            sys.stdout.write(
                "\nSources:\n"
                + "".join(f"  [{s.n}] {s.where()} — {s.path}\n" for s in result.sources)
            )
        s = result.stats
        speed = f", {s.tokens_per_s:.1f} tokens/s" if s.tokens_per_s else ""
        if result.thinking_s is not None:
            speed += f" · thought for {max(1, round(result.thinking_s))} s"
            if not thought:
                speed += " (--show-thinking shows it)"
        where = f"via {result.provider}" if result.provider else "on this device"
        notice(
            f"{result.model} {where} · chat {result.conversation_id} · "
            f"{s.completion_tokens} tokens{speed}" + (" · stopped" if result.cancelled else "")
        )
    return INTERRUPTED if result.cancelled else 0


class _ReadingOnStderr:
    """A long prompt's reading on the terminal (stderr), one line rewritten in place and
    cleared before the first token, as the window shows it."""

    def __init__(self) -> None:
        self.line, self.shown = ReadingLine(), False

    def show(self, done: int, total: int) -> None:
        if text := self.line.update(done, total):
            self._write(text)
        else:
            self.end()

    def end(self) -> None:
        if self.shown:
            self._write("")

    def _write(self, text: str) -> None:
        sys.stderr.write("\r\x1b[K" + text)  # back to the line's start, erase it
        sys.stderr.flush()
        self.shown = bool(text)


class _ThinkingOnStderr:
    """A reasoning model's thinking on stderr, apart from the answer on stdout, its hidden
    characters marked as the answer's are."""

    def __init__(self) -> None:
        self.shown = StreamReveal()
        self.started = self.ended = False

    def feed(self, piece: str) -> None:
        if not self.started:
            self.started = True
            sys.stderr.write("Thinking…\n")
        sys.stderr.write(self.shown.feed(piece))
        sys.stderr.flush()

    def end(self) -> None:
        if self.started and not self.ended:
            self.ended = True
            sys.stderr.write(self.shown.flush() + "\n\n")
            sys.stderr.flush()
            if self.shown.marked:
                notice(reveal_note(self.shown.marked, kept="the thinking holds them"))


def _ask_provider(assistant, args, question: str, cancel, on_start, on_piece, on_thinking=None):
    """``enclave ask --provider``: show the payload; send only when confirmed. None: not sent."""
    from app.core.cloud.chat import CloudChat

    chat = CloudChat(assistant)
    plan = chat.plan(args.chat, question, args.provider, model=args.model, collections=args.docs)
    request = plan.request
    shown = f"{request.heading()}\n{request.redaction_note}\n{request.headers_note()}\n"
    if request.sources:
        shown += request.documents_note() + "\n"
    shown += f"\n{request.payload_text()}\n"
    for note in request.notices:
        shown += f"\n({note})"
    # An indexed file's escape sequences (erase line, cursor up, \r) or bidi and zero-width
    # characters must not hide part of the payload above the question: marked, not printed.
    # Only the display changes; the payload sent is the request's own text.
    shown, marked = reveal(shown)
    if marked:
        shown += f"\n({reveal_note(marked)})"
    provider = reveal(plan.provider.name)[0]
    if args.yes_send:
        print(shown, file=sys.stderr)
        kind = "--yes-send"
    elif sys.stdin.isatty() and args.question not in (None, "-"):
        print(shown, file=sys.stderr)
        reply = input(f"Send this to {provider}? [y/N] ").strip().lower()
        if reply not in ("y", "yes"):
            notice("nothing was sent.")
            return None
        kind = "confirmed in terminal"
    else:
        sys.stdout.write(shown)
        notice(
            f"nothing was sent. This is what would go to {provider}; add "
            f"--yes-send to send it (or run in a terminal to confirm)."
        )
        return None
    return chat.send(
        plan, kind, cancel=cancel, on_start=on_start, on_piece=on_piece, on_thinking=on_thinking
    )
