"""The chat a front end has open: its conversation, where its messages go, its document
collections and the turn in progress. Qt-free: the window subscribes to its events and renders
them; the rules (what a send means, what a failure gives back) live here, once.

The work itself happens elsewhere, through ``ModelRequests`` (the window's model thread): every
call returns a request id, and that thread's results come back through the ``on_*`` methods, on
the thread that owns the session.

    session = ChatSession(store, providers, settings, models)
    session.busy_changed.connect(update_buttons)
    session.send("Hello")            # → message_shown, busy_changed(True)
    session.on_turn_started(start)   # → message_stored, answer_started
    session.on_turn_finished(result) # → answer_ended, turn_finished, conversations_changed
    session.on_request_done(request) # → busy_changed(False)

A reasoning model's thinking level (``thinking_choice``, ``set_thinking``) is the conversation's
own; a new chat keeps it until its first message is sent, as its collections.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from app.core.chat import thinking
from app.core.chat.assistant import TurnResult, TurnStart, model_for
from app.core.chat.store import Message, Store
from app.core.chat.thinking_choice import ThinkingChoice, as_offered, model_style
from app.core.cloud.chat import route_for
from app.core.cloud.providers import Provider, ProviderRegistry
from app.core.errors import EnclaveError
from app.core.platform.events import Event
from app.core.platform.paths import Paths
from app.core.platform.settings import Settings

if TYPE_CHECKING:
    from app.core.cloud.chat import CloudPlan


class ModelRequests(Protocol):
    """Where the session's work runs; each call returns a request id for ``on_request_done``."""

    def send(
        self,
        conversation_id: int | None,
        text: str,
        model: str = "",
        collections=None,
        thinking_level: str | None = None,
    ) -> int: ...
    def edit(self, conversation_id: int, message_id: int, text: str) -> int: ...
    def regenerate(self, conversation_id: int) -> int: ...
    def plan_cloud(
        self, conversation_id: int | None, text: str | None, provider: str, collections
    ) -> int: ...
    def send_cloud(self, plan: CloudPlan, choice: str) -> int: ...
    def preload(self, conversation_id: int | None) -> int: ...
    def stop(self) -> None: ...


class NextStep(enum.Enum):
    """What a notice offers to do next; the front end knows how."""

    ASK_CLOUD_AGAIN = "Ask cloud instead…"
    ANSWER_HERE = "Answer on this device"
    OPEN_PROVIDERS = "Providers…"


@dataclass(frozen=True)
class Notice:
    text: str
    error: bool = False
    next_step: NextStep | None = None


@dataclass
class _Turn:
    request: int
    planning: bool = False  # only preparing what a provider would receive
    cloud: bool = False  # answered by a provider
    pending: Message | None = None  # shown, not yet stored (a temporary, negative id)
    answer_id: int | None = None  # the answer streaming now


class ChatSession:
    """Lives on one thread (the window's UI thread); never blocks: the work is requested."""

    def __init__(
        self,
        store: Store,
        providers: ProviderRegistry,
        settings: Settings,
        models: ModelRequests,
        *,
        paths: Paths | None = None,
    ):
        """``paths``: where the models are, to know which thinking switch a conversation's model
        has; without them no switch is offered."""
        self.store, self.providers, self.settings, self.models = store, providers, settings, models
        self.paths = paths
        self._conversation_id: int | None = None
        self._new_chat_collections: list[str] = []
        self._new_chat_thinking: str | None = None
        self._sent_thinking: str | None = None  # what the new chat's first send carried
        self._turn: _Turn | None = None
        self._loads: set[int] = set()
        self._editing: int | None = None
        self._temp_ids = 0
        # The conversation shown: re-render it all (None: an empty new chat).
        self.conversation_changed = Event("conversation_changed")
        self.conversation_started = Event("conversation_started")  # a new chat was stored: id
        self.conversations_changed = Event("conversations_changed")  # the list may differ
        self.message_shown = Event("message_shown")  # Message, before it is stored
        self.messages_dropped = Event("messages_dropped")  # from this message id on
        self.message_stored = Event("message_stored")  # temporary id, stored id
        self.answer_started = Event("answer_started")  # TurnStart, in the open conversation
        self.answer_ended = Event("answer_ended")  # answer id: finished, stopped or failed
        self.turn_finished = Event("turn_finished")  # TurnResult
        self.collections_changed = Event("collections_changed")  # list of names
        self.route_changed = Event("route_changed")  # (Provider, model) or None
        # ThinkingChoice, or None when the model has no thinking switch (or a provider answers).
        self.thinking_changed = Event("thinking_changed")
        self.busy_changed = Event("busy_changed")  # bool
        self.editing_changed = Event("editing_changed")  # the Message being edited, or None
        self.text_returned = Event("text_returned")  # a message that was never stored
        self.consent_needed = Event("consent_needed")  # CloudPlan: ask the user
        self.notice = Event("notice")  # Notice, or None to clear

    # -- state ---------------------------------------------------------------------------------

    @property
    def conversation_id(self) -> int | None:
        return self._conversation_id

    @property
    def busy(self) -> bool:
        """A turn is in progress (answering, or preparing what a provider would receive)."""
        return self._turn is not None

    @property
    def loading(self) -> bool:
        return bool(self._loads)

    def idle(self) -> bool:
        """Nothing requested is still running: no answer, no model loading."""
        return self._turn is None and not self._loads

    @property
    def editing(self) -> int | None:
        return self._editing

    def route(self) -> tuple[Provider, str] | None:
        """Where the next message goes: the allowed provider and model, or None for this device."""
        return route_for(self.store, self.providers, self._conversation_id)

    def collections(self) -> list[str]:
        if self._conversation_id is None:
            return list(self._new_chat_collections)
        return self.store.collections(self._conversation_id)

    def thinking_choice(self) -> ThinkingChoice | None:
        """The thinking levels the conversation's model offers, with the conversation's own and
        the model's default; None when it has no switch Enclave knows, when a provider answers,
        or when there is no model."""
        if self.paths is None or self.route() is not None:
            return None
        cid = self._conversation_id
        try:
            conversation = self.store.conversation(cid) if cid else None
            model = model_for(conversation, self.paths, self.settings)
        except EnclaveError:  # no model yet: the window says how to get one
            return None
        style = model_style(model.path)
        if style is None:
            return None
        own = self._new_chat_thinking if cid is None else self.store.thinking(cid)
        return ThinkingChoice(
            style, as_offered(own, style), as_offered(model.defaults.get("thinking"), style)
        )

    def thinking_level(self) -> str | None:
        """How much the model will think: the conversation's level, else the model's default;
        None when the model decides (or has no switch)."""
        choice = self.thinking_choice()
        return choice.level if choice else None

    # -- choosing the conversation -------------------------------------------------------------

    def open(self, conversation_id: int) -> None:
        self.cancel_edit()
        self._conversation_id = conversation_id
        self._changed_all()

    def new(self) -> None:
        self.cancel_edit()
        self._conversation_id = None
        self._new_chat_collections = []
        self._new_chat_thinking = self._sent_thinking = None
        self._changed_all()

    def forget(self, conversation_id: int) -> None:
        """A conversation was deleted: if it is the open one, start a new chat."""
        if conversation_id == self._conversation_id:
            self.new()

    def _changed_all(self) -> None:
        self.conversation_changed.emit(self._conversation_id)
        self.collections_changed.emit(self.collections())
        self._route_changed()

    def _route_changed(self) -> None:
        """The route may differ, and with it the model that answers and its thinking switch."""
        self.route_changed.emit(self.route())
        self.thinking_changed.emit(self.thinking_choice())

    def set_thinking(self, level: str | None) -> None:
        """How much the conversation's model should think (``thinking.LEVELS``; None: the
        model's default). Kept for a new chat until its first message is sent.

        Raises:
            ValueError: ``level`` is none of the levels (the message names them).
        """
        level = thinking.check_level(level)
        if self._conversation_id is None:
            self._new_chat_thinking = level
        else:
            self.store.set_thinking(self._conversation_id, level)
        self.thinking_changed.emit(self.thinking_choice())

    def model_changed(self) -> None:
        """The conversation's model (or the default model) was changed elsewhere."""
        self.thinking_changed.emit(self.thinking_choice())

    def set_collections(self, names: list[str]) -> None:
        if self._conversation_id is None:
            self._new_chat_collections = list(names)
        else:
            self.store.set_collections(self._conversation_id, names)
        self.collections_changed.emit(self.collections())

    def toggle_collection(self, name: str, on: bool) -> None:
        names = [n for n in self.collections() if n != name] + ([name] if on else [])
        self.set_collections(sorted(names))

    def withdraw_consent(self) -> None:
        if self._conversation_id and self.store.withdraw_consent(self._conversation_id):
            self.notice.emit(
                Notice(
                    "This conversation is back on this device: nothing more is sent to the "
                    "provider."
                )
            )
        self._route_changed()

    def providers_changed(self) -> None:
        self._route_changed()

    # -- turns ---------------------------------------------------------------------------------

    def send(self, text: str) -> bool:
        """Answer ``text`` where the route says (or replace the message being edited)."""
        if self.busy:
            return False
        if not text.strip():
            self.notice.emit(Notice("Type a message first: there is nothing to send."))
            return False
        self.notice.emit(None)
        if self._editing is not None and self._conversation_id is not None:
            message_id, self._editing = self._editing, None
            self.editing_changed.emit(None)
            self.messages_dropped.emit(message_id)
            request = self.models.edit(self._conversation_id, message_id, text)
            self._begin(_Turn(request), text)
            return True
        new = self._conversation_id is None
        self._sent_thinking = self._new_chat_thinking if new else None
        request = self.models.send(
            self._conversation_id,
            text,
            self.settings.default_model if new else "",
            list(self._new_chat_collections) if new else None,
            thinking_level=self._sent_thinking,
        )
        self._begin(_Turn(request, cloud=self.route() is not None), text)  # the thread agrees
        return True

    def regenerate(self) -> bool:
        """Answer the last message again, on this device."""
        last_user = self._last_user_id()
        if self.busy or self._conversation_id is None or last_user is None:
            return False
        self.messages_dropped.emit(last_user + 1)
        self._begin(_Turn(self.models.regenerate(self._conversation_id)), None)
        return True

    def can_ask_cloud(self, text: str | None) -> bool:
        """Whether a message (``text`` None: the last one again) can go to a provider now; if not,
        the notice says why."""
        if self.busy:
            return False
        if text is None and (self._conversation_id is None or self._last_user_id() is None):
            self.notice.emit(Notice("There is no message to answer again yet."))
            return False
        if text is not None and not text.strip():
            self.notice.emit(Notice("Type a message first: there is nothing to send."))
            return False
        return True

    def providers_to_ask(self) -> list[Provider]:
        """The providers a message could go to; a notice says what to do when there are none."""
        try:
            providers = self.providers.all()
        except EnclaveError as exc:
            self.notice.emit(Notice(str(exc), error=True))
            return []
        if not providers:
            self.notice.emit(
                Notice(
                    "No provider yet: add a cloud API or your organisation's server in "
                    "Privacy → Providers.",
                    next_step=NextStep.OPEN_PROVIDERS,
                )
            )
        return providers

    def plan_cloud(self, text: str | None, provider: str) -> bool:
        """Prepare what ``provider`` would receive; ``consent_needed`` asks the user with it."""
        if not self.can_ask_cloud(text):
            return False
        collections = list(self._new_chat_collections) if self._conversation_id is None else None
        request = self.models.plan_cloud(self._conversation_id, text, provider, collections)
        self._turn = _Turn(request, planning=True)
        self.busy_changed.emit(True)
        return True

    def send_cloud(self, plan: CloudPlan, choice: str) -> None:
        """The user consented (``choice``: once, or for this conversation)."""
        self.notice.emit(None)
        if plan.text is None:  # again: the old answer goes
            last_user = self._last_user_id()
            if last_user is not None:
                self.messages_dropped.emit(last_user + 1)
        self._begin(_Turn(self.models.send_cloud(plan, choice), cloud=True), plan.text)

    def decline_cloud(self, plan: CloudPlan) -> None:
        self.notice.emit(Notice(f"Nothing was sent to {plan.provider.name}."))

    def stop(self) -> bool:
        """Stop the answer (what was written is kept), or else leave editing."""
        if self.busy:
            self.models.stop()
            return True
        self.cancel_edit()
        return False

    def preload(self) -> None:
        """Load the conversation's model ahead of the first message."""
        self._loads.add(self.models.preload(self._conversation_id))
        self.busy_changed.emit(self.busy)

    def start_edit(self, message_id: int) -> None:
        if self.busy:
            return
        message = self.store.message(message_id)
        self._editing = message_id
        self.editing_changed.emit(message)

    def cancel_edit(self) -> None:
        if self._editing is not None:
            self._editing = None
            self.editing_changed.emit(None)

    def _begin(self, turn: _Turn, text: str | None) -> None:
        if text is not None:  # shown at once; stored by the model thread
            self._temp_ids -= 1
            turn.pending = Message(self._temp_ids, self._conversation_id or 0, "user", text)
            self.message_shown.emit(turn.pending)
        self._turn = turn
        self.busy_changed.emit(True)

    def _last_user_id(self) -> int | None:
        if self._conversation_id is None:
            return None
        messages = self.store.messages(self._conversation_id)
        return next((m.id for m in reversed(messages) if m.role == "user"), None)

    # -- results from the model thread ---------------------------------------------------------

    def on_message_saved(self, conversation_id: int, message_id: int) -> None:
        if self._conversation_id is None:  # a new chat just got its conversation
            self._conversation_id = conversation_id
            if self._new_chat_thinking != self._sent_thinking:  # changed while it was stored
                self.store.set_thinking(conversation_id, self._new_chat_thinking)
            self._new_chat_thinking = self._sent_thinking = None
            self.conversation_started.emit(conversation_id)
        turn = self._turn
        if turn is not None and turn.pending is not None:
            if conversation_id == self._conversation_id:
                self.message_stored.emit(turn.pending.id, message_id)
            turn.pending = None

    def on_turn_started(self, start: TurnStart) -> None:
        if start.conversation_id != self._conversation_id:
            return  # the user moved to another conversation meanwhile
        turn = self._turn
        if turn is not None:
            if start.user_message_id is not None and turn.pending is not None:
                self.message_stored.emit(turn.pending.id, start.user_message_id)  # an edit
            turn.pending = None
            turn.answer_id = start.answer_message_id
        self.answer_started.emit(start)
        if start.notices:
            self.notice.emit(Notice(" ".join(start.notices)))

    def on_turn_finished(self, result: TurnResult) -> None:
        if self._turn is not None:
            self._turn.answer_id, self._turn.cloud = None, False
        current = result.conversation_id == self._conversation_id
        if current:
            self.answer_ended.emit(result.answer_message_id)
        self._route_changed()
        if result.shortened and current:
            self.notice.emit(
                Notice(
                    " ".join(result.notices) + " A provider with a larger context could read "
                    "all of it.",
                    next_step=NextStep.ASK_CLOUD_AGAIN,
                )
            )
        self.turn_finished.emit(result)
        self.conversations_changed.emit()

    def on_turn_failed(self, conversation_id: int | None, message: str) -> None:
        turn = self._turn or _Turn(-1)
        if turn.pending is not None:  # never stored: give the text back to edit
            text, turn.pending = turn.pending.content, None
            self.conversation_changed.emit(self._conversation_id)
            self.text_returned.emit(text)
        elif turn.answer_id is not None:
            self.answer_ended.emit(turn.answer_id)
            turn.answer_id = None
        elif conversation_id is not None and conversation_id == self._conversation_id:
            self.conversation_changed.emit(conversation_id)  # what was stored, not what was shown
        cloud, turn.cloud = turn.cloud, False
        self._route_changed()
        if cloud and self._conversation_id:
            self.notice.emit(Notice(message + " Your message is kept.", True, NextStep.ANSWER_HERE))
        else:
            self.notice.emit(Notice(message, error=True))
        self.conversations_changed.emit()

    def on_cloud_planned(self, request: int, plan: CloudPlan) -> None:
        if self._turn is None or self._turn.request != request:
            return
        self._turn = None
        self.busy_changed.emit(False)
        if plan.conversation_id != self._conversation_id:  # the user moved on while it planned
            self.notice.emit(
                Notice(
                    f"Nothing was sent to {plan.provider.name}: you opened another "
                    f"conversation before it was ready. Ask again from here."
                )
            )
            return
        self.consent_needed.emit(plan)

    def on_plan_failed(self, request: int, message: str) -> None:
        if self._turn is not None and self._turn.request == request:
            self._turn = None
            self.busy_changed.emit(False)
            self.notice.emit(Notice(message, error=True))

    def on_request_done(self, request: int) -> None:
        """A request is over, however it ended."""
        self._loads.discard(request)
        if self._turn is not None and self._turn.request == request:
            self._turn = None
        self.busy_changed.emit(self.busy)
