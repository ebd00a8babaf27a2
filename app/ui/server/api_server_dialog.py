"""The Local API server window: a switch, the address and key to give an app, and a live list of
the requests it answered (time, client, model, tokens, duration: never what was said)."""

from __future__ import annotations

import time

from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

from app.core.errors import EnclaveError
from app.core.privacy import policy
from app.core.server import key as key_mod
from app.core.server import listen
from app.core.server.requestlog import RequestRecord
from app.ui.safe_text import ask, plain
from app.ui.server.local_api import LocalApi

COLUMNS = ("Time", "Client", "Model", "Tokens", "Duration", "Result")
SHOWN = 200  # the most recent requests listed


class ApiServerDialog(QDialog):
    def __init__(self, rt, api: LocalApi, parent=None):
        super().__init__(parent)
        self.rt, self.api = rt, api
        self.setWindowTitle("Local API server")
        intro = QLabel(
            "Other apps on this computer (your editor, your scripts) can use Enclave's models "
            "through an OpenAI-compatible API. It listens on this computer only, needs the key "
            "below on every request, and never sends anything to a cloud provider."
        )
        intro.setWordWrap(True)
        self.switch = QCheckBox("Serve the local API")
        self.switch.setAccessibleName("Serve the local API")
        self.switch.setToolTip(
            "Other apps on this computer can use Enclave's models (with the key)"
        )
        self.port = QSpinBox()
        self.port.setRange(1024, 65535)
        self.port.setValue(listen.DEFAULT_PORT)
        self.port.setAccessibleName("Port")
        self.port.setToolTip("The port on 127.0.0.1 the API listens on")
        self.keep = QCheckBox("Keep what apps ask as conversations")
        self.keep.setAccessibleName("Keep API requests as conversations")
        self.keep.setToolTip(
            "Off: requests and answers are not stored (the list below keeps no text either)"
        )
        self.keep.setChecked(rt.settings.api_keeps_conversations)
        top = QHBoxLayout()
        top.addWidget(self.switch)
        top.addWidget(self.keep)
        top.addStretch(1)
        top.addWidget(QLabel("Port"))
        top.addWidget(self.port)

        self.url = plain(QLabel())
        self.url.setAccessibleName("Base URL")
        self.copy_url = QPushButton("Copy URL")
        self.copy_url.setToolTip("Copy the base URL apps connect to")
        self.copy_key = QPushButton("Copy key")
        self.copy_key.setToolTip("The key apps send as their API key (kept in your OS keyring)")
        self.new_key = QPushButton("New key…")
        self.new_key.setToolTip("Replace the key: apps using the old one are refused")
        address = QHBoxLayout()
        address.addWidget(self.url, 1)
        address.addWidget(self.copy_url)
        address.addWidget(self.copy_key)
        address.addWidget(self.new_key)

        self.status = plain(QLabel())  # policy, keyring and port messages
        self.status.setWordWrap(True)
        self.status.setAccessibleName("Server status")
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setAccessibleName("Requests")
        self.table.setToolTip("The requests the local API answered")
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(top)
        layout.addLayout(address)
        layout.addWidget(self.status)
        layout.addWidget(QLabel("Requests (what was asked is never kept)"))
        layout.addWidget(self.table, 1)
        em = self.fontMetrics().averageCharWidth()
        self.resize(em * 100, self.fontMetrics().lineSpacing() * 28)

        self.switch.toggled.connect(self._on_switch)
        self.keep.toggled.connect(self._on_keep)
        self.copy_url.clicked.connect(lambda: self._copy(self.api.url or "", "URL"))
        self.copy_key.clicked.connect(self._copy_key)
        self.new_key.clicked.connect(self._rotate_key)
        api.started.connect(self._show_state)
        api.stopped.connect(self._show_state)
        api.failed.connect(self._on_failed)
        api.request_ended.connect(self.add_request)
        rules = policy.load()
        if rules.forbid_api_server:
            self.switch.setEnabled(False)
            self.status.setText(
                f"Your administrator ({rules.locked_by}) does not allow the local API server."
            )
        self._show_state()

    def _on_switch(self, on: bool) -> None:
        if on and not self.api.running:
            self.status.setText("Starting…")
            self.api.start(self.port.value())
        elif not on and self.api.running:
            self.api.stop()

    def _on_keep(self, on: bool) -> None:
        try:
            self.rt.update_settings(api_keeps_conversations=on)
        except EnclaveError as exc:
            self.status.setText(str(exc))
            self.keep.blockSignals(True)
            self.keep.setChecked(self.rt.settings.api_keeps_conversations)
            self.keep.blockSignals(False)

    def _show_state(self, *_args) -> None:
        running = self.api.running
        self.switch.blockSignals(True)
        self.switch.setChecked(running)
        self.switch.blockSignals(False)
        self.port.setEnabled(not running)
        self.copy_url.setEnabled(running)
        self.url.setText(self.api.url if running else "Not serving.")
        if running:
            self.status.setText(
                f"Serving at {self.api.url}: give apps this URL and the key. The model they "
                f"ask for is loaded here, shared with this window."
            )
        elif self.status.text() == "Starting…" or self.status.text().startswith("Serving"):
            self.status.setText("Stopped.")

    def _on_failed(self, message: str) -> None:
        self._show_state()
        self.status.setText(message)

    def add_request(self, record: RequestRecord) -> None:
        row = 0
        self.table.insertRow(row)
        tokens = (
            f"{record.prompt_tokens} + {record.completion_tokens}"
            if record.prompt_tokens or record.completion_tokens
            else ""
        )
        result = str(record.status) + (f" {record.error}" if record.error else "")
        values = (
            time.strftime("%H:%M:%S", time.localtime(record.at)),
            record.client,
            record.model or "",
            tokens,
            f"{record.duration_s:.2f} s",
            result,
        )
        for column, value in enumerate(values):
            self.table.setItem(row, column, QTableWidgetItem(value))  # items show plain text
        while self.table.rowCount() > SHOWN:
            self.table.removeRow(self.table.rowCount() - 1)

    def _copy(self, text: str, what: str) -> None:
        if text:
            QGuiApplication.clipboard().setText(text)
            self.status.setText(f"{what} copied to the clipboard.")

    def _copy_key(self) -> None:
        try:
            self._copy(key_mod.current(self.rt.paths), "Key")
        except EnclaveError as exc:
            self.status.setText(str(exc))

    def _rotate_key(self) -> None:
        if not ask(
            self, "New key", "Make a new key? Apps that use the current one will be refused."
        ):
            return
        try:
            key_mod.rotate(self.rt.paths)
        except EnclaveError as exc:
            self.status.setText(str(exc))
            return
        self.status.setText(
            f"A new key is in force (within {key_mod.KEY_REFRESH_S:g} s for a running server). "
            "Copy it into your apps."
        )
