"""The older call shape of ``BackgroundOp``, for the one window not yet moved to it:

    Task(fn, *args).on_success(show).on_error(complain).start()

Same runner, same failure messages; the application is its owner. New code uses
``app.ui.background.BackgroundOp`` (progress, cancel, an owner window).
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication

from app.ui.background import BackgroundOp


class Task:
    def __init__(self, fn, *args, **kwargs):
        self._op = BackgroundOp(QCoreApplication.instance(), lambda job: fn(*args, **kwargs))

    def on_success(self, slot) -> Task:
        self._op.on_success(slot)
        return self

    def on_error(self, slot) -> Task:
        self._op.on_failure(slot)
        return self

    def start(self) -> Task:
        self._op.run()
        return self
