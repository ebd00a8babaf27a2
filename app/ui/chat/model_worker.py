"""The model thread: every model load and every answer runs here, never on the UI thread.

A llama.cpp model is not thread-safe, so one ``ModelWorker`` on one ``QThread`` owns it, together
with its own database connection and the ``Assistant``. The window talks to it only through
``ModelThread``: requests go in as queued signals, results come back as queued signals, and Stop
sets a ``threading.Event`` directly so it works while the worker is busy.
"""

from __future__ import annotations

import logging
import threading
import time

from PySide6.QtCore import QCoreApplication, QObject, QThread, Signal, Slot

from app.core.chat.assistant import Assistant, TurnResult, TurnStart
from app.core.chat.store import Store
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
    turn_finished = Signal(object)  # TurnResult
    turn_failed = Signal(object, str)  # conversation id or None, message for the user
    model_loading = Signal(str)
    model_ready = Signal(str, float, object)  # model id, seconds it took to load, Placement
    request_done = Signal(int)  # request id: that request has finished, however it ended
    cloud_planned = Signal(int, object)  # request id, CloudPlan: what would be sent
    plan_failed = Signal(int, str)  # request id, why nothing can be sent

    def __init__(self, rt: Runtime):
        super().__init__()
        self._rt = rt
        self._assistant: Assistant | None = None
        self._cloud = None  # CloudChat, sharing the assistant
        self.cancel_event = threading.Event()

    @Slot()
    def open(self) -> None:
        self._assistant = Assistant(
            Store(self._rt.paths.database), self._rt.settings, self._rt.paths
        )
        self._assistant.host.on_loading = self.model_loading.emit
        self._assistant.host.on_ready = self.model_ready.emit
        from app.core.cloud.chat import CloudChat

        self._cloud = CloudChat(self._assistant)

    @Slot()
    def close(self) -> None:
        if self._assistant is not None:
            self._assistant.close()
            self._assistant.store.close()
            self._assistant = None

    # -- requests (queued from the UI thread) --------------------------------------------------

    @Slot(int, object)
    def preload(self, request: int, conversation_id) -> None:
        self._run(request, conversation_id, None)

    @Slot(int, object, str, str, object)
    def send(self, request: int, conversation_id, text: str, model: str, collections) -> None:
        """A new message, answered where the conversation's route says (core decides)."""
        self._run(
            request,
            conversation_id,
            lambda **kw: self._cloud.send_message(
                conversation_id, text, model=model or None, collections=collections, **kw
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
            if self._assistant is None:
                self.open()
            self.cloud_planned.emit(
                request, self._cloud.plan(conversation_id, text, provider, collections=collections)
            )
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
        self._run(request, plan.conversation_id, lambda **kw: self._cloud.send(plan, choice, **kw))

    # -- the work ------------------------------------------------------------------------------

    def _run(self, request: int, conversation_id, turn) -> None:
        self.cancel_event.clear()
        self._conversation_id = conversation_id
        try:
            if self._assistant is None:
                self.open()
            if turn is None:  # only load the model, ahead of the first message
                self._assistant.load_model(conversation_id)
            else:
                self.turn_finished.emit(self._stream(turn))
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

    def _stream(self, turn) -> TurnResult:
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
                cancel=self.cancel_event,
                on_saved=on_saved,
                on_start=on_start,
                on_piece=lambda piece: batch(self.text_received, piece),
                on_thinking=lambda piece: batch(self.thinking_received, piece),
            )
        finally:
            flush()


class ModelThread(QObject):
    """The UI thread's handle on the model worker. Lives on the UI thread.

    The worker's results are re-emitted here, on the UI thread, so plain functions (the Qt-free
    ``ChatSession``) can subscribe: a signal delivered to a plain function runs on the thread
    that emitted it, which for the worker's own signals is the model thread.
    """

    message_saved = Signal(int, int)
    turn_started = Signal(object)
    turn_finished = Signal(object)
    turn_failed = Signal(object, str)
    request_done = Signal(int)
    cloud_planned = Signal(int, object)
    plan_failed = Signal(int, str)

    _send = Signal(int, object, str, str, object)
    _send_cloud = Signal(int, object, str)
    _plan_cloud = Signal(int, object, object, str, object)
    _regenerate = Signal(int, int)
    _edit = Signal(int, int, int, str)
    _preload = Signal(int, object)
    _close = Signal()

    def __init__(self, rt: Runtime, parent=None):
        super().__init__(parent)
        self._thread = QThread()
        self._thread.setObjectName("enclave-model")
        self.worker = ModelWorker(rt)
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
            "turn_finished",
            "turn_failed",
            "request_done",
            "cloud_planned",
            "plan_failed",
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
    ) -> int:
        """Answer ``text``; ``collections`` are the document collections of a new chat."""
        request = self._next()
        self._send.emit(request, conversation_id, text, model, collections)
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

    def shutdown(self, timeout_ms: int = 10_000) -> None:
        if not self._thread.isRunning():
            return
        self.stop()
        self._close.emit()
        self._thread.quit()
        if not self._thread.wait(timeout_ms):
            log.warning("model thread did not stop in time")
