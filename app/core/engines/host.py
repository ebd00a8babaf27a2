"""Keeps one model loaded and swaps it when another is asked for.

A loaded llama.cpp model is large and not thread-safe: the host, and every engine it hands out, is
used from one thread only (the window's model thread, or the CLI's main thread).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from app.core.engines.base import Engine
from app.core.models.installed import InstalledModel, settings_for
from app.core.platform.settings import Settings

log = logging.getLogger(__name__)


class EngineHost:
    def __init__(self, settings: Settings):
        self.settings = settings
        self._engine: Engine | None = None
        self._loaded_key: tuple | None = None
        self.last_load_s: float | None = None
        # Told when a (slow) load starts and ends, e.g. to show it in the status bar.
        self.on_loading: Callable[[str], None] | None = None
        # on_ready(model id, seconds, placement): where it runs (engines.placement.Placement)
        self.on_ready: Callable[[str, float, object], None] | None = None

    @property
    def engine(self) -> Engine | None:
        return self._engine

    def _key(self, model: InstalledModel) -> tuple:
        s = settings_for(self.settings, model)
        return (str(model.path), s.context_length, s.gpu_layers, s.threads)

    def get(self, model: InstalledModel) -> Engine:
        """The engine for ``model``, loading it (and unloading the previous one) if needed."""
        key = self._key(model)
        if self._engine is not None and self._loaded_key == key:
            return self._engine
        self.unload()
        from app.core.engines.local import engine_for

        if self.on_loading:
            self.on_loading(model.id)
        started = time.perf_counter()
        self._engine = engine_for(
            model.path, model_id=model.id, settings=settings_for(self.settings, model)
        )
        self._loaded_key = key
        self.last_load_s = time.perf_counter() - started
        log.info("model %s ready in %.2f s", model.id, self.last_load_s)
        if self.on_ready:
            self.on_ready(model.id, self.last_load_s, getattr(self._engine, "placement", None))
        return self._engine

    def unload(self) -> None:
        if self._engine is not None:
            self._engine.close()
        self._engine, self._loaded_key = None, None
