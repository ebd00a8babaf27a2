"""The Settings window on the real settings file: it shows what is in force, saves through the
settings service, refuses what the service refuses, shows policy locks, hears `enclave config` in
another process, and every field can be reached with the keyboard alone."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLineEdit

from app.core.platform import runtime
from app.core.platform import settings as settings_mod
from app.ui.settings_dialog import PAGES, SettingsDialog

ENCLAVE = Path(sys.executable).with_name("enclave")
HEARD_MS = 30_000  # the command starts a fresh interpreter on shared cores

FIELDS_BY_PAGE = {
    "General": ["theme", "system_prompt", "default_model"],
    "Models": [
        "context_length",
        "max_answer_tokens",
        "temperature",
        "top_p",
        "repeat_penalty",
        "gpu_layers",
        "threads",
    ],
    "Privacy & cloud": [
        "offline",
        "cloud_allowed",
        "redact",
        "redaction_terms",
        "api_keeps_conversations",
        "cloud_timeout_s",
    ],
    "Documents": ["embedding_model", "docs_passages"],
}


@pytest.fixture
def open_dialog(qtbot):
    """A Settings window on a fresh runtime (the real settings file of this test's home)."""

    def make(**saved):
        rt = runtime.start()
        if saved:
            rt.update_settings(saved)
        dialog = SettingsDialog(rt)
        qtbot.addWidget(dialog)
        dialog.show()
        qtbot.waitExposed(dialog)
        return dialog

    return make


def _saved(dialog) -> dict:
    return json.loads(dialog.rt.settings_service.path.read_text(encoding="utf-8"))


def test_each_page_shows_the_values_in_force(open_dialog):
    dialog = open_dialog(
        theme="dark",
        system_prompt="Answer in French.",
        context_length=8192,
        max_answer_tokens=2048,
        temperature=0.3,
        top_p=0.5,
        repeat_penalty=1.3,
        gpu_layers=12,
        threads=3,
        offline=True,
        cloud_allowed=True,
        redact=False,
        redaction_terms=["Nightjar", "Olsen"],
        cloud_timeout_s=90.0,
        embedding_model="off",
        docs_passages=9,
    )
    f = dialog.fields
    assert f["theme"].widget.currentText() == "Dark"
    assert f["system_prompt"].widget.toPlainText() == "Answer in French."
    assert f["default_model"].widget.currentData() == ""  # the starter model
    assert [f[n].widget.value() for n in FIELDS_BY_PAGE["Models"]] == [
        8192,
        2048,
        0.3,
        0.5,
        1.3,
        12,
        3,
    ]
    assert f["offline"].widget.isChecked() and f["cloud_allowed"].widget.isChecked()
    assert not f["redact"].widget.isChecked()
    assert f["redaction_terms"].widget.text() == "Nightjar, Olsen"
    assert f["cloud_timeout_s"].widget.value() == 90.0
    assert f["embedding_model"].widget.currentText().startswith("Off")
    assert f["docs_passages"].widget.value() == 9
    assert not dialog.lock_note.isVisible()
    # Advanced: the folders and files in use, read-only, and that no policy applies.
    dialog.show_page("Advanced")
    page = dialog.stack.currentWidget()
    shown = {w.accessibleName(): w.text() for w in page.findChildren(QLineEdit)}
    assert shown["Settings file"] == str(dialog.rt.paths.settings_file)
    assert shown["Log file"] == str(dialog.rt.paths.log_file)
    assert all(w.isReadOnly() for w in page.findChildren(QLineEdit))
    assert dialog.policy_files.text().startswith("None: no administrator's policy applies")


def test_a_change_is_saved_and_applied_in_place(qtbot, open_dialog):
    dialog = open_dialog()
    settings = dialog.rt.settings
    spin = dialog.fields["context_length"].widget
    spin.setValue(8192)
    spin.editingFinished.emit()
    assert settings is dialog.rt.settings and settings.context_length == 8192
    assert _saved(dialog)["context_length"] == 8192
    assert "Saved" in dialog.status.text()

    dialog.fields["theme"].widget.setCurrentIndex(2)  # a choice applies when it is made
    assert settings.theme == "dark" and _saved(dialog)["theme"] == "dark"

    terms = dialog.fields["redaction_terms"].widget
    terms.setText("Nightjar,, Olsen ")
    terms.editingFinished.emit()
    assert settings.redaction_terms == ["Nightjar", "Olsen"]
    assert _saved(dialog)["redaction_terms"] == ["Nightjar", "Olsen"]


def test_an_invalid_value_is_refused_with_the_message_and_nothing_saved(open_dialog):
    dialog = open_dialog(context_length=8192, max_answer_tokens=1024)
    before = dialog.rt.settings_service.path.read_bytes()
    dialog.show_page("Models")
    field = dialog.fields["max_answer_tokens"]
    field.widget.setValue(5000)  # above half the context
    field.widget.editingFinished.emit()
    assert field.error.isVisible()
    assert "at most half the context" in field.error.text()
    assert field.widget.value() == 1024  # the value in force again
    assert dialog.rt.settings.max_answer_tokens == 1024
    assert dialog.rt.settings_service.path.read_bytes() == before
    assert "not changed" in dialog.status.text()

    field.widget.setValue(4000)  # a valid value clears the message
    field.widget.editingFinished.emit()
    assert not field.error.isVisible() and _saved(dialog)["max_answer_tokens"] == 4000


def test_a_policy_lock_disables_the_field_and_says_who(open_dialog, tmp_path, monkeypatch):
    rules = tmp_path / "policy.json"
    rules.write_text(
        json.dumps({"force_offline": True, "force_redaction": True, "managed_by": "Example IT"})
    )
    monkeypatch.setenv("ENCLAVE_POLICY", str(rules))
    dialog = open_dialog(offline=False, redact=False)
    f = dialog.fields
    for name in ("offline", "cloud_allowed", "redact"):
        assert not f[name].widget.isEnabled(), name
        assert "Locked by Example IT" in f[name].widget.toolTip()
    assert f["offline"].widget.isChecked() and f["redact"].widget.isChecked()  # as in force
    assert not f["cloud_allowed"].widget.isChecked()
    dialog.show_page("Privacy & cloud")
    assert dialog.lock_note.isVisible()
    assert dialog.lock_note.text() == (
        "Locked by Example IT: Enclave stays offline on this computer; cloud and remote "
        "providers are not allowed; redaction is always on."
    )
    assert not dialog.rt.settings.offline  # the user's own choice is left as it was
    assert f["temperature"].widget.isEnabled()  # what the policy does not decide stays free
    dialog.show_page("Advanced")
    assert dialog.policy_files.text() == str(rules)


@pytest.mark.slow
def test_a_change_from_another_process_appears(qtbot, open_dialog, cli_env):
    dialog = open_dialog()
    with qtbot.waitSignal(dialog.watch.changed, timeout=HEARD_MS):
        done = subprocess.run(
            [str(ENCLAVE), "config", "set", "temperature", "1.5"],
            env=cli_env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
    assert dialog.fields["temperature"].widget.value() == 1.5
    assert dialog.rt.settings.temperature == 1.5


def _tab_round(qtbot, dialog) -> list:
    """Press Tab from the page list until focus comes back to it; the widgets it passed."""
    reached = []
    for _ in range(60):
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
        widget = QApplication.focusWidget()
        if widget is dialog.pages:
            return reached
        reached.append(widget)
    raise AssertionError(f"Tab never came back to the page list: {reached}")


def test_the_keyboard_alone_reaches_every_field_and_changes_one(qtbot, open_dialog):
    dialog = open_dialog()
    dialog.activateWindow()
    dialog.pages.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.pages)
    for row, page in enumerate(PAGES):
        if row:
            qtbot.keyClick(dialog.pages, Qt.Key.Key_Down)
        assert dialog.stack.currentIndex() == row
        reached = _tab_round(qtbot, dialog)
        wanted = [dialog.fields[n].widget for n in FIELDS_BY_PAGE.get(page, [])]
        assert [w for w in reached if w in wanted] == wanted, page
        if wanted:  # from the page list, Tab goes to the page's first field, in reading order
            assert reached[: len(wanted)] == wanted, page
        assert reached[-1].accessibleName() == "Close"
        for widget in reached:
            assert widget.accessibleName() and widget.toolTip(), widget
        if page == "Advanced":
            assert (
                sum(w.text() == "Open folder" for w in reached)
                == len(dialog.rt.paths.folders()) + 2
            )
    # Models page, by keys only: Tab to the context length, type a number, Tab away.
    for _ in range(len(PAGES) - 1 - 1):
        qtbot.keyClick(dialog.pages, Qt.Key.Key_Up)
    assert PAGES[dialog.stack.currentIndex()] == "Models"
    spin = dialog.fields["context_length"].widget
    qtbot.keyClick(dialog.pages, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is spin
    qtbot.keyClick(spin, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(spin, "8192")
    qtbot.keyClick(spin, Qt.Key.Key_Tab)
    assert dialog.rt.settings.context_length == 8192
    assert settings_mod.read(dialog.rt.settings_service.path).context_length == 8192

    # Back to the page list (Shift+Tab), up to General: the system prompt is several lines,
    # yet Tab leaves it, and leaving it saves it.
    for _ in range(2):
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Backtab)
    assert QApplication.focusWidget() is dialog.pages
    qtbot.keyClick(dialog.pages, Qt.Key.Key_Up)
    qtbot.keyClick(dialog.pages, Qt.Key.Key_Tab)
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)  # past the theme
    prompt = dialog.fields["system_prompt"].widget
    assert QApplication.focusWidget() is prompt
    qtbot.keyClick(prompt, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(prompt, "Be brief.")
    qtbot.keyClick(prompt, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is dialog.fields["default_model"].widget
    assert dialog.rt.settings.system_prompt == "Be brief."
    assert _saved(dialog)["system_prompt"] == "Be brief."
