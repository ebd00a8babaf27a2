"""The Providers window's switches change the settings through the runtime's service: a change
that cannot be saved is explained and undone, on screen and in what the app uses."""

from __future__ import annotations

import json

import pytest

from app.core.platform import runtime
from app.ui.cloud.providers_dialog import ProvidersDialog


@pytest.fixture
def rt(enclave_home):
    return runtime.start()


@pytest.fixture
def dialog(qtbot, rt):
    dialog = ProvidersDialog(rt)
    qtbot.addWidget(dialog)
    return dialog


def test_a_switch_saves_through_the_service(qtbot, rt, dialog):
    heard = []
    rt.settings_service.subscribe(heard.append)
    with qtbot.waitSignal(dialog.changed, timeout=1_000):
        dialog.allowed.setChecked(True)
    assert rt.settings.cloud_allowed
    assert json.loads(rt.paths.settings_file.read_text())["cloud_allowed"] is True
    assert heard == [frozenset({"cloud_allowed"})]


def test_a_change_that_cannot_be_saved_is_explained_and_undone(qtbot, rt, dialog, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the config folder should be")
    rt.settings_service.path = blocker / "settings.json"  # a real failure to write, even as root
    with qtbot.assertNotEmitted(dialog.changed):
        dialog.allowed.setChecked(True)
        dialog.redact.setChecked(False)
    said = dialog.status.text()
    assert "could not be saved" in said and str(blocker) in said and "Nothing was changed" in said
    assert not dialog.allowed.isChecked() and dialog.redact.isChecked()  # back as they are
    assert not rt.settings.cloud_allowed and rt.settings.redact


def test_reopening_shows_settings_changed_elsewhere(rt, dialog):
    rt.update_settings({"cloud.allowed": True, "redaction.terms": ["Nightjar"]})
    dialog.reload()  # what showing the window again does
    assert dialog.allowed.isChecked() and dialog.terms.text() == "Nightjar"
