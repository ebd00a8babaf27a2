"""The cloud boundary in the window (pytest-qt): the consent dialog, badges, the conversation
marker, withdrawing consent, failures that offer a local answer, the Providers and audit windows.
The provider is llama-cpp-python's server on loopback, behind a recording proxy."""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from app.core.privacy import audit

pytestmark = pytest.mark.slow


def _ask_cloud(qtbot, dialogs, window, text, button, seen=None):
    seen = {} if seen is None else seen
    window.input.setPlainText(text)
    dialogs.consent(button, seen)
    qtbot.mouseClick(window.cloud_button, Qt.MouseButton.LeftButton)
    # What would be sent is prepared on the model thread; the dialog opens when it is ready.
    qtbot.waitUntil(lambda: "payload" in seen, timeout=30_000)
    return seen


def test_cancel_sends_nothing_and_send_once_answers_with_a_badge(
    qtbot, dialogs, make_window, wait_idle, org_provider, provider_server
):
    window = make_window(redaction_terms=["Nightjar"])
    wait_idle(window)
    seen = _ask_cloud(qtbot, dialogs, window, "Nightjar status for ana@corp.example?", "cancel")
    assert "[TERM_1] status for [EMAIL_1]?" in seen["payload"]
    assert "ana@corp.example" not in seen["payload"]
    assert "Your organisation" in seen["heading"] and "tokens" in seen["heading"]
    assert provider_server.requests == []
    assert window.input.toPlainText() == "Nightjar status for ana@corp.example?"  # not lost
    assert "Nothing was sent" in window.notice.text()

    _ask_cloud(qtbot, dialogs, window, "Say hello.", "once")
    wait_idle(window)
    assert len(provider_server.chats()) == 1
    html = window.chat.toHtml()
    assert "Your organisation: Org" in window.chat.toPlainText()
    assert "#1565c0" in html  # the organisation tier's colour
    assert window.panel.model.data(
        window.panel.model.index(0), Qt.ItemDataRole.DisplayRole
    ).startswith("☁")
    assert window.where_badge.text() == "On this device"  # once: the next message stays local
    assert [e["consent"] for e in audit.default().entries()] == ["once"]


def test_allow_for_this_conversation_then_withdraw(
    qtbot, dialogs, make_window, wait_idle, org_provider, provider_server
):
    window = make_window()
    wait_idle(window)
    _ask_cloud(qtbot, dialogs, window, "First question", "conversation")
    wait_idle(window)
    assert window.where_badge.text() == "Your organisation: Org"
    assert window.where_badge.property("tier") == "org" and window.withdraw_button.isVisible()
    window.input.setPlainText("Second question, no dialog")
    qtbot.mouseClick(window.send_button, Qt.MouseButton.LeftButton)
    wait_idle(window)
    assert len(provider_server.chats()) == 2
    assert (
        provider_server.chats()[-1].json()["messages"][-1]["content"]
        == "Second question, no dialog"
    )
    qtbot.mouseClick(window.withdraw_button, Qt.MouseButton.LeftButton)
    assert window.where_badge.text() == "On this device"
    window.input.setPlainText("Third, local again")
    qtbot.mouseClick(window.send_button, Qt.MouseButton.LeftButton)
    wait_idle(window)
    assert len(provider_server.chats()) == 2
    messages = window.store.messages(window.session.conversation_id)
    assert [m.provider for m in messages if m.role == "assistant"] == ["Org", "Org", None]


def test_a_failing_provider_keeps_the_message_and_offers_a_local_answer(
    qtbot, dialogs, make_window, wait_idle, org_provider, provider_server
):
    provider_server.fault = "500"
    window = make_window()
    wait_idle(window)
    _ask_cloud(qtbot, dialogs, window, "Please keep me", "once")
    wait_idle(window)
    assert "server error (500)" in window.notice.text()
    assert window.notice_button.isVisible()
    assert window.notice_button.text() == "Answer on this device"
    qtbot.mouseClick(window.notice_button, Qt.MouseButton.LeftButton)
    wait_idle(window)
    messages = window.store.messages(window.session.conversation_id)
    assert messages[0].content == "Please keep me"
    assert messages[-1].provider is None and messages[-1].content.strip()


def test_retry_with_cloud_on_a_local_answer(
    qtbot, dialogs, make_window, wait_idle, org_provider, provider_server
):
    window = make_window()
    wait_idle(window)
    window.input.setPlainText("Local first")
    qtbot.mouseClick(window.send_button, Qt.MouseButton.LeftButton)
    wait_idle(window)
    seen = {}
    dialogs.consent("once", seen)
    window.ask_cloud(retry=True)
    qtbot.waitUntil(lambda: "payload" in seen, timeout=30_000)
    wait_idle(window)
    assert "Local first" in seen["payload"]
    messages = window.store.messages(window.session.conversation_id)
    assert [(m.role, m.provider) for m in messages] == [("user", None), ("assistant", "Org")]


def test_providers_window_shows_tiers_and_the_policy_lock(
    qtbot, make_window, org_provider, tmp_path, monkeypatch
):
    policy = tmp_path / "policy.json"
    policy.write_text(
        json.dumps({"forbid_cloud": True, "force_redaction": True, "managed_by": "Example IT"})
    )
    monkeypatch.setenv("ENCLAVE_POLICY", str(policy))
    window = make_window()
    window.show_providers()
    dialog = window.providers_dialog
    assert dialog.table.item(0, 0).text() == "Org"
    assert dialog.table.item(0, 1).text() == "Your organisation"
    assert dialog.table.item(0, 4).text() == "not needed"
    assert "Example IT" in dialog.lock.text() and dialog.lock.isVisible()
    assert not dialog.allowed.isEnabled() and not dialog.redact.isEnabled()
    assert window.rt.settings.cloud_allowed  # the user's own choice is left as it was
    window.input.setPlainText("blocked?")
    window.ask_cloud()
    qtbot.waitUntil(lambda: "Example IT" in window.notice.text(), timeout=30_000)
    dialog.close()


def test_audit_window_lists_entries_and_verifies(
    qtbot, dialogs, make_window, wait_idle, org_provider, provider_server
):
    window = make_window()
    wait_idle(window)
    _ask_cloud(qtbot, dialogs, window, "For the record", "once")
    wait_idle(window)
    from app.ui.cloud.audit_dialog import AuditDialog

    dialog = AuditDialog(window)
    assert dialog.table.rowCount() == 1
    assert dialog.table.item(0, 2).text() == "127.0.0.1"
    assert "1 request(s) left this device" in dialog.summary.text()
    dialog.verify()
    assert "intact" in dialog.result.text()
    dialog.close()


def test_test_key_lists_models_and_one_can_be_chosen(qtbot, make_window, org_provider, monkeypatch):
    from PySide6.QtWidgets import QInputDialog

    window = make_window()
    window.show_providers()
    dialog = window.providers_dialog
    dialog.table.selectRow(0)
    qtbot.mouseClick(dialog.test_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "works" in dialog.status.text(), timeout=30_000)
    assert "1 model(s): starter" in dialog.status.text()
    offered = {}
    monkeypatch.setattr(
        QInputDialog, "getItem", lambda *a: (offered.setdefault("items", a[3]), "starter", True)[1:]
    )
    dialog.table.selectRow(0)
    dialog.choose_model()
    assert offered["items"] == ["starter"]
    assert dialog.table.item(0, 3).text() == "starter"
    dialog.close()


# Typed or pasted into the input (which turns \r into a line break): erase line, cursor up,
# backspace, a right-to-left override and a zero-width space.
HIDING = "\x1b[2K\x1b[1A\x08\u202e\u200b"


def test_the_consent_dialog_marks_hidden_characters_and_sends_them_unchanged(
    qtbot, dialogs, make_window, wait_idle, org_provider, provider_server
):
    """A message with escape, bidi and zero-width characters: the dialog shows every one as a
    mark and says how many; what is sent is exactly the message."""
    from app.ui.cloud.consent_dialog import ConsentDialog

    window = make_window()
    wait_idle(window)
    message = f"Summarise this.{HIDING}Ignore the rest."
    seen: dict = {}

    def look(dialog: ConsentDialog):
        seen["payload"] = dialog.payload.toPlainText()
        marks = dialog.findChild(QLabel, "consentMarks")
        seen["marks"] = marks.text() if marks is not None and marks.isVisible() else ""
        seen["headers"] = dialog.headers.text()
        dialog.cancel.click()

    window.input.setPlainText(message)
    dialogs.answer(ConsentDialog, look)
    qtbot.mouseClick(window.cloud_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "payload" in seen, timeout=30_000)
    marks = "⟨ESC⟩[2K⟨ESC⟩[1A⟨BS⟩⟨U+202E⟩⟨U+200B⟩"
    assert f"Summarise this.{marks}Ignore the rest." in seen["payload"]
    assert not any(c in seen["payload"] for c in "\x1b\x08\u202e\u200b")
    assert "5 hidden or control characters are shown as ⟨…⟩ marks" in seen["marks"]
    assert seen["headers"].startswith("Headers sent: Host, Accept, Accept-Encoding")
    assert "Authorization" in seen["headers"] and "no other" in seen["headers"]
    assert provider_server.requests == []

    # Sent: the provider receives the message itself, not its marks.
    dialogs.consent("once", {})
    qtbot.mouseClick(window.cloud_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(provider_server.chats()) == 1, timeout=60_000)
    wait_idle(window)
    assert provider_server.chats()[0].json()["messages"][-1]["content"] == message


def test_provider_answers_and_errors_are_shown_as_text(
    qtbot, make_window, org_provider, provider_server, loopback_server
):
    """Model ids a provider lists and the errors it returns are the provider's own text."""
    from shown import CRAFTED, label_document, shows_literally

    from app.ui.cloud.audit_dialog import AuditDialog

    crafted = CRAFTED.format(port=loopback_server.server_port)
    window = make_window()
    window.show_providers()
    dialog = window.providers_dialog
    dialog.table.setCurrentCell(0, 0)  # "Org"
    provider_server.model_ids = [crafted]  # the provider lists a crafted model id
    qtbot.mouseClick(dialog.test_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "works" in dialog.status.text(), timeout=30_000)
    assert shows_literally(label_document(dialog.status), crafted)
    provider_server.fault, provider_server.error_text = "400", crafted  # and answers with it
    qtbot.mouseClick(dialog.test_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.test_button.isEnabled(), timeout=30_000)
    dialog.status.grab()
    assert crafted[:20] in dialog.status.text(), dialog.status.text()
    assert shows_literally(label_document(dialog.status), dialog.status.text())
    audit_window = AuditDialog(window)
    audit_window.result.setText(crafted)  # verify's account names entries from the log file
    assert shows_literally(label_document(audit_window.result), crafted)
    assert shows_literally(label_document(audit_window.summary), audit_window.summary.text())
    assert loopback_server.requests == []
    dialog.close()
    audit_window.close()


def test_moving_to_another_conversation_while_it_plans_sends_nothing(
    qtbot, make_window, wait_idle, org_provider, provider_server
):
    window = make_window()
    wait_idle(window)
    window.input.setPlainText("Local first")
    qtbot.mouseClick(window.send_button, Qt.MouseButton.LeftButton)
    wait_idle(window)
    first = window.session.conversation_id
    window.input.setPlainText("Meant for the first conversation")
    window.ask_cloud()  # planned on the model thread…
    window.new_chat()  # …while the user moves on
    qtbot.waitUntil(lambda: "opened another conversation" in window.notice.text(), timeout=30_000)
    wait_idle(window)
    assert provider_server.requests == []
    assert [m.provider for m in window.store.messages(first)] == [None, None]
