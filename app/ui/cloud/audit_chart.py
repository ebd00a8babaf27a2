"""A small bar chart of what left this device per day over the last 30 days, one colour per
provider, drawn with QPainter. Sizes come from the font, colours from the palette (light and
dark), and the whole chart is also one sentence for screen readers."""

from __future__ import annotations

import datetime
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from PySide6.QtCore import QDate, QEvent, QLocale, QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPalette, QPen
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

from app.core.cloud.providers import TIERS
from app.core.platform.units import bytes_text
from app.core.privacy.audit_summary import Cell, Summary, per_day
from app.ui.chat.chat_view import is_dark
from app.ui.safe_text import tip

# Okabe–Ito: told apart with the common colour-vision deficiencies; lightened on dark themes.
PROVIDER_COLOURS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#D55E00", "#56B4E9")
TICKS = 4  # lines across the plot, the base line not counted


@dataclass(frozen=True)
class Measure:
    """What the bars' height counts."""

    name: str
    value: Callable[[Cell], int]
    text: Callable[[int], str]


BYTES = Measure("Bytes sent", lambda c: c.bytes_sent, bytes_text)
REQUESTS = Measure("Requests", lambda c: c.requests, str)
MEASURES = (BYTES, REQUESTS)


@dataclass(frozen=True)
class Bar:
    """One provider's part of one day's bar, where it is drawn."""

    rect: QRectF
    day: datetime.date
    provider: str


class AuditChart(QWidget):
    """Lives on the UI thread; shows what ``set_entries`` was last given."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.summary: Summary = per_day([])
        self.measure = BYTES
        self.setAccessibleName("What left this device per day")
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self._describe()

    # -- what it shows -------------------------------------------------------------------------

    def set_entries(self, entries: Iterable[dict], *, today: datetime.date | None = None) -> None:
        """Request entries as ``AuditLog.entries`` returns them."""
        self.summary = per_day(entries, today=today)
        self._describe()
        self.update()

    def set_measure(self, measure: Measure) -> None:
        self.measure = measure
        self._describe()
        self.update()

    def description(self) -> str:
        return self.accessibleDescription()

    def _describe(self) -> str:
        text = self.summary.describe()
        if self.summary.providers:
            text += " " + "; ".join(
                f"{self._name(name)}: {self._cell_text(self.summary.provider_total(name))}"
                for name in self.summary.providers
            )
            text += "."
        self.setAccessibleDescription(text)
        self.setToolTip(tip(f"{self.measure.name} per day. Point at a bar for its figures."))
        return text

    def colour(self, provider: str) -> QColor:
        index = self.summary.providers.index(provider) if provider in self.summary.providers else 0
        colour = QColor(PROVIDER_COLOURS[index % len(PROVIDER_COLOURS)])
        return QColor(colour.lighter(135).rgb()) if is_dark(self.palette()) else colour

    def bar_at(self, point: QPointF) -> Bar | None:
        for bar in self._layout()[2]:
            if bar.rect.contains(point):
                return bar
        return None

    def bar_text(self, bar: Bar) -> str:
        when = QLocale().toString(_qdate(bar.day), QLocale.FormatType.LongFormat)
        return f"{when}\n{self._name(bar.provider)}\n" + self._cell_text(
            self.summary.cell(bar.day, bar.provider), received=True
        )

    def bars(self) -> list[Bar]:
        return self._layout()[2]

    # -- geometry ------------------------------------------------------------------------------

    def sizeHint(self):  # noqa: N802 (Qt override)
        size = super().sizeHint()
        size.setWidth(self.fontMetrics().averageCharWidth() * 90)
        size.setHeight(self.fontMetrics().lineSpacing() * 12)
        return size

    def minimumSizeHint(self):  # noqa: N802 (Qt override)
        size = super().minimumSizeHint()
        size.setWidth(self.fontMetrics().averageCharWidth() * 40)
        size.setHeight(self.fontMetrics().lineSpacing() * 8)
        return size

    def _scale(self) -> tuple[int, int]:
        """The plot's top value and the step between its lines, round numbers."""
        peak = max(
            (self.measure.value(self.summary.day_total(d)) for d in self.summary.days), default=0
        )
        if peak <= TICKS:
            return TICKS, 1
        raw = peak / TICKS
        magnitude = 10 ** math.floor(math.log10(raw))
        step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
        return int(step * math.ceil(peak / step)), int(step)

    def _layout(self) -> tuple[list[tuple[QRectF, str]], QRectF, list[Bar]]:
        """The legend's swatches and labels, the plot area, and every bar part."""
        fm = self.fontMetrics()
        pad, line = fm.averageCharWidth(), fm.lineSpacing()
        swatch = fm.ascent() * 0.8
        legend: list[tuple[QRectF, str]] = []
        x, y = 0.0, 0.0
        for name in self.summary.providers:
            label = self._name(name)
            width = swatch + pad + fm.horizontalAdvance(label) + pad * 3
            if x and x + width > self.width():
                x, y = 0.0, y + line
            legend.append((QRectF(x, y + (line - swatch) / 2, swatch, swatch), name))
            x += width
        legend_height = y + line if legend else 0.0
        top, step = self._scale()
        labels = [self.measure.text(v) for v in range(0, top + 1, step)]
        left = max(fm.horizontalAdvance(t) for t in labels) + pad
        plot = QRectF(
            left,
            legend_height + line / 2,
            max(1.0, self.width() - left - pad),
            max(1.0, self.height() - legend_height - line * 2),
        )
        bars: list[Bar] = []
        slot = plot.width() / max(1, len(self.summary.days))
        gap = max(1.0, slot * 0.2)
        for i, day in enumerate(self.summary.days):
            base = plot.bottom()
            for name in self.summary.providers:
                value = self.measure.value(self.summary.cell(day, name))
                if not value:
                    continue
                height = max(1.0, plot.height() * value / top)  # the smallest part stays visible
                rect = QRectF(plot.left() + i * slot + gap / 2, base - height, slot - gap, height)
                bars.append(Bar(rect, day, name))
                base -= height
        return legend, plot, bars

    # -- drawing -------------------------------------------------------------------------------

    def paintEvent(self, event) -> None:  # noqa: N802 (Qt override)
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        palette = self.palette()
        text = palette.color(QPalette.ColorRole.WindowText)
        grid = QColor(text)
        grid.setAlpha(60)
        fm = self.fontMetrics()
        pad = fm.averageCharWidth()
        legend, plot, bars = self._layout()

        for rect, name in legend:
            painter.fillRect(rect, self.colour(name))
            painter.setPen(text)
            painter.drawText(
                QPointF(rect.right() + pad, rect.bottom()),
                fm.elidedText(
                    self._name(name),
                    Qt.TextElideMode.ElideRight,
                    max(pad, self.width() - int(rect.right()) - pad),
                ),
            )

        top, step = self._scale()
        for value in range(0, top + 1, step):
            y = plot.bottom() - plot.height() * value / top
            painter.setPen(QPen(text if value == 0 else grid, 0))
            painter.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y))
            label = self.measure.text(value)
            painter.setPen(text)
            painter.drawText(
                QPointF(plot.left() - pad / 2 - fm.horizontalAdvance(label), y + fm.ascent() / 2.5),
                label,
            )

        slot = plot.width() / max(1, len(self.summary.days))
        last = len(self.summary.days) - 1
        for i, day in enumerate(self.summary.days):
            if (last - i) % 7:
                continue  # a date each week, counted back from today
            label = QLocale().toString(_qdate(day), "d MMM")
            width = fm.horizontalAdvance(label)
            x = min(
                max(plot.left(), plot.left() + (i + 0.5) * slot - width / 2), self.width() - width
            )
            painter.drawText(QPointF(x, plot.bottom() + fm.ascent() + pad / 2), label)

        edge = QPen(palette.color(QPalette.ColorRole.Window), 0)
        for bar in bars:
            painter.fillRect(bar.rect, self.colour(bar.provider))
            painter.setPen(edge)  # parts of one day's bar stay apart
            painter.drawLine(bar.rect.topLeft(), bar.rect.topRight())

        if not self.summary.total.requests:
            painter.setPen(text)
            painter.drawText(plot, Qt.AlignmentFlag.AlignCenter, self.summary.describe())
        painter.end()

    def event(self, event) -> bool:
        if event.type() == QEvent.Type.ToolTip:
            bar = self.bar_at(QPointF(event.pos()))
            text = tip(self.bar_text(bar)) if bar else self.toolTip()
            QToolTip.showText(event.globalPos(), text, self)
            return True
        return super().event(event)

    # -- text ----------------------------------------------------------------------------------

    def _name(self, provider: str) -> str:
        tier = self.summary.tiers.get(provider)
        return f"{provider} ({TIERS[tier]})" if tier in TIERS else provider

    def _cell_text(self, cell: Cell, *, received: bool = False) -> str:
        noun = "request" if cell.requests == 1 else "requests"
        text = f"{cell.requests} {noun}, {bytes_text(cell.bytes_sent)} sent"
        return text + (f", {bytes_text(cell.bytes_received)} received" if received else "")


def _qdate(day: datetime.date) -> QDate:
    return QDate(day.year, day.month, day.day)
