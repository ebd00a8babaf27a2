"""The main window's side of providers: Ask cloud…, Retry with cloud…, a conversation's standing
consent and the where-does-this-go badge, the Providers and audit windows.

A mixin of ``MainWindow`` (it uses the window's widgets, store and model thread), kept apart so the
window's own file stays about chatting. The rules live in ``app.core.cloud.chat`` and the gate.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QCursor
from PySide6.QtWidgets import QMenu

from app.core.chat.store import Message
from app.core.cloud.chat import route_for
from app.core.errors import EnclaveError
from app.core.privacy import consent
from app.ui.cloud.consent_dialog import ConsentDialog
from app.ui.safe_text import tip as safe_tip


class CloudActions:
    """Mixed into MainWindow; lives on the UI thread."""

    def ask_cloud(self, *, retry: bool = False, provider: str | None = None) -> None:
        """Send the typed message (or, with ``retry``, the last one again) to a provider, after
        the consent dialog shows exactly what would leave."""
        if self._busy:
            return
        text = None if retry else self.input.toPlainText()
        if retry and (not self._conversation_id or self.chat.last_user_id() is None):
            self.show_notice("There is no message to answer again yet.")
            return
        if text is not None and not text.strip():
            self.show_notice("Type a message first: there is nothing to send.")
            return
        name = provider or self._choose_provider()
        if name is None:
            return
        request = self.models.plan_cloud(
            self._conversation_id,
            text,
            name,
            (self._pending_collections if self._conversation_id is None else None),
        )
        self._planning.add(request)
        self._turns.add(request)  # busy until the dialog is answered
        self._update_busy()
        self.status_state.setText(f"Preparing what would be sent to {name}…")

    def _on_worker_cloud_planned(self, request: int, plan) -> None:
        if request not in self._planning:
            return
        self._planning.discard(request)
        if plan.conversation_id != self._conversation_id:  # the user moved on while it planned
            self.show_notice(
                f"Nothing was sent to {plan.provider.name}: you opened another "
                f"conversation before it was ready. Ask again from here."
            )
            return
        dialog = ConsentDialog(plan.request, self, retry=plan.text is None)
        dialog.exec()
        if dialog.choice == consent.CANCEL:
            self.show_notice(f"Nothing was sent to {plan.provider.name}.")
            return
        self._start_cloud_turn(plan, dialog.choice)

    def _on_worker_plan_failed(self, request: int, message: str) -> None:
        if request in self._planning:
            self._planning.discard(request)
            self.show_notice(message, error=True)

    def _choose_provider(self) -> str | None:
        try:
            providers = self.providers.all()
        except EnclaveError as exc:
            self.show_notice(str(exc), error=True)
            return None
        if not providers:
            self.show_notice(
                "No provider yet: add a cloud API or your organisation's server in "
                "Privacy → Providers.",
                action=("Providers…", self.show_providers),
            )
            return None
        if len(providers) == 1:
            return providers[0].name
        menu = QMenu(self)
        for p in providers:
            menu.addAction(f"{p.name} — {p.tier_label}").setData(p.name)
        chosen = menu.exec(QCursor.pos())
        return chosen.data() if chosen else None

    def _start_cloud_turn(self, plan, choice: str) -> None:
        self.hide_notice()
        if plan.text is None:  # again: the old answer goes
            last_user = self.chat.last_user_id()
            if last_user is not None:
                self.chat.remove_from(last_user + 1)
            self._pending_user_id = None
        else:
            self._temp_ids -= 1
            temp = Message(self._temp_ids, self._conversation_id or 0, "user", plan.text)
            self.chat.add_message(temp)
            self._pending_user_id, self._unsaved_text = temp.id, plan.text
            self.input.clear()
        self._cloud_turn = True
        self._turns.add(self.models.send_cloud(plan, choice))
        self._update_busy()

    def _route(self):
        """Where the next message goes (core's rule, the one the model thread follows)."""
        return route_for(self.store, self.providers, self._conversation_id)

    def withdraw_consent(self) -> None:
        if self._conversation_id and self.store.withdraw_consent(self._conversation_id):
            self.show_notice(
                "This conversation is back on this device: nothing more is sent to the provider."
            )
        self._update_where()

    def _update_where(self) -> None:
        """The badge says where the next message goes: this device, or the allowed provider."""
        standing = self._route()
        if standing is None:
            text, tier = "On this device", "device"
            tip = "A local model answers: your messages never leave this computer."
        else:
            p, model = standing
            text, tier = p.badge(), p.tier
            tip = (
                f"You allowed this conversation to use {p.name} ({p.tier_label}, {p.host}, "
                f"model {model}): your messages go there, redacted, and are recorded in the "
                f"audit log."
            )
        self.where_badge.setText(text)
        self.where_badge.setToolTip(safe_tip(tip))
        self.where_badge.setAccessibleName(f"Where your messages go: {text}")
        self.where_badge.setProperty("tier", tier)
        self.where_badge.style().unpolish(self.where_badge)
        self.where_badge.style().polish(self.where_badge)
        self.withdraw_button.setVisible(standing is not None)

    def show_providers(self) -> None:
        if self.providers_dialog is None:
            from app.ui.cloud.providers_dialog import ProvidersDialog

            self.providers_dialog = ProvidersDialog(self.rt, self)
            self.providers_dialog.changed.connect(self._update_where)
        self.providers_dialog.reload()
        self.providers_dialog.show()
        self.providers_dialog.raise_()

    def show_audit(self) -> None:
        from app.ui.cloud.audit_dialog import AuditDialog

        dialog = AuditDialog(self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()
