"""The audit viewer's chart, on a real audit log written through the real writer: one stacked bar
per day and provider, tooltips and a summary that say the same, drawn in light and dark."""

from __future__ import annotations

import datetime
import types

import pytest
from PySide6.QtCore import QEvent, QPoint
from PySide6.QtGui import QColor, QHelpEvent, QImage
from PySide6.QtWidgets import QApplication, QToolTip

from app.core.privacy import audit
from app.ui.cloud.audit_chart import REQUESTS, AuditChart
from app.ui.cloud.audit_dialog import AuditDialog
from app.ui.theme import dark_palette

TODAY = datetime.date.today()


@pytest.fixture
def write(paths, monkeypatch):
    """Write a completed request through the real audit writer, ``days_ago`` days back."""
    log = audit.for_paths(paths)
    log.use_keyring = False  # the chart reads entries; the anchors are tested with the log
    clock = types.SimpleNamespace(time=None)
    monkeypatch.setattr(audit, "time", clock)

    def write(days_ago: int, provider: str, tier: str, sent: int, received: int = 300) -> None:
        noon = datetime.datetime.combine(TODAY, datetime.time(12)) - datetime.timedelta(days_ago)
        clock.time = noon.timestamp
        started = log.begin(provider=provider, tier=tier, host="127.0.0.1", bytes_sent=sent)
        log.complete(started, status=200, bytes_received=received)

    return write


def _image(widget) -> QImage:
    return widget.grab().toImage()


def _at(image: QImage, point) -> QColor:
    ratio = image.devicePixelRatio()
    return image.pixelColor(int(point.x() * ratio), int(point.y() * ratio))


def _count(image: QImage, colour: QColor) -> int:
    """Pixels of exactly ``colour`` (bars are filled rectangles, not anti-aliased)."""
    rgb = colour.rgb()
    return sum(
        image.pixel(x, y) == rgb for y in range(0, image.height()) for x in range(image.width())
    )


def test_the_viewer_charts_each_day_and_provider(qtbot, paths, write):
    write(0, "Org", "org", 1200)
    write(0, "Org", "org", 800)
    write(0, "OpenAI", "cloud", 1000)
    write(3, "OpenAI", "cloud", 5000)
    write(40, "OpenAI", "cloud", 9000)  # older than the chart
    dialog = AuditDialog(paths=paths)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    chart = dialog.chart

    said = "In the last 30 days, 4 requests, 8 KB sent, to 2 providers."
    assert dialog.chart_caption.text() == said
    assert chart.accessibleName() == "What left this device per day"
    assert chart.accessibleDescription() == (
        f"{said} OpenAI (Third-party cloud): 2 requests, 6 KB sent; "
        "Org (Your organisation): 2 requests, 2 KB sent."
    )
    bars = {(b.day, b.provider): b.rect for b in chart.bars()}
    three_days_ago = TODAY - datetime.timedelta(days=3)
    assert set(bars) == {(TODAY, "Org"), (TODAY, "OpenAI"), (three_days_ago, "OpenAI")}
    # Stacked: today's parts sit on each other, and their heights follow the bytes.
    below, above = bars[TODAY, "OpenAI"], bars[TODAY, "Org"]
    assert below.top() == pytest.approx(above.bottom())
    assert above.height() == pytest.approx(below.height() * 2, rel=0.02)
    assert bars[three_days_ago, "OpenAI"].height() == pytest.approx(below.height() * 5, rel=0.02)
    assert bars[three_days_ago, "OpenAI"].right() < below.left()  # time runs left to right

    # The tooltip over a bar names the day, the provider and its figures.
    centre = above.center().toPoint()
    QApplication.sendEvent(
        chart, QHelpEvent(QEvent.Type.ToolTip, centre, chart.mapToGlobal(centre))
    )
    shown = QToolTip.text()
    assert "Org (Your organisation)" in shown
    assert "2 requests, 2 KB sent, 600 B received" in shown
    assert str(TODAY.year) in shown

    # Drawn: each part in its provider's colour, distinct colours, nothing where no bar is.
    image = _image(chart)
    org, openai = chart.colour("Org"), chart.colour("OpenAI")
    assert org != openai
    assert _at(image, above.center()) == org
    assert _at(image, below.center()) == openai
    assert _at(image, bars[three_days_ago, "OpenAI"].center()) == openai
    empty_day = bars[three_days_ago, "OpenAI"].center()
    empty_day.setX(empty_day.x() + below.width() * 1.25 * 1)  # two days ago: no requests
    assert _at(image, empty_day) not in (org, openai)
    ratio = image.devicePixelRatio() ** 2
    assert _count(image, org) >= above.width() * above.height() * ratio * 0.8

    # Counting requests instead: today's bar is three requests high, three days ago one.
    dialog.measure.setCurrentIndex(1)
    assert chart.measure is REQUESTS
    bars = {(b.day, b.provider): b.rect for b in chart.bars()}
    assert bars[TODAY, "Org"].height() == pytest.approx(bars[TODAY, "OpenAI"].height() * 2)
    assert bars[three_days_ago, "OpenAI"].height() == pytest.approx(bars[TODAY, "OpenAI"].height())


def test_the_chart_reads_in_the_dark_palette(qtbot, paths, write):
    write(0, "Org", "org", 2000)
    light = AuditChart()
    dark = AuditChart()
    dark.setPalette(dark_palette())
    for chart in (light, dark):
        qtbot.addWidget(chart)
        chart.resize(chart.sizeHint())
        chart.set_entries(audit.for_paths(paths).entries())
    assert dark.colour("Org").lightness() > light.colour("Org").lightness()
    for chart in (light, dark):
        image = _image(chart)
        bar = chart.bars()[0]
        assert _at(image, bar.rect.center()) == chart.colour("Org")
        # The labels are drawn in the palette's text colour: some pixels are near it.
        text = chart.palette().windowText().color()
        near = sum(
            abs(QColor(image.pixel(x, y)).lightness() - text.lightness()) < 40
            for y in range(image.height())
            for x in range(image.width())
        )
        assert near > 50


def test_an_empty_log_says_nothing_left_and_draws_no_bars(qtbot, paths):
    dialog = AuditDialog(paths=paths)
    qtbot.addWidget(dialog)
    chart = dialog.chart
    assert chart.bars() == []
    assert dialog.chart_caption.text() == "In the last 30 days, nothing left this device."
    assert chart.accessibleDescription() == dialog.chart_caption.text()
    image = _image(chart)
    assert not image.isNull()
    centre = chart.rect().center()
    QApplication.sendEvent(
        chart, QHelpEvent(QEvent.Type.ToolTip, centre, chart.mapToGlobal(QPoint(centre)))
    )
    assert "Point at a bar" in QToolTip.text()
