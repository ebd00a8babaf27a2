"""The sidebar on a real store: date headers, keys that skip them, hover buttons, paging, search."""

from __future__ import annotations

from datetime import datetime

import pytest
from conftest import press_message_box
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QInputDialog, QMessageBox

from app.core.chat.dates import group_label
from app.core.chat.store import Store
from app.ui.chat.conversation_list import PAGE, ConversationPanel

NOW = datetime(2025, 6, 12, 15, 0).timestamp()  # local time, a fixed clock for the list
HOUR, DAY = 3600, 86400


@pytest.fixture
def store(paths):
    with Store(paths.database) as store:
        yield store


def add(store: Store, title: str, updated: float) -> int:
    cid = store.create_conversation(title).id
    store._db.execute("UPDATE conversations SET updated = ? WHERE id = ?", (updated, cid))
    return cid


@pytest.fixture
def panel(qtbot, store):
    def make() -> ConversationPanel:
        panel = ConversationPanel(store, clock=lambda: NOW)
        qtbot.addWidget(panel)
        panel.resize(320, 640)
        panel.show()
        qtbot.waitExposed(panel)
        return panel

    return make


def shown(panel: ConversationPanel) -> list[str]:
    """The list as the view has it: headers in brackets."""
    model = panel.view.model()
    rows = [model.index(r, 0) for r in range(model.rowCount())]
    return [f"[{i.data()}]" if i.flags() == Qt.ItemFlag.NoItemFlags else i.data() for i in rows]


def row_of(panel: ConversationPanel, title: str):
    model = panel.view.model()
    return next(
        model.index(r, 0) for r in range(model.rowCount()) if model.index(r).data() == title
    )


@pytest.fixture
def history(store):
    """One conversation in each group, added oldest first."""
    return {
        title: add(store, title, NOW - ago)
        for title, ago in [
            ("Spring plans", 60 * DAY),
            ("Tax return", 10 * DAY),
            ("Garden", 3 * DAY),
            ("Late question", 14 * HOUR + 30 * 60),  # 00:30 today would be 14.5 h before 15:00
            ("Yesterday's recipe", 16 * HOUR),  # 23:00 yesterday: only an hour and a half apart
            ("Just now", 60),
        ]
    }


def test_headers_come_in_order_with_their_rows(panel, history):
    p = panel()
    assert shown(p) == [
        "[Today]",
        "Just now",
        "Late question",
        "[Yesterday]",
        "Yesterday's recipe",
        "[Previous 7 days]",
        "Garden",
        "[Previous 30 days]",
        "Tax return",
        "[April 2025]",
        "Spring plans",
    ]
    assert p.model.rowCount() == 6  # the panel's model stays one row per conversation
    header = p.view.model().index(0, 0)
    assert header.data(Qt.ItemDataRole.AccessibleDescriptionRole) == "Heading"
    assert row_of(p, "Just now").data(Qt.ItemDataRole.AccessibleDescriptionRole) == "14:59"


def test_arrow_keys_skip_headers(qtbot, panel, history):
    p = panel()
    p.view.setFocus()
    p.select(history["Late question"])
    qtbot.keyClick(p.view, Qt.Key.Key_Down)
    assert p.current_id() == history["Yesterday's recipe"]  # over the Yesterday header
    qtbot.keyClick(p.view, Qt.Key.Key_Up)
    qtbot.keyClick(p.view, Qt.Key.Key_Up)
    assert p.current_id() == history["Just now"]
    qtbot.keyClick(p.view, Qt.Key.Key_Up)  # only the Today header is above: stay
    assert p.current_id() == history["Just now"]
    qtbot.keyClick(p.view, Qt.Key.Key_End)
    assert p.current_id() == history["Spring plans"]
    qtbot.keyClick(p.view, Qt.Key.Key_Home)  # row 0 is a header
    assert p.current_id() == history["Just now"]
    assert not p.view.selectionModel().isSelected(p.view.model().index(0, 0))


def test_hover_buttons_delete_after_asking_without_opening(qtbot, dialogs, panel, store, history):
    p = panel()
    opened, deleted = [], []
    p.conversation_selected.connect(opened.append)
    p.deleted.connect(deleted.append)
    bar, view = p.view.row_actions, p.view
    assert not bar.isVisible()  # nothing hovered, nothing selected

    garden = view.visualRect(row_of(p, "Garden"))
    qtbot.mouseMove(view.viewport(), garden.center())
    qtbot.waitUntil(bar.isVisible, timeout=2_000)
    assert garden.top() <= bar.geometry().center().y() <= garden.bottom()
    for button, name in ((view.rename_button, "Rename"), (view.delete_button, "Delete")):
        assert button.accessibleName() == f"{name} conversation"
        assert button.toolTip().startswith(name)

    seen: list = []
    press_message_box(dialogs, QMessageBox.StandardButton.No, seen)
    qtbot.mouseClick(view.delete_button, Qt.MouseButton.LeftButton)
    assert "Garden" in seen[0][1] and store.conversation(history["Garden"])
    qtbot.mouseMove(view.viewport(), garden.center() + QPoint(0, 1))  # back from the dialog
    qtbot.waitUntil(bar.isVisible, timeout=2_000)
    press_message_box(dialogs, QMessageBox.StandardButton.Yes, seen)
    qtbot.mouseClick(view.delete_button, Qt.MouseButton.LeftButton)
    assert deleted == [history["Garden"]] and opened == []
    assert "Garden" not in shown(p) and "[Previous 7 days]" not in shown(p)

    # A click on the row itself (not its buttons) opens it; one on a header opens nothing.
    qtbot.mouseClick(
        view.viewport(),
        Qt.MouseButton.LeftButton,
        pos=view.visualRect(view.model().index(0, 0)).center(),
    )
    assert opened == []
    tax = view.visualRect(row_of(p, "Tax return"))
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=tax.center())
    assert opened == [history["Tax return"]]


def test_f2_renames_and_delete_deletes_the_current_row(qtbot, dialogs, panel, store, history):
    p = panel()
    p.select(history["Tax return"])
    p.view.setFocus()

    def retitle(dialog):
        assert dialog.textValue() == "Tax return"
        dialog.setTextValue("Taxes 2024")
        dialog.accept()

    dialogs.answer(QInputDialog, retitle)
    qtbot.keyClick(p.view, Qt.Key.Key_F2)
    assert store.conversation(history["Tax return"]).title == "Taxes 2024"
    assert p.current_id() == history["Tax return"] and "Taxes 2024" in shown(p)

    seen: list = []
    press_message_box(dialogs, QMessageBox.StandardButton.Yes, seen)
    qtbot.keyClick(p.view, Qt.Key.Key_Delete)
    assert "Taxes 2024" in seen[0][1] and "Taxes 2024" not in shown(p)


def test_thousands_load_a_page_and_groups_continue_across_pages(panel, store):
    db = store._db
    db.execute("BEGIN")
    db.executemany(  # one an hour, back four months: a page ends inside "Previous 30 days"
        "INSERT INTO conversations (title, created, updated) VALUES (?, ?, ?)",
        [(f"Chat {i}", NOW - i * HOUR, NOW - i * HOUR) for i in range(3000)],
    )
    db.execute("COMMIT")
    p = panel()
    grouped = p.view.model()
    assert p.model.rowCount() == PAGE
    first_page = grouped.headers()
    assert grouped.rowCount() == PAGE + len(first_page)
    assert first_page[-1] == "Previous 30 days"

    p.view.scrollToBottom()  # the view asks for more as it reaches the end
    assert p.model.rowCount() == 2 * PAGE
    labels = [group_label(NOW - i * HOUR, NOW) for i in range(2 * PAGE)]
    expected = [g for i, g in enumerate(labels) if i == 0 or g != labels[i - 1]]
    assert grouped.headers() == expected == first_page  # no second "Previous 30 days"
    assert shown(p).count("[Previous 30 days]") == 1
    assert grouped.rowCount() == 2 * PAGE + len(expected)


def test_search_shows_hits_without_headers_and_says_when_none_match(qtbot, panel, history):
    p = panel()
    assert not p.empty.isVisible()
    qtbot.keyClicks(p.search, "zeppelin")
    qtbot.waitUntil(p.empty.isVisible, timeout=3_000)
    assert p.empty.text() == "No conversation matches “zeppelin”."
    assert p.view.model().rowCount() == 0

    p.search.clear()
    qtbot.keyClicks(p.search, "garden")
    qtbot.waitUntil(lambda: p.model.rowCount() == 1, timeout=3_000)
    assert shown(p) == ["Garden"] and not p.empty.isVisible()


def test_new_chat_sits_above_search(qtbot, panel, store):
    p = panel()
    assert p.empty.isVisible() and "No conversations yet" in p.empty.text()
    assert p.new_button.geometry().bottom() < p.search.geometry().top()
    with qtbot.waitSignal(p.new_requested, timeout=1_000):
        qtbot.mouseClick(p.new_button, Qt.MouseButton.LeftButton)
