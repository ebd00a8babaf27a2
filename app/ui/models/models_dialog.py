"""The Models window: discover (catalog and hub search), download with progress, manage installed.

Lives on the UI thread. Hub calls and imports run as BackgroundOps on pool threads (an import
shows its bytes, speed and time left, and can be cancelled); downloads run on the core
DownloadQueue's thread and report here through a queued signal. Nothing touches the network until
the user clicks Search, selects a model to look at, or Download.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QSignalBlocker, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.core.errors import EnclaveError
from app.core.models import catalog, fit, installed, recommend
from app.core.models.importer import find_in_hf_cache, import_file
from app.core.models.service import ModelLibrary
from app.core.platform.units import size_text
from app.core.privacy.keyring_store import HUGGINGFACE
from app.ui import policy_lock
from app.ui.background import BackgroundOp, ProgressLine
from app.ui.models.download_row import DownloadRow
from app.ui.models.model_row_delegate import ModelRowDelegate
from app.ui.safe_text import ask, esc, inform, open_link, plain, rich, tip, warn
from app.ui.services import DownloadService, Services

log = logging.getLogger(__name__)


class ModelsDialog(QDialog):
    models_changed = Signal()

    def __init__(self, rt, parent=None, services: Services | None = None):
        """``services``: the app's; without them the window runs its own download queue, and
        ``shutdown`` pauses it."""
        super().__init__(parent)
        self.rt = rt
        self.setWindowTitle("Models")
        if services is not None:
            self.library, self.downloads = services.library, services.downloads
        else:
            self.library = ModelLibrary(rt.paths, rt.settings_service)
            self.downloads = DownloadService(self.library, self)
        self._owns_downloads = services is None
        self.downloads.progressed.connect(self._on_download_progressed)
        self.queue = self.downloads.queue
        self.rows: dict[str, DownloadRow] = {}
        self.requests: dict[str, object] = {}
        self.report = None
        self._hub_op: BackgroundOp | None = None
        self._machine: fit.Machine | None = None  # detected off the UI thread, once
        self._machine_op: BackgroundOp | None = None
        self._showing_catalog = False
        self.imports: list[BackgroundOp] = []
        tabs = QTabWidget()
        tabs.addTab(self._build_discover(), "Discover")
        tabs.addTab(self._build_downloads(), "Downloads")
        tabs.addTab(self._build_installed(), "Installed")
        self.tabs = tabs
        self.offline = QCheckBox("Work offline")
        self.offline.setToolTip("When on, Enclave searches and downloads nothing")
        self.offline.setChecked(rt.settings.offline)
        self.offline.toggled.connect(self._on_offline_toggled)
        from app.core.privacy import policy

        rules = policy.load()
        if rules.force_offline or rules.forbid_hub_downloads:
            self.offline.blockSignals(True)  # shows the lock; the user's own setting is kept
            self.offline.setChecked(True)
            self.offline.blockSignals(False)
            policy_lock.lock(
                self.offline, rules, "getting models from the hub is not allowed on this computer"
            )
        token = QPushButton("Hugging Face token…")
        token.setToolTip("Needed only for gated models; kept in your system's keyring")
        token.clicked.connect(self.set_token)
        bottom = QHBoxLayout()
        bottom.addWidget(self.offline)
        bottom.addStretch(1)
        bottom.addWidget(token)
        layout = QVBoxLayout(self)
        layout.addWidget(tabs, 1)
        layout.addLayout(bottom)
        self.setAcceptDrops(True)
        em, line = self.fontMetrics().averageCharWidth(), self.fontMetrics().lineSpacing()
        self.resize(em * 130, line * 36)
        self._show_catalog()
        self._load_pending()
        self.refresh_installed()

    # -- discover ------------------------------------------------------------------------

    def _build_discover(self) -> QWidget:
        self.search_box = QLineEdit()
        self.search_box.setPlaceholderText("Search the Hugging Face hub for GGUF models")
        self.search_box.setAccessibleName("Search models")
        self.search_box.setToolTip("Words in the model's name; Enter searches the hub")
        self.search_box.returnPressed.connect(self.search)
        self.sort = QComboBox()
        self.sort.addItem("Most downloaded", "downloads")
        self.sort.addItem("Most liked", "likes")
        self.sort.setAccessibleName("Sort results")
        self.sort.setToolTip("Order of the hub's search results")
        search_button = QPushButton("Search")
        search_button.setToolTip("Searches the hub (this contacts huggingface.co)")
        search_button.clicked.connect(self.search)
        catalog_button = QPushButton("Suggested")
        catalog_button.setToolTip("Enclave's curated list (no network)")
        catalog_button.clicked.connect(self._show_catalog)
        row = QHBoxLayout()
        row.addWidget(self.search_box, 1)
        row.addWidget(self.sort)
        row.addWidget(search_button)
        row.addWidget(catalog_button)
        self.results = QListWidget()
        self.results.setAccessibleName("Models found")
        self.results.setToolTip("Choose a model to see its license and files")
        # Rows wrap to the list's width (a narrow window clips nothing); tooltips hold it all.
        self.results.setWordWrap(True)
        self.results.setResizeMode(QListWidget.ResizeMode.Adjust)
        self.results.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.results.setItemDelegate(ModelRowDelegate(self.results))
        self.results.itemActivated.connect(self._on_result_chosen)
        self.results.itemClicked.connect(self._on_result_chosen)
        # Enclave's markup around escaped card fields; its one link goes through open_link.
        self.details = rich(
            QLabel("Choose a model to see its license, files and how it would run on this machine.")
        )
        self.details.setWordWrap(True)
        self.details.linkActivated.connect(lambda url: open_link(self, url))
        self.files = QTableWidget(0, 4)
        self.files.setHorizontalHeaderLabels(["Quantization", "Size", "On this machine", "File"])
        header = self.files.horizontalHeader()
        for col in range(3):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.files.setWordWrap(False)
        self.files.verticalHeader().setVisible(False)
        self.files.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.files.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.files.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.files.setAccessibleName("Files of this model")
        self.files.setToolTip("One file per quantization: smaller is faster, larger answers better")
        self.accept_license = QCheckBox("I have read the license and accept it")
        self.accept_license.setToolTip("Needed before this model can be downloaded")
        self.accept_license.setVisible(False)
        self.download_button = QPushButton("Download")
        self.download_button.setToolTip("Download the chosen file; it can be paused and resumed")
        self.download_button.setEnabled(False)
        self.download_button.clicked.connect(self.download_selected)
        self.status = plain(QLabel())  # hub errors
        self.status.setWordWrap(True)
        right = QWidget()
        rl = QVBoxLayout(right)
        rl.addWidget(self.details)
        rl.addWidget(self.files, 1)
        rl.addWidget(self.accept_license)
        rl.addWidget(self.download_button)
        split = QSplitter()
        split.addWidget(self.results)
        split.addWidget(right)
        split.setStretchFactor(0, 2)
        split.setStretchFactor(1, 3)
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.addLayout(row)
        layout.addWidget(split, 1)
        layout.addWidget(self.status)
        return page

    def _show_catalog(self) -> None:
        """The curated list, each row with where it would run here and its license: known
        before any click and without the network (the catalog has the sizes)."""
        self._showing_catalog = True
        if self._machine is None and self._machine_op is None:
            self._machine_op = (
                BackgroundOp(self, lambda job: self.library.machine())
                .on_success(self._on_machine_known)
                .on_failure(self.status.setText)
                .run()
            )
        self.results.clear()
        suggested = recommend.recommend(self._machine) if self._machine else None
        for entry in catalog.load():
            text = self._catalog_row(entry, suggested)
            item = QListWidgetItem(text)
            item.setData(Qt.ItemDataRole.UserRole, entry.repo)
            item.setToolTip(tip(f"{text}\n{entry.repo}"))
            self.results.addItem(item)

    def _catalog_row(self, entry, suggested) -> str:
        kind = "  ·  for document search" if entry.kind == "embedding" else ""
        reasons = "  ·  reasons" if entry.reasons else ""
        if self._machine is None:
            where = "Checking this computer…"
        else:
            found = recommend.entry_fit(entry, self._machine)
            where = found[1].label if found else "Size known after a look at the hub"
        star = (
            "★ Suggested for this computer  ·  " if suggested and suggested.entry == entry else ""
        )
        return (
            f"{entry.name}  ·  {entry.parameters_text}{kind}{reasons}\n"
            f"{star}{where}  ·  {entry.license.name}: {entry.commercial_text}"
        )

    def _on_machine_known(self, machine) -> None:
        self._machine = machine
        if self._showing_catalog:
            self._show_catalog()

    def _ask_hub(self, text: str, fn, on_success) -> None:
        """One hub call at a time: a newer search or model replaces the one still running."""
        if self._hub_op is not None:
            self._hub_op.discard()
        self.status.setText(text)
        self._hub_op = (
            BackgroundOp(self, lambda job: fn())
            .on_success(on_success)
            .on_failure(self.status.setText)
            .run()
        )

    def search(self) -> None:
        query, sort = self.search_box.text().strip(), self.sort.currentData()
        self._ask_hub(
            "Searching the hub…",
            lambda: self.library.search(query, sort=sort),
            self._on_search_done,
        )

    def _on_search_done(self, results) -> None:
        self._showing_catalog = False
        self.results.clear()
        for r in results:
            quants = ", ".join(c.quant or "?" for c in r.choices[:6])
            text = f"{r.id}  ·  ↓{r.downloads or 0:,}  ·  {quants}" + (
                "  ·  gated" if r.gated else ""
            )
            item = QListWidgetItem(text)
            item.setData(Qt.ItemDataRole.UserRole, r.id)
            item.setToolTip(tip(text))
            self.results.addItem(item)
        self.status.setText(f"{len(results)} repositories found." if results else "Nothing found.")

    def _on_result_chosen(self, item: QListWidgetItem) -> None:
        repo = item.data(Qt.ItemDataRole.UserRole)
        self.download_button.setEnabled(False)
        self._ask_hub(
            f"Reading {repo} on the hub…", lambda: self.library.report(repo), self._show_report
        )

    def _show_report(self, report) -> None:
        self.report = report
        d, lic = report.details, report.details.license
        # Every card field is the repository author's text: escaped, never markup.
        link = (
            f' (<a href="{esc(lic.url)}">read it</a>: <code>{esc(lic.url)}</code>)'
            if lic.url
            else ""
        )
        gated = (
            "<br><b>Gated:</b> needs your Hugging Face token and accepting the author's "
            "terms on huggingface.co."
            if d.gated
            else ""
        )
        self.details.setText(
            f"<b>{esc(d.id)}</b><br><b>License:</b> {esc(lic.name)}{link}<br>"
            f"{esc(lic.summary)}{gated}<br><small>This machine: "
            f"{esc(report.machine.describe())}</small>"
        )
        self.files.setRowCount(0)
        for c in d.choices:
            r = self.files.rowCount()
            self.files.insertRow(r)
            fit = report.fits.get(c.name)
            label = fit.label if fit else "size unknown"
            if c.name == report.recommended:
                label = "★ Suggested · " + label
            for col, text in enumerate([c.quant or "?", size_text(c.size), label, c.name]):
                cell = QTableWidgetItem(text)
                cell.setData(Qt.ItemDataRole.UserRole, c.name)
                self.files.setItem(r, col, cell)
            if c.name == report.recommended:
                self.files.selectRow(r)
        needs = lic.needs_acknowledgement and not self.library.records.acknowledged(d.id, lic.id)
        self.accept_license.setVisible(needs)
        self.accept_license.setChecked(False)
        self.download_button.setEnabled(bool(d.choices))
        self.status.setText("")

    def download_selected(self) -> None:
        if self.report is None or not self.files.selectedItems():
            self.status.setText("Choose a file to download.")
            return
        name = self.files.selectedItems()[0].data(Qt.ItemDataRole.UserRole)
        try:
            request = self.library.request(self.report.details, name)
            if self.accept_license.isVisible():
                if not self.accept_license.isChecked():
                    self.status.setText(
                        "This license needs your acceptance first: read it, then tick the box."
                    )
                    return
                self.library.acknowledge(request)
            self.start_download(request)
        except EnclaveError as exc:
            self.status.setText(str(exc))

    def start_download(self, request) -> None:
        self.requests[request.key] = request
        self._row(request)
        self.queue.add(request)
        self.tabs.setCurrentIndex(1)

    # -- downloads -------------------------------------------------------------------------

    def _build_downloads(self) -> QWidget:
        page = QWidget()
        self.downloads_layout = QVBoxLayout(page)
        self.no_downloads = QLabel("No downloads. Choose a model in Discover.")
        self.downloads_layout.addWidget(self.no_downloads)
        self.downloads_layout.addStretch(1)
        return page

    def _row(self, request) -> DownloadRow:
        row = self.rows.get(request.key)
        if row is None:
            row = DownloadRow(f"{request.repo} · {request.name}")
            row.pause_button.clicked.connect(lambda: self._on_pause_clicked(request.key))
            row.cancel_button.clicked.connect(lambda: self.queue.cancel(request.key))
            self.rows[request.key] = row
            self.downloads_layout.insertWidget(self.downloads_layout.count() - 1, row)
            self.no_downloads.hide()
        return row

    def _load_pending(self) -> None:
        """Downloads left unfinished (paused, or the app was closed) wait here to be resumed."""
        from app.core.models import download

        for request, present in self.library.downloader.pending():
            self.requests[request.key] = request
            self._row(request).show_progress(download.paused(request, present))

    def _on_pause_clicked(self, key: str) -> None:
        row = self.rows[key]
        if row.state in ("paused", "failed"):
            try:
                self.queue.add(self.requests[key])
            except EnclaveError as exc:
                row.detail.setText(str(exc))
        else:
            self.queue.pause(key)

    def _on_download_progressed(self, p) -> None:
        row = self.rows.get(p.key)
        if row is None:
            return
        row.show_progress(p)
        if p.state == "done":
            self.refresh_installed()
            self.models_changed.emit()

    # -- installed -------------------------------------------------------------------------

    def _build_installed(self) -> QWidget:
        self.installed = QTableWidget(0, 7)
        self.installed.setHorizontalHeaderLabels(
            ["Model", "Size", "Quantization", "Runs on", "License", "Source", "Location"]
        )
        self.installed.horizontalHeader().setSectionResizeMode(6, QHeaderView.ResizeMode.Stretch)
        self.installed.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.installed.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.installed.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.installed.setAccessibleName("Installed models")
        self.installed.setToolTip("The models on this computer; choose one for the buttons below")
        buttons = QHBoxLayout()
        for text, slot, hint in [
            ("Use for new chats", self.make_default, "New chats will use this model"),
            (
                "Use for documents",
                self.use_for_documents,
                "Search your documents by meaning with this embedding model; collections "
                "compute its vectors at their next indexing",
            ),
            (
                "Model settings…",
                self.edit_model_settings,
                "Context length, temperature, GPU layers and system prompt for this model",
            ),
            ("Remove", self.remove_selected, "Delete the model and free its disk space"),
            (
                "Import file…",
                self.import_dialog,
                "Add a .gguf file you already have (or drop it on this window)",
            ),
            (
                "From Hugging Face cache…",
                self.import_from_hf_cache,
                "Use GGUF files other tools already downloaded",
            ),
        ]:
            b = QPushButton(text)
            b.setToolTip(hint)
            b.clicked.connect(slot)
            buttons.addWidget(b)
        self.installed_status = plain(QLabel())
        self.installed_status.setWordWrap(True)
        self.imports_layout = QVBoxLayout()  # a progress line per running import
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.addWidget(self.installed, 1)
        layout.addLayout(buttons)
        layout.addLayout(self.imports_layout)
        layout.addWidget(self.installed_status)
        return page

    def refresh_installed(self) -> None:
        self.installed.setRowCount(0)
        for model in self.library.installed():
            info = self.library.describe(model)
            r = self.installed.rowCount()
            self.installed.insertRow(r)
            name = (
                model.id
                + ("  ★ default" if info.default else "")
                + (
                    "  ⌕ documents"
                    if info.for_documents
                    else "  (embedding model)"
                    if info.embedding
                    else ""
                )
            )
            runs_on = info.runs_on or {"label": "?", "reason": "the file cannot be read"}
            texts = [
                name,
                size_text(info.size_bytes),
                info.quantization or "?",
                runs_on["label"],
                info.license or "-",
                model.source,
                str(model.path),
            ]
            for col, text in enumerate(texts):
                cell = QTableWidgetItem(text)
                cell.setData(Qt.ItemDataRole.UserRole, model.id)
                if col == 3 and runs_on["reason"]:
                    cell.setToolTip(tip(runs_on["reason"]))
                self.installed.setItem(r, col, cell)

    def _selected_model(self) -> str | None:
        items = self.installed.selectedItems()
        if not items:
            self.installed_status.setText("Choose a model first.")
            return None
        return items[0].data(Qt.ItemDataRole.UserRole)

    def make_default(self) -> None:
        model_id = self._selected_model()
        if model_id:
            try:
                self.library.set_default(model_id)
            except EnclaveError as exc:
                self.installed_status.setText(str(exc))
                return
            self.refresh_installed()
            self.models_changed.emit()

    def use_for_documents(self) -> None:
        model_id = self._selected_model()
        if model_id:
            try:
                model = self.library.use_for_documents(model_id)
            except EnclaveError as exc:
                self.installed_status.setText(str(exc))
                return
            self.installed_status.setText(
                f"Documents are searched by meaning with {model.id} from their next indexing "
                f"(Documents → Index now)."
                + (
                    ""
                    if installed.is_embedding_model(model.path)
                    else " It is a chat model: an embedding model finds passages far better."
                )
            )
            self.refresh_installed()

    def remove_selected(self) -> None:
        model_id = self._selected_model()
        if not model_id:
            return
        if not ask(self, "Remove model?", f"Delete {model_id} from this computer?"):
            return
        try:
            model = self.library.remove(model_id)
        except EnclaveError as exc:
            self.installed_status.setText(str(exc))
            return
        self.installed_status.setText(f"Removed {model.id}.")
        self.refresh_installed()
        self.models_changed.emit()

    def edit_model_settings(self) -> None:
        model_id = self._selected_model()
        if not model_id:
            return
        current = next(m for m in self.library.installed() if m.id == model_id).defaults
        dialog = QDialog(self)
        dialog.setWindowTitle(f"Settings for {model_id}")
        form = QFormLayout(dialog)
        fields = {}
        for key, label in [
            ("context_length", "Context length (tokens)"),
            ("temperature", "Temperature"),
            ("gpu_layers", "GPU layers (-1: fit to GPU memory)"),
            ("system_prompt", "System prompt"),
        ]:
            edit = QLineEdit("" if current.get(key) is None else str(current[key]))
            edit.setPlaceholderText("as in Settings")
            edit.setAccessibleName(label)
            form.addRow(label, edit)
            fields[key] = edit
        from PySide6.QtWidgets import QDialogButtonBox

        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(dialog.accept)
        buttons.rejected.connect(dialog.reject)
        form.addRow(buttons)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        try:
            self.library.set_model_defaults(
                model_id, **{k: e.text().strip() or None for k, e in fields.items()}
            )
            self.installed_status.setText(f"Saved settings for {model_id}.")
            self.models_changed.emit()
        except (ValueError, EnclaveError) as exc:
            self.installed_status.setText(f"Not saved: {exc}")

    def import_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Import a GGUF model", str(Path.home()), "GGUF models (*.gguf)"
        )
        if path:
            self.import_path(path)

    def import_path(self, path: str, *, copy: bool = True) -> BackgroundOp:
        """Import in the background, with a progress line (bytes, speed, ETA) and Cancel."""
        self.installed_status.setText("")
        line = ProgressLine(self, transient=True)
        self.imports_layout.addWidget(line)
        paths = self.rt.paths
        op = (
            BackgroundOp(
                self,
                lambda job: import_file(
                    path, paths, copy=copy, cancel=job.cancel, on_progress=job.report
                ),
            )
            .with_progress(f"Importing {Path(path).name}…", cancellable=copy, view=line)
            .on_success(self._on_imported)
            .on_failure(self.installed_status.setText)
            .on_cancelled(self.installed_status.setText)
        )
        self.imports = [o for o in self.imports if o.running] + [op]
        return op.run()

    def _on_imported(self, done) -> None:
        info = done.info
        self.installed_status.setText(
            f"Imported {done.model.id}: {info.architecture}, "
            f"{info.parameter_count / 1e9:.2f}B parameters, {info.quantization}, context "
            f"{info.context_length or '?'}."
        )
        self.refresh_installed()
        self.models_changed.emit()

    def import_from_hf_cache(self) -> None:
        found = find_in_hf_cache()
        if not found:
            self.installed_status.setText("No GGUF files in the Hugging Face cache.")
            return
        labels = [f"{f.repo} · {f.path.name} · {size_text(f.size)}" for f in found]
        choice, ok = QInputDialog.getItem(
            self,
            "Use a model from the Hugging Face cache",
            "Model (used where it is, not copied):",
            labels,
            0,
            False,
        )
        if ok:
            self.import_path(str(found[labels.index(choice)].path), copy=False)

    def dragEnterEvent(self, event) -> None:  # noqa: N802 (Qt name)
        if any(u.toLocalFile().lower().endswith(".gguf") for u in event.mimeData().urls()):
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:  # noqa: N802
        for url in event.mimeData().urls():
            if url.toLocalFile().lower().endswith(".gguf"):
                self.tabs.setCurrentIndex(2)
                self.import_path(url.toLocalFile())

    # -- settings --------------------------------------------------------------------------

    def _on_offline_toggled(self, on: bool) -> None:
        try:
            self.rt.update_settings(offline=on)
        except EnclaveError as exc:  # not saved: the switch shows what is in force
            self.status.setText(str(exc))
            with QSignalBlocker(self.offline):
                self.offline.setChecked(self.rt.settings.offline)

    def set_token(self) -> None:
        token, ok = QInputDialog.getText(
            self,
            "Hugging Face token",
            "Access token (kept in your system's keyring):",
            QLineEdit.EchoMode.Password,
        )
        if not ok or not token.strip():
            return
        try:
            self.library.keys.set(HUGGINGFACE, token)
            inform(self, "Token saved", "Your token is in the system keyring.")
        except EnclaveError as exc:
            warn(self, "Token not saved", str(exc))

    def shutdown(self) -> None:
        """The app is closing: imports stop (nothing half-done is kept); a running download of
        the window's own queue pauses and resumes next time (the app's: ``Services.shutdown``)."""
        for op in self.imports:
            op.cancel()
        if self._owns_downloads:
            self.downloads.close()
