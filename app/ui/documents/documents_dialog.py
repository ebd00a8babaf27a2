"""The Documents window: collections, their folders and files, indexing progress, the files that
could not be indexed and why, and whether a collection may ever go to the cloud."""

from __future__ import annotations

import html
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QPushButton,
    QSplitter,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.core.documents import embedder as embedder_mod
from app.core.documents.index import DocIndex
from app.core.documents.indexer import IndexResult, Progress
from app.core.errors import EnclaveError
from app.core.platform.runtime import Runtime
from app.core.platform.units import size_text
from app.ui.documents.indexing import IndexingService
from app.ui.safe_text import ask, plain, rich, tip
from app.ui.services import Services


def progress_text(p: Progress) -> str:
    if p.phase == "scanning":
        return f"{p.collection}: looking for files…"
    if p.phase == "embedding":
        return f"{p.collection}: computing vectors for search by meaning…"
    left = p.time_left_text()
    return (
        f"{p.collection}: {p.files_done:,} of {p.files_total:,} files · "
        f"{size_text(p.bytes_done)} of {size_text(p.bytes_total)} · "
        f"{p.chunks:,} passages" + (f" · {left}" if left else "")
    )


class DocumentsDialog(QDialog):
    """Lives on the UI thread; reads the index through its own connection."""

    def __init__(self, rt: Runtime, indexing: IndexingService | Services, parent=None):
        """``indexing``: the app's indexing service, or the app's ``Services`` holding it."""
        super().__init__(parent)
        if isinstance(indexing, Services):
            indexing = indexing.indexing
        self.rt, self.indexing = rt, indexing
        self.index = DocIndex(rt.paths.documents_index)
        self.setWindowTitle("Documents — Enclave")
        self.setAccessibleName("Documents")

        self.collections = QListWidget()
        self.collections.setAccessibleName("Collections")
        self.collections.setToolTip("Named sets of your folders and files that chats can use")
        self.new_button = QPushButton("New collection…")
        self.new_button.setToolTip("Start a named set of folders and files")
        self.remove_button = QPushButton("Remove…")
        self.remove_button.setToolTip("Remove the collection from the index; your files stay")
        left = QVBoxLayout()
        left.addWidget(QLabel("<b>Collections</b>"))
        left.addWidget(self.collections, 1)
        row = QHBoxLayout()
        row.addWidget(self.new_button)
        row.addWidget(self.remove_button)
        left.addLayout(row)

        self.title = rich(QLabel())  # the collection name is escaped into it
        self.title.setWordWrap(True)
        self.roots = QListWidget()
        self.roots.setAccessibleName("Folders and files in this collection")
        self.roots.setToolTip("What this collection reads; folders are read with what is inside")
        self.add_folder_button = QPushButton("Add folder…")
        self.add_files_button = QPushButton("Add files…")
        self.remove_root_button = QPushButton("Remove from collection")
        self.add_folder_button.setToolTip("Add a folder and everything in it to this collection")
        self.add_files_button.setToolTip("Add single files to this collection")
        self.remove_root_button.setToolTip("Stop using the chosen folder or file; it stays on disk")
        self.never_cloud = QCheckBox("Never send to the cloud")
        self.never_cloud.setToolTip(
            "Passages from this collection never go to a cloud or "
            "organisation provider: Enclave refuses, even with consent"
        )
        self.index_button = QPushButton("Index now")
        self.index_button.setToolTip(
            "Read new and changed files; deleted ones leave the index. "
            "Watched folders are re-indexed on their own while Enclave "
            "runs."
        )
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip(
            "Stop indexing; what is done is kept, and the next run resumes"
        )
        self.bar = QProgressBar()
        self.bar.setAccessibleName("Indexing progress")
        self.status = plain(QLabel())  # file names and reader errors
        self.status.setWordWrap(True)
        self.status.setAccessibleName("Indexing status")
        self.search_note = plain(QLabel())
        self.search_note.setWordWrap(True)
        self.problems = QTreeWidget()
        self.problems.setAccessibleName("Files not indexed")
        self.problems.setToolTip("Files that could not be read, and why")
        self.problems.setHeaderLabels(["Not indexed", "Why"])
        self.problems.setRootIsDecorated(False)

        right = QVBoxLayout()
        right.addWidget(self.title)
        right.addWidget(self.roots, 1)
        buttons = QHBoxLayout()
        for b in (self.add_folder_button, self.add_files_button, self.remove_root_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        right.addLayout(buttons)
        right.addWidget(self.never_cloud)
        run = QHBoxLayout()
        run.addWidget(self.index_button)
        run.addWidget(self.bar, 1)
        run.addWidget(self.cancel_button)
        right.addLayout(run)
        right.addWidget(self.status)
        right.addWidget(self.search_note)
        right.addWidget(self.problems, 1)

        splitter = QSplitter()
        for layout in (left, right):
            w = QWidget()
            w.setLayout(layout)
            splitter.addWidget(w)
        splitter.setStretchFactor(1, 2)
        outer = QVBoxLayout(self)
        outer.addWidget(splitter)
        em = self.fontMetrics().averageCharWidth()
        self.resize(em * 120, self.fontMetrics().lineSpacing() * 32)

        self.collections.currentItemChanged.connect(lambda *_: self._show_selected())
        self.new_button.clicked.connect(self.new_collection)
        self.remove_button.clicked.connect(self.remove_collection)
        self.add_folder_button.clicked.connect(self._choose_folder)
        self.add_files_button.clicked.connect(self._choose_files)
        self.remove_root_button.clicked.connect(self._remove_root)
        self.never_cloud.toggled.connect(self._set_never_cloud)
        self.index_button.clicked.connect(self.index_selected)
        self.cancel_button.clicked.connect(self.indexing.cancel)
        indexing.progress.connect(self._on_progress)
        indexing.finished.connect(self._on_finished)
        indexing.failed.connect(self._on_failed)
        self.refresh()

    # -- collections ---------------------------------------------------------------------------

    def selected(self) -> str | None:
        item = self.collections.currentItem()
        return item.data(Qt.ItemDataRole.UserRole) if item else None

    def refresh(self, select: str | None = None) -> None:
        select = select or self.selected()
        self.collections.clear()
        for c in self.index.collections():
            state = " · unfinished" if c.state == "indexing" else ""
            item = QListWidgetItem(f"{c.name}\n{c.files:,} files · {c.chunks:,} passages{state}")
            item.setData(Qt.ItemDataRole.UserRole, c.name)
            self.collections.addItem(item)
            if c.name == select:
                self.collections.setCurrentItem(item)
        if self.collections.currentItem() is None and self.collections.count():
            self.collections.setCurrentRow(0)
        self._show_selected()

    def new_collection(self, name: str | None = None) -> str | None:
        if name is None:
            name, ok = QInputDialog.getText(
                self, "New collection", "Name (e.g. Contracts, Research notes):"
            )
            if not ok:
                return None
        try:
            self.index.create(name)
        except EnclaveError as exc:
            self._say(str(exc), error=True)
            return None
        self.refresh(select=" ".join(name.split()))
        return self.selected()

    def remove_collection(self) -> None:
        name = self.selected()
        if name is None:
            return
        if ask(
            self,
            "Remove collection",
            f"Remove {name!r} from the index? Your files are not "
            f"touched; conversations that used it answer without it.",
        ):
            self.index.remove(name)
            self.refresh()
            self.indexing.watch()

    def add_paths(self, paths: list[Path], name: str | None = None) -> None:
        """Add folders or files to a collection and index them."""
        name = name or self.selected() or self.new_collection()
        if not name or not paths:
            return
        self.index.add_roots(name, paths)
        self.refresh(select=name)
        self.indexing.request(name)

    def index_selected(self) -> None:
        if name := self.selected():
            self.indexing.request(name)
            self._show_running()

    def _choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Add a folder of documents")
        if folder:
            self.add_paths([Path(folder)])

    def _choose_files(self) -> None:
        files, _ = QFileDialog.getOpenFileNames(
            self,
            "Add documents",
            "",
            "Documents (*.txt *.md *.pdf *.docx *.html *.htm *.rst "
            "*.csv *.py *.js *.ts *.java *.c *.cpp *.go *.rs *.json *.yaml *.yml);;All files (*)",
        )
        if files:
            self.add_paths([Path(f) for f in files])

    def _remove_root(self) -> None:
        item, name = self.roots.currentItem(), self.selected()
        if item and name:
            self.index.remove_root(name, item.text())
            self.refresh(select=name)
            self.indexing.request(name)  # its files leave the index

    def _set_never_cloud(self, never: bool) -> None:
        if name := self.selected():
            self.index.set_never_cloud(name, never)

    # -- showing -------------------------------------------------------------------------------

    def _show_selected(self) -> None:
        name = self.selected()
        for w in (
            self.roots,
            self.add_folder_button,
            self.add_files_button,
            self.remove_root_button,
            self.never_cloud,
            self.index_button,
            self.remove_button,
        ):
            w.setEnabled(name is not None)
        self.roots.clear()
        self.problems.clear()
        if name is None:
            self.title.setText(
                "Make a collection, then add folders or files to it. Conversations "
                "can then answer from them, citing the passages they used."
            )
            self._show_running()
            return
        c = self.index.collection(name)
        when = "" if c.state != "indexing" else " Indexing did not finish: it resumes on its own."
        self.title.setText(
            f"<b>{html.escape(c.name)}</b>: {c.files:,} files, {c.chunks:,} passages.{when}"
        )
        for root in c.roots:
            self.roots.addItem(root)
        self.never_cloud.blockSignals(True)
        self.never_cloud.setChecked(c.never_cloud)
        self.never_cloud.blockSignals(False)
        for f in self.index.problems(name):
            item = QTreeWidgetItem([f.path, f.reason or f.status])
            item.setToolTip(0, tip(f.path))
            item.setToolTip(1, tip(f.reason or ""))
            self.problems.addTopLevelItem(item)
        self.problems.resizeColumnToContents(0)
        try:
            model = embedder_mod.chosen_model(self.rt.settings, self.rt.paths)
        except EnclaveError:  # the chosen model is not installed any more
            model = None
        self.search_note.setText(
            f"Search: by words and by meaning ({model.name})."
            if model
            else "Search: by words only. Install an embedding model (Models → Discover, e.g. "
            "nomic-embed-text) to search by meaning as well."
        )
        self._show_running()

    def _show_running(self) -> None:
        running = self.indexing.busy
        self.cancel_button.setEnabled(running)
        self.bar.setVisible(running)
        if running and self.indexing.last_progress:
            self._on_progress(self.indexing.last_progress)
        elif not running:
            self.bar.setValue(0)

    def _on_progress(self, p: Progress) -> None:
        self.bar.setVisible(True)
        self.cancel_button.setEnabled(True)
        if p.phase in ("scanning", "embedding") or not p.files_total:
            self.bar.setRange(0, 0)  # busy, amount unknown
        else:  # by files, as the time left is measured, so the two agree
            self.bar.setRange(0, p.files_total)
            self.bar.setValue(p.files_done)
        self.status.setText(progress_text(p))

    def _on_finished(self, result: IndexResult) -> None:
        self.bar.setRange(0, 1000)
        self._say(
            result.summary()
            + "".join(
                f" {root} was not found (its files were kept)." for root in result.missing_roots
            )
        )
        self.refresh(select=self.selected())

    def _on_failed(self, name: str, message: str) -> None:
        self._say(f"{name}: {message}", error=True)
        self.refresh(select=self.selected())

    def _say(self, text: str, *, error: bool = False) -> None:
        self.status.setText(text)
        self.status.setProperty("error", error)
