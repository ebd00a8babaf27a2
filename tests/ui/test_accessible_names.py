"""Every control a person can reach has a name a screen reader says and a tooltip a mouse user
reads: the main window and each of its windows, walked widget by widget."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QAccessible
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSlider,
    QAbstractSpinBox,
    QComboBox,
    QHeaderView,
    QLineEdit,
    QPlainTextEdit,
    QScrollBar,
    QTabBar,
    QTextEdit,
    QWidget,
)

pytestmark = pytest.mark.slow  # the real window loads the starter model

INTERACTIVE = (
    QAbstractButton,
    QComboBox,
    QLineEdit,
    QPlainTextEdit,
    QTextEdit,
    QAbstractSpinBox,
    QAbstractItemView,
    QAbstractSlider,
)
# Parts Qt builds inside a control (a combo box's list, a spin box's editor, a tab bar's
# arrows, a table's header, a scroll bar): the control itself carries the name and the tooltip.
COMPOSITE = (QComboBox, QAbstractSpinBox, QTabBar, QLineEdit)


def _inside_composite(widget: QWidget, top: QWidget) -> bool:
    parent = widget.parentWidget()
    while parent is not None and parent is not top:
        if isinstance(parent, COMPOSITE):
            return True
        parent = parent.parentWidget()
    return False


def _spoken_name(widget: QWidget) -> str:
    """What a screen reader says: the accessible name, or what Qt derives (text, buddy label)."""
    face = QAccessible.queryAccessibleInterface(widget)
    return (face.text(QAccessible.Text.Name) if face is not None else "").strip()


def _describe(widget: QWidget) -> str:
    text = getattr(widget, "text", None)
    shown = text() if callable(text) and isinstance(widget, QAbstractButton) else ""
    name, spoken = widget.objectName(), _spoken_name(widget)
    return (
        f"{type(widget).__name__}"
        + (f" {name!r}" if name else "")
        + (f" text={shown!r}" if shown else "")
        + (f" named {spoken!r}" if spoken and spoken != shown else "")
        + f" in {type(widget.parentWidget()).__name__}"
    )


def unnamed_controls(top: QWidget) -> list[str]:
    """Interactive widgets under ``top`` without an accessible name or without a tooltip."""
    problems = []
    for widget in [top, *top.findChildren(QWidget)]:
        if not isinstance(widget, INTERACTIVE) or isinstance(widget, QScrollBar | QHeaderView):
            continue
        if widget.objectName().startswith("qt_") or _inside_composite(widget, top):
            continue
        missing = [
            what
            for what, ok in (
                ("accessible name", _spoken_name(widget)),
                ("tooltip", widget.toolTip().strip()),
            )
            if not ok
        ]
        if missing:
            problems.append(f"{_describe(widget)}: no {' and no '.join(missing)}")
    return problems


def _check(where: str, top: QWidget) -> list[str]:
    return [f"{where}: {problem}" for problem in unnamed_controls(top)]


def _all_windows(window) -> list[str]:
    """The problems of the main window and of each window it opens."""
    from app.core.cloud.providers import Provider
    from app.core.privacy.consent import ConsentRequest
    from app.ui.cloud.audit_dialog import AuditDialog
    from app.ui.cloud.consent_dialog import ConsentDialog

    problems = _check("main window", window)
    window.show_models()
    problems += _check("Models", window.models_dialog)
    window.show_documents()
    problems += _check("Documents", window.documents_dialog)
    window.show_providers()
    problems += _check("Providers", window.providers_dialog)
    window.show_settings()
    problems += _check("Settings", window.settings_dialog)
    window.show_api_server()
    problems += _check("Local API server", window.api_dialog)
    audit = AuditDialog(window, paths=window.rt.paths)
    problems += _check("audit", audit)
    provider = Provider("Lab", "https://lab.example/v1", "org", default_model="m")
    request = ConsentRequest(
        provider,
        "m",
        [{"role": "user", "content": "Summarise the note for [EMAIL]"}],
        redacted=True,
        redaction_note="1 e-mail address replaced",
    )
    consent = ConsentDialog(request, window)
    problems += _check("consent", consent)
    for dialog in (
        window.models_dialog,
        window.documents_dialog,
        window.providers_dialog,
        window.settings_dialog,
        window.api_dialog,
        audit,
        consent,
    ):
        dialog.close()  # not left on top of the next test's windows
    return problems


def test_every_control_of_every_window_is_named_and_explained(qtbot, make_window, wait_idle):
    window = make_window()
    wait_idle(window)
    problems = _all_windows(window)
    assert not problems, "controls without a name or a tooltip:\n" + "\n".join(problems)


def test_the_check_finds_a_button_without_a_tooltip(qtbot):
    from PySide6.QtWidgets import QPushButton, QVBoxLayout

    top = QWidget()
    qtbot.addWidget(top)
    named, bare = QPushButton("Send"), QPushButton()
    named.setToolTip("Send your message")
    layout = QVBoxLayout(top)
    layout.addWidget(named)
    layout.addWidget(bare)
    assert unnamed_controls(top) == ["QPushButton in QWidget: no accessible name and no tooltip"]
