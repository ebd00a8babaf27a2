"""The audit log viewer: a chart of what left this device per day over the last 30 days, every
request newest first, and a check that the log was not changed since it was written."""

from __future__ import annotations

import datetime

from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

from app.core.cloud.providers import TIERS
from app.core.errors import EnclaveError
from app.core.privacy import audit
from app.ui.cloud.audit_chart import MEASURES, AuditChart
from app.ui.safe_text import plain

COLUMNS = (
    (
        "When",
        lambda e: datetime.datetime.fromtimestamp(e.get("time") or 0).strftime("%Y-%m-%d %H:%M:%S"),
    ),
    ("To", lambda e: f"{e.get('provider')} · {TIERS.get(e.get('tier'), e.get('tier'))}"),
    ("Host", lambda e: e.get("host")),
    ("Model", lambda e: e.get("model") or ""),
    ("Chat", lambda e: e.get("conversation") or ""),
    ("What", lambda e: e.get("purpose")),
    ("Sent", lambda e: f"{e.get('bytes_sent')} B"),
    (
        "Received",
        lambda e: f"{e.get('bytes_received')} B" if e.get("completed", True) else "never completed",
    ),
    (
        "Tokens",
        lambda e: (
            ""
            if e.get("tokens_sent") is None
            else f"{e['tokens_sent']} → {e.get('tokens_received')}"
        ),
    ),
    ("Consent", lambda e: e.get("consent")),
    ("Payload sha256", lambda e: e.get("payload_sha256") or ""),
)


class AuditDialog(QDialog):
    """Lives on the UI thread; reads the log each time it is shown."""

    def __init__(self, parent=None, *, paths=None):
        """``paths``: the runtime's folders, whose audit log is shown (None: ``ENCLAVE_HOME``'s,
        for callers that have none)."""
        super().__init__(parent)
        self.setWindowTitle("What left this device — Enclave")
        self.log = audit.for_paths(paths) if paths is not None else audit.default()
        self.summary = plain(QLabel())  # read from a file anyone with the folder can edit
        self.summary.setWordWrap(True)
        self.summary.setAccessibleName("Audit summary")
        self.chart = AuditChart()
        self.chart_caption = plain(QLabel())  # provider names come from the log file
        self.chart_caption.setWordWrap(True)
        self.chart_caption.setAccessibleName("Chart summary")
        self.measure = QComboBox()
        self.measure.addItems([m.name for m in MEASURES])
        self.measure.setAccessibleName("What the chart counts")
        self.measure.setToolTip("Show bytes sent or the number of requests per day")
        self.measure.currentIndexChanged.connect(lambda i: self.chart.set_measure(MEASURES[i]))
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels([c for c, _ in COLUMNS])
        self.table.setAccessibleName("Audit log")
        self.table.setToolTip("Every request that left this device, newest first")
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.verify_button = QPushButton("Verify")
        self.verify_button.setAccessibleName("Verify the audit log")
        self.verify_button.setToolTip(
            "Check that no entry was edited, removed, reordered or "
            "cut off, against the record kept in your keyring"
        )
        self.verify_button.clicked.connect(self.verify)
        self.result = plain(QLabel())
        self.result.setWordWrap(True)
        self.result.setAccessibleName("Verification result")
        row = QHBoxLayout()
        row.addWidget(self.verify_button)
        row.addWidget(self.result, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        chart_row = QHBoxLayout()
        chart_row.addWidget(self.chart_caption, 1)
        chart_row.addWidget(self.measure)
        layout.addLayout(chart_row)
        layout.addWidget(self.chart)
        layout.addWidget(self.table, 1)
        layout.addLayout(row)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.button(QDialogButtonBox.StandardButton.Close).setToolTip("Close this window")
        close.rejected.connect(self.close)
        layout.addWidget(close)
        em = self.fontMetrics().averageCharWidth()
        self.resize(em * 150, self.fontMetrics().lineSpacing() * 42)
        self.reload()

    def reload(self) -> None:
        try:
            entries = list(reversed(self.log.entries()))
        except EnclaveError as exc:
            self.summary.setText(str(exc))
            return
        self.chart.set_entries(entries)
        self.chart_caption.setText(self.chart.summary.describe())
        self.table.setRowCount(len(entries))
        for i, entry in enumerate(entries):
            for j, (_, value) in enumerate(COLUMNS):
                self.table.setItem(i, j, QTableWidgetItem(str(value(entry))))
        sent = sum(e.get("bytes_sent") or 0 for e in entries)
        self.summary.setText(
            f"{len(entries)} request(s) left this device, {sent:,} bytes sent in all. The log is "
            f"kept only here ({self.log.path}); message text is recorded as its sha256 only."
            if entries
            else "Nothing has left this device."
        )

    def verify(self) -> None:
        try:
            self.result.setText(self.log.verify().describe())
        except EnclaveError as exc:
            self.result.setText(str(exc))
