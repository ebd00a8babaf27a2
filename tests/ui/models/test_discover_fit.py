"""Discover's curated list says, for every entry and before any click, how it would run on this
computer and under which license, without contacting anything; and no row is cut off."""

from __future__ import annotations

from models_dialog_helpers import open_dialog_fixture  # noqa: F401  (open_dialog)
from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QFont, QFontMetrics

from app.core.models import catalog, fit

GB = 2**30
FIT_LABELS = ("Fully on GPU", "CPU only", "Too big", "Size known after")


def _rows(dialog) -> list[str]:
    return [dialog.results.item(i).text() for i in range(dialog.results.count())]


def test_every_catalog_row_has_its_fit_and_license_without_the_network(open_dialog, hub):
    dialog = open_dialog()
    rows = _rows(dialog)
    assert len(rows) == len(catalog.load())
    for entry, text in zip(catalog.load(), rows):
        first, second = text.split("\n")
        assert entry.name in first
        assert any(label in second for label in FIT_LABELS), text
        assert entry.license.name in second, text
    assert hub.requests == []


def test_fits_follow_the_machine_and_the_suggestion_is_marked(open_dialog, hub, monkeypatch):
    monkeypatch.setattr(fit.Machine, "detect", classmethod(lambda cls: cls(8 * GB, 5 * GB)))
    dialog = open_dialog()
    by_name = dict(zip([e.name for e in catalog.load()], _rows(dialog)))
    assert "Too big for this machine" in by_name["gpt-oss 20B"]
    assert "CPU only (needs ~2.8 GB)" in by_name["Qwen3.5 4B"]
    starred = [text for text in by_name.values() if "★ Suggested for this computer" in text]
    assert len(starred) == 1 and starred[0].startswith("Qwen3.5 4B")
    assert "Llama 3.2 Community License" in by_name["Llama 3.2 3B Instruct"]
    assert hub.requests == []


def test_a_narrow_list_wraps_instead_of_cutting_rows_off(qtbot, open_dialog):
    dialog = open_dialog()
    dialog.resize(dialog.fontMetrics().averageCharWidth() * 60, dialog.height())
    view = dialog.results
    qtbot.waitUntil(lambda: view.viewport().width() < 400)
    qtbot.wait(50)  # the list lays its rows out again for the new width
    for i in range(view.count()):
        item = view.item(i)
        rect = view.visualItemRect(item)
        assert rect.width() <= view.viewport().width(), item.text()
        assert item.text() in item.toolTip()  # the whole text, at a glance
        # Tall enough for every wrapped line (the name in bold), so nothing is cut at the bottom.
        bold = QFont(view.font())
        bold.setBold(True)
        title, _, rest = item.text().partition("\n")
        box, flags = QRect(0, 0, rect.width() - 16, 10_000), int(Qt.TextFlag.TextWordWrap)
        needed = QFontMetrics(bold).boundingRect(box, flags, title).height()
        needed += QFontMetrics(view.font()).boundingRect(box, flags, rest).height()
        assert rect.height() >= needed, item.text()
    assert view.horizontalScrollBar().maximum() == 0
