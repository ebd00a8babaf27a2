"""What the server did, request by request — never what was said: time, client, model, tokens,
duration. For the terminal running `enclave serve`, the window's request list and the tests."""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

KEPT = 500  # the most recent requests kept in memory


@dataclass
class RequestRecord:
    method: str
    path: str
    client: str
    at: float = field(default_factory=time.time)  # wall clock, when it arrived
    status: int = 0
    model: str | None = None
    stream: bool = False
    prompt_tokens: int = 0
    completion_tokens: int = 0
    queued_s: float = 0.0  # waiting for the model thread
    duration_s: float = 0.0
    finish_reason: str | None = None
    # A client that left mid-answer: from noticing it left to the generation having stopped.
    stopped_after_disconnect_ms: float | None = None
    error: str | None = None  # the error's code, never the request's text

    def as_dict(self) -> dict:
        return asdict(self)

    def line(self) -> str:
        """One line for a terminal."""
        parts = [f"{self.status} {self.method} {self.path}", f"client={self.client}"]
        if self.model:
            parts.append(f"model={self.model}")
        if self.prompt_tokens or self.completion_tokens:
            parts.append(f"tokens={self.prompt_tokens}+{self.completion_tokens}")
        if self.finish_reason:
            parts.append(f"finish={self.finish_reason}")
        if self.stopped_after_disconnect_ms is not None:
            parts.append(f"stopped_after_disconnect_ms={self.stopped_after_disconnect_ms:.1f}")
        if self.error:
            parts.append(f"error={self.error}")
        parts.append(f"queued={self.queued_s:.3f}s duration={self.duration_s:.3f}s")
        return " ".join(parts)


class RequestLog:
    """The last ``KEPT`` requests, and listeners told of each as it ends. Thread-safe."""

    def __init__(self):
        self._records: deque[RequestRecord] = deque(maxlen=KEPT)
        self._lock = threading.Lock()
        self.listeners: list[Callable[[RequestRecord], None]] = []

    def add(self, record: RequestRecord) -> None:
        with self._lock:
            self._records.append(record)
        for listener in list(self.listeners):
            listener(record)

    def records(self) -> list[RequestRecord]:
        with self._lock:
            return list(self._records)
