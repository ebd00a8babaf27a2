"""The main window's side of documents: which collections a conversation answers from, the
Documents window, background indexing, and the passages an answer cites.

A mixin of ``MainWindow`` (it uses the window's widgets and store), kept apart so the window's own
file stays about chatting. The rules live in ``app.core.documents``.
"""

from __future__ import annotations

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu, QToolButton

from app.core.documents import retrieval
from app.core.documents.index import DocIndex
from app.core.errors import EnclaveError


class DocumentActions:
    """Mixed into MainWindow; lives on the UI thread."""

    def _build_documents(self) -> QToolButton:
        self.documents_dialog = None
        self.indexing = self.services.indexing
        self.indexing.finished.connect(self._on_indexing_finished)
        self.indexing.failed.connect(
            lambda name, msg: self.show_notice(f"{name}: {msg}", error=True)
        )
        self.indexing.progress.connect(self._on_indexing_progress)
        self.documents_button = QToolButton(text="Documents")
        self.documents_button.setAccessibleName("Documents for this conversation")
        self.documents_button.setToolTip(
            "Answer from your own documents: choose collections "
            "for this conversation (searched on this device)"
        )
        self.documents_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.documents_menu = QMenu(self.documents_button)
        self.documents_menu.aboutToShow.connect(self._fill_documents_menu)
        self.documents_button.setMenu(self.documents_menu)
        return self.documents_button

    def _start_documents(self) -> None:
        """At start: finish indexing a previous session left undone, and watch the folders."""
        try:
            resumed = self.indexing.resume_unfinished()
            self.indexing.watch()
        except EnclaveError as exc:
            self.show_notice(str(exc), error=True)
            return
        if resumed:
            self.status_state.setText(f"Resuming indexing of {', '.join(resumed)}…")

    # -- a conversation's collections ----------------------------------------------------------

    def current_collections(self) -> list[str]:
        return self.session.collections()

    def set_collections(self, names: list[str]) -> None:
        self.session.set_collections(names)

    def _update_documents_button(self, names: list[str]) -> None:
        self.documents_button.setText(f"Documents: {', '.join(names)}" if names else "Documents")
        self.documents_button.setProperty("active", bool(names))

    def _fill_documents_menu(self) -> None:
        menu = self.documents_menu
        menu.clear()
        chosen = set(self.current_collections())
        try:
            with DocIndex(self.rt.paths.documents_index) as index:
                collections = index.collections()
        except EnclaveError as exc:
            self.show_notice(str(exc), error=True)
            collections = []
        for c in collections:
            label = f"{c.name} ({c.files:,} files)" + (" · never to cloud" if c.never_cloud else "")
            action = QAction(label, menu, checkable=True, checked=c.name in chosen)
            action.toggled.connect(lambda on, name=c.name: self.session.toggle_collection(name, on))
            menu.addAction(action)
        if not collections:
            menu.addAction("No collections yet").setEnabled(False)
        menu.addSeparator()
        menu.addAction("Manage documents…", self.show_documents)

    # -- the Documents window and indexing -----------------------------------------------------

    def show_documents(self) -> None:
        """The Documents window; it stays alive when closed, and indexing carries on."""
        if self.documents_dialog is None:
            from app.ui.documents.documents_dialog import DocumentsDialog

            self.documents_dialog = DocumentsDialog(self.rt, self.indexing, self)
        self.documents_dialog.refresh()
        self.documents_dialog.show()
        self.documents_dialog.raise_()

    def _on_indexing_progress(self, p) -> None:
        from app.ui.documents.documents_dialog import progress_text

        self.status_state.setText(progress_text(p))

    def _on_indexing_finished(self, result) -> None:
        self.status_state.setText(result.summary())

    # -- sources -------------------------------------------------------------------------------

    def show_source(self, message_id: int, n: int) -> None:
        """The passage [n] of an answer: the exact text the prompt held, and its file."""
        from app.ui.documents.source_dialog import SourceDialog

        sources = retrieval.from_json(self.store.message(message_id).sources)
        source = next((s for s in sources if s.n == n), None)
        if source is not None:
            SourceDialog(source, self).exec()
