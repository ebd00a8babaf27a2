"""The model thread: every model load and every answer runs here, never on the UI thread.

A llama.cpp model is not thread-safe, so all model work runs on one thread: the ``ModelRunner``'s
(core), shared with the local API server, whose fair queue puts the window's turns and the API's
requests in the order they came: one model in memory for both. The ``ModelWorker`` lives on a
``QThread`` of its own, hands each request to the runner and waits for it; the ``Assistant`` and
its database connection are made and used only on the runner's thread. The window talks to the
worker only through ``ModelThread``: requests go in as queued signals, results come back as queued
signals, and Stop works directly (an event, and the runner's ticket) while the worker is busy.
"""

from __future__ import annotations

import logging
import threading
import time

from PySide6.QtCore import QCoreApplication, QObject, QThread, Signal, Slot

from app.core.chat.assistant import Assistant, TurnResult, TurnStart
from app.core.chat.store import Store
from app.core.engines.host import EngineHost
from app.core.engines.runner import ModelRunner, Ticket
from app.core.errors import EnclaveError
from app.core.platform.runtime import Runtime

log = logging.getLogger(__name__)

# Tokens reach the UI in batches this far apart: smooth to read, cheap to draw.
BATCH_INTERVAL_S = 0.04


class ModelWorker(QObject):
    """Lives on the model thread."""

    message_saved = Signal(int, int)  # conversation id, user message id
    turn_started = Signal(object)  # TurnStart
    text_received = Signal(int, str)  # answer message id, new text
    thinking_received = Signal(int, str)  # answer message id, new thinking (reasoning models)
    reading_progress = Signal(int, int, int)  # answer message id, prompt tokens read, of total
    turn_finished = Signal(object)  # TurnResult
    turn_failed = Signal(object, str)  # conversation id or None, message for the user
    model_loading = Signal(str)
    model_ready = Signal(str, float, object)  # model id, seconds it took to load, Placement
    request_done = Signal(int)  # request id: that request has finished, however it ended
    cloud_planned = Signal(int, object)  # request id, CloudPlan: what would be sent
    plan_failed = Signal(int, str)  # request id, why nothing can be sent
    waiting = Signal(int)  # how many requests (the local API's) run or wait before this one

    def __init__(self, rt: Runtime, runner: ModelRunner):
        super().__init__()
        self._rt, self._runner = rt, runner
        self._assistant: Assistant | None = None
        self._cloud = None  # CloudChat, sharing the assistant
        self.cancel_event = threading.Event()
        self.ticket: Ticket | None = None  # the request running or waiting on the runner

    def _open(self) -> None:
        """On the runner's thread: the assistant on the runner's one engine host."""
        host = self._runner.host
        self._assistant = Assistant(
            Store(self._rt.paths.database), self._rt.settings, self._rt.paths, host=host
        )
        # Added to the hooks already there (the runner's own), so everyone still hears them.
        loading, ready = host.on_loading, host.on_ready
        host.on_loading = lambda model_id: (
            loading and loading(model_id),
            self.model_loading.emit(model_id),
        )
        host.on_ready = lambda *done: (ready and ready(*done), self.model_ready.emit(*done))
        from app.core.cloud.chat import CloudChat

        self._cloud = CloudChat(self._assistant)

    @Slot()
    def close(self) -> None:
        def close(cancel) -> None:
            if self._assistant is not None:
                self._assistant.close()  # the model too: the window is closing
                self._assistant.store.close()
                self._assistant = None

        self.cancel_event.clear()  # the Stop that came with closing was for the answer
        try:
            self._on_runner("closing", close, open_first=False)
        except EnclaveError as exc:  # the runner stopped first: nothing is left to close
            log.info("model worker closed without the runner: %s", exc)

    def _on_runner(self, label: str, fn, *, open_first: bool = True):
        """``fn(cancel)`` on the runner's thread, in its queue; waits here for the result."""

        def work(host, cancel):
            if self.cancel_event.is_set():  # Stop pressed before the ticket existed
                cancel.set()
            if open_first and self._assistant is None:
                self._open()
            return fn(cancel)

        self.ticket = ticket = self._runner.submit(work, label=label)
        if self.cancel_event.is_set():
            ticket.stop()
        ahead = ticket.position - 1 + (self._runner._current is not None)
        if ahead > 0:
            self.waiting.emit(ahead)
        try:
            return ticket.result()
        finally:
            self.ticket = None

    # -- requests (queued from the UI thread) --------------------------------------------------

    @Slot(int, object)
    def preload(self, request: int, conversation_id) -> None:
        self._run(request, conversation_id, None)

    @Slot(int, object, str, str, object, object)
    def send(
        self, request: int, conversation_id, text: str, model: str, collections, thinking_level
    ) -> None:
        """A new message, answered where the conversation's route says (core decides)."""
        self._run(
            request,
            conversation_id,
            lambda **kw: self._cloud.send_message(
                conversation_id,
                text,
                model=model or None,
                collections=collections,
                thinking_level=thinking_level,
                **kw,
            ),
        )

    @Slot(int, int)
    def regenerate(self, request: int, conversation_id: int) -> None:
        self._run(
            request,
            conversation_id,
            lambda on_saved, **kw: self._assistant.regenerate(conversation_id, **kw),
        )

    @Slot(int, int, int, str)
    def edit(self, request: int, conversation_id: int, message_id: int, text: str) -> None:
        self._run(
            request,
            conversation_id,
            lambda on_saved, **kw: self._assistant.edit_and_resend(message_id, text, **kw),
        )

    @Slot(int, object, object, str, object)
    def plan_cloud(self, request: int, conversation_id, text, provider: str, collections) -> None:
        """What ``provider`` would receive (``text`` None: the last message again). Here, not on
        the UI thread: planning searches the documents, which may load the embedding model."""
        try:
            plan = self._on_runner(
                "preparing a provider turn",
                lambda cancel: self._cloud.plan(
                    conversation_id, text, provider, collections=collections
                ),
            )
            self.cloud_planned.emit(request, plan)
        except EnclaveError as exc:
            self.plan_failed.emit(request, str(exc))
        except Exception as exc:  # a bug: the details belong in the log
            log.exception("planning a cloud turn failed")
            self.plan_failed.emit(
                request,
                (
                    f"Something went wrong preparing what would be sent ({type(exc).__name__}). "
                    f"Nothing was sent. Details are in {self._rt.paths.log_file}."
                ),
            )
        finally:
            self.request_done.emit(request)

    @Slot(int, object, str)
    def send_cloud(self, request: int, plan, choice: str) -> None:
        """Send a ``CloudPlan`` the user consented to (``choice``: once or conversation)."""
        self._run(
            request,
            plan.conversation_id,
            # A provider's answer: no local model reads the prompt.
            lambda on_reading, **kw: self._cloud.send(plan, choice, **kw),
        )

    # -- the work ------------------------------------------------------------------------------

    def _run(self, request: int, conversation_id, turn) -> None:
        self.cancel_event.clear()
        self._conversation_id = conversation_id
        try:
            if turn is None:  # only load the model, ahead of the first message
                self._on_runner(
                    "loading the model", lambda cancel: self._assistant.load_model(conversation_id)
                )
            else:
                result = self._on_runner("your answer", lambda cancel: self._stream(turn, cancel))
                self.turn_finished.emit(result)
        except EnclaveError as exc:
            self.turn_failed.emit(self._conversation_id, str(exc))
        except Exception as exc:  # a bug: the details belong in the log, not a dialog
            log.exception("turn failed")
            self.turn_failed.emit(
                self._conversation_id,
                (
                    f"Something went wrong while answering ({type(exc).__name__}). Your messages "
                    f"are saved. Details are in {self._rt.paths.log_file}."
                ),
            )
        finally:
            self.request_done.emit(request)

    def _stream(self, turn, cancel: threading.Event) -> TurnResult:
        pending: list[str] = []  # text of one kind, sent together
        state = {"answer": -1, "last": time.monotonic(), "signal": self.text_received}

        def flush() -> None:
            if pending:
                state["signal"].emit(state["answer"], "".join(pending))
                pending.clear()
            state["last"] = time.monotonic()

        def on_saved(conversation_id: int, message_id: int):
            self._conversation_id = conversation_id
            self.message_saved.emit(conversation_id, message_id)

        def on_start(start: TurnStart):
            state["answer"] = start.answer_message_id
            self.turn_started.emit(start)

        def batch(signal, piece: str) -> None:
            if signal is not state["signal"]:  # thinking ends where the answer begins
                flush()
                state["signal"] = signal
            pending.append(piece)
            if time.monotonic() - state["last"] >= BATCH_INTERVAL_S:
                flush()

        try:
            return turn(
                cancel=cancel,
                on_saved=on_saved,
                on_start=on_start,
                on_piece=lambda piece: batch(self.text_received, piece),
                on_thinking=lambda piece: batch(self.thinking_received, piece),
                on_reading=lambda done, total: self.reading_progress.emit(
                    state["answer"], done, total
                ),
            )
        finally:
            flush()


class ModelThread(QObject):
    """The UI thread's handle on the model worker. Lives on the UI thread.

    The worker's results are re-emitted here, on the UI thread, so plain functions (the Qt-free
    ``ChatSession``, a test's lambda) can subscribe: the worker emits from the model runner's
    thread, and a plain function connected to it would run there or wait for the worker's busy
    thread. Subscribe here, not to the worker.
    """

    message_saved = Signal(int, int)
    turn_started = Signal(object)
    text_received = Signal(int, str)
    thinking_received = Signal(int, str)
    reading_progress = Signal(int, int, int)
    turn_finished = Signal(object)
    turn_failed = Signal(object, str)
    request_done = Signal(int)
    cloud_planned = Signal(int, object)
    plan_failed = Signal(int, str)
    waiting = Signal(int)

    _send = Signal(int, object, str, str, object, object)
    _send_cloud = Signal(int, object, str)
    _plan_cloud = Signal(int, object, object, str, object)
    _regenerate = Signal(int, int)
    _edit = Signal(int, int, int, str)
    _preload = Signal(int, object)
    _close = Signal()

    def __init__(self, rt: Runtime, parent=None, *, runner: ModelRunner | None = None):
        """``runner``: the model runner to share (the app's, also the local API's); without one,
        this thread makes and owns its own."""
        super().__init__(parent)
        self._owns_runner = runner is None
        self.runner = runner or ModelRunner(EngineHost(rt.settings))
        self._thread = QThread()
        self._thread.setObjectName("enclave-model")
        self.worker = ModelWorker(rt, self.runner)
        self.worker.moveToThread(self._thread)
        self._send.connect(self.worker.send)
        self._send_cloud.connect(self.worker.send_cloud)
        self._plan_cloud.connect(self.worker.plan_cloud)
        self._regenerate.connect(self.worker.regenerate)
        self._edit.connect(self.worker.edit)
        self._preload.connect(self.worker.preload)
        self._close.connect(self.worker.close)
        for name in (
            "message_saved",
            "turn_started",
            "text_received",
            "thinking_received",
            "reading_progress",
            "turn_finished",
            "turn_failed",
            "request_done",
            "cloud_planned",
            "plan_failed",
            "waiting",
        ):  # queued: this object lives on the UI thread
            getattr(self.worker, name).connect(getattr(self, name))
        app = QCoreApplication.instance()
        if app is not None:  # quitting by any route stops the thread before Qt tears down
            app.aboutToQuit.connect(self.shutdown)
        self._thread.start()
        self._last_request = 0

    # Each call returns a request id; the worker's ``request_done`` names it when it is over.

    def _next(self) -> int:
        self._last_request += 1
        return self._last_request

    def send(
        self,
        conversation_id: int | None,
        text: str,
        model: str = "",
        collections: list[str] | None = None,
        thinking_level: str | None = None,
    ) -> int:
        """Answer ``text``; ``collections`` and ``thinking_level`` are a new chat's document
        collections and thinking setting (stored with its first message)."""
        request = self._next()
        self._send.emit(request, conversation_id, text, model, collections, thinking_level)
        return request

    def send_cloud(self, plan, choice: str) -> int:
        request = self._next()
        self._send_cloud.emit(request, plan, choice)
        return request

    def plan_cloud(
        self,
        conversation_id: int | None,
        text: str | None,
        provider: str,
        collections: list[str] | None,
    ) -> int:
        """Ask what ``provider`` would receive; ``cloud_planned`` or ``plan_failed`` answers."""
        request = self._next()
        self._plan_cloud.emit(request, conversation_id, text, provider, collections)
        return request

    def regenerate(self, conversation_id: int) -> int:
        request = self._next()
        self._regenerate.emit(request, conversation_id)
        return request

    def edit(self, conversation_id: int, message_id: int, text: str) -> int:
        request = self._next()
        self._edit.emit(request, conversation_id, message_id, text)
        return request

    def preload(self, conversation_id: int | None) -> int:
        request = self._next()
        self._preload.emit(request, conversation_id)
        return request

    def stop(self) -> None:
        """Stop the current answer; safe to call from the UI thread at any time."""
        self.worker.cancel_event.set()
        ticket = self.worker.ticket
        if ticket is not None:
            ticket.stop()  # dropped if still waiting; told to stop if running

    def shutdown(self, timeout_ms: int = 10_000) -> None:
        if not self._thread.isRunning():
            return
        self.stop()
        self._close.emit()
        self._thread.quit()
        if not self._thread.wait(timeout_ms):
            log.warning("model thread did not stop in time")
        if self._owns_runner:
            self.runner.stop()
