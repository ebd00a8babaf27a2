"""An engine host that hands out the test session's one loaded starter engine (the ``engine``
fixture) whatever model is asked for: an assistant answers on the real model without loading one
per test."""

from __future__ import annotations

from app.core.engines.host import EngineHost


class SharedHost(EngineHost):
    """Never unloads the engine: the session fixture closes it."""

    def __init__(self, settings, engine):
        super().__init__(settings)
        self.shared = engine

    def get(self, model):
        return self.shared

    def unload(self):
        pass
