"""Providers: the switch that allows them at all, redaction, and the list of cloud APIs and
organisation servers with their keys (masked, kept in the OS keyring) and a key test.

What the administrator's policy decides is shown locked, with who decided it; the user's own setting
is left as it was.
"""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import QSignalBlocker, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

from app.core.cloud.providers import PRESETS, ProviderRegistry
from app.core.errors import EnclaveError
from app.core.platform import settings as settings_mod
from app.core.platform.runtime import Runtime
from app.core.privacy import policy
from app.core.privacy.keyring_store import KeyringStore
from app.ui import policy_lock
from app.ui.background import BackgroundOp
from app.ui.safe_text import ask, plain, warn

ORG, CUSTOM_CLOUD = "org", "custom cloud"


class AddProviderDialog(QDialog):
    """Choose a preset or give a server's address; the tier follows from that choice."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setWindowTitle("Add a provider")
        self.kind = QComboBox()
        self.kind.setAccessibleName("Kind of provider")
        self.kind.addItem("Your organisation's server (vLLM, llama.cpp, Ollama, TGI…)", ORG)
        for key, p in PRESETS.items():
            self.kind.addItem(f"{p.name} (third-party cloud)", key)
        self.kind.addItem("Another cloud service (OpenAI-compatible)", CUSTOM_CLOUD)
        self.name = QLineEdit()
        self.name.setAccessibleName("Name")
        self.url = QLineEdit()
        self.url.setAccessibleName("Base URL")
        self.url.setPlaceholderText("https://llm.example.org/v1")
        self.model = QLineEdit()
        self.model.setAccessibleName("Model")
        self.needs_key = QCheckBox("This server needs an API key")
        form = QFormLayout(self)
        form.addRow("Kind", self.kind)
        form.addRow("Name", self.name)
        form.addRow("Base URL", self.url)
        form.addRow("Model", self.model)
        form.addRow("", self.needs_key)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self.kind.currentIndexChanged.connect(self._on_kind_changed)
        self._on_kind_changed()

    def _on_kind_changed(self) -> None:
        kind = self.kind.currentData()
        preset = PRESETS.get(kind)
        self.url.setText(preset.base_url if preset else "")
        self.url.setReadOnly(preset is not None)
        self.model.setText(preset.default_model if preset else "")
        self.name.setText(preset.name if preset else "")
        self.needs_key.setChecked(kind != ORG)
        self.needs_key.setEnabled(preset is None)

    def values(self) -> dict:
        kind = self.kind.currentData()
        preset = kind if kind in PRESETS else None
        return dict(
            name=self.name.text(),
            preset=preset,
            base_url=None if preset else self.url.text(),
            tier=None if preset else ("org" if kind == ORG else "cloud"),
            model=self.model.text().strip() or None,
            needs_key=None if preset else self.needs_key.isChecked(),
        )


class ProvidersDialog(QDialog):
    """Lives on the UI thread; the key test runs on a pool thread."""

    changed = Signal()

    def __init__(self, rt: Runtime, parent=None):
        super().__init__(parent)
        self.rt = rt
        self.registry = ProviderRegistry(rt.paths.providers_file)
        self.keys = KeyringStore(rt.paths.keys_index)
        self.setWindowTitle("Providers — Enclave")
        rules = policy.load()

        self.lock = plain(QLabel())
        self.lock.setObjectName("noticeBar")
        self.lock.setWordWrap(True)
        self.allowed = QCheckBox(
            "Allow cloud and remote providers (you are still asked before each message leaves)"
        )
        self.allowed.setAccessibleName("Allow cloud and remote providers")
        self.allowed.setToolTip("Off: every answer comes from this computer")
        self.allowed.setChecked(rt.settings.cloud_allowed)
        self.redact = QCheckBox("Replace personal data with placeholders before sending")
        self.redact.setAccessibleName("Redaction")
        self.redact.setToolTip(
            "E-mail addresses, phone, card and IBAN numbers and your own terms are replaced"
        )
        self.redact.setChecked(rt.settings.redact)
        self.terms = QLineEdit(", ".join(rt.settings.redaction_terms))
        self.terms.setAccessibleName("Your own terms to hide")
        self.terms.setToolTip("Words replaced by a placeholder before a message leaves")
        self.terms.setPlaceholderText("Names, project code words… (comma-separated)")
        decided = policy_lock.locks(rules)
        for name, box in (("cloud_allowed", self.allowed), ("redact", self.redact)):
            if name in decided:
                box.setChecked(policy_lock.LOCKED_VALUES[name])
                policy_lock.lock(box, rules, decided[name])
        locks = [decided[name] for name in ("cloud_allowed", "redact") if name in decided]
        if "cloud_allowed" not in decided and rules.allowed_provider_hosts is not None:
            hosts = ", ".join(rules.allowed_provider_hosts) or "none"
            locks.insert(0, f"only these provider hosts are allowed: {hosts}")
        self.lock.setText(policy_lock.note(rules, locks))
        self.lock.setVisible(bool(locks))

        self.table = QTableWidget(0, 5)
        self.table.setHorizontalHeaderLabels(["Name", "Where", "Address", "Model", "Key"])
        self.table.setAccessibleName("Providers")
        self.table.setToolTip(
            "Cloud APIs and your organisation's servers; choose one for the buttons"
        )
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.add_button = QPushButton("Add…")
        self.remove_button = QPushButton("Remove")
        self.key_button = QPushButton("Set key…")
        self.add_button.setToolTip("Add a cloud API or your organisation's server")
        self.remove_button.setToolTip("Remove the chosen provider and its key")
        self.key_button.setToolTip("Store the provider's API key in your system's keyring")
        self.test_button = QPushButton("Test key")
        self.test_button.setToolTip("List the provider's models: one request, no message")
        self.model_button = QPushButton("Model…")
        self.model_button.setToolTip(
            "The model this provider answers with (from the list Test key fetched, or typed)"
        )
        row = QHBoxLayout()
        for b in (
            self.add_button,
            self.remove_button,
            self.key_button,
            self.test_button,
            self.model_button,
        ):
            b.setAccessibleName(b.text().rstrip("…"))
            row.addWidget(b)
        row.addStretch(1)
        self.status = plain(QLabel())  # provider error messages
        self.status.setWordWrap(True)
        self.status.setAccessibleName("Provider status")

        layout = QVBoxLayout(self)
        layout.addWidget(self.lock)
        layout.addWidget(self.allowed)
        layout.addWidget(self.redact)
        layout.addWidget(self.terms)
        layout.addWidget(self.table, 1)
        layout.addLayout(row)
        layout.addWidget(self.status)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.button(QDialogButtonBox.StandardButton.Close).setToolTip("Close this window")
        close.rejected.connect(self.close)
        layout.addWidget(close)

        self.allowed.toggled.connect(lambda on: self._set("cloud_allowed", on))
        self.redact.toggled.connect(lambda on: self._set("redact", on))
        self.terms.editingFinished.connect(
            lambda: self._set("redaction_terms", settings_mod.comma_list(self.terms.text()))
        )
        self.add_button.clicked.connect(self.add_provider)
        self.remove_button.clicked.connect(self.remove_provider)
        self.key_button.clicked.connect(self.set_key)
        self.test_button.clicked.connect(self.test_key)
        self.model_button.clicked.connect(self.choose_model)
        self.reload()
        em = self.fontMetrics().averageCharWidth()
        self.resize(em * 110, self.fontMetrics().lineSpacing() * 28)

    def _set(self, name: str, value) -> None:
        """Every settings change made here: refused or unsaved, the service's message is shown
        and the controls go back to what is in use."""
        try:
            self.rt.update_settings({name: value})
        except EnclaveError as exc:
            self.status.setText(str(exc))
            self._show_settings()
            return
        self.changed.emit()

    def _show_settings(self) -> None:
        """The switches as the settings are now (changed elsewhere, or a change refused); those
        the policy locks keep the locked state, and a list being typed is not overwritten."""
        s = self.rt.settings
        with QSignalBlocker(self.allowed), QSignalBlocker(self.redact):
            if self.allowed.isEnabled():
                self.allowed.setChecked(s.cloud_allowed)
            if self.redact.isEnabled():
                self.redact.setChecked(s.redact)
        if not self.terms.hasFocus():
            self.terms.setText(", ".join(s.redaction_terms))

    def reload(self) -> None:
        """Show the providers and the settings as they are now."""
        self._show_settings()
        try:
            providers = self.registry.all()
        except EnclaveError as exc:
            self.status.setText(str(exc))
            providers = []
        saved = set(self.keys.names())
        self.table.setRowCount(len(providers))
        for i, p in enumerate(providers):
            key = "saved" if p.key_name in saved else "missing" if p.needs_key else "not needed"
            for j, text in enumerate(
                (p.name, p.tier_label, p.base_url, p.default_model or "", key)
            ):
                self.table.setItem(i, j, QTableWidgetItem(text))
        self._providers = providers

    def selected(self):
        row = self.table.currentRow()
        return self._providers[row] if 0 <= row < len(self._providers) else None

    def add_provider(self) -> None:
        dialog = AddProviderDialog(self)
        if not dialog.exec():
            return
        try:
            p = self.registry.add(**dialog.values())
        except EnclaveError as exc:
            warn(self, "Provider not added", str(exc))
            return
        self.reload()
        self.table.selectRow(len(self._providers) - 1)
        self.status.setText(
            f"Added {p.name} ({p.tier_label})." + (" Now set its key." if p.needs_key else "")
        )
        self.changed.emit()

    def remove_provider(self) -> None:
        p = self.selected()
        if p is None:
            return
        if not ask(self, "Remove provider", f"Remove {p.name} and its key?"):
            return
        from app.core.chat.store import Store
        from app.core.cloud.chat import remove_provider

        try:  # its key and every conversation's permission go with it (a short connection)
            with Store(self.rt.paths.database) as store:
                _, said = remove_provider(self.registry, self.keys, store, p.name)
        except EnclaveError as exc:
            warn(self, "Provider not removed", str(exc))
            return
        self.status.setText(f"Removed {p.name}" + (": " + "; ".join(said) if said else "") + ".")
        self.reload()
        self.changed.emit()

    def set_key(self) -> None:
        p = self.selected()
        if p is None:
            self.status.setText("Choose a provider first.")
            return
        key, ok = QInputDialog.getText(
            self,
            f"API key for {p.name}",
            "The key is kept only in your system's keyring:",
            QLineEdit.EchoMode.Password,
        )
        if not ok or not key.strip():
            return
        self.save_key(p, key)

    def save_key(self, p, key: str) -> None:
        try:
            self.keys.set(p.key_name, key)
        except EnclaveError as exc:
            self.status.setText(str(exc))
            return
        self.status.setText(f"The key for {p.name} is saved in your keyring.")
        self.reload()

    def test_key(self) -> None:
        p = self.selected()
        if p is None:
            self.status.setText("Choose a provider first.")
            return
        from app.core.engines.remote import list_models

        self.status.setText(f"Asking {p.name} for its models…")
        self.test_button.setEnabled(False)
        BackgroundOp(
            self, lambda job: list_models(p, self.rt.settings, self.keys, paths=self.rt.paths)
        ).on_success(lambda models: self._on_test_done(p, models)).on_failure(
            self._on_test_failed
        ).run()

    def choose_model(self) -> None:
        p = self.selected()
        if p is None:
            self.status.setText("Choose a provider first.")
            return
        choices = list(p.models) or ([p.default_model] if p.default_model else [])
        current = choices.index(p.default_model) if p.default_model in choices else 0
        model, ok = QInputDialog.getItem(
            self, f"Model for {p.name}", "Model id:", choices, current, True
        )
        if ok and model.strip():
            self.registry.update(replace(p, default_model=model.strip()))
            self.reload()
            self.changed.emit()

    def _on_test_done(self, p, models: list[str]) -> None:
        self.test_button.setEnabled(True)
        self.registry.update(replace(p, models=tuple(models)))  # for choose_model
        self.reload()
        shown = ", ".join(models[:12]) + (
            f" and {len(models) - 12} more" if len(models) > 12 else ""
        )
        self.status.setText(f"{p.name} works: {len(models)} model(s): {shown or 'none'}.")

    def _on_test_failed(self, message: str) -> None:
        self.test_button.setEnabled(True)
        self.status.setText(message)
