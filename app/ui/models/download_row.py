"""One download as the Models window and the first-run welcome show it: name, bar, bytes, speed
and time left, Pause/Resume and Cancel. Its own module so the welcome, shown at start, need not
load the Models window. Lives on the UI thread."""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QVBoxLayout, QWidget

from app.ui.safe_text import plain


class DownloadRow(QWidget):
    """One download: name, bar, bytes/speed/ETA, Pause/Resume and Cancel."""

    def __init__(self, name: str, parent=None):
        super().__init__(parent)
        # File names, repository ids and download errors come from the hub.
        self.label = plain(QLabel(name))
        self.bar = QProgressBar()
        self.bar.setAccessibleName(f"Download progress of {name}")
        self.detail = plain(QLabel())
        self.detail.setWordWrap(True)
        self.pause_button = QPushButton("Pause")
        self.pause_button.setToolTip("Stop for now and keep what arrived")
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip("Stop and delete what arrived")
        top = QHBoxLayout()
        top.addWidget(self.label, 1)
        top.addWidget(self.pause_button)
        top.addWidget(self.cancel_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.bar)
        layout.addWidget(self.detail)
        self.state = "queued"

    def show_progress(self, p) -> None:
        self.state = p.state
        if p.total:
            self.bar.setRange(0, 1000)
            self.bar.setValue(int(1000 * p.done / p.total))
        else:
            self.bar.setRange(0, 0)
        self.detail.setText(p.message or p.describe())
        self.pause_button.setText("Resume" if p.state in ("paused", "failed") else "Pause")
        self.pause_button.setEnabled(p.state not in ("done", "cancelled", "verifying"))
        self.cancel_button.setEnabled(p.state not in ("done", "cancelled"))
