"""The Models window driven with pytest-qt against the hub stand-in: search, license, fit,
download with progress, cancel, pause and resume after reopening, offline."""

from __future__ import annotations

import pytest
from hub_server import HUB_FILE, HUB_REPO
from models_dialog_helpers import open_dialog_fixture  # noqa: F401  (open_dialog)
from PySide6.QtCore import Qt

from app.core.models.download import target_path

pytestmark = pytest.mark.slow


def _search_and_choose(qtbot, dialog, query="smollm2", repo=HUB_REPO):
    dialog.search_box.setText(query)
    qtbot.mouseClick(
        next(b for b in dialog.findChildren(type(dialog.download_button)) if b.text() == "Search"),
        Qt.MouseButton.LeftButton,
    )
    qtbot.waitUntil(
        lambda: dialog.results.count() == 1 and repo in dialog.results.item(0).text(),
        timeout=10_000,
    )
    dialog.results.itemClicked.emit(dialog.results.item(0))
    qtbot.waitUntil(lambda: dialog.files.rowCount() == 1, timeout=10_000)


def test_catalog_is_shown_without_any_request(open_dialog, hub):
    dialog = open_dialog()
    assert dialog.results.count() >= 10
    assert "gpt-oss 20B" in dialog.results.item(0).text()
    listed = [dialog.results.item(i).text() for i in range(dialog.results.count())]
    assert any("active" in text and "reasons" in text for text in listed)  # an MoE reasoner
    assert hub.requests == []


def test_search_license_fit_download_progress_and_cancel(qtbot, open_dialog, hub, paths):
    dialog = open_dialog()
    _search_and_choose(qtbot, dialog)
    assert "Apache License 2.0" in dialog.details.text()
    fit_label = dialog.files.item(0, 2).text()
    assert fit_label.startswith("★ Suggested") and "needs ~0.3 GB" in fit_label
    assert not dialog.accept_license.isVisible()

    hub.faults.bytes_per_s = 15e6
    qtbot.mouseClick(dialog.download_button, Qt.MouseButton.LeftButton)
    row = next(iter(dialog.rows.values()))
    qtbot.waitUntil(lambda: row.bar.value() > 50, timeout=20_000)
    first = row.bar.value()
    qtbot.waitUntil(lambda: row.bar.value() > first + 50, timeout=20_000)  # it moves
    assert "MB/s" in row.detail.text() and "ETA" in row.detail.text()
    qtbot.mouseClick(row.cancel_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: row.state == "cancelled", timeout=10_000)
    assert not list(paths.models.rglob("*.part"))

    hub.faults.bytes_per_s = None
    with qtbot.waitSignal(dialog.models_changed, timeout=60_000):
        qtbot.mouseClick(dialog.download_button, Qt.MouseButton.LeftButton)
    assert row.state == "done" and row.bar.value() == 1000
    ids = [dialog.installed.item(r, 0).text() for r in range(dialog.installed.rowCount())]
    assert "SmolLM2-135M-Instruct-Q4_1" in ids


def test_unfinished_download_resumes_after_reopening(qtbot, open_dialog, hub, paths):
    dialog = open_dialog()
    _search_and_choose(qtbot, dialog)
    hub.faults.bytes_per_s = 15e6
    dialog.download_selected()
    row = next(iter(dialog.rows.values()))
    qtbot.waitUntil(lambda: row.bar.value() > 100, timeout=20_000)
    dialog.shutdown()  # the app closes mid-download
    qtbot.waitUntil(lambda: row.state == "paused", timeout=10_000)
    kept = row.bar.value()
    part = target_path(paths.models, HUB_REPO, HUB_FILE).with_name(HUB_FILE + ".part")
    kept_bytes = part.stat().st_size
    assert kept_bytes > 0

    hub.faults.bytes_per_s = None
    again = open_dialog()
    resumed = next(iter(again.rows.values()))
    assert resumed.state == "paused" and resumed.pause_button.text() == "Resume"
    assert abs(resumed.bar.value() - kept) <= 5
    with qtbot.waitSignal(again.models_changed, timeout=60_000):
        qtbot.mouseClick(resumed.pause_button, Qt.MouseButton.LeftButton)
    assert resumed.state == "done"
    assert hub.downloads()[-1][2]["Range"] == f"bytes={kept_bytes}-"  # not a restart


def test_custom_license_needs_the_box_ticked(qtbot, open_dialog, hub):
    dialog = open_dialog()
    _search_and_choose(qtbot, dialog, "custom", "enclave-test/Custom-GGUF")
    assert dialog.accept_license.isVisible()
    dialog.download_selected()
    assert "needs your acceptance" in dialog.status.text() and not dialog.rows
    dialog.accept_license.setChecked(True)
    dialog.download_selected()
    assert dialog.rows


def test_offline_switch_contacts_nothing(qtbot, open_dialog, hub):
    dialog = open_dialog()
    dialog.offline.setChecked(True)
    dialog.search_box.setText("smol")
    dialog.search()
    qtbot.waitUntil(lambda: "offline" in dialog.status.text(), timeout=10_000)
    assert hub.requests == []


def test_main_window_lists_a_downloaded_model(qtbot, make_window, hub):
    window = make_window()
    window.show_models()
    dialog = window.models_dialog
    _search_and_choose(qtbot, dialog)
    with qtbot.waitSignal(dialog.models_changed, timeout=60_000):
        dialog.download_selected()
    picker = [window.model_picker.itemData(i) for i in range(window.model_picker.count())]
    assert "SmolLM2-135M-Instruct-Q4_1" in picker


def test_admin_policy_locks_the_offline_switch(qtbot, open_dialog, hub, tmp_path, monkeypatch):
    policy = tmp_path / "policy.json"
    policy.write_text('{"forbid_hub_downloads": true, "managed_by": "Example IT"}')
    monkeypatch.setenv("ENCLAVE_POLICY", str(policy))
    dialog = open_dialog()
    assert dialog.offline.isChecked() and not dialog.offline.isEnabled()
    assert not dialog.rt.settings.offline  # the lock is shown, the user's setting untouched
    assert "Locked by Example IT" in dialog.offline.toolTip()
    dialog.search()
    qtbot.waitUntil(lambda: "Example IT" in dialog.status.text(), timeout=10_000)
    assert hub.requests == []


HOSTILE_SCHEMES = [
    "file:///etc/passwd",
    "search-ms:query=invoice&crumb=location:\\\\evil\\s",
    "smb://evil.example/share",
    "javascript:alert(1)",
    "ms-msdt:/id PCWDiagnostic",
    "\\\\evil.example\\share\\x.exe",
    "//evil.example/share",
]


def test_a_crafted_model_card_is_text_and_its_links_open_only_on_the_web(
    qtbot, open_dialog, hub, dialogs, opened_urls, loopback_server
):
    from conftest import press_message_box
    from hub_server import HubRepo
    from PySide6.QtWidgets import QMessageBox
    from shown import CRAFTED, images, label_document, links

    crafted = CRAFTED.format(port=loopback_server.server_port)
    breakout = 'https://example.org/l" onclick="x"><img src="file:///etc/hostname'
    hub.repos["enclave-test/Crafted-GGUF"] = HubRepo(
        "enclave-test/Crafted-GGUF",
        {"Crafted-Q4_1.gguf": hub.repos[HUB_REPO].files[HUB_FILE]},
        license=crafted,
        license_link=breakout,
    )
    dialog = open_dialog()
    _search_and_choose(qtbot, dialog, "crafted", "enclave-test/Crafted-GGUF")
    dialog.details.grab()  # drawn: anything it would load is loaded now
    doc = label_document(dialog.details)
    assert crafted.lower() in doc.toPlainText()  # the author's text, character for character
    assert breakout in doc.toPlainText()
    assert images(doc) == [] and links(doc) == [breakout]  # only Enclave's own "read it" link
    assert loopback_server.requests == []

    # Links from a card open only on the web, and only when confirmed; others are refused.
    for url in HOSTILE_SCHEMES:
        seen: list = []
        press_message_box(dialogs, QMessageBox.StandardButton.Ok, seen)
        dialog.details.linkActivated.emit(url)
        assert seen and seen[0][0] == "Link not opened", (url, seen)  # answered in exec()
    assert opened_urls == []
    seen = []
    press_message_box(dialogs, QMessageBox.StandardButton.Yes, seen)
    dialog.details.linkActivated.emit("https://example.org/license")
    assert seen[0][0] == "Open link in your browser?"
    assert "https://example.org/license" in seen[0][1]
    assert opened_urls == ["https://example.org/license"]
