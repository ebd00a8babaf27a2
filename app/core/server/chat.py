"""``POST /v1/chat/completions``: what a request asks for, checked; and the answer, made on the
model thread by the local engine.

The request's own settings win; what it leaves out comes from the model's defaults in Enclave
(context, temperature, top_p, answer length, system prompt). A JSON schema in ``response_format``
becomes a llama.cpp grammar, so the answer is JSON of that shape by construction.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from app.core.engines.base import ChatMessage, GenerationOptions
from app.core.engines.host import EngineHost
from app.core.models import installed
from app.core.platform.settings import Settings
from app.core.server.errors import ApiError
from app.core.server.stops import StopMatcher

ROLES = {"system": "system", "developer": "system", "user": "user", "assistant": "assistant"}
MAX_STOPS = 4  # as OpenAI


@dataclass
class ChatRequest:
    model: object  # checked by the catalog
    messages: list[ChatMessage]
    stream: bool = False
    include_usage: bool = False
    max_tokens: int | None = None
    temperature: float | None = None
    top_p: float | None = None
    stop: list[str] = field(default_factory=list)
    seed: int | None = None
    grammar: Any = None  # a llama_cpp.LlamaGrammar, from response_format


def _number(body: dict, name: str, low: float, high: float, *, integer: bool = False):
    value = body.get(name)
    if value is None:
        return None
    kind = "an integer" if integer else "a number"
    if isinstance(value, bool) or not isinstance(value, int if integer else (int, float)):
        raise ApiError(400, f"{name} must be {kind}, not {json.dumps(value)[:40]}.", param=name)
    if not low <= value <= high:
        raise ApiError(400, f"{name} must be between {low:g} and {high:g}.", param=name)
    return value


def _content(message: dict, i: int) -> str:
    content = message.get("content")
    if content is None and message.get("role") == "assistant":
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):  # content parts: text only
        texts = []
        for part in content:
            if not isinstance(part, dict) or part.get("type") != "text":
                kind = part.get("type") if isinstance(part, dict) else type(part).__name__
                raise ApiError(
                    400,
                    f"messages[{i}] has a {kind!r} part: only text is supported here.",
                    param=f"messages[{i}].content",
                )
            texts.append(str(part.get("text", "")))
        return "".join(texts)
    raise ApiError(400, f"messages[{i}].content must be a string.", param=f"messages[{i}].content")


def _messages(raw: object) -> list[ChatMessage]:
    if not isinstance(raw, list) or not raw:
        raise ApiError(400, "messages must be a non-empty list.", param="messages")
    messages = []
    for i, m in enumerate(raw):
        if not isinstance(m, dict):
            raise ApiError(400, f"messages[{i}] must be an object.", param=f"messages[{i}]")
        role = ROLES.get(m.get("role"))  # type: ignore[arg-type]
        if role is None:
            raise ApiError(
                400,
                f"messages[{i}].role must be one of {', '.join(ROLES)}; "
                f"got {json.dumps(m.get('role'))[:40]}.",
                param=f"messages[{i}].role",
            )
        messages.append(ChatMessage(role, _content(m, i)))
    return messages


def _grammar(response_format: object):
    if response_format is None:
        return None
    if not isinstance(response_format, dict):
        raise ApiError(400, "response_format must be an object.", param="response_format")
    kind = response_format.get("type")
    if kind in (None, "text"):
        return None
    from llama_cpp.llama_grammar import JSON_GBNF, LlamaGrammar

    if kind == "json_object":
        return LlamaGrammar.from_string(JSON_GBNF, verbose=False)
    if kind != "json_schema":
        raise ApiError(
            400,
            "response_format.type must be text, json_object or json_schema.",
            param="response_format.type",
        )
    spec = response_format.get("json_schema")
    schema = spec.get("schema") if isinstance(spec, dict) else None
    if not isinstance(schema, dict):
        raise ApiError(
            400,
            "response_format.json_schema.schema must be a JSON schema (an object).",
            param="response_format.json_schema.schema",
        )
    try:
        return LlamaGrammar.from_json_schema(json.dumps(schema), verbose=False)
    except Exception as exc:  # noqa: BLE001 — the converter raises plain errors for what it lacks
        raise ApiError(
            400,
            f"This JSON schema cannot be enforced ({exc}). Simplify it.",
            param="response_format.json_schema.schema",
        ) from exc


def parse(body: object) -> ChatRequest:
    """The request, checked. Raises ApiError (400) naming the first thing that is wrong."""
    if not isinstance(body, dict):
        raise ApiError(400, "The request body must be a JSON object.")
    stop = body.get("stop")
    stops = [stop] if isinstance(stop, str) else stop if stop is not None else []
    if not isinstance(stops, list) or not all(isinstance(s, str) for s in stops):
        raise ApiError(400, "stop must be a string or a list of strings.", param="stop")
    if len(stops) > MAX_STOPS:
        raise ApiError(400, f"stop takes at most {MAX_STOPS} sequences.", param="stop")
    stream = body.get("stream", False)
    if not isinstance(stream, bool):
        raise ApiError(400, "stream must be true or false.", param="stream")
    options = body.get("stream_options") or {}
    max_tokens = _number(body, "max_completion_tokens", 1, 1 << 20, integer=True)
    return ChatRequest(
        model=body.get("model"),
        messages=_messages(body.get("messages")),
        stream=stream,
        include_usage=bool(isinstance(options, dict) and options.get("include_usage")),
        max_tokens=max_tokens or _number(body, "max_tokens", 1, 1 << 20, integer=True),
        temperature=_number(body, "temperature", 0, 2),
        top_p=_number(body, "top_p", 0, 1),
        stop=stops,
        seed=_number(body, "seed", -(1 << 63), (1 << 64) - 1, integer=True),
        grammar=_grammar(body.get("response_format")),
    )


@dataclass
class Outcome:
    model: str
    prompt_tokens: int = 0
    completion_tokens: int = 0
    finish_reason: str = "stop"  # "stop" | "length" | "cancelled"
    text: list[str] = field(default_factory=list)  # only for non-streaming answers


def work(
    request: ChatRequest,
    model: installed.InstalledModel,
    settings: Settings,
    *,
    on_start: Callable[[Outcome], None],
    on_text: Callable[[str], None] | None,
    keep: Callable[[list[ChatMessage], str, str], object] | None = None,
) -> Callable[[EngineHost, threading.Event], Outcome]:
    """The answer, as work for the model runner. ``on_text`` gets the text as it comes (None:
    collected in ``Outcome.text``); ``on_start`` is told once the prompt fits, before any text;
    ``keep(messages, model id, answer)``, when given, stores a finished answer.

    Raises (from the runner's ticket) ApiError 400 when the messages do not fit the context.
    """

    def answer(host: EngineHost, cancel: threading.Event) -> Outcome:
        engine = host.get(model)
        s = installed.settings_for(settings, model)
        messages = request.messages
        if all(m.role != "system" for m in messages) and s.system_prompt.strip():
            messages = [ChatMessage("system", s.system_prompt), *messages]
        outcome = Outcome(model.id, prompt_tokens=engine.count_tokens(messages))
        room = engine.context_length - outcome.prompt_tokens
        if room < 1:
            raise ApiError(
                400,
                f"The messages take {outcome.prompt_tokens} tokens, but {model.id} is set to a "
                f"context of {engine.context_length} tokens (prompt and answer together). "
                f"Send fewer or shorter messages.",
                code="context_length_exceeded",
                param="messages",
            )
        options = GenerationOptions(
            max_tokens=min(request.max_tokens or s.max_answer_tokens, room),
            temperature=s.temperature if request.temperature is None else request.temperature,
            top_p=s.top_p if request.top_p is None else request.top_p,
            repeat_penalty=s.repeat_penalty,
            grammar=request.grammar,
            seed=request.seed,
        )
        on_start(outcome)
        said: list[str] = []

        def emit(text: str) -> None:
            said.append(text)
            (on_text or outcome.text.append)(text)

        stops = StopMatcher(request.stop)
        generation = engine.stream(messages, options=options, cancel=cancel)
        try:
            for piece in generation:
                if text := stops.feed(piece):
                    emit(text)
                if stops.stopped:
                    break
        finally:
            close = getattr(generation.pieces, "close", None)
            if close:
                close()  # the engine's own clean-up runs now, on this thread
        if tail := stops.flush():
            emit(tail)
        outcome.completion_tokens = generation.stats.completion_tokens
        outcome.finish_reason = "stop" if stops.stopped else generation.stats.finish_reason
        if keep is not None and outcome.finish_reason != "cancelled":
            keep(request.messages, model.id, "".join(said))
        return outcome

    return answer
