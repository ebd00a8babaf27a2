"""Settings: every setting in one window, the same settings `enclave config` reads and changes.

A change applies at once (a choice when it is made, a number or text when editing finishes),
through the settings service, and the window says "Saved". A change the service refuses shows its
message under the field, and the field goes back to the value in force. What the administrator's
policy decides is shown locked, with who decided it. A change made elsewhere (the main window,
`enclave config set …` in another process) shows here while the window is open.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSignalBlocker, QSize, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QPalette
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from app.core.documents.embedder import installed_embedding_models
from app.core.models import installed
from app.core.platform import settings as settings_mod
from app.core.platform.runtime import Runtime
from app.core.platform.settings import HELP, RANGES, THEMES
from app.core.platform.settings_service import SettingsError
from app.core.privacy import policy
from app.ui import icons, policy_lock
from app.ui.safe_text import plain_label, tip
from app.ui.settings_watch import SettingsWatch

PAGES = ("General", "Models", "Privacy & cloud", "Documents", "Advanced")
PAGE_ICONS = ("settings", "models", "privacy", "documents", "cpu")
THEME_LABELS = {"system": "Follow the system", "light": "Light", "dark": "Dark"}
MAX_GPU_LAYERS = 999  # more than any model has; validation sets no upper bound
MAX_THREADS = 1024


class _PromptEdit(QPlainTextEdit):
    """A multi-line text whose editing finishes when focus leaves it (as a line edit's does);
    Tab moves on rather than typing a tab, so the keyboard can leave it."""

    editing_finished = Signal()

    def __init__(self):
        super().__init__()
        self.setTabChangesFocus(True)

    def focusOutEvent(self, event) -> None:  # noqa: N802 (Qt override)
        super().focusOutEvent(event)
        self.editing_finished.emit()


@dataclass
class _Field:
    """One setting's control: how to read the value it shows and how to show one."""

    name: str
    title: str
    widget: QWidget
    read: Callable[[], Any]
    show: Callable[[Any], None]
    error: QLabel


class SettingsDialog(QDialog):
    """Lives on the UI thread. ``providers_requested`` and ``audit_requested`` ask the window to
    open its Providers and audit windows."""

    providers_requested = Signal()
    audit_requested = Signal()

    def __init__(self, rt: Runtime, parent: QWidget | None = None):
        super().__init__(parent)
        self.rt = rt
        self.setWindowTitle("Settings — Enclave")
        self.rules = policy.load()
        self.locks = policy_lock.locks(self.rules)
        self.fields: dict[str, _Field] = {}

        self.pages = QListWidget()
        for title, icon_name in zip(PAGES, PAGE_ICONS, strict=True):
            QListWidgetItem(icons.icon(icon_name, QPalette.ColorRole.Text), title, self.pages)
        self.pages.setSpacing(3)  # rows a finger apart, as in the system's own settings
        self.pages.setIconSize(QSize(18, 18))
        self.pages.setAccessibleName("Settings pages")
        self.pages.setToolTip("Choose a page with the arrow keys; Tab moves into its fields")
        em = self.fontMetrics().averageCharWidth()
        self.pages.setMaximumWidth(em * 24)
        self.stack = QStackedWidget()
        for build in (
            self._build_general,
            self._build_models,
            self._build_privacy,
            self._build_documents,
            self._build_advanced,
        ):
            self.stack.addWidget(build())
        self.pages.currentRowChanged.connect(self.stack.setCurrentIndex)

        self.status = plain_label()
        self.status.setAccessibleName("Settings status")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close = buttons.button(QDialogButtonBox.StandardButton.Close)
        # Enter in a field finishes the edit; it must not close the window as well.
        close.setAutoDefault(False)
        close.setDefault(False)
        close.setAccessibleName("Close")
        close.setToolTip("Close Settings (every change is already saved)")
        buttons.rejected.connect(self.close)

        body = QHBoxLayout()
        body.addWidget(self.pages)
        body.addWidget(self.stack, 1)
        bottom = QHBoxLayout()
        bottom.addWidget(self.status, 1)
        bottom.addWidget(buttons)
        layout = QVBoxLayout(self)
        layout.addLayout(body, 1)
        layout.addLayout(bottom)

        self.watch = SettingsWatch(rt.settings_service, self)
        self.watch.changed.connect(self._on_watch_changed)
        self.watch.noticed.connect(self.status.setText)
        self._show(set(self.fields), keep_typing=False)
        self.pages.setCurrentRow(0)
        self.resize(em * 110, self.fontMetrics().lineSpacing() * 34)

    def show_page(self, title: str) -> None:
        self.pages.setCurrentRow(PAGES.index(title))

    # -- pages -----------------------------------------------------------------------------

    def _build_general(self) -> QWidget:
        theme = self._combo("theme", "Theme", [(THEME_LABELS[t], t) for t in THEMES])
        prompt = _PromptEdit()
        prompt.setMaximumHeight(self.fontMetrics().lineSpacing() * 6)
        system_prompt = self._field(
            "system_prompt",
            "Default system prompt",
            prompt,
            prompt.toPlainText,
            prompt.setPlainText,
        )
        prompt.editing_finished.connect(lambda: self._apply("system_prompt"))
        models = [("Starter model", "")] + [
            (m.id, m.id) for m in installed.chat_models(self.rt.paths)
        ]
        model = self._combo("default_model", "Default model", models)
        return self._page([theme, system_prompt, model])

    def _build_models(self) -> QWidget:
        context_hi = int(RANGES["context_length"][1])
        return self._page(
            [
                self._spin("context_length", "Context length", *RANGES["context_length"]),
                self._spin("max_answer_tokens", "Longest answer", 1, context_hi // 2),
                self._decimal("temperature", "Temperature", *RANGES["temperature"], step=0.05),
                self._decimal("top_p", "Top P", 0.01, 1.0, step=0.01),
                self._decimal("repeat_penalty", "Repeat penalty", *RANGES["repeat_penalty"]),
                self._spin("gpu_layers", "GPU layers", -1, MAX_GPU_LAYERS, auto="Auto (as fit)"),
                self._spin("threads", "Threads", 0, MAX_THREADS, auto="Auto"),
            ],
            ranges={
                "context_length": "From 256 to 1048576 tokens.",
                "max_answer_tokens": "From 1 to half the context length.",
                "temperature": "From 0 to 2.",
                "top_p": "Above 0, up to 1.",
                "repeat_penalty": "From 1 to 2.",
            },
        )

    def _build_privacy(self) -> QWidget:
        fields = [
            self._check("offline", "Work offline"),
            self._check("cloud_allowed", "Allow cloud and remote providers"),
            self._check("redact", "Redact personal data"),
            self._terms(),
            self._check("api_keeps_conversations", "Keep local API requests as conversations"),
            self._decimal("cloud_timeout_s", "Cloud timeout", *RANGES["cloud_timeout_s"], step=5),
        ]
        providers = self._button("Providers…", "Cloud APIs and your organisation's servers, keys")
        providers.clicked.connect(self.providers_requested)
        audit = self._button("What left this device…", "The audit log of every request sent")
        audit.clicked.connect(self.audit_requested)
        row = QHBoxLayout()
        row.addWidget(providers)
        row.addWidget(audit)
        row.addStretch(1)
        page = self._page(fields, ranges={"cloud_timeout_s": "From 1 to 600 seconds."})
        self.lock_note = plain_label(policy_lock.note(self.rules, self.locks.values()))
        self.lock_note.setObjectName("noticeBar")
        self.lock_note.setAccessibleName("Locked by policy")
        self.lock_note.setVisible(bool(self.locks))
        page.layout().insertWidget(0, self.lock_note)
        page.layout().insertLayout(2, row)
        return page

    def _build_documents(self) -> QWidget:
        models = [
            ("Automatic (the first installed embedding model)", ""),
            ("Off (search by words only)", "off"),
        ] + [(m.id, m.id) for m in installed_embedding_models(self.rt.paths)]
        return self._page(
            [
                self._combo("embedding_model", "Embedding model", models),
                self._spin("docs_passages", "Passages per answer", *RANGES["docs_passages"]),
            ],
            ranges={"docs_passages": "From 1 to 20."},
        )

    def _build_advanced(self) -> QWidget:
        form = QFormLayout()
        paths = self.rt.paths
        shown = {f"{name.capitalize()} folder": folder for name, folder in paths.folders().items()}
        shown["Settings file"] = paths.settings_file
        shown["Log file"] = paths.log_file
        for title, path in shown.items():
            form.addRow(title, self._path_row(title, path))
        if self.rules.sources:
            policies = "\n".join(self.rules.sources)
        else:
            policies = (
                f"None: no administrator's policy applies. Enclave reads "
                f"{policy.machine_policy_file()} and the file named by {policy.ENV}."
            )
        self.policy_files = plain_label("\n".join([policies, *self.rules.notices]))
        self.policy_files.setAccessibleName("Policy files in force")
        self.policy_files.setToolTip(
            tip("Rules your administrator set, which settings cannot override")
        )
        form.addRow("Policy", self.policy_files)
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.addLayout(form)
        layout.addStretch(1)
        return page

    def _path_row(self, title: str, path: Path) -> QWidget:
        shown = QLineEdit(str(path))
        shown.setReadOnly(True)
        shown.setAccessibleName(title)
        shown.setToolTip(tip(str(path)))
        folder = path if path.suffix == "" else path.parent
        button = self._button("Open folder", f"Open {folder} in the file manager")
        button.setAccessibleName(f"Open the folder of {title.lower()}")
        button.clicked.connect(lambda: QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder))))
        row = QWidget()
        line = QHBoxLayout(row)
        line.setContentsMargins(0, 0, 0, 0)
        line.addWidget(shown, 1)
        line.addWidget(button)
        return row

    def _page(self, fields: list[_Field], *, ranges: dict[str, str] | None = None) -> QWidget:
        """A form: each field's title, its control, what it does (and its range), its error."""
        ranges = ranges or {}
        form = QFormLayout()
        for f in fields:
            about = " ".join(t for t in (HELP[f.name], ranges.get(f.name, "")) if t)
            help_line = plain_label(about)
            small = help_line.font()  # quieter by size, not by a faint colour: it must stay legible
            small.setPointSizeF(small.pointSizeF() * 0.9)
            help_line.setFont(small)
            if f.name in self.locks:
                policy_lock.lock(f.widget, self.rules, self.locks[f.name])
            else:
                f.widget.setToolTip(tip(about))
            f.widget.setAccessibleName(f.title)
            f.widget.setAccessibleDescription(about)
            cell = QWidget()
            column = QVBoxLayout(cell)
            column.setContentsMargins(0, 0, 0, 0)
            column.addWidget(f.widget)
            column.addWidget(help_line)
            column.addWidget(f.error)
            label = QLabel("" if isinstance(f.widget, QCheckBox) else f.title)  # a box has its own
            label.setBuddy(f.widget)
            form.addRow(label, cell)
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.addLayout(form)
        layout.addStretch(1)
        return page

    # -- fields ----------------------------------------------------------------------------

    def _field(self, name: str, title: str, widget: QWidget, read, show) -> _Field:
        error = plain_label()
        error.setObjectName("noticeBar")
        error.setAccessibleName(f"{title}: not changed")
        error.hide()
        f = _Field(name, title, widget, read, show, error)
        self.fields[name] = f
        return f

    def _combo(self, name: str, title: str, items: list[tuple[str, str]]) -> _Field:
        combo = QComboBox()
        for text, value in items:
            combo.addItem(text, value)

        def show(value: str) -> None:
            if combo.findData(value) < 0:  # chosen elsewhere, not (or no longer) installed
                combo.addItem(f"{value} (not installed)", value)
            combo.setCurrentIndex(combo.findData(value))

        combo.currentIndexChanged.connect(lambda _i: self._apply(name))
        return self._field(name, title, combo, combo.currentData, show)

    def _check(self, name: str, title: str) -> _Field:
        box = QCheckBox(title)
        box.toggled.connect(lambda _on: self._apply(name))
        return self._field(name, title, box, box.isChecked, box.setChecked)

    def _terms(self) -> _Field:
        line = QLineEdit()
        line.setPlaceholderText("Names, project code words… (comma-separated)")
        line.editingFinished.connect(lambda: self._apply("redaction_terms"))
        return self._field(
            "redaction_terms",
            "Your own terms to hide",
            line,
            lambda: settings_mod.comma_list(line.text()),
            lambda terms: line.setText(", ".join(terms)),
        )

    def _spin(self, name: str, title: str, lo, hi, *, auto: str = "") -> _Field:
        spin = QSpinBox()
        spin.setRange(int(lo), int(hi))
        spin.setSpecialValueText(auto)  # shown for the lowest value: -1 or 0 mean "automatic"
        return self._number(name, title, spin)

    def _decimal(self, name: str, title: str, lo, hi, *, step: float = 0.05) -> _Field:
        spin = QDoubleSpinBox()
        spin.setDecimals(2)
        spin.setRange(lo, hi)
        spin.setSingleStep(step)
        return self._number(name, title, spin)

    def _number(self, name: str, title: str, spin: QAbstractSpinBox) -> _Field:
        spin.setKeyboardTracking(False)
        spin.editingFinished.connect(lambda: self._apply(name))
        return self._field(name, title, spin, spin.value, spin.setValue)  # type: ignore[attr-defined]

    def _button(self, text: str, about: str) -> QPushButton:
        button = QPushButton(text)
        button.setAutoDefault(False)
        button.setAccessibleName(text.rstrip("…"))
        button.setToolTip(tip(about))
        return button

    # -- applying and showing -------------------------------------------------------------

    def _apply(self, name: str) -> None:
        """Save what the field shows, if it differs from what is in force."""
        f = self.fields[name]
        if name in self.locks:
            return
        value = f.read()
        if value == getattr(self.rt.settings, name):
            f.error.hide()
            return
        try:
            self.rt.update_settings({name: value})
        except SettingsError as exc:
            f.error.setText(str(exc))
            f.error.show()
            self.status.setText(f"{f.title} not changed.")
            self._show({name}, keep_typing=False)
            return
        f.error.hide()
        self.status.setText(f"Saved: {f.title.lower()}.")

    def _on_watch_changed(self, names: set) -> None:
        self._show(names)

    def _show(self, names: set, *, keep_typing: bool = True) -> None:
        """Show the values in force (locked ones as the policy holds them). Text being typed is
        left alone when ``keep_typing``: a change from elsewhere must not wipe it."""
        for name in names & set(self.fields):
            f = self.fields[name]
            if (
                keep_typing
                and f.widget.hasFocus()
                and isinstance(f.widget, QLineEdit | QPlainTextEdit)
            ):
                continue
            value = (
                policy_lock.LOCKED_VALUES[name]
                if name in self.locks
                else getattr(self.rt.settings, name)
            )
            with QSignalBlocker(f.widget):
                f.show(value)
