"""Start the window."""

from __future__ import annotations

import logging
import sys

from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication

from app import APP_NAME
from app.core.errors import EnclaveError
from app.core.platform import runtime
from app.core.platform.paths import resources_dir
from app.ui.safe_text import warn

log = logging.getLogger(__name__)


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
