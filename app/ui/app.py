"""Start the window."""

from __future__ import annotations

import logging
import os
import sys

from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication

from app import APP_NAME
from app.core.errors import EnclaveError
from app.core.platform import runtime
from app.core.platform.paths import resources_dir
from app.ui.safe_text import warn

log = logging.getLogger(__name__)

# Qt platforms that draw without a display server (a test, a remote frame buffer, a kiosk).
NO_SERVER_PLATFORMS = {
    "offscreen",
    "minimal",
    "minimalegl",
    "vnc",
    "eglfs",
    "linuxfb",
    "vkkhrdisplay",
}


def display_problem(environ=None, platform: str | None = None) -> str | None:
    """Why the window cannot open here, in one sentence; None when it can.

    Checked before Qt starts: without a display, creating the application makes Qt abort the
    whole process with its plugin message (exit 134), which tells a person nothing. Windows and
    macOS always have their window system; X11 and Wayland need their session's variables.
    """
    environ = os.environ if environ is None else environ
    platform = platform or sys.platform
    if platform.startswith(("win", "darwin", "cygwin")):
        return None
    wanted = environ.get("QT_QPA_PLATFORM", "")
    if any(p.split(":")[0].strip() in NO_SERVER_PLATFORMS for p in wanted.split(";")):
        return None
    if environ.get("DISPLAY") or environ.get("WAYLAND_DISPLAY"):
        return None
    return (
        "The Enclave window needs a desktop session, and there is no display here (DISPLAY "
        'and WAYLAND_DISPLAY are not set): from a terminal, use `enclave ask "…"` to chat '
        "or `enclave serve` to run the local API."
    )


def run_window(argv: list[str] | None = None) -> int:
    app = QApplication.instance() or QApplication(argv if argv is not None else sys.argv)
    app.setApplicationName(APP_NAME)
    app.setApplicationDisplayName(APP_NAME)
    app.setDesktopFileName("enclave")
    app.setWindowIcon(QIcon(str(resources_dir() / "icons" / "enclave.svg")))
    try:
        rt = runtime.start()
        from app.ui import theme
        from app.ui.chat.main_window import MainWindow

        theme.apply(app, rt.settings.theme)
        window = MainWindow(rt)
    except EnclaveError as exc:
        warn(None, "Enclave cannot start", str(exc))
        return 1

    def on_scheme_changed(_scheme) -> None:  # the system switched between light and dark
        theme.apply(app, rt.settings.theme)
        window.chat.refresh_theme()

    app.styleHints().colorSchemeChanged.connect(on_scheme_changed)
    window.show()
    return app.exec()
