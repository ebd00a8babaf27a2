"""The first-run welcome: one model that suits this computer, and one click to get it.

Shown by the window for a new chat while the starter model is the only chat model. The
suggestion comes from the catalog and this machine (``core.models.recommend``), so it appears
without the network; only Download contacts the hub (through the gate, like the Models window),
and the file comes through the app's download queue, so it carries on and resumes like any
other download. Lives on the UI thread; the machine is read and the hub asked on pool threads.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.core.errors import EnclaveError
from app.core.models import download, recommend
from app.core.models.download import DownloadRequest, Progress, target_path
from app.core.models.installed import model_id_for
from app.core.platform.units import size_text
from app.core.privacy import gate
from app.ui.background import BackgroundOp
from app.ui.models.download_row import DownloadRow
from app.ui.safe_text import esc, open_link, plain_label, rich

log = logging.getLogger(__name__)

PURPOSE = "download a model"


class WelcomePanel(QWidget):
    """``model_ready(model_id)``: the suggested model is installed (the window switches the
    conversation to it); ``dismissed``: the person keeps the starter model for now."""

    model_ready = Signal(str)
    dismissed = Signal()
    _settings_heard = Signal(object)  # from the settings service, on whichever thread saved

    def __init__(self, rt, services, parent=None):
        super().__init__(parent)
        self.rt = rt
        self.library, self.downloads = services.library, services.downloads
        self.suggestion: recommend.Recommendation | None = None
        self.request: DownloadRequest | None = None
        self._hub_op: BackgroundOp | None = None
        self.setAccessibleName("Welcome")

        title = QLabel("Welcome to Enclave")
        font = title.font()
        font.setPointSizeF(font.pointSizeF() * 1.6)
        font.setBold(True)
        title.setFont(font)
        intro = plain_label(
            "You are talking to the starter model: small enough to work anywhere, but its "
            "answers are simple and often wrong. This model suits this computer better, and "
            "like every local model, nothing you type leaves it."
        )
        self.model_name = plain_label()
        bold = self.model_name.font()
        bold.setBold(True)
        bold.setPointSizeF(bold.pointSizeF() * 1.2)
        self.model_name.setFont(bold)
        self.facts = plain_label("Checking this computer…")  # size · license · speed
        # Enclave's markup around the escaped license name; its link goes through open_link.
        self.license_text = rich(QLabel())
        self.license_text.setWordWrap(True)
        self.license_text.linkActivated.connect(lambda url: open_link(self, url))
        self.accept_license = QCheckBox("I have read the license and accept it")
        self.accept_license.setToolTip("Needed before this model can be downloaded")
        self.accept_license.setVisible(False)
        self.download_button = QPushButton("Download")
        self.download_button.setDefault(True)
        self.download_button.setEnabled(False)
        self.download_button.clicked.connect(self.download)
        self.progress = DownloadRow("")
        self.progress.pause_button.clicked.connect(self._on_pause_clicked)
        self.progress.cancel_button.clicked.connect(self._on_cancel_clicked)
        self.progress.hide()
        self.status = plain_label()  # what to do next: offline, a hub error, done
        self.status.setAccessibleName("Download status")

        card = QFrame()
        card.setFrameShape(QFrame.Shape.StyledPanel)
        cl = QVBoxLayout(card)
        for w in (self.model_name, self.facts, self.license_text, self.accept_license):
            cl.addWidget(w)
        cl.addWidget(self.download_button, 0, Qt.AlignmentFlag.AlignLeft)
        cl.addWidget(self.progress)
        cl.addWidget(self.status)

        self.keep_button = QPushButton("Keep using the starter model")
        self.keep_button.setToolTip("Chat with the starter model now; Models has more anytime")
        self.keep_button.clicked.connect(self.dismissed)
        self.offline_button = QPushButton("Work offline")
        self.offline_button.setToolTip("Enclave contacts nothing, not even to get models")
        self.offline_button.clicked.connect(self._on_offline_clicked)
        choices = QHBoxLayout()
        choices.addWidget(self.keep_button)
        choices.addWidget(self.offline_button)
        choices.addStretch(1)

        column = QVBoxLayout()
        column.addWidget(title)
        column.addWidget(intro)
        column.addWidget(card)
        column.addLayout(choices)
        column.addStretch(1)
        # A reading column: comfortable line length in a wide window, all of it in a narrow one.
        holder = QWidget()
        holder.setLayout(column)
        holder.setMaximumWidth(self.fontMetrics().averageCharWidth() * 90)
        outer = QHBoxLayout(self)
        outer.addStretch(1)
        outer.addWidget(holder, 8)
        outer.addStretch(1)

        for button, name in (
            (self.download_button, "Download the suggested model"),
            (self.keep_button, "Keep using the starter model"),
            (self.offline_button, "Work offline"),
        ):
            button.setAccessibleName(name)
        self.download_button.setToolTip("Download it from Hugging Face, then chat with it")

        self.downloads.progressed.connect(self._on_download_progressed)
        self._settings_heard.connect(self._on_settings_changed)  # queued from other threads
        self.destroyed.connect(rt.settings_service.subscribe(self._settings_heard.emit))
        BackgroundOp(self, lambda job: self.library.machine()).on_success(
            self._on_machine_known
        ).on_failure(self.status.setText).run()

    # -- the suggestion ----------------------------------------------------------------------

    def _on_machine_known(self, machine) -> None:
        self.suggestion = recommend.recommend(machine)
        s = self.suggestion
        if s is None:
            self.model_name.setText("The starter model is the one for this computer")
            self.facts.setText(
                "None of Enclave's suggested models fits this computer's memory with room to "
                "spare. You can still try one from Models, or import a GGUF file you have."
            )
            self._show_state()
            return
        self.model_name.setText(s.entry.name)
        params = f"{s.entry.parameters_text} parameters" if s.entry.parameters_text else ""
        parts = [params, s.file.quant, f"{size_text(s.size_bytes)} download"]
        self.facts.setText(
            "  ·  ".join(p for p in parts if p)
            + f"\n{s.speed_text.capitalize()}: it runs {s.where_text}."
        )
        lic = s.license
        link = f' <a href="{esc(lic.url)}">Read it</a>.' if lic.url else ""
        self.license_text.setText(f"<b>{esc(lic.name)}</b>: {esc(lic.summary)}{link}")
        self.accept_license.setVisible(self._needs_acknowledgement())
        self._resume_pending()
        self._show_state()

    def _needs_acknowledgement(self) -> bool:
        s = self.suggestion
        return bool(
            s
            and s.needs_acknowledgement
            and not self.library.records.acknowledged(s.entry.repo, s.license.id)
        )

    def _resume_pending(self) -> None:
        """A download of this file left from an earlier run continues from where it stopped."""
        s = self.suggestion
        for request, present in self.library.downloader.pending():
            if s and (request.repo, request.name) == (s.entry.repo, s.file.file):
                self.request = request
                self.progress.label.setText(f"{s.entry.name} · {s.file.file}")
                self.progress.show_progress(download.paused(request, present))
                self.progress.show()

    def _offline_reason(self) -> str | None:
        """The gate's own sentence when a download would be refused now (offline, a policy)."""
        try:
            gate.check(self.rt.settings, PURPOSE)
        except EnclaveError as exc:
            return str(exc)
        return None

    def _show_state(self) -> None:
        """Buttons and the guidance line for: no suggestion, offline, downloading, idle."""
        offline = self._offline_reason()
        busy = not self.progress.isHidden() and self.progress.state not in (
            "paused",
            "failed",
            "cancelled",
            "done",
        )
        self.offline_button.setVisible(not self.rt.settings.offline)
        self.download_button.setEnabled(
            bool(self.suggestion) and not offline and not busy and self._hub_op is None
        )
        if offline and self.suggestion:
            self.status.setText(
                f"{offline} Or bring the file over yourself: copy "
                f"{self.suggestion.file.file} from {self.suggestion.entry.repo} onto this "
                f"computer and add it in Models → Installed → Import file…"
            )

    # -- download ---------------------------------------------------------------------------

    def download(self) -> None:
        """Ask the hub for the file's details (revision, exact size, checksum), then queue it."""
        s = self.suggestion
        if s is None:
            return
        if self.accept_license.isVisible() and not self.accept_license.isChecked():
            self.status.setText(
                "This license needs your acceptance first: read it, then tick the box."
            )
            return
        if self.request is not None:  # paused or failed earlier: no need to ask the hub again
            self._queue(self.request)
            return
        self.status.setText(f"Asking the hub about {s.entry.name}…")
        self.download_button.setEnabled(False)
        self._hub_op = (
            BackgroundOp(self, lambda job: self.library.hub.details(s.entry.repo))
            .on_success(self._on_details)
            .on_failure(self._on_hub_failed)
            .run()
        )

    def _on_details(self, details) -> None:
        self._hub_op = None
        s = self.suggestion
        try:
            request = self.library.request(details, s.file.file)
            if self.accept_license.isVisible():
                self.library.acknowledge(request)
        except EnclaveError as exc:
            self._on_hub_failed(str(exc))
            return
        self.progress.label.setText(f"{s.entry.name} · {s.file.file}")
        self._queue(request)

    def _on_hub_failed(self, text: str) -> None:
        self._hub_op = None
        self.status.setText(f"{text} Meanwhile, you can keep using the starter model.")
        self.download_button.setText("Try again")
        self._show_state()

    def _queue(self, request: DownloadRequest) -> None:
        self.request = request
        try:
            self.downloads.queue.add(request)
        except EnclaveError as exc:  # a license not accepted, no space
            self.status.setText(str(exc))
            self._show_state()
            return
        self.status.setText("")
        self.progress.show()
        self._show_state()

    def _on_download_progressed(self, p: Progress) -> None:
        if self.request is None or p.key != self.request.key:
            return
        self.progress.show_progress(p)
        if p.state == "done":
            self.status.setText(f"{self.suggestion.entry.name} is ready.")
            self.download_button.hide()
            self.model_ready.emit(p.model_id or self._installed_id(self.request))
        elif p.state == "failed":
            self.status.setText(f"{p.message} Download again to continue from where it stopped.")
            self.download_button.setText("Try again")
        elif p.state == "cancelled":
            self.progress.hide()
            self.request = None
            self.download_button.setText("Download")
        elif p.state == "paused":
            self.download_button.setText("Resume")
        self._show_state()

    def _installed_id(self, request: DownloadRequest) -> str:
        """The id the library gives a finished download (the queue's final report has none)."""
        first = target_path(self.rt.paths.models, request.repo, request.files[0].name)
        return model_id_for(first)

    def _on_pause_clicked(self) -> None:
        if self.request is None:
            return
        if self.progress.state in ("paused", "failed"):
            self._queue(self.request)
        else:
            self.downloads.queue.pause(self.request.key)

    def _on_cancel_clicked(self) -> None:
        if self.request is not None:
            self.downloads.queue.cancel(self.request.key)

    # -- settings ---------------------------------------------------------------------------

    def _on_offline_clicked(self) -> None:
        try:
            self.rt.update_settings(offline=True)
        except EnclaveError as exc:  # not saved: say so, change nothing
            self.status.setText(str(exc))
        self._show_state()

    def _on_settings_changed(self, names) -> None:
        if "offline" in names:
            if not self._offline_reason() and self.suggestion:
                self.status.setText("")
            self._show_state()
