"""The API's routes (Starlette): models, chat completions (streamed as server-sent events or
whole), embeddings and health. Model work goes to the model runner's one thread; the event loop
only waits for it, so a slow answer never keeps the server from answering others (or refusing
them).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import math
import secrets
import time
from collections.abc import Callable
from typing import Any

import anyio
from sse_starlette import EventSourceResponse
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from app.core.engines.runner import Cancelled, ModelRunner, Ticket
from app.core.errors import EnclaveError
from app.core.platform.paths import Paths
from app.core.platform.settings import Settings
from app.core.server import chat, conversations, embeddings
from app.core.server.catalog import Catalog
from app.core.server.errors import ApiError
from app.core.server.guard import MAX_BODY_BYTES, RECORD, Guard, HostCheck, too_large_error
from app.core.server.requestlog import RequestLog, RequestRecord

log = logging.getLogger(__name__)
STOP_WAIT_S = 2.0  # how long a request whose client left waits to see its generation stop


class _Bridge:
    """Events from the model thread into the event loop, in order."""

    def __init__(self, loop: asyncio.AbstractEventLoop):
        self.loop = loop
        self.queue: asyncio.Queue[tuple[str, Any]] = asyncio.Queue()

    def put(self, kind: str, value=None) -> None:
        try:
            self.loop.call_soon_threadsafe(self.queue.put_nowait, (kind, value))
        except RuntimeError:  # the loop closed (the server stopped): nobody is listening
            pass

    async def get(self) -> tuple[str, object]:
        return await self.queue.get()

    def ready_texts(self) -> list[str]:
        """Text pieces that arrived meanwhile (sent as one chunk); stops at any other event."""
        texts = []
        while not self.queue.empty() and self.queue._queue[0][0] == "text":  # type: ignore[attr-defined]
            texts.append(self.queue.get_nowait()[1])
        return texts


async def _ended(ticket: Ticket, timeout: float) -> bool:
    """Wait (without blocking the loop) until the ticket's work has ended; False on timeout."""
    with anyio.move_on_after(timeout):
        while not ticket.done:
            await asyncio.sleep(0.002)
    return ticket.done


class Api:
    """The ASGI application: ``Api(...).asgi`` is what uvicorn serves."""

    def __init__(
        self,
        *,
        paths: Paths,
        settings: Settings,
        runner: ModelRunner,
        requests: RequestLog,
        hosts: HostCheck,
        key: Callable[[], str],
        max_body: int = MAX_BODY_BYTES,
    ):
        self.settings, self.runner, self.requests = settings, runner, requests
        self.paths = paths
        self.catalog = Catalog(paths, settings)
        self.embedders = embeddings.EmbedderSlot(settings.threads)
        self.max_body = max_body
        routes = [
            Route("/health", self.health, methods=["GET"]),
            Route("/v1/models", self.models, methods=["GET"]),
            Route("/v1/chat/completions", self.chat, methods=["POST"]),
            Route("/v1/embeddings", self.embeddings, methods=["POST"]),
        ]
        app = Starlette(
            routes=routes,
            exception_handlers={
                ApiError: self._api_error,
                HTTPException: self._http_error,
                Exception: self._internal_error,
            },
        )
        self.asgi = Guard(app, hosts=hosts, key=key, requests=requests, max_body=max_body)

    def close(self) -> None:
        """Free the embedding model, on the model thread (call before stopping the runner)."""
        self.runner.submit(lambda host, cancel: self.embedders.close(), label="closing")

    def _keep(self, messages, model_id: str, answer: str) -> None:
        conversations.keep(self.paths.database, messages, model_id, answer)

    # -- errors --------------------------------------------------------------------------------

    async def _api_error(self, request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, ApiError)
        request.scope[RECORD].error = exc.code or exc.status
        return JSONResponse(exc.body(), status_code=exc.status, headers=exc.headers)

    async def _http_error(self, request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, HTTPException)
        if exc.status_code == 404:
            message = f"There is no {request.url.path} here. Endpoints: /v1/models, " + (
                "/v1/chat/completions, /v1/embeddings, /health."
            )
        else:
            message = f"{request.method} is not allowed on {request.url.path}."
        return await self._api_error(request, ApiError(exc.status_code, message))

    async def _internal_error(self, request: Request, exc: Exception) -> JSONResponse:
        log.error("request %s failed", request.url.path, exc_info=exc)
        return await self._api_error(request, _as_api_error(exc))

    # -- routes --------------------------------------------------------------------------------

    async def health(self, request: Request) -> JSONResponse:
        return JSONResponse(
            {
                "status": "loading" if self.runner.loading else "ok",
                "model": self.runner.loaded_model,
                "loading": self.runner.loading,
                "waiting": self.runner.waiting,
            }
        )

    async def models(self, request: Request) -> JSONResponse:
        return JSONResponse({"object": "list", "data": self.catalog.listing()})

    async def embeddings(self, request: Request) -> JSONResponse:
        body = await self._json(request)
        texts, encoding = embeddings.inputs(body)
        model = self.catalog.embedding_model(body.get("model"))
        request.scope[RECORD].model = model.id
        ticket = self.runner.submit(
            embeddings.work(self.embedders, model, texts, encoding), label="embeddings"
        )
        done = asyncio.get_running_loop().create_future()
        ticket.add_done_callback(lambda t: done.get_loop().call_soon_threadsafe(_set, done))
        await done
        try:
            result = ticket.result()
        except Exception as exc:  # noqa: BLE001
            raise _as_api_error(exc) from exc
        request.scope[RECORD].prompt_tokens = result["usage"]["prompt_tokens"]
        return JSONResponse(result)

    async def chat(self, request: Request):
        record: RequestRecord = request.scope[RECORD]
        body = await self._json(request)
        asked = chat.parse(body)
        model = self.catalog.chat_model(asked.model)
        record.model, record.stream = model.id, asked.stream
        if self.runner.loading:
            wait = max(1, math.ceil(self.runner.host.last_load_s or 2))
            raise ApiError(
                503,
                f"The model {self.runner.loading} is loading; try again in {wait} s.",
                code="model_loading",
                headers={"Retry-After": str(wait)},
            )
        bridge = _Bridge(asyncio.get_running_loop())
        ticket = self.runner.submit(
            chat.work(
                asked,
                model,
                self.settings,
                on_start=lambda outcome: bridge.put("start", outcome),
                on_text=(lambda text: bridge.put("text", text)) if asked.stream else None,
                keep=self._keep if self.settings.api_keeps_conversations else None,
            ),
            label=f"chat ({model.id})",
        )
        ticket.add_done_callback(lambda t: bridge.put("done", t))
        left: list[float] = []  # when the client was seen to leave

        def client_left() -> None:
            if not left:
                left.append(time.monotonic())
                ticket.stop()

        watcher = asyncio.ensure_future(_watch_disconnect(request, client_left))
        try:
            kind, value = await bridge.get()
        finally:
            watcher.cancel()
        if kind == "done":  # refused (too long for the context), failed or cancelled before start
            await self._finish(record, ticket, left)
            raise _as_api_error(_error_of(ticket))
        if not asked.stream:
            watcher = asyncio.ensure_future(_watch_disconnect(request, client_left))
            try:
                while (await bridge.get())[0] != "done":
                    pass
            finally:
                watcher.cancel()
            outcome = await self._finish(record, ticket, left)
            return JSONResponse(_completion(outcome, "".join(outcome.text)))
        return self._stream(asked, record, ticket, bridge, client_left, left)

    def _stream(self, asked, record, ticket, bridge, client_left, left) -> EventSourceResponse:
        ident, created = _ident(), int(time.time())

        def chunk(delta: dict, finish: str | None = None) -> str:
            return json.dumps(
                {
                    "id": ident,
                    "object": "chat.completion.chunk",
                    "created": created,
                    "model": record.model,
                    "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
                }
            )

        async def events():
            try:
                yield {"data": chunk({"role": "assistant", "content": ""})}
                while True:
                    kind, value = await bridge.get()
                    if kind == "done":
                        break
                    text = "".join([value, *bridge.ready_texts()])
                    yield {"data": chunk({"content": text})}
                outcome = await self._finish(record, ticket, left)
                yield {"data": chunk({}, _finish_reason(outcome.finish_reason))}
                if asked.include_usage:
                    usage = {"id": ident, "object": "chat.completion.chunk", "created": created}
                    usage |= {"model": record.model, "choices": [], "usage": _usage(outcome)}
                    yield {"data": json.dumps(usage)}
                yield {"data": "[DONE]"}
            except (ApiError, EnclaveError, Cancelled) as exc:
                yield {"data": json.dumps(_as_api_error(exc).body())}
            finally:
                if not ticket.done:  # the client left, or the server is stopping
                    client_left()
                    with anyio.CancelScope(shield=True), contextlib.suppress(Exception):
                        await self._finish(record, ticket, left)

        async def on_close(message) -> None:
            client_left()

        return EventSourceResponse(
            events(), sep="\n", ping=15, client_close_handler_callable=on_close
        )

    async def _finish(self, record: RequestRecord, ticket: Ticket, left: list[float]):
        """Wait for the work to end and note what it did; its Outcome (raises its error)."""
        await _ended(ticket, STOP_WAIT_S if left else math.inf)
        if ticket.started is not None:
            record.queued_s = ticket.started - ticket.submitted
        if left and ticket.ended is not None:
            record.stopped_after_disconnect_ms = max(0.0, (ticket.ended - left[0]) * 1000)
        error = _error_of(ticket)
        if error is not None:
            record.finish_reason = "cancelled" if isinstance(error, Cancelled) else "error"
            raise error
        outcome = ticket.result()
        record.prompt_tokens, record.completion_tokens = (
            outcome.prompt_tokens,
            outcome.completion_tokens,
        )
        record.finish_reason = outcome.finish_reason
        return outcome

    async def _json(self, request: Request):
        chunks, size = [], 0
        async for part in request.stream():
            size += len(part)
            if size > self.max_body:
                raise too_large_error(self.max_body)
            chunks.append(part)
        try:
            return json.loads(b"".join(chunks))
        except ValueError as exc:
            raise ApiError(400, f"The request body is not valid JSON ({exc}).") from None


async def _watch_disconnect(request: Request, client_left: Callable[[], None]) -> None:
    """Call ``client_left`` if the client hangs up (the body has been read by now)."""
    while True:
        message = await request.receive()
        if message["type"] == "http.disconnect":
            client_left()
            return


def _set(future: asyncio.Future) -> None:
    if not future.done():
        future.set_result(None)


def _error_of(ticket: Ticket) -> BaseException | None:
    try:
        ticket.result(0)
    except BaseException as exc:  # noqa: BLE001
        return exc
    return None


def _as_api_error(exc: BaseException | None) -> ApiError:
    if isinstance(exc, ApiError):
        return exc
    if isinstance(exc, Cancelled):
        return ApiError(503, str(exc), code="cancelled")
    if isinstance(exc, EnclaveError):
        return ApiError(500, str(exc), code="model_error")
    return ApiError(500, "The server failed to answer; its log file says why.", code="internal")


def _finish_reason(reason: str) -> str:
    return "length" if reason == "length" else "stop"


def _ident() -> str:
    return "chatcmpl-" + secrets.token_hex(12)


def _usage(outcome: chat.Outcome) -> dict:
    return {
        "prompt_tokens": outcome.prompt_tokens,
        "completion_tokens": outcome.completion_tokens,
        "total_tokens": outcome.prompt_tokens + outcome.completion_tokens,
    }


def _completion(outcome: chat.Outcome, text: str) -> dict:
    return {
        "id": _ident(),
        "object": "chat.completion",
        "created": int(time.time()),
        "model": outcome.model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": text},
                "finish_reason": _finish_reason(outcome.finish_reason),
                "logprobs": None,
            }
        ],
        "usage": _usage(outcome),
    }
