"""An open window hears settings changed anywhere: by `enclave config set` in another process (the
real command, writing the real file), or by this process on any thread."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from PySide6.QtCore import QThread
from PySide6.QtWidgets import QApplication

from app.core.platform.settings_service import SettingsService
from app.core.privacy import gate
from app.ui.settings_watch import SettingsWatch

ENCLAVE = Path(sys.executable).with_name("enclave")  # the installed command, as a user runs it
HEARD_MS = 30_000  # the command starts a fresh interpreter on 2 shared cores


@pytest.fixture
def service(paths):
    return SettingsService(paths.settings_file)


@pytest.fixture
def watch(qtbot, service):
    watch = SettingsWatch(service)
    yield watch
    watch.deleteLater()


def _enclave(cli_env, *args: str) -> None:
    done = subprocess.run(
        [str(ENCLAVE), *args], env=cli_env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr


@pytest.mark.slow
def test_enclave_config_set_reaches_the_open_window(qtbot, service, watch, cli_env):
    settings = service.settings
    assert not service.path.exists()  # the first save creates it: the folder is watched
    with qtbot.waitSignal(watch.changed, timeout=HEARD_MS) as heard:
        _enclave(cli_env, "config", "set", "network.offline", "true")
    assert heard.args == [{"offline"}]
    assert service.settings is settings and settings.offline  # the object everyone reads
    with pytest.raises(gate.OfflineError):  # so the gate refuses at once
        gate.check(settings, "search for models")

    # The save replaced the file (a watch on it ends there); the next change is heard too.
    with qtbot.waitSignal(watch.changed, timeout=HEARD_MS) as heard:
        _enclave(cli_env, "config", "set", "redaction.terms", "Nightjar, Olsen")
    assert heard.args == [{"redaction_terms"}]
    assert settings.redaction_terms == ["Nightjar", "Olsen"] and settings.offline


@pytest.mark.slow
def test_a_value_the_file_cannot_use_is_told_and_skipped(qtbot, service, watch):
    service.update(theme="dark")
    raw = json.loads(service.path.read_text(encoding="utf-8"))
    raw.update(context_length="big", cloud_allowed=True)
    with (
        qtbot.waitSignal(watch.noticed, timeout=HEARD_MS) as told,
        qtbot.waitSignal(watch.changed, timeout=HEARD_MS) as heard,
    ):
        service.path.write_text(json.dumps(raw), encoding="utf-8")  # edited by hand
    assert "context_length" in told.args[0] and heard.args == [{"cloud_allowed"}]
    assert service.settings.context_length == 4096 and service.settings.cloud_allowed


def test_a_change_on_another_thread_is_heard_on_the_ui_thread(qtbot, service, watch):
    on_ui_thread = []
    watch.changed.connect(
        lambda names: on_ui_thread.append(
            QThread.currentThread() is QApplication.instance().thread()
        )
    )
    with qtbot.waitSignal(watch.changed, timeout=5_000) as heard:
        worker = threading.Thread(target=service.update, kwargs={"theme": "light"})
        worker.start()
        worker.join()
    assert heard.args == [{"theme"}] and on_ui_thread == [True]
