"""`enclave --self-test --window`: the window opens, loads the model, and closes cleanly."""

from __future__ import annotations

import sys
import time

from app.core.platform.runtime import Runtime
from app.core.platform.selftest import Check


def check_window(rt: Runtime, *, timeout_s: float = 120.0) -> Check:
    from PySide6.QtCore import QEventLoop, QTimer
    from PySide6.QtWidgets import QApplication

    from app.ui import theme
    from app.ui.chat.main_window import MainWindow

    app = QApplication.instance() or QApplication([sys.argv[0]])
    started = time.perf_counter()
    theme.apply(app, rt.settings.theme)
    window = MainWindow(rt)
    window.show()
    loop, poll, end = QEventLoop(), QTimer(interval=50), time.monotonic() + timeout_s
    poll.timeout.connect(
        lambda: (window.idle() and window.isVisible() or time.monotonic() > end) and loop.quit()
    )
    QTimer.singleShot(200, poll.start)  # let the model load request reach the worker first
    loop.exec()
    poll.stop()
    shown, idle = window.isVisible(), window.idle()
    error = (
        window.notice.text()
        if window.notice.isVisible() and window.notice.property("error")
        else ""
    )  # a plain notice (e.g. "runs on the CPU: …") is information
    model = window.status_model.text()
    window.close()
    app.processEvents()
    elapsed = time.perf_counter() - started
    if not (shown and idle) or error:
        return Check("window", False, error or f"did not become ready in {timeout_s:.0f} s")
    return Check(
        "window",
        True,
        f"opened ({app.platformName()}), model loaded ({model}), closed in {elapsed:.1f} s",
    )
