"""How a row of the Discover list is drawn: the model's name line in bold, what it means on this
computer underneath in the muted colour, wrapped to the list's width, with room between rows.

The item's text stays the plain two lines (tests, tooltips and screen readers read it); only the
drawing changes. Used on the UI thread."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QRect, QSize, Qt
from PySide6.QtGui import QFont, QFontMetrics, QPainter, QPalette
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem, QWidget

PADDING = 8  # around a row's text, so rows read as separate entries
GAP = 2  # between the name line and the line under it
WRAP = Qt.TextFlag.TextWordWrap | Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop


def _lines(index: QModelIndex) -> tuple[str, str]:
    title, _, rest = (index.data(Qt.ItemDataRole.DisplayRole) or "").partition("\n")
    return title, rest


class ModelRowDelegate(QStyledItemDelegate):
    def __init__(self, view: QWidget):
        super().__init__(view)
        self._view = view

    def _fonts(self, option: QStyleOptionViewItem) -> tuple[QFont, QFont]:
        bold = QFont(option.font)
        bold.setBold(True)
        return bold, option.font

    def _text_width(self, option: QStyleOptionViewItem) -> int:
        width = option.rect.width() if option.rect.width() > 0 else 0
        viewport = self._view.viewport().width()  # type: ignore[attr-defined]
        return max(40, (min(width, viewport) if width else viewport) - 2 * PADDING)

    def _heights(self, option: QStyleOptionViewItem, index: QModelIndex) -> tuple[int, int]:
        title, rest = _lines(index)
        width = self._text_width(option)
        bold, normal = self._fonts(option)
        box = QRect(0, 0, width, 10_000)
        top = QFontMetrics(bold).boundingRect(box, int(WRAP), title).height()
        under = QFontMetrics(normal).boundingRect(box, int(WRAP), rest).height() if rest else 0
        return top, under

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex) -> QSize:  # noqa: N802
        top, under = self._heights(option, index)
        width = self._text_width(option) + 2 * PADDING
        return QSize(width, top + (GAP + under if under else 0) + 2 * PADDING)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex) -> None:
        self.initStyleOption(option, index)
        style = option.widget.style() if option.widget else self._view.style()
        text = option.text
        option.text = ""  # the style draws the row's background, selection and focus only
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, option, painter, option.widget)
        option.text = text
        title, rest = _lines(index)
        top, under = self._heights(option, index)
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        palette = option.palette
        main = palette.color(
            QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
        )
        muted = main if selected else palette.color(QPalette.ColorRole.PlaceholderText)
        bold, normal = self._fonts(option)
        x, y, width = option.rect.x() + PADDING, option.rect.y() + PADDING, self._text_width(option)
        painter.save()
        painter.setFont(bold)
        painter.setPen(main)
        painter.drawText(QRect(x, y, width, top), int(WRAP), title)
        if rest:
            painter.setFont(normal)
            painter.setPen(muted)
            painter.drawText(QRect(x, y + top + GAP, width, under), int(WRAP), rest)
        painter.restore()
