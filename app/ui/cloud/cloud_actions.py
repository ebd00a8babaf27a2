"""The main window's side of providers: Ask cloud…, Retry with cloud…, a conversation's standing
consent and the where-does-this-go badge, the Providers and audit windows.

A mixin of ``MainWindow`` (it uses the window's widgets and its chat session), kept apart so the
window's own file stays about chatting. The rules live in the session, ``app.core.cloud.chat`` and
the gate.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QCursor
from PySide6.QtWidgets import QMenu

from app.core.privacy import consent
from app.ui.cloud.consent_dialog import ConsentDialog
from app.ui.safe_text import tip as safe_tip


class CloudActions:
    """Mixed into MainWindow; lives on the UI thread."""

    def ask_cloud(self, *, retry: bool = False, provider: str | None = None) -> None:
        """Send the typed message (or, with ``retry``, the last one again) to a provider, after
        the consent dialog shows exactly what would leave."""
        text = None if retry else self.input.toPlainText()
        if not self.session.can_ask_cloud(text):
            return
        name = provider or self._choose_provider()
        if name is not None and self.session.plan_cloud(text, name):
            self.status_state.setText(f"Preparing what would be sent to {name}…")

    def _ask_consent(self, plan) -> None:
        """The session has what ``plan.provider`` would receive: the user decides."""
        dialog = ConsentDialog(plan.request, self, retry=plan.text is None)
        dialog.exec()
        if dialog.choice == consent.CANCEL:
            self.session.decline_cloud(plan)
            return
        self.session.send_cloud(plan, dialog.choice)
        if plan.text is not None:
            self.input.clear()

    def _choose_provider(self) -> str | None:
        providers = self.session.providers_to_ask()
        if len(providers) <= 1:
            return providers[0].name if providers else None
        menu = QMenu(self)
        for p in providers:
            menu.addAction(f"{p.name} — {p.tier_label}").setData(p.name)
        chosen = menu.exec(QCursor.pos())
        return chosen.data() if chosen else None

    def _update_where(self, standing=None) -> None:
        """The badge says where the next message goes: this device, or the allowed provider."""
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
            self.providers_dialog.changed.connect(self.session.providers_changed)
        self.providers_dialog.reload()
        self.providers_dialog.show()
        self.providers_dialog.raise_()

    def show_audit(self) -> None:
        from app.ui.cloud.audit_dialog import AuditDialog

        dialog = AuditDialog(self, paths=self.rt.paths)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()
