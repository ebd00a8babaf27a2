"""A conversation turn answered by a provider: first what would be sent, then — only with the
user's consent — sending it.

``plan`` builds the exact payload (history and new message, redacted, fitted to the provider's
context) and the ``ConsentRequest`` the user sees; it sends nothing and stores nothing. ``send``
takes the user's choice: *Cancel* does nothing at all; *Send once* and *Allow for this conversation*
store the message, answer it through the gate with exactly the messages shown, and put the
redacted originals back into the answer here. The window and ``enclave ask --provider`` both use it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from app.core.chat import context
from app.core.chat.assistant import Assistant, Route, TurnResult, TurnStart, title_from
from app.core.cloud.providers import Provider, ProviderError, ProviderRegistry
from app.core.engines.base import ChatMessage
from app.core.engines.remote import RemoteEngine
from app.core.errors import EmptyMessageError, EnclaveError
from app.core.privacy import consent as consent_mod
from app.core.privacy import gate, policy
from app.core.privacy.keyring_store import KeyringStore
from app.core.privacy.redaction import Redactor, Restorer


@dataclass
class CloudPlan:
    """What would be sent, and to whom: shown to the user before anything leaves."""

    request: consent_mod.ConsentRequest
    conversation_id: int | None
    text: str | None  # the new message; None to answer the last one again ("Retry with cloud")
    redactor: Redactor | None
    collections: list[str] = field(default_factory=list)  # searched for this message

    @property
    def provider(self) -> Provider:
        return self.request.provider


def redaction_on(settings) -> bool:
    return bool(settings.redact) or policy.load().force_redaction


class CloudChat:
    """Lives with its ``Assistant`` on one thread (the window's model thread, or the CLI)."""

    def __init__(self, assistant: Assistant):
        self.assistant = assistant
        paths = assistant.paths
        self.providers = ProviderRegistry(paths.providers_file)
        self.keys = KeyringStore(paths.keys_index)

    @property
    def settings(self):
        return self.assistant.settings

    def plan(
        self,
        conversation_id: int | None,
        text: str | None,
        provider: str,
        *,
        model: str | None = None,
        collections: list[str] | None = None,
    ) -> CloudPlan:
        """The payload for ``text`` (or the last message again) in a conversation. Sends nothing.

        The conversation's document collections (or ``collections``, for a new one) are searched
        as for a local answer, and their passages are part of the payload — redacted like the
        rest and shown in the consent dialog. Answers are in it without their thinking, which
        is stored apart and never sent anywhere.

        Raises:
            PolicyError, OfflineError, CloudNotAllowedError: the rules forbid this provider.
            PrivateDocumentsError: the conversation draws on a never-to-the-cloud collection.
            ProviderError: no such provider, or no model chosen.
        """
        p = self.providers.get(provider)
        model = model or p.default_model
        if not model:
            raise ProviderError(f"Choose a model for {p.name} (--model, or set its default).")
        store = self.assistant.store
        if collections is None:
            collections = store.collections(conversation_id) if conversation_id else []
        else:
            self.assistant.documents.require(collections)
        private = self._check(p, collections, conversation_id)
        if text is not None and not text.strip():
            raise EmptyMessageError("The message is empty: type something to send.")
        if conversation_id is None:
            system = self.assistant.settings_for(None).system_prompt
            history = [ChatMessage("system", system)] if system.strip() else []
        else:
            conversation = store.conversation(conversation_id)
            history = self.assistant.history(conversation)
            if text is None:  # again: the history up to the last message of the user's
                while history and history[-1].role == "assistant":
                    history.pop()
        if text is not None:
            history.append(ChatMessage("user", text))
        if not any(m.role == "user" for m in history):
            raise EmptyMessageError("There is no message of yours to send in this conversation.")
        options = self.assistant.options(None)
        engine = RemoteEngine(p, model, settings=self.settings, keys=self.keys)
        answer_tokens = min(options.max_tokens, p.context_length // 2)
        grounded = self.assistant.ground(collections, history, engine, answer_tokens)
        history = grounded.messages
        redactor = Redactor(self.settings.redaction_terms) if redaction_on(self.settings) else None
        if redactor:
            # The whole payload at once: a value found in one message is replaced in all of them.
            redacted = redactor.redact_all([m.content for m in history])
            history = [ChatMessage(m.role, text) for m, text in zip(history, redacted)]
        fitted = context.fit(history, engine, answer_tokens=answer_tokens)
        request = consent_mod.ConsentRequest(
            p,
            model,
            [m.as_dict() for m in fitted.messages],
            redacted=redactor is not None,
            redaction_note=redactor.describe() if redactor else "Redaction is off.",
            max_answer_tokens=options.max_tokens,
            notices=grounded.notices + list(fitted.notices),
            sources=grounded.sources,
            private_documents=private,
        )
        return CloudPlan(request, conversation_id, text, redactor, collections)

    def send(
        self,
        plan: CloudPlan,
        choice: str,
        *,
        cancel: threading.Event,
        on_saved: Callable[[int, int], None] | None = None,
        on_start: Callable[[TurnStart], None] | None = None,
        on_piece: Callable[[str], None] | None = None,
        on_thinking: Callable[[str], None] | None = None,
    ) -> TurnResult | None:
        """Act on the user's choice for ``plan``: None (and nothing done) for *Cancel*."""
        if choice == consent_mod.CANCEL:
            return None
        return self._answer(
            plan,
            choice,
            cancel=cancel,
            on_saved=on_saved,
            on_start=on_start,
            on_piece=on_piece,
            on_thinking=on_thinking,
        )

    def _answer(
        self,
        plan: CloudPlan,
        choice: str,
        *,
        cancel: threading.Event,
        on_saved: Callable[[int, int], None] | None,
        on_start: Callable[[TurnStart], None] | None,
        on_piece: Callable[[str], None] | None,
        on_thinking: Callable[[str], None] | None = None,
    ) -> TurnResult:
        # Again now: a collection may have been marked while the user read the dialog.
        self._check(plan.provider, plan.collections, plan.conversation_id, plan.request.sources)
        consent = consent_mod.Consent.for_request(plan.request, choice)
        store = self.assistant.store
        cid, user_id = plan.conversation_id, None
        if plan.text is not None:
            if cid is None:
                cid = store.create_conversation(title_from(plan.text)).id
            store.set_collections(cid, plan.collections)
            user_id = store.add_message(cid, "user", plan.text).id
            if on_saved:
                on_saved(cid, user_id)
        elif cid is not None:
            self.assistant.drop_last_answers(cid)
        if cid is None:  # plan() refuses this: again, with no conversation
            raise EmptyMessageError("There is no message of yours to send in this conversation.")
        if choice == consent_mod.CONVERSATION:
            store.grant_consent(cid, plan.provider.name, plan.request.model, plan.provider.identity)
        engine = RemoteEngine(
            plan.provider,
            plan.request.model,
            settings=self.settings,
            keys=self.keys,
            consent=consent,
            conversation=cid,
            settings_file=self.assistant.paths.settings_file,
            paths=self.assistant.paths,
        )
        restorer, thinking_restorer = Restorer(plan.redactor), Restorer(plan.redactor)
        route = Route(
            engine,
            [ChatMessage(m["role"], m["content"]) for m in plan.request.messages],
            self.assistant.options(None),
            restorer.feed,
            restorer.flush,
            plan.provider.name,
            plan.provider.tier,
            plan.request.sources,
            thinking_restorer.feed,
            thinking_restorer.flush,
        )
        return self.assistant.answer(
            cid, user_id, cancel, on_start, on_piece, on_thinking, route=route
        )

    def _check(
        self, provider: Provider, collections: list[str], conversation_id: int | None, sources=()
    ) -> list[str]:
        """The gate's rules before anything is stored or sent, with the documents' marks as
        they are now; returns the marked collections (none, or the gate has refused)."""
        docs = self.assistant.documents
        cited = self.assistant.store.cited_collections(conversation_id) if conversation_id else {}
        private = docs.private(collections, cited=cited, sources=sources)
        try:
            gate.check_cloud(
                self.settings,
                provider,
                f"ask {provider.name}",
                needs_consent=False,
                private_documents=private,
            )
        except gate.PrivateDocumentsError as exc:
            how = docs.reached_through({*collections, *cited})
            raise gate.PrivateDocumentsError(f"{exc} {how}".strip()) from exc
        return private

    def route_for(self, conversation_id: int | None) -> tuple[Provider, str] | None:
        return route_for(self.assistant.store, self.providers, conversation_id)

    def send_message(
        self,
        conversation_id: int | None,
        text: str,
        *,
        cancel: threading.Event,
        model: str | None = None,
        system_prompt: str | None = None,
        collections: list[str] | None = None,
        on_saved: Callable[[int, int], None] | None = None,
        on_start: Callable[[TurnStart], None] | None = None,
        on_piece: Callable[[str], None] | None = None,
        on_thinking: Callable[[str], None] | None = None,
        thinking_level: str | None = None,
        on_reading: Callable[[int, int], None] | None = None,
    ) -> TurnResult:
        """A new message, answered where ``route_for`` says: on this device, or by the provider
        the user allowed for this conversation (planned and sent as the consent dialog would).
        ``thinking_level`` is the conversation's thinking setting for its local model, and
        ``on_reading(tokens read, prompt tokens)`` hears that model read a long prompt (a
        provider's answer has no such report)."""
        route = self.route_for(conversation_id)
        if route is None:
            return self.assistant.send(
                conversation_id,
                text,
                cancel=cancel,
                model=model,
                system_prompt=system_prompt,
                on_saved=on_saved,
                on_start=on_start,
                on_piece=on_piece,
                on_thinking=on_thinking,
                collections=collections,
                thinking_level=thinking_level,
                on_reading=on_reading,
            )
        provider, provider_model = route
        plan = self.plan(conversation_id, text, provider.name, model=provider_model)
        return self._answer(
            plan,
            consent_mod.CONVERSATION,
            cancel=cancel,
            on_saved=on_saved,
            on_start=on_start,
            on_piece=on_piece,
            on_thinking=on_thinking,
        )


def route_for(
    store, providers: ProviderRegistry, conversation_id: int | None
) -> tuple[Provider, str] | None:
    """Where the next message of a conversation goes: the provider and model the user allowed it
    to use without asking ("Allow for this conversation"), or None for this device. The window,
    the CLI and anything else that answers ask here, so they always agree."""
    if conversation_id is None:
        return None
    granted = store.consent_grant(conversation_id)
    if granted is None:
        return None
    name, model, identity = granted
    try:
        provider = providers.get(name)
    except ProviderError:
        return None
    # The grant was for one server and tier: a provider of that name elsewhere is asked anew.
    return (provider, model) if provider.identity == identity else None


def remove_provider(
    registry: ProviderRegistry, keys: KeyringStore, store, name: str
) -> tuple[Provider, list[str]]:
    """Remove a provider with everything bound to it: every conversation's standing consent
    and its API key. Returns the provider and sentences saying what was done, or could not be."""
    provider = registry.remove(name)
    said = []
    withdrawn = store.withdraw_provider_consents(provider.name)
    if withdrawn:
        said.append(f"withdrew the permission {withdrawn} conversation(s) had to use it")
    try:
        if keys.remove(provider.key_name):
            said.append("deleted its key from the keyring")
    except EnclaveError as exc:
        said.append(
            f'could NOT delete its key "{provider.key_name}" from the keyring '
            f'({exc}); delete it with `enclave keys remove "{provider.key_name}"` '
            f"before adding a provider of that name again"
        )
    return provider, said
