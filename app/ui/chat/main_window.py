"""The one window: conversations on the left, the chat on the right, the model and where the words
go above the input, and the model's state in the status bar."""

from __future__ import annotations

import html
import logging
import time

from PySide6.QtCore import QCoreApplication, Qt, QTimer, QUrl
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence, QPalette, QShortcut
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app import __version__
from app.core.chat import export
from app.core.chat.assistant import TurnResult, model_for
from app.core.chat.session import ChatSession, NextStep, Notice
from app.core.chat.store import Message, Store
from app.core.cloud.providers import ProviderRegistry
from app.core.errors import ConversationNotFoundError, EnclaveError
from app.core.models import installed
from app.core.platform import hardware
from app.core.platform.runtime import Runtime
from app.core.platform.units import size_text
from app.ui import theme
from app.ui.background import BackgroundOp
from app.ui.chat.chat_view import ChatView
from app.ui.chat.conversation_list import ConversationPanel
from app.ui.chat.message_input import MessageInput
from app.ui.chat.thinking_control import ThinkingControl
from app.ui.chat.welcome import WelcomePanel
from app.ui.cloud.cloud_actions import CloudActions
from app.ui.dialogs import SystemPromptDialog
from app.ui.documents.document_actions import DocumentActions
from app.ui.icons import icon
from app.ui.safe_text import inform, open_link, plain, tip, warn
from app.ui.services import Services
from app.ui.settings_watch import SettingsWatch
from app.ui.window_state import WindowState

log = logging.getLogger(__name__)
MANAGE_MODELS = "\0manage"  # the model picker's last item: opens the Models window
MEMORY_EVERY_MS = 2000  # how often the status bar's memory figure is read


class MainWindow(CloudActions, DocumentActions, QMainWindow):
    """Lives on the UI thread. Holds no rules: it shows state and forwards intent."""

    def __init__(self, rt: Runtime, parent=None):
        super().__init__(parent)
        self.rt = rt
        self.store = Store(rt.paths.database)
        # The model thread, downloads and indexing: owned by the app's services, stopped on close.
        self.services = Services(rt, self)
        self.models = self.services.models
        # The providers, for the badge and the Ask cloud… menu. Planning what one would receive
        # and sending it happen on the model thread.
        self.providers = ProviderRegistry(rt.paths.providers_file)
        # The open conversation and the turn in progress: the window renders its events.
        self.session = ChatSession(
            self.store, self.providers, rt.settings, self.models, paths=rt.paths
        )
        self._models: list[installed.InstalledModel] = []  # listed once, not per switch
        self.models_dialog = None
        self.providers_dialog = None
        self.api_dialog = None
        self.settings_dialog = None
        self._notice_action = None

        self.setWindowTitle("Enclave")
        self._build()
        self._connect()
        # Settings changed here, on another thread or by `enclave config` in another process.
        self.settings_watch = SettingsWatch(rt.settings_service, self)
        self.settings_watch.changed.connect(self._on_settings_changed)
        self.settings_watch.noticed.connect(self.show_notice)
        self._reload_models()
        for notice in rt.settings.notices:
            self.show_notice(notice)
        self.window_state = WindowState(rt.paths)
        last = self.window_state.restore(self, self.splitter)
        if last is not None:
            try:
                self.store.conversation(last)  # deleted since, here or by `enclave chats`?
            except ConversationNotFoundError:
                last = None
        if last is None and (latest := self.store.conversations(limit=1)):
            last = latest[0].id
        if last is not None:
            self.open_conversation(last)
        else:
            self.new_chat()
        # Load the model in the background, so the first answer starts quickly.
        QTimer.singleShot(0, self.session.preload)
        QTimer.singleShot(0, self._start_documents)

    # -- building ------------------------------------------------------------------------------

    def _build(self) -> None:
        self.panel = ConversationPanel(self.store)
        self.chat = ChatView()

        self.model_picker = QComboBox()
        self.model_picker.setAccessibleName("Model")
        self.model_picker.setToolTip("The model that answers in this conversation and new ones")
        self.model_picker.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.thinking_control = ThinkingControl(self.session)  # for models that reason
        self.where_badge = plain(QLabel("On this device"))  # provider names come from outside
        self.where_badge.setObjectName("whereBadge")
        self.where_badge.setProperty("tier", "device")
        self.where_badge.setAccessibleName("Where your messages go: on this device")
        self.where_badge.setToolTip(
            "A local model answers: your messages never leave this computer."
        )
        self.withdraw_button = QToolButton(text="Use this device again")
        self.withdraw_button.setAccessibleName("Withdraw consent for this conversation")
        self.withdraw_button.setToolTip(
            "Stop sending this conversation to the provider; the next answers come from this device"
        )
        self.withdraw_button.hide()
        self.system_button = QToolButton(text="System prompt…")
        self.system_button.setAccessibleName("System prompt")
        self.system_button.setToolTip("How the model should behave in this conversation")
        self.models_button = QToolButton(text="Models…")
        self.models_button.setAccessibleName("Models")
        self.models_button.setToolTip("Find, download, import and manage models (Ctrl+M)")
        self.models_button.setIcon(icon("models"))
        self.system_button.setIcon(icon("settings"))
        documents_button = self._build_documents()
        documents_button.setIcon(icon("documents"))
        for button in (self.models_button, self.system_button, documents_button):
            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        top = QHBoxLayout()
        top.addWidget(self.model_picker)
        top.addWidget(self.thinking_control)
        top.addWidget(self.models_button)
        top.addStretch(1)
        top.addWidget(self.system_button)

        self.notice = plain(QLabel())  # notices carry provider, hub and document messages
        self.notice.setObjectName("noticeBar")
        self.notice.setWordWrap(True)
        self.notice.setAccessibleName("Notice")
        self.notice.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.notice.hide()
        self.notice_button = QPushButton()
        self.notice_button.setAccessibleName("Notice action")
        self.notice_button.setToolTip("The next step this notice offers")
        self.notice_button.hide()
        notice_row = QHBoxLayout()
        notice_row.addWidget(self.notice, 1)
        notice_row.addWidget(self.notice_button)
        self.edit_banner = QLabel(
            "Editing your message: Send replaces it and every answer after it. Esc cancels."
        )
        self.edit_banner.setObjectName("editBanner")
        self.edit_banner.setAccessibleName("Editing a message")
        self.edit_banner.hide()

        self.input = MessageInput()
        self.send_button = QPushButton("Send")
        self.send_button.setAccessibleName("Send")
        self.send_button.setToolTip("Send your message (Enter)")
        self.send_button.setDefault(True)
        self.stop_button = QPushButton("Stop")
        self.stop_button.setAccessibleName("Stop")
        self.stop_button.setToolTip("Stop the answer (Esc); what was written so far is kept")
        self.stop_button.hide()
        self.regenerate_button = QPushButton("Regenerate")
        self.regenerate_button.setAccessibleName("Regenerate")
        self.regenerate_button.setToolTip("Answer the last message again (Ctrl+R)")
        self.cloud_button = QPushButton("Ask cloud…")
        self.cloud_button.setAccessibleName("Ask cloud")
        self.cloud_button.setToolTip(
            "Send this message to a cloud or organisation provider: you "
            "see exactly what would be sent first (Ctrl+Shift+Enter)"
        )
        # White on the blue Send button; the others in the text colour (the theme's).
        self.send_button.setIcon(icon("send", QPalette.ColorRole.HighlightedText))
        self.stop_button.setIcon(icon("stop"))
        self.regenerate_button.setIcon(icon("regenerate"))
        self.cloud_button.setIcon(icon("cloud"))
        # The composer: the message, and under it where it goes, the documents it may draw on
        # and what to do with it, in one box.
        actions = QHBoxLayout()
        actions.setContentsMargins(0, 0, 0, 0)
        actions.addWidget(self.where_badge)
        actions.addWidget(self.withdraw_button)
        actions.addWidget(documents_button)
        actions.addStretch(1)
        for button in (self.regenerate_button, self.cloud_button, self.stop_button):
            actions.addWidget(button)
        actions.addWidget(self.send_button)
        self.composer = QFrame()
        self.composer.setObjectName("composer")
        self.composer.setAccessibleName("Write a message")
        self.input.focus_changed.connect(self._show_composer_focus)
        inside = QVBoxLayout(self.composer)
        inside.addWidget(self.input, 1)
        inside.addLayout(actions)

        right = QWidget()
        column = QVBoxLayout(right)
        column.setContentsMargins(0, 0, 0, 0)
        column.addLayout(top)
        # A new chat while the starter is the only chat model opens on the first-run welcome:
        # one model that suits this computer, one Download button.
        self.welcome = WelcomePanel(self.rt, self.services, self)
        self.welcome.model_ready.connect(self._on_welcome_model_ready)
        self.welcome.dismissed.connect(self._on_welcome_dismissed)
        self._welcome_dismissed = False
        self.chat_stack = QStackedWidget()
        self.chat_stack.addWidget(self.chat)
        self.chat_stack.addWidget(self.welcome)
        column.addWidget(self.chat_stack, 1)
        column.addLayout(notice_row)
        column.addWidget(self.edit_banner)
        column.addWidget(self.composer)

        self.splitter = QSplitter()
        self.splitter.addWidget(self.panel)
        self.splitter.addWidget(right)
        self.splitter.setStretchFactor(0, 1)
        self.splitter.setStretchFactor(1, 3)
        container = QWidget()
        outer = QVBoxLayout(container)
        outer.addWidget(self.splitter)
        self.setCentralWidget(container)

        # Model ids come from file names, device names from drivers, states from providers.
        self.status_model = plain(QLabel())
        self.status_model.setAccessibleName("Loaded model")
        self.status_speed = plain(QLabel())
        self.status_speed.setAccessibleName("Speed of the last answer")
        self.status_state = plain(QLabel("Ready"))
        self.status_state.setAccessibleName("What Enclave is doing")
        self.status_memory = plain(QLabel())
        self.status_memory.setAccessibleName("Memory in use")
        self.status_memory.setToolTip("Memory Enclave holds now, the loaded model included")
        for w in (self.status_model, self.status_speed, self.status_memory, self.status_state):
            self.statusBar().addPermanentWidget(w)
        self._memory_timer = QTimer(self, interval=MEMORY_EVERY_MS, timeout=self._show_memory)
        self._memory_timer.start()
        self._show_memory()

        self._build_menus()
        em = self.fontMetrics().averageCharWidth()
        self.resize(em * 150, self.fontMetrics().lineSpacing() * 40)
        self.splitter.setSizes([em * 36, em * 114])

    def _build_menus(self) -> None:
        def action(menu, text, slot, shortcut=None, tip=""):
            a = QAction(text, self)
            if shortcut:
                a.setShortcut(QKeySequence(shortcut))
            a.setToolTip(tip or text)
            a.triggered.connect(slot)
            menu.addAction(a)
            return a

        file_menu = self.menuBar().addMenu("&File")
        action(file_menu, "&New chat", self.new_chat, "Ctrl+N")
        action(file_menu, "&Export conversation…", self.export_conversation, "Ctrl+E")
        action(
            file_menu,
            "&Models…",
            self.show_models,
            "Ctrl+M",
            "Find, download, import and manage models",
        )
        action(
            file_menu,
            "&Documents…",
            self.show_documents,
            "Ctrl+Shift+D",
            "Collections of your documents that conversations can answer from",
        )
        action(file_menu, "&Settings…", self.show_settings, "Ctrl+,", "Every setting in one window")
        file_menu.addSeparator()
        action(file_menu, "&Quit", self.close, QKeySequence.StandardKey.Quit)
        chat_menu = self.menuBar().addMenu("&Chat")
        action(chat_menu, "&Regenerate last answer", self.regenerate, "Ctrl+R")
        action(chat_menu, "&Stop", self.stop, "Esc")
        action(chat_menu, "&Copy last answer", self.copy_last_answer, "Ctrl+Shift+C")
        action(
            chat_menu,
            "&Ask cloud…",
            lambda: self.ask_cloud(),
            "Ctrl+Shift+Return",
            "Send this message to a provider, after showing exactly what would be sent",
        )
        action(
            chat_menu,
            "Retry with c&loud…",
            lambda: self.ask_cloud(retry=True),
            None,
            "Answer the last message again with a provider, after showing what would be sent",
        )
        action(chat_menu, "System &prompt…", self.edit_system_prompt)
        action(chat_menu, "Re&name conversation…", self._rename_current, "F2")
        action(chat_menu, "&Delete conversation…", self._delete_current)
        privacy_menu = self.menuBar().addMenu("&Privacy")
        action(
            privacy_menu,
            "&Providers…",
            self.show_providers,
            None,
            "Cloud APIs and your organisation's servers, keys, redaction",
        )
        action(
            privacy_menu,
            "&Local API server…",
            self.show_api_server,
            None,
            "Let other apps on this computer use Enclave's models (OpenAI-compatible, with a key)",
        )
        action(
            privacy_menu,
            "What &left this device…",
            self.show_audit,
            None,
            "The audit log of every request that left this device",
        )
        help_menu = self.menuBar().addMenu("&Help")
        action(help_menu, "Where my data lives", self.show_data_folders)
        action(help_menu, "&About Enclave", self.show_about)
        for keys in ("Ctrl+K", "Ctrl+F"):
            QShortcut(QKeySequence(keys), self, activated=self._focus_search)

    def _connect(self) -> None:
        models, session = self.models, self.session
        models.message_saved.connect(session.on_message_saved)
        models.turn_started.connect(session.on_turn_started)
        models.turn_finished.connect(session.on_turn_finished)
        models.turn_failed.connect(session.on_turn_failed)
        models.request_done.connect(session.on_request_done)
        models.cloud_planned.connect(session.on_cloud_planned)
        models.plan_failed.connect(session.on_plan_failed)
        models.text_received.connect(self.chat.append_text)
        models.thinking_received.connect(self.chat.append_thinking)
        models.reading_progress.connect(self.chat.show_reading)  # a long prompt being read
        models.waiting.connect(
            lambda ahead: self.status_state.setText(
                f"Waiting for the model: the local API is using it ({ahead} ahead)…"
            )
        )
        models.worker.model_loading.connect(self._on_worker_model_loading)
        models.worker.model_ready.connect(self._on_worker_model_ready)
        session.conversation_changed.connect(self._show_conversation)
        session.conversation_started.connect(self._on_conversation_started)
        session.conversations_changed.connect(
            lambda: self.panel.refresh(select=session.conversation_id)
        )
        session.message_shown.connect(self._on_message_shown)
        session.messages_dropped.connect(self.chat.remove_from)
        session.message_stored.connect(self.chat.rekey)
        session.answer_started.connect(
            lambda start: self.chat.add_message(
                self.store.message(start.answer_message_id), streaming=True
            )
        )
        session.answer_ended.connect(self._on_answer_ended)
        session.turn_finished.connect(self._on_turn_finished)
        session.collections_changed.connect(self._update_documents_button)
        session.route_changed.connect(self._update_where)
        session.busy_changed.connect(self._update_busy)
        session.editing_changed.connect(self._on_editing_changed)
        session.text_returned.connect(self.input.setPlainText)
        session.consent_needed.connect(self._ask_consent)
        session.notice.connect(self._on_session_notice)
        self.panel.conversation_selected.connect(self.open_conversation)
        self.panel.new_requested.connect(self.new_chat)
        self.panel.deleted.connect(session.forget)
        self.input.submitted.connect(self.send)
        self.send_button.clicked.connect(self.send)
        self.stop_button.clicked.connect(self.stop)
        self.regenerate_button.clicked.connect(self.regenerate)
        self.system_button.clicked.connect(self.edit_system_prompt)
        self.models_button.clicked.connect(self.show_models)
        self.cloud_button.clicked.connect(lambda: self.ask_cloud())
        self.withdraw_button.clicked.connect(session.withdraw_consent)
        self.notice_button.clicked.connect(self._on_notice_button_clicked)
        self.model_picker.activated.connect(self._on_model_picker_activated)
        self.chat.copy_requested.connect(self._copy)
        self.chat.edit_requested.connect(session.start_edit)
        self.chat.regenerate_requested.connect(self.regenerate)
        self.chat.source_requested.connect(self.show_source)
        self.chat.external_link_clicked.connect(self._on_chat_link)

    # -- models --------------------------------------------------------------------------------

    def show_models(self) -> None:
        """The Models window; it stays alive when closed, so downloads carry on."""
        if self.models_dialog is None:
            from app.ui.models.models_dialog import ModelsDialog

            self.models_dialog = ModelsDialog(self.rt, self, services=self.services)
            self.models_dialog.models_changed.connect(self._reload_models)
        self.models_dialog.show()
        self.models_dialog.raise_()
        self.models_dialog.activateWindow()

    def _show_composer_focus(self, focused: bool) -> None:
        self.composer.setProperty("focused", focused)
        self.composer.style().unpolish(self.composer)
        self.composer.style().polish(self.composer)

    def _show_memory(self) -> None:
        held = hardware.process_memory_bytes()
        self.status_memory.setText(f"Memory {size_text(held)}" if held else "")

    def show_settings(self) -> None:
        """The Settings window: every setting, the same ones `enclave config` changes."""
        if self.settings_dialog is None:
            from app.ui.settings_dialog import SettingsDialog

            self.settings_dialog = SettingsDialog(self.rt, self)
            self.settings_dialog.providers_requested.connect(self.show_providers)
            self.settings_dialog.audit_requested.connect(self.show_audit)
        self.settings_dialog.show()
        self.settings_dialog.raise_()
        self.settings_dialog.activateWindow()

    def show_api_server(self) -> None:
        """The Local API server window: the switch, the URL and key, the requests it answered."""
        if self.api_dialog is None:
            from app.ui.server.api_server_dialog import ApiServerDialog

            self.api_dialog = ApiServerDialog(self.rt, self.services.api, self)
        self.api_dialog.show()
        self.api_dialog.raise_()

    def _reload_models(self) -> None:
        self.model_picker.clear()
        self._models = models = installed.chat_models(self.rt.paths)
        for m in models:
            label = f"{m.id}  (starter)" if m.source == "starter" else m.id
            self.model_picker.addItem(label, m.id)
        self.model_picker.setEnabled(bool(models))
        if not models:
            self.model_picker.addItem("No model installed")
        self.model_picker.insertSeparator(self.model_picker.count())
        self.model_picker.addItem("Manage models…", MANAGE_MODELS)
        self._show_current_model()
        # Size, quantization and where each would run: read from the files, off the UI thread.
        library = self.services.library
        BackgroundOp(self, lambda job: [library.describe(m) for m in models]).on_success(
            self._show_model_facts
        ).run()

    def _show_model_facts(self, facts: list) -> None:
        for f in facts:
            index = self.model_picker.findData(f.id)
            if index < 0:
                continue
            where = (f.runs_on or {}).get("label")
            details = [size_text(f.size_bytes), f.quantization, where]
            label = self.model_picker.itemText(index).split("  ·  ")[0]
            self.model_picker.setItemText(index, "  ·  ".join([label, *[d for d in details if d]]))
            reason = (f.runs_on or {}).get("reason")
            self.model_picker.setItemData(
                index, tip(f"{f.path}\n{reason}" if reason else f.path), Qt.ItemDataRole.ToolTipRole
            )

    def _current_model_id(self) -> str | None:
        cid = self.session.conversation_id
        conversation = self.store.conversation(cid) if cid else None
        try:
            return model_for(conversation, self.rt.paths, self.rt.settings, models=self._models).id
        except EnclaveError:
            return None

    def _show_current_model(self) -> None:
        model_id = self._current_model_id()
        index = self.model_picker.findData(model_id)
        if index >= 0:
            self.model_picker.setCurrentIndex(index)

    def _on_model_picker_activated(self, index: int) -> None:
        model_id = self.model_picker.itemData(index)
        if model_id == MANAGE_MODELS:
            self._show_current_model()  # the picker keeps showing the model in use
            self.show_models()
            return
        if not model_id:
            return
        if self.session.conversation_id:
            self.store.set_conversation_model(self.session.conversation_id, model_id)
            self.session.model_changed()
        try:
            self.rt.update_settings(default_model=model_id)
        except EnclaveError as exc:
            self.show_notice(str(exc), error=True)
        if not self.session.busy:
            self.session.preload()

    # -- conversations -------------------------------------------------------------------------

    def open_conversation(self, conversation_id: int) -> None:
        self.session.open(conversation_id)

    def new_chat(self) -> None:
        self.session.new()
        self.input.setFocus()

    def _show_conversation(self, conversation_id: int | None) -> None:
        """Render the session's conversation (None: an empty new chat)."""
        messages: list[Message] = []
        if conversation_id is None:
            self.setWindowTitle("Enclave")
            self.panel.view.clearSelection()
            self.chat.show_empty(self._welcome_html())
        else:
            try:
                conversation = self.store.conversation(conversation_id)
            except EnclaveError as exc:
                self.show_notice(str(exc))
                return
            self.setWindowTitle(f"{conversation.title} — Enclave")
            messages = self.store.messages(conversation_id)
            if messages:
                self.chat.set_messages(messages)
            else:
                self.chat.show_empty(self._welcome_html())
            self.panel.select(conversation_id)
        welcome = not messages and self._starter_only() and not self._welcome_dismissed
        self.chat_stack.setCurrentWidget(self.welcome if welcome else self.chat)
        self._show_current_model()
        self._update_buttons()

    def _starter_only(self) -> bool:
        return bool(self._models) and all(m.source == "starter" for m in self._models)

    def _on_welcome_model_ready(self, model_id: str) -> None:
        """The suggested model is installed: this conversation and new ones use it."""
        try:
            self.rt.update_settings(default_model=model_id)
        except EnclaveError as exc:
            self.show_notice(str(exc), error=True)
            return
        self._reload_models()
        if self.session.conversation_id:
            self.store.set_conversation_model(self.session.conversation_id, model_id)
            self.session.model_changed()
        self.chat_stack.setCurrentWidget(self.chat)
        self.input.setFocus()  # ready to type the first message to it
        self.show_notice(f"{model_id} is installed: this chat and new ones use it now.")
        if not self.session.busy:
            self.session.preload()

    def _on_welcome_dismissed(self) -> None:
        self._welcome_dismissed = True
        self.chat_stack.setCurrentWidget(self.chat)
        self.input.setFocus()

    def _on_conversation_started(self, conversation_id: int) -> None:
        self.chat_stack.setCurrentWidget(self.chat)
        self.panel.refresh(select=conversation_id)
        self.setWindowTitle(f"{self.store.conversation(conversation_id).title} — Enclave")

    def _welcome_html(self) -> str:
        models = self._models
        folder = html.escape(str(self.rt.paths.models))
        if not models:
            return (
                "<h2>No model yet</h2><p>Enclave runs AI models on this computer, so it needs "
                f"one first. {html.escape(installed.how_to_get_a_model(self.rt.paths))} Then "
                "restart Enclave.</p><p>Nothing you type ever leaves this device unless you "
                "say so.</p>"
            )
        current = self._current_model_id() or models[0].id
        starter = any(m.source == "starter" and m.id == current for m in models)
        text = (
            f"<h2>New chat</h2><p>You are talking to <b>{html.escape(current)}</b>, which "
            "runs entirely on this computer: nothing you type leaves it.</p>"
        )
        if starter:
            text += (
                "<p>This is the <b>starter model</b>: small (135 million parameters) and "
                "fast, so it works anywhere, but its answers are simple and often wrong. For "
                "better answers, get a bigger model in <b>Models…</b> (Ctrl+M): Suggested "
                f"marks the one that suits this computer. Model files can also go into "
                f"<code>{folder}</code>.</p>"
            )
        return text + (
            "<p><small>Enter sends · Shift+Enter new line · Esc stops · Ctrl+N new "
            "chat · Ctrl+K search</small></p>"
        )

    def _rename_current(self) -> None:
        if self.session.conversation_id:
            self.panel.rename(self.session.conversation_id)

    def _delete_current(self) -> None:
        if self.session.conversation_id:
            self.panel.delete(self.session.conversation_id)

    def _focus_search(self) -> None:
        self.panel.search.setFocus()
        self.panel.search.selectAll()

    # -- sending: the session decides, the window shows ----------------------------------------

    def send(self) -> None:
        if self.session.send(self.input.toPlainText()):
            self.input.clear()

    def regenerate(self) -> None:
        self.session.regenerate()

    def stop(self) -> None:
        if self.session.stop():
            self.status_state.setText("Stopping…")

    def _on_message_shown(self, message: Message) -> None:
        self.chat.add_message(message)

    def _on_editing_changed(self, message: Message | None) -> None:
        self.edit_banner.setVisible(message is not None)
        if message is None:
            self.input.clear()
        else:
            self.input.setPlainText(message.content)
            self.input.setFocus()

    def _on_answer_ended(self, message_id: int) -> None:
        try:
            self.chat.finish_message(self.store.message(message_id))
        except EnclaveError:
            pass  # deleted meanwhile: nothing to draw

    def _on_turn_finished(self, result: TurnResult) -> None:
        s = result.stats
        if s.tokens_per_s:
            self.status_speed.setText(
                f"{s.tokens_per_s:.1f} tokens/s · first token {(s.ttft_s or 0) * 1000:.0f} ms"
            )

    def _on_session_notice(self, notice: Notice | None) -> None:
        if notice is None:
            self.hide_notice()
            return
        steps = {
            NextStep.ASK_CLOUD_AGAIN: lambda: self.ask_cloud(retry=True),
            NextStep.ANSWER_HERE: self.regenerate,
            NextStep.OPEN_PROVIDERS: self.show_providers,
        }
        step = notice.next_step
        self.show_notice(
            notice.text, error=notice.error, action=(step.value, steps[step]) if step else None
        )

    def _on_settings_changed(self, names: set) -> None:
        """Settings changed here or by `enclave config`: refresh what shows them. (The gate
        reads the same settings object, so going offline already holds.)"""
        if "theme" in names:
            theme.apply(QApplication.instance(), self.rt.settings.theme)
            self.chat.refresh_theme()
        if "default_model" in names:
            self._show_current_model()
        self.session.providers_changed()  # the badge follows offline and cloud_allowed
        if self.providers_dialog is not None:
            self.providers_dialog.reload()

    # -- the model thread's state --------------------------------------------------------------

    def _on_worker_model_loading(self, model_id: str) -> None:
        self.status_model.setText(f"{model_id} (loading…)")
        self.status_state.setText("Loading model…")

    def _on_worker_model_ready(self, model_id: str, seconds: float, where) -> None:
        label = where.label if where else "CPU"
        self.status_model.setText(f"{model_id} · {label}")
        self.status_model.setToolTip(
            tip(
                where.reason
                if where and where.reason
                else f"All of {model_id}'s layers run on {label}."
            )
        )
        self.status_state.setText("Ready" if not self.session.busy else "Answering…")
        if where and where.warn:
            runs = "runs on the CPU" if not where.layers_on_gpu else f"runs on {label}"
            self.show_notice(f"{model_id} {runs}: {where.reason}.")
        log.info("model %s ready in %.2f s on %s", model_id, seconds, label)

    def idle(self) -> bool:
        """Nothing queued on the model thread: no answer, no model loading."""
        return self.session.idle()

    def _update_busy(self, _busy: bool = False) -> None:
        busy = self.session.busy
        self.status_state.setText(
            "Answering…" if busy else "Loading model…" if self.session.loading else "Ready"
        )
        self._update_buttons()

    def _update_buttons(self) -> None:
        busy = self.session.busy
        self.send_button.setVisible(not busy)
        self.cloud_button.setEnabled(not busy)
        self.stop_button.setVisible(busy)
        self.regenerate_button.setEnabled(not busy and self.chat.last_answer_text() is not None)
        self.model_picker.setEnabled(
            not busy and self.model_picker.count() > 0 and self.model_picker.itemData(0) is not None
        )

    # -- notices, clipboard, links, export -----------------------------------------------------

    def show_notice(self, text: str, *, error: bool = False, action=None) -> None:
        """A message above the input; ``action`` = (button label, callback) offers a next step."""
        self.notice.setText(text)
        self.notice.setProperty("error", error)
        self.notice.show()
        self._notice_action = action
        if action:
            self.notice_button.setText(action[0])
        self.notice_button.setVisible(bool(action))

    def hide_notice(self) -> None:
        self.notice.hide()
        self.notice_button.hide()
        self._notice_action = None

    def _on_notice_button_clicked(self) -> None:
        action = self._notice_action
        self.hide_notice()
        if action:
            action[1]()

    def _copy(self, text: str) -> None:
        QGuiApplication.clipboard().setText(text)
        self.statusBar().showMessage("Copied to the clipboard", 2000)

    def copy_last_answer(self) -> None:
        text = self.chat.last_answer_text()
        if text:
            self._copy(text)

    def _on_chat_link(self, url: QUrl) -> None:
        open_link(self, url)

    def edit_system_prompt(self) -> None:
        if not self.session.conversation_id:
            self.show_notice(
                "Send a first message, then set this conversation's system prompt. "
                "New chats use the default."
            )
            return
        conversation = self.store.conversation(self.session.conversation_id)
        dialog = SystemPromptDialog(
            conversation.system_prompt, self.rt.settings.system_prompt, self
        )
        if dialog.exec():
            self.store.set_system_prompt(self.session.conversation_id, dialog.prompt())

    def export_conversation(self) -> None:
        if not self.session.conversation_id:
            return
        conversation = self.store.conversation(self.session.conversation_id)
        path, chosen = QFileDialog.getSaveFileName(
            self,
            "Export conversation",
            f"{conversation.title[:40]}.md",
            "Markdown (*.md);;JSON (*.json)",
        )
        if not path:
            return
        fmt = "json" if chosen.startswith("JSON") or path.endswith(".json") else "md"
        try:
            with open(path, "w", encoding="utf-8") as f:
                f.write(export.export(self.store, [conversation], fmt))
        except OSError as exc:
            warn(self, "Export failed", f"Could not write {path}: {exc.strerror}.")
            return
        self.statusBar().showMessage(f"Exported to {path}", 4000)

    def show_data_folders(self) -> None:
        folders = "\n".join(f"{k}: {v}" for k, v in self.rt.paths.folders().items())
        inform(
            self,
            "Where my data lives",
            (
                f"Everything Enclave keeps is on this computer:\n\n{folders}\n\nConversations: "
                f"{self.rt.paths.database}"
            ),
        )

    def show_about(self) -> None:
        QMessageBox.about(
            self,
            "About Enclave",
            (
                f"Enclave {__version__}\n\nA private AI assistant that lives on your computer. "
                "Models run here; nothing leaves this device unless you say so."
            ),
        )

    # -- closing -------------------------------------------------------------------------------

    def closeEvent(self, event) -> None:  # noqa: N802 (Qt override)
        started = time.monotonic()
        self.window_state.save(self, self.splitter, self.session.conversation_id)
        if self.models_dialog is not None:
            self.models_dialog.shutdown()
        self.services.shutdown()  # a running download pauses; it resumes next time
        # Results the worker posted before it stopped must not reach a closed window.
        QCoreApplication.removePostedEvents(self)
        QCoreApplication.removePostedEvents(self.chat)
        self.store.close()
        log.info("window closed in %.2f s", time.monotonic() - started)
        super().closeEvent(event)
