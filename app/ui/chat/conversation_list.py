"""The sidebar: New chat, search, and the conversations grouped by date, newest first.

The list model pages through the store (``fetchMore``), so ten thousand conversations cost no more
to open than fifty. Searching swaps in the hits from the store's full-text index. The view shows
the conversations through ``GroupedModel``, which puts a date header ("Today", "Yesterday", …)
before each group of the rows loaded so far; ``ConversationPanel.model`` stays one row per
conversation.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import (
    QAbstractListModel,
    QEvent,
    QModelIndex,
    QPersistentModelIndex,
    QPoint,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QAction, QKeyEvent, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListView,
    QMenu,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.core.chat.dates import group_label, when_text
from app.core.chat.store import Store
from app.ui.chat.conversation_row import DetailRole, HeaderRole, RowDelegate
from app.ui.icons import icon
from app.ui.safe_text import ask
from app.ui.safe_text import tip as safe_tip

PAGE = 200
IdRole = Qt.ItemDataRole.UserRole + 1
UpdatedRole = Qt.ItemDataRole.UserRole + 2

_Row = tuple[int, str, str, float | None, str]  # id, title, tooltip, updated, second line


class ConversationListModel(QAbstractListModel):
    """One row per conversation. Lives on the UI thread; reads its own Store connection."""

    def __init__(self, store: Store, parent=None, *, clock: Callable[[], float] = time.time):
        super().__init__(parent)
        self._store = store
        self._clock = clock
        self._rows: list[_Row] = []
        self._query = ""
        self._exhausted = False
        self._sent: set[int] = set()  # conversations that sent something off this device
        self.now = clock()  # one "now" per reload, so a page's dates agree with the last one's

    @property
    def query(self) -> str:
        return self._query

    def reload(self, query: str = "") -> None:
        self.beginResetModel()
        self.now = self._clock()
        self._sent = self._store.sent_conversations()
        self._query = query.strip()
        self._rows, self._exhausted = [], False
        if self._query:
            hits = self._store.search(self._query)
            self._rows = [(h.conversation_id, h.title, h.snippet, None, h.snippet) for h in hits]
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
            self._rows += [
                (
                    c.id,
                    c.title,
                    c.title,
                    c.updated,
                    " · ".join(filter(None, (when_text(c.updated, self.now), c.model))),
                )
                for c in page
            ]
            self.endInsertRows()

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or index.row() >= len(self._rows):
            return None
        cid, title, tip, updated, detail = self._rows[index.row()]
        sent = cid in self._sent
        if role == Qt.ItemDataRole.DisplayRole:
            return f"☁ {title}" if sent else title
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return f"{title} (sent outside this device)" if sent else title
        if role == Qt.ItemDataRole.AccessibleDescriptionRole:
            return detail
        if role == Qt.ItemDataRole.ToolTipRole:
            # Titles and snippets are message text: shown literally, never as markup.
            return safe_tip(tip, "Sent to a provider outside this device" if sent else "")
        if role == IdRole:
            return cid
        if role == UpdatedRole:
            return updated
        if role == DetailRole:
            return detail
        return None

    def row_of(self, conversation_id: int) -> int | None:
        return next((i for i, r in enumerate(self._rows) if r[0] == conversation_id), None)


class GroupedModel(QAbstractListModel):
    """``ConversationListModel``'s rows with a date header before each group, for the view.

    Follows the source as it pages (a group continued on the next page gets no second header);
    search hits, in their own order, come without headers. Lives on the UI thread.
    """

    def __init__(self, source: ConversationListModel, parent=None):
        super().__init__(parent)
        self._source = source
        self._entries: list[int | str] = []  # a source row, or a header's label
        self._view_row: list[int] = []  # source row -> row here
        source.modelAboutToBeReset.connect(self.beginResetModel)
        source.modelReset.connect(self._on_source_reset)
        source.rowsInserted.connect(self._on_source_rows_inserted)

    def _on_source_reset(self) -> None:
        self._entries, self._view_row = [], []
        self._append(0, self._source.rowCount() - 1)
        self.endResetModel()

    def _on_source_rows_inserted(self, _parent, first: int, last: int) -> None:
        # The source only ever appends (a new page); anything else arrives as a reset.
        entries = self._grouped(first, last)
        start = len(self._entries)
        self.beginInsertRows(QModelIndex(), start, start + len(entries) - 1)
        self._extend(entries)
        self.endInsertRows()

    def _append(self, first: int, last: int) -> None:
        self._extend(self._grouped(first, last))

    def _grouped(self, first: int, last: int) -> list[int | str]:
        if self._source.query:
            return list(range(first, last + 1))
        previous = next((e for e in reversed(self._entries) if isinstance(e, str)), None)
        entries: list[int | str] = []
        for row in range(first, last + 1):
            updated = self._source.data(self._source.index(row), UpdatedRole)
            label = group_label(updated, self._source.now)
            if label != previous:
                entries.append(label)
                previous = label
            entries.append(row)
        return entries

    def _extend(self, entries: list[int | str]) -> None:
        for entry in entries:
            if isinstance(entry, int):
                self._view_row.append(len(self._entries))
            self._entries.append(entry)

    def source_index(self, index: QModelIndex) -> QModelIndex:
        """The conversation row behind ``index``; invalid for a header."""
        if not index.isValid() or index.row() >= len(self._entries):
            return QModelIndex()
        entry = self._entries[index.row()]
        return self._source.index(entry) if isinstance(entry, int) else QModelIndex()

    def view_index(self, source_row: int) -> QModelIndex:
        return (
            self.index(self._view_row[source_row])
            if source_row < len(self._view_row)
            else QModelIndex()
        )

    def headers(self) -> list[str]:
        return [e for e in self._entries if isinstance(e, str)]

    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self._entries)

    def canFetchMore(self, parent=QModelIndex()) -> bool:  # noqa: N802
        return self._source.canFetchMore(parent)

    def fetchMore(self, parent=QModelIndex()) -> None:  # noqa: N802
        self._source.fetchMore(parent)

    def flags(self, index: QModelIndex) -> Qt.ItemFlag:
        if index.isValid() and isinstance(self._entries[index.row()], str):
            return Qt.ItemFlag.NoItemFlags  # a header: neither selectable nor a cursor stop
        return super().flags(index)

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or index.row() >= len(self._entries):
            return None
        entry = self._entries[index.row()]
        if role == HeaderRole:  # asked for every row as the view lays out: answered here
            return isinstance(entry, str)
        if isinstance(entry, int):
            return self._source.data(self._source.index(entry), role)
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return entry
        if role == Qt.ItemDataRole.AccessibleDescriptionRole:
            return "Heading"
        return None


class ConversationListView(QListView):
    """The list, with Rename and Delete buttons on the row under the mouse (else the current
    row). F2 and Delete act on the current row. Lives on the UI thread."""

    rename_requested = Signal(int)
    delete_requested = Signal(int)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setMouseTracking(True)  # hover buttons follow the mouse
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setTextElideMode(Qt.TextElideMode.ElideRight)
        self._hovered = QPersistentModelIndex()
        self._shown_for: int | None = None  # the conversation the buttons act on

        # Real buttons, not painted ones: screen readers name them and a click on one never
        # reaches the list (so it does not also open the conversation).
        self.row_actions = QWidget(self.viewport())
        self.rename_button = self._action_button("edit", "Rename conversation", "Rename (F2)")
        self.delete_button = self._action_button("delete", "Delete conversation", "Delete (Del)")
        bar = QHBoxLayout(self.row_actions)
        bar.setContentsMargins(0, 0, 0, 0)
        bar.setSpacing(0)
        bar.addWidget(self.rename_button)
        bar.addWidget(self.delete_button)
        self.row_actions.hide()
        self.rename_button.clicked.connect(lambda: self._act(self.rename_requested))
        self.delete_button.clicked.connect(lambda: self._act(self.delete_requested))
        self.delegate = RowDelegate(self, reserve=self._buttons_width)
        self.setItemDelegate(self.delegate)

    def _action_button(self, icon_name: str, name: str, tooltip: str) -> QToolButton:
        button = QToolButton(self.row_actions, icon=icon(icon_name), autoRaise=True)
        button.setAccessibleName(name)
        button.setToolTip(tooltip)
        button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # F2 and Delete from the list instead
        return button

    def _buttons_width(self, index: QModelIndex) -> int:
        """The room a row keeps free of its title: the buttons' width on the row that has them."""
        shown = self._shown_for is not None and index.data(IdRole) == self._shown_for
        return self.row_actions.sizeHint().width() if shown else 0

    def _act(self, signal) -> None:
        if self._shown_for is not None:
            signal.emit(self._shown_for)

    def place_row_actions(self) -> None:
        """Put the buttons on the hovered row, else the current one; hide them on neither."""
        index = QModelIndex(self._hovered) if self._hovered.isValid() else self.currentIndex()
        cid = index.data(IdRole) if index.isValid() else None
        if cid != self._shown_for:
            self.viewport().update()  # the title that made room for them gets it back
        if cid is None:
            self._shown_for = None
            self.row_actions.hide()
            return
        self._shown_for = cid
        rect, size = self.visualRect(index), self.row_actions.sizeHint()
        margin = self.delegate.padding()
        self.row_actions.resize(size)
        self.row_actions.move(
            rect.right() - size.width() - margin, rect.top() + (rect.height() - size.height()) // 2
        )
        self.row_actions.show()
        self.row_actions.raise_()

    # -- keeping the buttons where they belong -------------------------------------------------

    def mouseMoveEvent(self, event) -> None:  # noqa: N802
        super().mouseMoveEvent(event)
        index = self.indexAt(event.position().toPoint())
        if QPersistentModelIndex(index) != self._hovered:
            self._hovered = QPersistentModelIndex(index)
            self.place_row_actions()

    def leaveEvent(self, event) -> None:  # noqa: N802
        super().leaveEvent(event)
        if self.row_actions.underMouse():
            return  # the mouse went onto the buttons, still over the row
        self._hovered = QPersistentModelIndex()
        self.place_row_actions()

    def currentChanged(self, current, previous) -> None:  # noqa: N802
        super().currentChanged(current, previous)
        self.place_row_actions()

    def scrollContentsBy(self, dx: int, dy: int) -> None:  # noqa: N802
        super().scrollContentsBy(dx, dy)
        self.place_row_actions()

    def updateGeometries(self) -> None:  # noqa: N802
        super().updateGeometries()  # after resizes and rows coming or going
        QTimer.singleShot(0, self, self.place_row_actions)  # dropped with the list

    # -- keyboard ------------------------------------------------------------------------------

    def moveCursor(self, action, modifiers) -> QModelIndex:  # noqa: N802
        """Up, Down, Page Up/Down, Home and End step over headers."""
        index = super().moveCursor(action, modifiers)
        if not index.isValid() or not index.data(HeaderRole):
            return index
        up = action in (
            QAbstractItemView.CursorAction.MoveUp,
            QAbstractItemView.CursorAction.MovePageUp,
            QAbstractItemView.CursorAction.MoveEnd,
        )
        model, row = self.model(), index.row()
        for step in (-1, 1) if up else (1, -1):
            r = row + step
            while 0 <= r < model.rowCount() and model.index(r, 0).data(HeaderRole):
                r += step
            if 0 <= r < model.rowCount():
                return model.index(r, 0)
        return self.currentIndex()

    def _key_action(self, event: QKeyEvent):
        if event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier:
            return None
        return {Qt.Key.Key_F2: self.rename_requested, Qt.Key.Key_Delete: self.delete_requested}.get(
            Qt.Key(event.key())
        )

    def event(self, event) -> bool:
        # With the list focused, F2 renames the row picked in it, not the window's conversation.
        if event.type() == QEvent.Type.ShortcutOverride and self._key_action(event) is not None:
            event.accept()
            return True
        return super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        signal = self._key_action(event)
        cid = self.currentIndex().data(IdRole) if self.currentIndex().isValid() else None
        if signal is not None and cid is not None:
            signal.emit(cid)
            return
        super().keyPressEvent(event)


class ConversationPanel(QWidget):
    """New chat, the search box, and the list. Lives on the UI thread."""

    conversation_selected = Signal(int)
    new_requested = Signal()
    deleted = Signal(int)

    def __init__(self, store: Store, parent=None, *, clock: Callable[[], float] = time.time):
        super().__init__(parent)
        self._store = store
        self.new_button = QPushButton(icon("new"), "New chat")
        self.new_button.setAccessibleName("New chat")
        self.new_button.setToolTip("Start a new conversation (Ctrl+N)")
        self.search = QLineEdit(placeholderText="Search conversations  (Ctrl+K)")
        self.search.addAction(
            icon("search", QPalette.ColorRole.PlaceholderText),
            QLineEdit.ActionPosition.LeadingPosition,
        )
        self.search.setClearButtonEnabled(True)
        self.search.setAccessibleName("Search conversations")
        self.search.setToolTip("Finds conversations by title or by any word in them")
        self.model = ConversationListModel(store, self, clock=clock)
        self.grouped = GroupedModel(self.model, self)
        self.view = ConversationListView()
        self.view.setModel(self.grouped)
        self.view.setAccessibleName("Conversations")
        self.view.setToolTip(
            "Your conversations, newest first. F2 renames, Delete deletes; or right-click."
        )
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.empty = QLabel(wordWrap=True, textFormat=Qt.TextFormat.PlainText)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
        self.empty.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.empty.hide()

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.new_button)
        layout.addWidget(self.search)
        layout.addWidget(self.empty)
        layout.addWidget(self.view, 1)

        self._debounce = QTimer(self, singleShot=True, interval=150)
        self._debounce.timeout.connect(lambda: self.model.reload(self.search.text()))
        self.search.textChanged.connect(lambda _t: self._debounce.start())
        self.new_button.clicked.connect(self.new_requested)
        self.view.clicked.connect(self._on_view_clicked)
        self.view.activated.connect(self._on_view_clicked)
        self.view.customContextMenuRequested.connect(self._on_view_context_menu)
        self.view.rename_requested.connect(self.rename)
        self.view.delete_requested.connect(self.delete)
        self.model.modelReset.connect(self._show_empty_state)
        self.model.rowsInserted.connect(self._show_empty_state)
        self.model.reload()

    def refresh(self, select: int | None = None) -> None:
        self.model.reload(self.search.text())
        if select is not None:
            self.select(select)

    def select(self, conversation_id: int) -> None:
        row = self.model.row_of(conversation_id)
        if row is not None:
            self.view.setCurrentIndex(self.grouped.view_index(row))

    def current_id(self) -> int | None:
        index = self.view.currentIndex()
        return index.data(IdRole) if index.isValid() else None

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

    def _show_empty_state(self) -> None:
        query = self.model.query
        if self.model.rowCount():
            self.empty.hide()
            return
        self.empty.setText(
            f"No conversation matches “{query}”."
            if query
            else "No conversations yet. Start one with New chat."
        )
        self.empty.show()

    def _on_view_clicked(self, index: QModelIndex) -> None:
        cid = index.data(IdRole)  # an index of either model: a header has none
        if cid is not None:
            self.conversation_selected.emit(cid)

    def _on_view_context_menu(self, pos: QPoint) -> None:
        cid = self.view.indexAt(pos).data(IdRole)
        if cid is None:
            return
        menu = QMenu(self)
        rename = QAction("Rename…", menu)
        delete = QAction("Delete…", menu)
        rename.triggered.connect(lambda: self.rename(cid))
        delete.triggered.connect(lambda: self.delete(cid))
        menu.addActions([rename, delete])
        menu.exec(self.view.viewport().mapToGlobal(pos))
