"""The conversation list on the left: search on top, conversations newest first.

The list model pages through the store (``fetchMore``), so ten thousand conversations cost no more
to open than fifty. Searching swaps in the hits from the store's full-text index.
"""

from __future__ import annotations

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPoint, Qt, QTimer, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QHBoxLayout,
    QInputDialog,
    QLineEdit,
    QListView,
    QMenu,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.core.chat.store import Store
from app.ui.safe_text import ask
from app.ui.safe_text import tip as safe_tip

PAGE = 200
IdRole = Qt.ItemDataRole.UserRole + 1


class ConversationListModel(QAbstractListModel):
    """Rows are (id, title, tooltip). Lives on the UI thread; reads its own Store connection."""

    def __init__(self, store: Store, parent=None):
        super().__init__(parent)
        self._store = store
        self._rows: list[tuple[int, str, str]] = []
        self._query = ""
        self._exhausted = False
        self._sent: set[int] = set()  # conversations that sent something off this device

    def reload(self, query: str = "") -> None:
        self.beginResetModel()
        self._sent = self._store.sent_conversations()
        self._query = query.strip()
        self._rows, self._exhausted = [], False
        if self._query:
            hits = self._store.search(self._query)
            self._rows = [(h.conversation_id, h.title, h.snippet) for h in hits]
            self._exhausted = True
        self.endResetModel()
        if not self._query:
            self.fetchMore(QModelIndex())

    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self._rows)

    def canFetchMore(self, parent=QModelIndex()) -> bool:  # noqa: N802
        return not parent.isValid() and not self._exhausted

    def fetchMore(self, parent=QModelIndex()) -> None:  # noqa: N802
        if parent.isValid() or self._exhausted:
            return
        page = self._store.conversations(offset=len(self._rows), limit=PAGE)
        if len(page) < PAGE:
            self._exhausted = True
        if page:
            start = len(self._rows)
            self.beginInsertRows(QModelIndex(), start, start + len(page) - 1)
            self._rows += [(c.id, c.title, c.title) for c in page]
            self.endInsertRows()

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or index.row() >= len(self._rows):
            return None
        cid, title, tip = self._rows[index.row()]
        sent = cid in self._sent
        if role == Qt.ItemDataRole.DisplayRole:
            return f"☁ {title}" if sent else title
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return f"{title} (sent outside this device)" if sent else title
        if role == Qt.ItemDataRole.ToolTipRole:
            # Titles and snippets are message text: shown literally, never as markup.
            return safe_tip(tip, "Sent to a provider outside this device" if sent else "")
        if role == IdRole:
            return cid
        return None

    def row_of(self, conversation_id: int) -> int | None:
        return next((i for i, r in enumerate(self._rows) if r[0] == conversation_id), None)


class ConversationPanel(QWidget):
    """Search box, New chat, and the list. Lives on the UI thread."""

    conversation_selected = Signal(int)
    new_requested = Signal()
    deleted = Signal(int)

    def __init__(self, store: Store, parent=None):
        super().__init__(parent)
        self._store = store
        self.search = QLineEdit(placeholderText="Search conversations  (Ctrl+K)")
        self.search.setClearButtonEnabled(True)
        self.search.setAccessibleName("Search conversations")
        self.search.setToolTip("Finds conversations by title or by any word in them")
        self.new_button = QPushButton("New chat")
        self.new_button.setAccessibleName("New chat")
        self.new_button.setToolTip("Start a new conversation (Ctrl+N)")
        self.model = ConversationListModel(store, self)
        self.view = QListView()
        self.view.setModel(self.model)
        self.view.setAccessibleName("Conversations")
        self.view.setToolTip("Your conversations, newest first. Right-click to rename or delete.")
        self.view.setUniformItemSizes(True)
        self.view.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)

        top = QHBoxLayout()
        top.addWidget(self.search, 1)
        top.addWidget(self.new_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.view, 1)

        self._debounce = QTimer(self, singleShot=True, interval=150)
        self._debounce.timeout.connect(lambda: self.model.reload(self.search.text()))
        self.search.textChanged.connect(lambda _t: self._debounce.start())
        self.new_button.clicked.connect(self.new_requested)
        self.view.clicked.connect(self._on_view_clicked)
        self.view.activated.connect(self._on_view_clicked)
        self.view.customContextMenuRequested.connect(self._on_view_context_menu)
        self.model.reload()

    def refresh(self, select: int | None = None) -> None:
        self.model.reload(self.search.text())
        if select is not None:
            self.select(select)

    def select(self, conversation_id: int) -> None:
        row = self.model.row_of(conversation_id)
        if row is not None:
            self.view.setCurrentIndex(self.model.index(row))

    def current_id(self) -> int | None:
        index = self.view.currentIndex()
        return self.model.data(index, IdRole) if index.isValid() else None

    def rename(self, conversation_id: int) -> None:
        current = self._store.conversation(conversation_id).title
        title, ok = QInputDialog.getText(self, "Rename conversation", "Title:", text=current)
        if ok and title.strip():
            self._store.rename_conversation(conversation_id, title)
            self.refresh(select=conversation_id)

    def delete(self, conversation_id: int) -> None:
        title = self._store.conversation(conversation_id).title
        if ask(
            self,
            "Delete conversation",
            f"Delete “{title}” and all its messages from this device? This cannot be undone.",
        ):
            self._store.delete_conversation(conversation_id)
            self.refresh()
            self.deleted.emit(conversation_id)

    def _on_view_clicked(self, index: QModelIndex) -> None:
        cid = self.model.data(index, IdRole)
        if cid is not None:
            self.conversation_selected.emit(cid)

    def _on_view_context_menu(self, pos: QPoint) -> None:
        index = self.view.indexAt(pos)
        cid = self.model.data(index, IdRole)
        if cid is None:
            return
        menu = QMenu(self)
        rename = QAction("Rename…", menu)
        delete = QAction("Delete…", menu)
        rename.triggered.connect(lambda: self.rename(cid))
        delete.triggered.connect(lambda: self.delete(cid))
        menu.addActions([rename, delete])
        menu.exec(self.view.viewport().mapToGlobal(pos))
