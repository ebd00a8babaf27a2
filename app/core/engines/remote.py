"""An engine that answers with a provider's OpenAI-compatible API (a cloud, or the organisation's
own server), through the ``openai`` SDK and only inside the privacy gate.

The SDK gets Enclave's HTTP client (``privacy/http.py``), so the gate sees, checks and audits every
request; it never retries on its own (each request that leaves is one the user agreed to), and its
platform headers (``X-Stainless-*``: OS, architecture, Python version) are not sent.
"""

from __future__ import annotations

import logging
import threading
import urllib.parse
from collections.abc import Iterable, Iterator

from app.core.engines.base import (
    ChatMessage,
    Engine,
    Generation,
    GenerationOptions,
    GenerationStats,
    StatsClock,
    Thought,
)
from app.core.errors import EnclaveError
from app.core.privacy import consent, gate
from app.core.privacy.consent import estimate_tokens
from app.core.privacy.keyring_store import KeyringStore, KeyringUnavailableError
from app.core.privacy.watch import Watch

log = logging.getLogger(__name__)
CHARS_PER_TOKEN = 4
# Where OpenAI-compatible servers put a reasoning model's thinking, apart from ``content``
# (DeepSeek, vLLM and llama-server: reasoning_content; OpenRouter and Ollama: reasoning).
REASONING_FIELDS = ("reasoning_content", "reasoning")


class CloudError(EnclaveError):
    """A provider could not answer; ``kind`` says why, ``retry_after`` when it may try again."""

    def __init__(self, message: str, kind: str, retry_after: float | None = None):
        super().__init__(message)
        self.kind = kind
        self.retry_after = retry_after


def api_key(provider, keys: KeyringStore) -> str:
    """The provider's key from the OS keyring ("none" for a server that needs none)."""
    try:
        key = keys.get(provider.key_name)
    except KeyringUnavailableError:
        if provider.needs_key:
            raise  # names the cause and the fix; there is no other place a key could be
        key = None  # a server without keys works on a machine without a keyring
    if key:
        return key
    if provider.needs_key:
        raise CloudError(
            f"No API key is saved for {provider.name}. Save it with "
            f'`enclave keys set "{provider.name}"` (it reads the key from standard '
            f"input) or in Providers → Set key.",
            "no key",
        )
    return "none"


# The only request headers a provider gets: the ones the consent shows. The openai SDK adds
# others from the environment (OPENAI_ORG_ID, OPENAI_PROJECT_ID, OPENAI_CUSTOM_HEADERS, …) to every
# server it talks to, an organisation's own included: none of them is part of what was agreed.
SENT_HEADERS = consent.SENT_HEADERS


def _only_chosen_headers(authorization: str):
    def hook(request) -> None:
        for name in [n for n in request.headers if n.lower() not in SENT_HEADERS]:
            del request.headers[name]
        request.headers["Authorization"] = authorization  # the key from the keyring, no other

    return hook


def client(provider, keys: KeyringStore, *, timeout_s: float):
    import httpx2
    import openai

    from app.core.privacy import http

    key = api_key(provider, keys)
    transport = http.client(
        timeout=httpx2.Timeout(timeout_s, connect=min(timeout_s, 15.0)), follow_redirects=False
    )
    # First, so the gate records (and counts) the request as it really leaves.
    transport.event_hooks["request"].insert(0, _only_chosen_headers(f"Bearer {key}"))
    return openai.OpenAI(
        base_url=provider.base_url,
        api_key=key,
        max_retries=0,
        organization="",
        project="",
        http_client=transport,
    )


def client_ready() -> str:
    """Build a provider client through the gate without contacting anything (the self-test's
    check that the SDK is there and complete). Returns the SDK's version."""
    import openai

    from app.core.privacy import http

    sdk = openai.OpenAI(
        base_url="http://127.0.0.1:9/v1",
        api_key="self-test",
        http_client=http.client(),
        max_retries=0,
    )
    try:
        sdk.chat.completions, sdk.models  # noqa: B018 (resolves the SDK's lazily loaded parts)
    finally:
        sdk.close()
    return openai.__version__


def _retry_after(response) -> float | None:
    if response is None:
        return None
    for name, scale in (("retry-after-ms", 1000.0), ("retry-after", 1.0)):
        value = response.headers.get(name)
        if value is None:
            continue
        try:
            return float(value) / scale
        except ValueError:
            continue  # an HTTP date: rare enough to show no number
    return None


def explain(exc: Exception, provider, model: str, *, answering: bool = False) -> EnclaveError:
    """A provider failure as a sentence a person can act on (``answering``: its answer had
    begun to arrive)."""
    import httpx2
    import openai

    if isinstance(exc, EnclaveError):
        return exc
    who = f"{provider.name} ({provider.host})"
    if (
        answering
        and isinstance(exc, (openai.APIConnectionError, httpx2.TransportError))
        and not isinstance(exc, (openai.APITimeoutError, httpx2.TimeoutException))
    ):
        # It was reached: "could not reach" would send the user to check the wrong thing.
        return CloudError(
            f"The connection to {who} was cut mid-answer. What arrived before it "
            f"is kept; try again, or answer on this device.",
            "cut",
        )
    if isinstance(exc, openai.AuthenticationError):
        return CloudError(
            f"{who} refused the API key (401). Check the key you saved for "
            f"{provider.name} (Providers → Test key, or `enclave keys set "
            f'"{provider.name}"`).',
            "auth",
        )
    if isinstance(exc, openai.PermissionDeniedError):
        return CloudError(f"{who} refused access (403): this key may not use {model}.", "auth")
    if isinstance(exc, openai.NotFoundError):
        return CloudError(
            f"{who} has no model {model!r} (404). List its models with "
            f'`enclave providers models "{provider.name}"`.',
            "not found",
        )
    if isinstance(exc, openai.RateLimitError):
        after = _retry_after(exc.response)
        wait = (
            f" It asks to wait {after:.0f} s before trying again."
            if after
            else " Wait a moment and try again."
        )
        return CloudError(
            f"{who} is limiting requests right now (429 Too Many Requests).{wait}",
            "rate limit",
            after,
        )
    if isinstance(exc, openai.APIStatusError):
        status = exc.status_code
        if 300 <= status < 400:  # the client follows no redirects: see privacy/gate.py
            location = exc.response.headers.get("location", "")
            where = urllib.parse.urlsplit(location).hostname or provider.host
            return CloudError(
                f"{who} redirected the request to {where} ({status}). Enclave "
                f"does not follow a provider's redirects, so nothing was sent "
                f"there; check the provider's base URL.",
                "redirect",
            )
        if status >= 500:
            return CloudError(
                f"{who} had a server error ({status}). Try again later.", "server error"
            )
        return CloudError(
            f"{who} rejected the request ({status}): {_short(exc.message)}", "rejected"
        )
    if isinstance(exc, openai.APITimeoutError):
        return CloudError(
            f"{who} did not answer in time. Try again, or answer on this device.", "timeout"
        )
    if isinstance(exc, openai.APIConnectionError):
        return CloudError(
            f"Could not reach {who}: {_short(str(exc.__cause__ or exc))}. Check "
            f"your network connection (and HTTPS_PROXY if you use a proxy).",
            "unreachable",
        )
    if isinstance(exc, (ValueError, openai.APIError)):
        # A stream that is not the JSON events the API promises (json.JSONDecodeError is one).
        return CloudError(
            f"{who} sent an answer Enclave could not read (a malformed stream). "
            f"What arrived before it is kept.",
            "malformed",
        )
    log.exception("unexpected provider failure")
    return CloudError(
        f"{who} failed in a way Enclave did not expect ({type(exc).__name__}). "
        f"Details are in the log file.",
        "unexpected",
    )


def _short(text: str, limit: int = 200) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


class RemoteEngine(Engine):
    """One provider and model, answering inside the gate with the user's consent. One thread."""

    kind = "remote"

    def __init__(
        self,
        provider,
        model: str,
        *,
        settings,
        keys: KeyringStore,
        consent=None,
        conversation: int | None = None,
        settings_file=None,
        paths=None,
    ):
        """``paths``: the runtime's folders (where each request is recorded)."""
        super().__init__(model)
        self.provider, self.settings, self.keys = provider, settings, keys
        self.consent, self.conversation = consent, conversation
        self.settings_file = settings_file  # re-read while answering (privacy/watch.py)
        self.paths = paths

    @property
    def context_length(self) -> int:
        return self.provider.context_length

    def count_tokens(self, messages: Iterable[ChatMessage]) -> int:
        return estimate_tokens([m.as_dict() for m in messages])

    def truncate(self, text: str, max_tokens: int) -> str:
        return text[: max_tokens * CHARS_PER_TOKEN]

    def stream(
        self, messages: list[ChatMessage], *, options: GenerationOptions, cancel: threading.Event
    ) -> Generation:
        stats = GenerationStats(prompt_tokens=self.count_tokens(messages))
        return Generation(self._pieces(messages, options, cancel, stats), stats)

    def _pieces(self, messages, options, cancel, stats) -> Iterator[str]:
        clock = StatsClock(stats)
        kwargs = dict(
            model=self.model_id,
            messages=[m.as_dict() for m in messages],
            stream=True,
            max_tokens=options.max_tokens,
            temperature=options.temperature,
            top_p=options.top_p,
        )
        if self.provider.stream_usage:
            kwargs["stream_options"] = {"include_usage": True}
        purpose = f"ask {self.provider.name}"
        # Work offline, "allow cloud" off or a policy, switched midway, stop the answer.
        watch = Watch(
            self.settings, purpose, settings_file=self.settings_file, provider=self.provider
        )
        with gate.open_cloud(
            self.settings,
            self.provider,
            purpose,
            consent=self.consent,
            model=self.model_id,
            conversation=self.conversation,
            paths=self.paths,
        ) as passage:
            passage.tokens_sent = stats.prompt_tokens
            passage.tokens_received = 0
            reason, answering = "stop", False
            try:
                watch.check()  # also the saved settings: a window may hold older ones
                sdk = client(
                    self.provider,
                    self.keys,
                    timeout_s=getattr(self.settings, "cloud_timeout_s", 60.0),
                )
                stream = sdk.chat.completions.create(**kwargs)
                answering = True
                try:
                    for chunk in stream:
                        if cancel.is_set():
                            reason = "cancelled"
                            break
                        watch.check()
                        if chunk.usage:  # the provider's own count replaces the estimate
                            stats.prompt_tokens = passage.tokens_sent = chunk.usage.prompt_tokens
                            passage.tokens_received = chunk.usage.completion_tokens
                        for choice in chunk.choices:
                            for text in _delta_pieces(choice.delta):
                                clock.token()
                                if not chunk.usage:
                                    passage.tokens_received += 1
                                yield text
                            if choice.finish_reason:
                                reason = "length" if choice.finish_reason == "length" else "stop"
                finally:
                    stream.close()
            except Exception as exc:
                raise explain(exc, self.provider, self.model_id, answering=answering) from exc
            clock.finish(reason)
            log.info(
                "%s answered %d pieces in %.1f s",
                self.provider.name,
                stats.completion_tokens,
                stats.total_s,
            )


def _delta_pieces(delta) -> list[str]:
    """A streamed delta's text: its thinking as ``Thought`` first, then its answer text."""
    if delta is None:
        return []
    pieces: list[str] = []
    for name in REASONING_FIELDS:
        reasoning = getattr(delta, name, None)
        if isinstance(reasoning, str) and reasoning:
            pieces.append(Thought(reasoning))
            break  # a server that sends both sends the same text twice
    if delta.content:
        pieces.append(delta.content)
    return pieces


def list_models(provider, settings, keys: KeyringStore, *, paths=None) -> list[str]:
    """The models the provider offers (one request, no message content): also tests the key.
    ``paths``: the runtime's folders (where the request is recorded)."""
    with gate.open_cloud(
        settings,
        provider,
        f"list the models of {provider.name}",
        needs_consent=False,
        paths=paths,
    ):
        try:
            found = client(
                provider, keys, timeout_s=getattr(settings, "cloud_timeout_s", 60.0)
            ).models.list()
            # Gemini's compatible API may name models "models/…".
            return sorted(m.id.removeprefix("models/") for m in found)
        except Exception as exc:
            raise explain(exc, provider, "") from exc
