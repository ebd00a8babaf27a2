"""The Models window, opened for a test (import from here, not from conftest: two conftest
modules are both named ``conftest``)."""

from __future__ import annotations

import pytest


@pytest.fixture(name="open_dialog")
def open_dialog_fixture(qtbot, hub):
    """Opens a Models window on this test's ENCLAVE_HOME, with the hub stand-in running; each one
    has found out which machine it runs on (its catalog rows are final) and is shut down after."""
    from app.core.platform import runtime
    from app.ui.models.models_dialog import ModelsDialog

    dialogs = []

    def make():
        dialog = ModelsDialog(runtime.start())
        qtbot.addWidget(dialog)
        dialog.show()
        dialogs.append(dialog)
        qtbot.waitUntil(lambda: dialog._machine is not None, timeout=10_000)
        return dialog

    yield make
    for d in dialogs:
        d.shutdown()
