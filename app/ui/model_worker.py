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

from PySide6.QtCore import QObject, QThread, Signal, Slot

from app.core.assistant import Assistant, TurnResult, TurnStart
from app.core.errors import EnclaveError
from app.core.runtime import Runtime
from app.core.store import Store

log = logging.getLogger(__name__)

# Tokens reach the UI in batches this far apart: smooth to read, cheap to draw.
BATCH_INTERVAL_S = 0.04


class ModelWorker(QObject):
    """Lives on the model thread."""

    turn_started = Signal(object)  # TurnStart
    text_received = Signal(int, str)  # answer message id, new text
    turn_finished = Signal(object)  # TurnResult
    turn_failed = Signal(object, str)  # conversation id or None, message for the user
    model_loading = Signal(str)
    model_ready = Signal(str, float)  # model id, seconds it took to load
    busy_changed = Signal(bool)

    def __init__(self, rt: Runtime):
        super().__init__()
        self._rt = rt
        self._assistant: Assistant | None = None
        self.cancel_event = threading.Event()

    @Slot()
    def open(self) -> None:
        self._assistant = Assistant(Store(self._rt.paths.database), self._rt.settings,
                                    self._rt.paths)

    @Slot()
    def close(self) -> None:
        if self._assistant is not None:
            self._assistant.host.unload()
            self._assistant.store.close()
            self._assistant = None

    # -- requests (queued from the UI thread) --------------------------------------------------

    @Slot(object)
    def preload(self, conversation_id) -> None:
        self._run(conversation_id, None)

    @Slot(object, str, str)
    def send(self, conversation_id, text: str, model: str) -> None:
        self._run(conversation_id, lambda **kw: self._assistant.send(
            conversation_id, text, model=model or None, **kw))

    @Slot(int)
    def regenerate(self, conversation_id: int) -> None:
        self._run(conversation_id, lambda **kw: self._assistant.regenerate(conversation_id, **kw))

    @Slot(int, int, str)
    def edit(self, conversation_id: int, message_id: int, text: str) -> None:
        self._run(conversation_id, lambda **kw: self._assistant.edit_and_resend(
            message_id, text, **kw))

    # -- the work ------------------------------------------------------------------------------

    def _ensure_model(self, conversation_id) -> None:
        a = self._assistant
        conversation = a.store.conversation(conversation_id) if conversation_id else None
        model = a.model_for(conversation)
        engine = a.host.engine
        if engine is not None and engine.model_id == model.id:
            return
        self.model_loading.emit(model.id)
        a.host.get(model)
        self.model_ready.emit(model.id, a.host.last_load_s or 0.0)

    def _run(self, conversation_id, turn) -> None:
        self.cancel_event.clear()
        self.busy_changed.emit(True)
        try:
            if self._assistant is None:
                self.open()
            self._ensure_model(conversation_id)
            if turn is not None:  # None: only load the model, ahead of the first message
                self.turn_finished.emit(self._stream(turn))
        except EnclaveError as exc:
            self.turn_failed.emit(conversation_id, str(exc))
        except Exception as exc:  # a bug: the details belong in the log, not a dialog
            log.exception("turn failed")
            self.turn_failed.emit(conversation_id, (
                f"Something went wrong while answering ({type(exc).__name__}). Your messages are "
                f"saved. Details are in {self._rt.paths.log_file}."))
        finally:
            self.busy_changed.emit(False)

    def _stream(self, turn) -> TurnResult:
        pending: list[str] = []
        state = {"answer": -1, "last": time.monotonic()}

        def on_start(start: TurnStart):
            state["answer"] = start.answer_message_id
            self.turn_started.emit(start)

        def on_piece(piece: str):
            pending.append(piece)
            now = time.monotonic()
            if now - state["last"] >= BATCH_INTERVAL_S:
                self.text_received.emit(state["answer"], "".join(pending))
                pending.clear()
                state["last"] = now

        try:
            return turn(cancel=self.cancel_event, on_start=on_start, on_piece=on_piece)
        finally:
            if pending:
                self.text_received.emit(state["answer"], "".join(pending))


class ModelThread(QObject):
    """The UI thread's handle on the model worker. Lives on the UI thread."""

    _send = Signal(object, str, str)
    _regenerate = Signal(int)
    _edit = Signal(int, int, str)
    _preload = Signal(object)
    _close = Signal()

    def __init__(self, rt: Runtime, parent=None):
        super().__init__(parent)
        self._thread = QThread()
        self._thread.setObjectName("enclave-model")
        self.worker = ModelWorker(rt)
        self.worker.moveToThread(self._thread)
        self._send.connect(self.worker.send)
        self._regenerate.connect(self.worker.regenerate)
        self._edit.connect(self.worker.edit)
        self._preload.connect(self.worker.preload)
        self._close.connect(self.worker.close)
        self._thread.start()

    def send(self, conversation_id: int | None, text: str, model: str = "") -> None:
        self._send.emit(conversation_id, text, model)

    def regenerate(self, conversation_id: int) -> None:
        self._regenerate.emit(conversation_id)

    def edit(self, conversation_id: int, message_id: int, text: str) -> None:
        self._edit.emit(conversation_id, message_id, text)

    def preload(self, conversation_id: int | None) -> None:
        self._preload.emit(conversation_id)

    def stop(self) -> None:
        """Stop the current answer; safe to call from the UI thread at any time."""
        self.worker.cancel_event.set()

    def shutdown(self, timeout_ms: int = 10_000) -> None:
        self.stop()
        self._close.emit()
        self._thread.quit()
        if not self._thread.wait(timeout_ms):
            log.warning("model thread did not stop in time")
