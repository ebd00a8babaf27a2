"""One conversation turn, start to finish: history → context → engine → store.

The window and the CLI both drive conversations through ``Assistant``; neither holds any of these
rules itself. An Assistant and the engines it uses belong to one thread.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from app.core.chat import context, thinking
from app.core.chat.store import Conversation, Store, StoreError
from app.core.documents import retrieval
from app.core.documents.grounding import Documents
from app.core.engines.base import (
    ChatMessage,
    Engine,
    GenerationOptions,
    GenerationStats,
    Thought,
)
from app.core.engines.host import EngineHost
from app.core.errors import EmptyMessageError, EnclaveError
from app.core.models import gguf, installed
from app.core.platform.paths import Paths
from app.core.platform.settings import Settings

log = logging.getLogger(__name__)

# A streaming answer is written to the database this often, so a crash loses at most this much.
SAVE_INTERVAL_S = 0.5
TITLE_WORDS = 8


@dataclass
class Route:
    """An answer from somewhere other than the local model: the engine, the exact messages it
    sends (already consented to), and how to turn its text back into the user's words."""

    engine: Engine
    messages: list[ChatMessage]
    options: GenerationOptions
    restore: Callable[[str], str]
    flush: Callable[[], str]
    provider: str
    tier: str
    sources: list[retrieval.Source] = field(default_factory=list)  # passages in ``messages``
    # The provider's separate reasoning field, put back the same way as the answer.
    restore_thinking: Callable[[str], str] = field(default=lambda piece: piece)
    flush_thinking: Callable[[], str] = field(default=lambda: "")


@dataclass
class TurnStart:
    """What is known once a turn begins, before the first token."""

    conversation_id: int
    user_message_id: int | None  # None when regenerating
    answer_message_id: int
    model: str
    engine: str
    notices: list[str] = field(default_factory=list)


@dataclass
class TurnResult:
    conversation_id: int
    user_message_id: int | None
    answer_message_id: int
    text: str
    model: str
    engine: str
    stats: GenerationStats
    notices: list[str] = field(default_factory=list)
    shortened: bool = False  # the message did not fit the local model: the cloud may help
    provider: str | None = None  # who answered, when not this device
    sources: list[retrieval.Source] = field(default_factory=list)  # passages the prompt held
    thinking: str = ""  # what a reasoning model thought: stored apart, never sent again
    thinking_s: float | None = None  # how long it thought

    @property
    def cancelled(self) -> bool:
        return self.stats.finish_reason == "cancelled"


def model_for(
    conversation: Conversation | None,
    paths: Paths,
    settings: Settings,
    *,
    models: list[installed.InstalledModel] | None = None,
) -> installed.InstalledModel:
    """The model that answers in a conversation: its own choice, else the default setting."""
    return installed.resolve(
        conversation.model if conversation else None,
        paths,
        default=settings.default_model,
        models=models,
    )


def _checked_level(level: str | None) -> str | None:
    try:
        return thinking.check_level(level)
    except ValueError as exc:
        raise EnclaveError(f"{str(exc).capitalize()}.") from None


def _prompt_text(engine: Engine, messages: list[ChatMessage]) -> str | None:
    """The exact prompt a local engine continues (its template may open a thinking block)."""
    format_prompt = getattr(engine, "format_prompt", None)
    return format_prompt(messages) if format_prompt else None


class _ThinkingClock:
    """How long a model thought: from the request to its last piece of thinking."""

    def __init__(self):
        self.start = time.monotonic()
        self.last: float | None = None

    def thought(self) -> None:
        self.last = time.monotonic()

    def seconds(self) -> float | None:
        return None if self.last is None else self.last - self.start

    def ms(self) -> float | None:
        seconds = self.seconds()
        return None if seconds is None else seconds * 1000


def title_from(text: str) -> str:
    words = text.split()
    title = " ".join(words[:TITLE_WORDS])
    if len(title) > 60:
        title = title[:59].rstrip() + "…"
    elif len(words) > TITLE_WORDS:
        title += "…"
    return title or "New chat"


class Assistant:
    def __init__(
        self, store: Store, settings: Settings, paths: Paths, host: EngineHost | None = None
    ):
        self.store, self.settings, self.paths = store, settings, paths
        self.host = host or EngineHost(settings)
        self.documents = Documents(paths, settings)
        # Settings given for this session only (e.g. `enclave ask --temperature`): they win over
        # both the user's settings and a model's own defaults.
        self.overrides: dict = {}

    # -- choosing the model --------------------------------------------------------------------

    def model_for(self, conversation: Conversation | None) -> installed.InstalledModel:
        return model_for(conversation, self.paths, self.settings)

    def load_model(self, conversation_id: int | None) -> None:
        """Load the model a conversation (or a new chat, for None) will use, ahead of time."""
        self.host.get(
            self.model_for(self.store.conversation(conversation_id) if conversation_id else None)
        )

    def _require_model(self, ref: str) -> installed.InstalledModel:
        """Resolve a model the user named; a path to no file fails here, before storing anything."""
        model = installed.resolve(ref, self.paths)
        if not model.path.is_file():
            gguf.read(model.path)  # raises ModelFileError naming the file
        return model

    def settings_for(self, model: installed.InstalledModel | None) -> Settings:
        return installed.settings_for(self.settings, model, **self.overrides)

    def system_prompt_for(
        self, conversation: Conversation, model: installed.InstalledModel | None = None
    ) -> str:
        if conversation.system_prompt is not None:
            return conversation.system_prompt
        return self.settings_for(model).system_prompt

    def options(self, model: installed.InstalledModel | None = None) -> GenerationOptions:
        s = self.settings_for(model)
        return GenerationOptions(
            max_tokens=s.max_answer_tokens,
            temperature=s.temperature,
            top_p=s.top_p,
            repeat_penalty=s.repeat_penalty,
        )

    def close(self) -> None:
        """Unload the models and close the document index (end of this thread's work)."""
        self.host.unload()
        self.documents.close()

    # -- turns ---------------------------------------------------------------------------------

    def send(
        self,
        conversation_id: int | None,
        text: str,
        *,
        cancel: threading.Event,
        model: str | None = None,
        system_prompt: str | None = None,
        on_saved: Callable[[int, int], None] | None = None,
        on_start: Callable[[TurnStart], None] | None = None,
        on_piece: Callable[[str], None] | None = None,
        on_thinking: Callable[[str], None] | None = None,
        collections: list[str] | None = None,
        thinking_level: str | None = None,
        on_reading: Callable[[int, int], None] | None = None,
    ) -> TurnResult:
        """Add the user's message to a conversation (a new one when id is None) and answer it.

        ``collections`` (document collection names) replaces those the conversation searches;
        ``thinking_level`` (``thinking.LEVELS``) becomes the conversation's thinking setting.
        ``on_piece`` gets the answer as it streams, ``on_thinking`` a reasoning model's thinking,
        ``on_reading(tokens read, prompt tokens)`` the local model's progress through a long
        prompt, before the first token (Stop works between its batches).

        The message is stored before the model loads (``on_saved(conversation_id, message_id)``
        says so), so a model that fails to load loses nothing the user typed.

        Raises:
            EmptyMessageError: the message holds only white space.
            EnclaveError: the model cannot be found or loaded; the message is kept regardless.
        """
        if not text.strip():
            raise EmptyMessageError("The message is empty: type something to send.")
        self.documents.require(collections or ())  # a misspelt name: nothing is stored
        level = _checked_level(thinking_level)
        if conversation_id is None:
            if model:  # fail before anything is stored when the model does not exist
                self._require_model(model)
            conversation = self.store.create_conversation(
                title_from(text), system_prompt=system_prompt, model=model
            )
        else:
            conversation = self.store.conversation(conversation_id)
            if model and model != conversation.model:
                self._require_model(model)
                self.store.set_conversation_model(conversation.id, model)
            if system_prompt is not None:
                self.store.set_system_prompt(conversation.id, system_prompt)
        if collections is not None:
            self.store.set_collections(conversation.id, collections)
        if level is not None:
            self.store.set_thinking(conversation.id, level)
        user = self.store.add_message(conversation.id, "user", text)
        if on_saved:
            on_saved(conversation.id, user.id)
        return self.answer(
            conversation.id,
            user.id,
            cancel,
            on_start,
            on_piece,
            on_thinking,
            on_reading=on_reading,
        )

    def regenerate(
        self,
        conversation_id: int,
        *,
        cancel: threading.Event,
        on_start: Callable[[TurnStart], None] | None = None,
        on_piece: Callable[[str], None] | None = None,
        on_thinking: Callable[[str], None] | None = None,
        on_reading: Callable[[int, int], None] | None = None,
    ) -> TurnResult:
        """Replace the answer(s) after the last user message with a new one."""
        self.drop_last_answers(conversation_id)
        return self.answer(
            conversation_id, None, cancel, on_start, on_piece, on_thinking, on_reading=on_reading
        )

    def edit_and_resend(
        self,
        message_id: int,
        text: str,
        *,
        cancel: threading.Event,
        on_start: Callable[[TurnStart], None] | None = None,
        on_piece: Callable[[str], None] | None = None,
        on_thinking: Callable[[str], None] | None = None,
        on_reading: Callable[[int, int], None] | None = None,
    ) -> TurnResult:
        """Change one of the user's messages, drop everything after it, and answer again."""
        if not text.strip():
            raise EmptyMessageError("The message is empty: type something to send.")
        message = self.store.message(message_id)
        if message.role != "user":
            raise EnclaveError("Only your own messages can be edited and sent again.")
        self.store.edit_message(message_id, text)
        self.store.delete_messages_from(message.conversation_id, message_id + 1)
        return self.answer(
            message.conversation_id,
            message_id,
            cancel,
            on_start,
            on_piece,
            on_thinking,
            on_reading=on_reading,
        )

    def history(
        self, conversation: Conversation, model: installed.InstalledModel | None = None
    ) -> list[ChatMessage]:
        """The system prompt and the conversation's messages, as a model should see them: answers
        without their thinking (model makers advise against sending it back)."""
        history = []
        system = self.system_prompt_for(conversation, model)
        if system.strip():
            history.append(ChatMessage("system", system))
        for m in self.store.messages(conversation.id):
            if m.role == "assistant" and (m.status == "error" or not m.content.strip()):
                continue  # failed or empty answers are not part of what the model said
            history.append(ChatMessage(m.role, m.content))
        return history

    def drop_last_answers(self, conversation_id: int) -> int:
        """Drop the answers after the last user message (to answer it again); its id."""
        messages = self.store.messages(conversation_id)
        last_user = next((m for m in reversed(messages) if m.role == "user"), None)
        if last_user is None:
            raise EnclaveError("There is no message to answer again in this conversation.")
        later = [m for m in messages if m.id > last_user.id]
        if later:
            self.store.delete_messages_from(conversation_id, later[0].id)
        return last_user.id

    def answer(
        self,
        conversation_id: int,
        user_message_id: int | None,
        cancel: threading.Event,
        on_start,
        on_piece,
        on_thinking=None,
        route: Route | None = None,
        *,
        on_reading: Callable[[int, int], None] | None = None,
    ) -> TurnResult:
        """Answer the conversation's last message: with the local model, or along ``route``.

        Stopped before its first token (even while the prompt is read), the answer is stored
        empty and "cancelled": the next prompt leaves it out."""
        conversation = self.store.conversation(conversation_id)
        shortened, provider, tier = False, None, None
        restore_thinking, flush_thinking = (lambda piece: piece), (lambda: "")
        steer_notices: list[str] = []
        if route is None:
            model = self.model_for(conversation)
            engine = self.host.get(model)
            options = self.options(model)
            answer_tokens = min(options.max_tokens, engine.context_length // 2)
            history, steer_notices = self.steer(
                self.history(conversation, model), conversation, model, engine
            )
            grounded = self.ground(
                self.store.collections(conversation_id), history, engine, answer_tokens
            )
            fitted = context.fit(grounded.messages, engine, answer_tokens=answer_tokens)
            for notice in fitted.notices:
                log.info("context: %s", notice)
            model_id, messages = model.id, fitted.messages
            notices = steer_notices + grounded.notices + fitted.notices
            sources = grounded.sources
            shortened = fitted.shortened
            restore, flush = (lambda piece: piece), (lambda: "")
            if on_reading:
                options = dataclasses.replace(options, on_prompt_progress=on_reading)
        else:
            engine, options, messages = route.engine, route.options, route.messages
            model_id, notices, sources = engine.model_id, [], route.sources
            restore, flush, provider, tier = route.restore, route.flush, route.provider, route.tier
            restore_thinking, flush_thinking = route.restore_thinking, route.flush_thinking
        answer = self.store.add_message(
            conversation_id,
            "assistant",
            "",
            model=model_id,
            engine=engine.kind,
            status="streaming",
            provider=provider,
            tier=tier,
            sources=retrieval.to_json(sources),
        )
        start = TurnStart(
            conversation_id, user_message_id, answer.id, model_id, engine.kind, notices
        )
        if on_start:
            on_start(start)
        parser = thinking.ThinkingParser.for_prompt(_prompt_text(engine, messages))
        clock = _ThinkingClock()

        def deliver(events) -> None:
            for kind, text in events:
                if kind == thinking.THINKING:
                    clock.thought()
                    if on_thinking:
                        on_thinking(text)
                elif on_piece:
                    on_piece(text)

        last_save = time.monotonic()
        generation = engine.stream(messages, options=options, cancel=cancel)
        try:
            for piece in generation:
                if isinstance(piece, Thought):
                    deliver(parser.feed(Thought(restore_thinking(piece))))
                else:
                    deliver(parser.feed(restore(piece)))
                now = time.monotonic()
                if now - last_save >= SAVE_INTERVAL_S:
                    self.store.update_text(answer.id, parser.answer, thinking=parser.thinking)
                    last_save = now
            deliver(parser.feed(flush()))
            deliver(parser.feed(Thought(flush_thinking())))
            deliver(parser.finish())
        except BaseException:
            try:
                parser.feed(flush())
                parser.finish()
                self.store.finish_message(
                    answer.id,
                    parser.answer,
                    status="error",
                    thinking=parser.thinking,
                    thinking_ms=clock.ms(),
                )
            except StoreError as exc:  # a full disk: the text saved last stays, as "streaming"
                log.warning("the stopped answer could not be closed: %s", exc)
            raise
        finally:
            close = getattr(generation.pieces, "close", None)
            if close:
                close()  # a remote stream leaves the gate now, not when collected
        stats = generation.stats
        text, thought = parser.answer, parser.thinking
        self.store.finish_message(
            answer.id,
            text,
            status="cancelled" if stats.finish_reason == "cancelled" else "complete",
            prompt_tokens=stats.prompt_tokens,
            completion_tokens=stats.completion_tokens,
            ttft_ms=None if stats.ttft_s is None else stats.ttft_s * 1000,
            tokens_per_s=stats.tokens_per_s,
            thinking=thought,
            thinking_ms=clock.ms(),
        )
        return TurnResult(
            conversation_id,
            user_message_id,
            answer.id,
            text,
            model_id,
            engine.kind,
            stats,
            start.notices,
            shortened,
            provider,
            sources,
            thought,
            clock.seconds() if thought else None,
        )

    def thinking_level(
        self, conversation: Conversation, model: installed.InstalledModel | None
    ) -> str | None:
        """How much the model should think here: the conversation's setting, else the model's
        own default (None: the model decides)."""
        for level in (
            self.store.thinking(conversation.id),
            model.defaults.get("thinking") if model else None,
        ):
            try:
                if checked := thinking.check_level(level):
                    return checked
            except ValueError as exc:  # a records file edited by hand: ignored, as settings are
                log.warning("thinking setting ignored: %s", exc)
        return None

    def steer(
        self,
        history: list[ChatMessage],
        conversation: Conversation,
        model: installed.InstalledModel | None,
        engine: Engine,
    ) -> tuple[list[ChatMessage], list[str]]:
        """``history`` with the thinking switch the model understands in its system prompt,
        and a notice when one was asked for that this model has none of."""
        level = self.thinking_level(conversation, model)
        info = getattr(engine, "info", None)
        style = thinking.style_of(getattr(info, "chat_template", None))
        if note := thinking.unsupported_note(level, style, engine.model_id):
            return history, [note]
        words = thinking.instruction(level, style)
        if not words:
            return history, []
        if history and history[0].role == "system":
            system = ChatMessage("system", f"{history[0].content.rstrip()}\n\n{words}")
            return [system, *history[1:]], []
        return [ChatMessage("system", words), *history], []

    def ground(
        self, collections: list[str], history: list[ChatMessage], engine: Engine, answer_tokens: int
    ):
        """``history`` with the passages from ``collections`` that fit ``engine``'s context in
        its newest message (unchanged when there are none)."""
        return self.documents.ground(
            history,
            collections,
            count_tokens=lambda text: engine.count_tokens([ChatMessage("user", text)]),
            context_length=engine.context_length,
            answer_tokens=answer_tokens,
        )
