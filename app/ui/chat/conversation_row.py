"""How a row of the conversation list is drawn: a date header, or a conversation's title over a
quieter second line (when, and the model). Sizes come from the font, colours from the palette, so
rows scale on HiDPI screens and follow light and dark themes.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QModelIndex, QRect, QSize, Qt
from PySide6.QtGui import QFont, QFontMetrics, QPainter, QPalette
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem, QWidget

HeaderRole = Qt.ItemDataRole.UserRole + 10  # True on a date header
DetailRole = Qt.ItemDataRole.UserRole + 11  # the second line

_LEFT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter


def _smaller(font: QFont, *, bold: bool = False) -> QFont:
    small = QFont(font)
    if font.pointSizeF() > 0:
        small.setPointSizeF(font.pointSizeF() * 0.85)
    else:
        small.setPixelSize(max(1, round(font.pixelSize() * 0.85)))
    small.setBold(bold)
    return small


class RowDelegate(QStyledItemDelegate):
    """Draws the rows of ``ConversationListView``; ``reserve(index)`` is the width the hover
    buttons cover on that row, kept free of its title. Lives on the UI thread."""

    def __init__(self, view: QWidget, *, reserve: Callable[[QModelIndex], int]):
        super().__init__(view)
        self._view = view
        self._reserve = reserve
        self._heights: dict[tuple[str, bool], int] = {}  # font, header -> row height

    def padding(self) -> int:
        return max(2, QFontMetrics(self._view.font()).height() // 4)

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex) -> QSize:  # noqa: N802
        header = bool(index.data(HeaderRole))
        key = (option.font.key(), header)  # asked once per row: measure once per font
        if key not in self._heights:
            pad = self.padding()
            if header:
                height = QFontMetrics(_smaller(option.font, bold=True)).height() + 3 * pad
            else:
                small = QFontMetrics(_smaller(option.font)).height()
                height = QFontMetrics(option.font).height() + small + 2 * pad + pad // 2
            self._heights[key] = height
        return QSize(max(1, option.rect.width()), self._heights[key])

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex) -> None:
        pad = self.padding()
        palette = option.palette
        painter.save()
        if index.data(HeaderRole):
            font = _smaller(option.font, bold=True)
            painter.setFont(font)
            painter.setPen(palette.color(QPalette.ColorRole.PlaceholderText))
            area = option.rect.adjusted(2 * pad, 2 * pad, -pad, 0)  # the gap above: a new group
            text = QFontMetrics(font).elidedText(
                str(index.data()), Qt.TextElideMode.ElideRight, area.width()
            )
            painter.drawText(area, _LEFT, text)
            painter.restore()
            return

        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        opt.text = ""  # the style draws the background, selection and focus; the text is ours
        style = opt.widget.style() if opt.widget else self._view.style()
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, opt.widget)

        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        area = option.rect.adjusted(2 * pad, pad, -pad, -pad)
        area.setRight(area.right() - self._reserve(index))
        title_metrics = QFontMetrics(option.font)
        painter.setFont(option.font)
        painter.setPen(
            palette.color(
                QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
            )
        )
        line = QRect(area.left(), area.top(), area.width(), title_metrics.height())
        title = title_metrics.elidedText(
            str(index.data() or ""), Qt.TextElideMode.ElideRight, area.width()
        )
        painter.drawText(line, _LEFT, title)

        small = _smaller(option.font)
        small_metrics = QFontMetrics(small)
        painter.setFont(small)
        if not selected:
            painter.setPen(palette.color(QPalette.ColorRole.PlaceholderText))
        detail = " ".join(str(index.data(DetailRole) or "").split())  # snippets hold newlines
        line = QRect(
            area.left(), line.bottom() + 1 + pad // 2, area.width(), small_metrics.height()
        )
        painter.drawText(
            line, _LEFT, small_metrics.elidedText(detail, Qt.TextElideMode.ElideRight, area.width())
        )
        painter.restore()
