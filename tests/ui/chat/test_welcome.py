"""The first-run welcome against the hub stand-in: the suggestion appears without the network,
Download fetches it through the app's queue with progress and Cancel, a custom license is
accepted inline, Work offline goes through the settings service, and no network says what to do.

The catalog is narrowed to one entry that points at the stand-in's repositories (the starter
model's real bytes), so the suggestion is one the stand-in can serve."""

from __future__ import annotations

import pytest
from hub_server import HUB_FILE, HUB_REPO
from PySide6.QtCore import Qt

from app.core.models import catalog

pytestmark = pytest.mark.slow

STARTER_ID = "SmolLM2-135M-Instruct-Q4_1"


def _catalog(repo, file, size, license="apache-2.0"):
    return catalog.entries(
        {
            "models": [
                {
                    "id": "test-model",
                    "name": "Test Model 135M",
                    "repo": repo,
                    "files": [{"file": file, "quant": "Q4_1", "size_bytes": size}],
                    "parameters_b": 0.135,
                    "license": license,
                },
                {"id": "e", "name": "E", "repo": "x/e", "files": [], "kind": "embedding"},
            ]
        }
    )


@pytest.fixture
def open_welcome(qtbot, hub, starter_hub_file, monkeypatch):
    from app.core.platform import runtime
    from app.ui.chat.welcome import WelcomePanel
    from app.ui.services import Services

    made = []

    def make(repo=HUB_REPO, file=HUB_FILE, size=None, license="apache-2.0"):
        entries = _catalog(repo, file, size or starter_hub_file.size, license)
        monkeypatch.setattr(catalog, "load", lambda: entries)
        rt = runtime.start()
        services = Services(rt)
        panel = WelcomePanel(rt, services)
        qtbot.addWidget(panel)
        panel.show()
        made.append(services)
        qtbot.waitUntil(lambda: "Checking" not in panel.facts.text(), timeout=10_000)
        return panel

    yield make
    for services in made:
        services.shutdown()


def test_suggests_downloads_with_progress_cancels_and_gets_the_model(
    qtbot, open_welcome, hub, paths
):
    panel = open_welcome()
    assert panel.model_name.text() == "Test Model 135M"
    assert "Q4_1" in panel.facts.text() and "MB" in panel.facts.text()
    assert "on this computer" in panel.facts.text()  # the speed class
    assert "Apache License 2.0" in panel.license_text.text()
    assert not panel.accept_license.isVisible()
    assert hub.requests == []  # the suggestion needed no network

    hub.faults.bytes_per_s = 15e6
    qtbot.mouseClick(panel.download_button, Qt.MouseButton.LeftButton)
    row = panel.progress
    qtbot.waitUntil(lambda: row.bar.value() > 50, timeout=20_000)
    first = row.bar.value()
    qtbot.waitUntil(lambda: row.bar.value() > first + 50, timeout=20_000)  # it moves
    assert "MB/s" in row.detail.text() and "ETA" in row.detail.text()
    assert not panel.download_button.isEnabled()  # one download at a time
    qtbot.mouseClick(row.cancel_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.download_button.isEnabled(), timeout=10_000)
    assert row.isHidden() and not list(paths.models.rglob("*.part"))

    hub.faults.bytes_per_s = None
    with qtbot.waitSignal(panel.model_ready, timeout=60_000) as ready:
        qtbot.mouseClick(panel.download_button, Qt.MouseButton.LeftButton)
    assert ready.args == [STARTER_ID]
    assert (paths.models / HUB_REPO / HUB_FILE).is_file()
    assert "is ready" in panel.status.text()


def test_a_custom_license_is_accepted_inline(qtbot, open_welcome, hub):
    panel = open_welcome("enclave-test/Custom-GGUF", "Custom-Q4_1.gguf", license="other")
    assert panel.accept_license.isVisible()
    qtbot.mouseClick(panel.download_button, Qt.MouseButton.LeftButton)
    assert "needs your acceptance" in panel.status.text()
    assert hub.requests == [] and panel.progress.isHidden()

    panel.accept_license.setChecked(True)
    with qtbot.waitSignal(panel.model_ready, timeout=60_000):
        qtbot.mouseClick(panel.download_button, Qt.MouseButton.LeftButton)
    assert panel.library.records.acknowledged("enclave-test/Custom-GGUF", "other")


def test_work_offline_is_saved_and_the_panel_says_what_to_do(qtbot, open_welcome, hub):
    from app.core.platform import runtime

    panel = open_welcome()
    qtbot.mouseClick(panel.offline_button, Qt.MouseButton.LeftButton)
    assert runtime.start().settings.offline  # saved through the settings service
    assert not panel.download_button.isEnabled() and panel.offline_button.isHidden()
    assert "work offline" in panel.status.text() and "Import file" in panel.status.text()

    panel.rt.update_settings(offline=False)  # from the Models window, say
    qtbot.waitUntil(lambda: panel.download_button.isEnabled(), timeout=5_000)
    assert panel.status.text() == "" and hub.requests == []


def test_no_network_says_what_to_do_and_keeps_the_starter(qtbot, open_welcome, hub):
    panel = open_welcome()
    hub.stop()  # nothing answers any more
    qtbot.mouseClick(panel.download_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Could not reach the model hub" in panel.status.text(), timeout=30_000)
    assert "keep using the starter model" in panel.status.text()
    assert panel.download_button.text() == "Try again" and panel.download_button.isEnabled()
    with qtbot.waitSignal(panel.dismissed, timeout=1_000):
        qtbot.mouseClick(panel.keep_button, Qt.MouseButton.LeftButton)


def test_nothing_to_suggest_on_a_computer_too_small(open_welcome, hub):
    panel = open_welcome(size=10**14)  # 100 TB
    assert "starter model is the one" in panel.model_name.text()
    assert not panel.download_button.isEnabled()
    assert hub.requests == []
