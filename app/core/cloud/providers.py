"""The providers a user may send messages to: cloud APIs and their organisation's own server.

Every provider speaks the OpenAI-compatible chat API. Its *trust tier* comes from how it was
configured — a preset is a third-party cloud; a server added with ``--tier org`` belongs to the
user's organisation — and never from whether its URL looks local. The list lives in
``config/providers.json``; keys never do (they are in the OS keyring under the provider's name,
and leave it with the provider: ``cloud.chat.remove_provider``).
"""

from __future__ import annotations

import json
import logging
import re
import urllib.parse
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

from app.core.errors import EnclaveError
from app.core.platform import jsonfile

log = logging.getLogger(__name__)

# How far a provider is from the user: shown wherever the provider appears.
TIERS = {"device": "This device", "org": "Your organisation", "cloud": "Third-party cloud"}
# Each tier's colour wherever the app shows where words go (the badge, an answer's header).
TIER_COLOURS = {"device": "#2e7d32", "org": "#1565c0", "cloud": "#c62828"}


def badge_text(tier: str | None, name: str) -> str:
    """Where the words go, as the window's badge and each answer from a provider say it."""
    return f"Your organisation: {name}" if tier == "org" else f"Cloud: {name}"


def tier_colour(tier: str | None) -> str:
    return TIER_COLOURS.get(tier or "cloud", TIER_COLOURS["cloud"])


NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._-]{0,39}$")
DEFAULT_CONTEXT = 32_768


class ProviderError(EnclaveError):
    """A provider that does not exist or cannot be added as given."""


@dataclass(frozen=True)
class Provider:
    name: str
    base_url: str
    tier: str  # "org" | "cloud"
    preset: str | None = None
    default_model: str | None = None
    context_length: int = DEFAULT_CONTEXT
    # Prices in US dollars per million tokens, when the user (or a preset) knows them.
    price_in: float | None = None
    price_out: float | None = None
    needs_key: bool = True
    stream_usage: bool = False  # the API reports token usage in a stream when asked
    models: tuple[str, ...] = field(default=(), compare=False)  # last list fetched

    @property
    def host(self) -> str:
        return (urllib.parse.urlsplit(self.base_url).hostname or "").lower()

    @property
    def identity(self) -> str:
        """Who this provider is: its tier and server (scheme, host, port). A standing consent is
        bound to it, so a provider re-added under the same name elsewhere is asked for anew."""
        parts = urllib.parse.urlsplit(self.base_url)
        try:
            port = parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError:
            port = 0
        return f"{self.tier} {parts.scheme}://{self.host}:{port}"

    @property
    def tier_label(self) -> str:
        return TIERS.get(self.tier, self.tier)

    @property
    def key_name(self) -> str:
        """The keyring entry holding this provider's API key."""
        return self.name

    def badge(self) -> str:
        return badge_text(self.tier, self.name)

    def as_json(self) -> dict:
        data = asdict(self)
        data["models"] = list(self.models)
        return data


# Presets: the providers' own OpenAI-compatible endpoints (sources in docs/provider-presets.md).
PRESETS: dict[str, Provider] = {
    p.name.lower(): p
    for p in (
        Provider(
            "OpenAI",
            "https://api.openai.com/v1",
            "cloud",
            "openai",
            "gpt-4o-mini",
            128_000,
            stream_usage=True,
        ),
        Provider(
            "Anthropic",
            "https://api.anthropic.com/v1/",
            "cloud",
            "anthropic",
            "claude-opus-4-6",
            200_000,
            stream_usage=True,
        ),
        Provider(
            "Gemini",
            "https://generativelanguage.googleapis.com/v1beta/openai/",
            "cloud",
            "gemini",
            "gemini-2.5-flash",
            1_000_000,
            stream_usage=True,
        ),
        Provider(
            "Mistral",
            "https://api.mistral.ai/v1",
            "cloud",
            "mistral",
            "mistral-small-latest",
            128_000,
        ),
        Provider(
            "Groq",
            "https://api.groq.com/openai/v1",
            "cloud",
            "groq",
            "llama-3.3-70b-versatile",
            131_072,
            stream_usage=True,
        ),
        Provider(
            "OpenRouter",
            "https://openrouter.ai/api/v1",
            "cloud",
            "openrouter",
            "openai/gpt-4o-mini",
            128_000,
        ),
    )
}


def check_url(url: str) -> str:
    url = url.strip().rstrip("/")
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ProviderError(
            f"{url!r} is not a web address: give the API's base URL, e.g. "
            f"https://llm.example.org/v1."
        )
    if parts.username or parts.password:
        raise ProviderError("Put the key in the keyring (`enclave keys set NAME`), not in the URL.")
    return url


class ProviderRegistry:
    """The user's providers, in ``config/providers.json``."""

    def __init__(self, path: Path):
        self.path = Path(path)

    def all(self) -> list[Provider]:
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return []
        except (OSError, ValueError) as exc:
            raise ProviderError(
                f"The providers file {self.path} could not be read ({exc}). Fix or delete it."
            ) from exc
        out = []
        for item in raw if isinstance(raw, list) else []:
            try:
                item["models"] = tuple(item.get("models") or ())
                out.append(Provider(**item))
            except TypeError as exc:
                log.warning("provider entry ignored: %s", exc)
        return out

    def get(self, name: str) -> Provider:
        for p in self.all():
            if p.name.lower() == name.strip().lower():
                return p
        names = ", ".join(p.name for p in self.all()) or "none yet"
        raise ProviderError(
            f"There is no provider called {name!r} (yours: {names}). Add one "
            f"with `enclave providers add NAME --preset openai` or "
            f"`--base-url URL --tier org`."
        )

    def _write(self, providers: list[Provider]) -> None:
        try:
            jsonfile.write_atomic(self.path, [p.as_json() for p in providers])
        except OSError as exc:
            raise ProviderError(
                f"The providers file {self.path} could not be written: {exc.strerror or exc}."
            ) from exc

    def add(
        self,
        name: str,
        *,
        preset: str | None = None,
        base_url: str | None = None,
        tier: str | None = None,
        model: str | None = None,
        context_length: int | None = None,
        price_in: float | None = None,
        price_out: float | None = None,
        needs_key: bool | None = None,
    ) -> Provider:
        name = name.strip()
        if not NAME_RE.match(name):
            raise ProviderError(
                "A provider name is 1–40 letters, digits, spaces, dots, dashes "
                "or underscores, starting with a letter or digit."
            )
        if preset:
            base = PRESETS.get(preset.lower())
            if base is None:
                raise ProviderError(f"No preset {preset!r}; presets: {', '.join(PRESETS)}.")
            if tier not in (None, "cloud"):
                raise ProviderError(
                    f"{base.name} is a third-party cloud; its tier cannot be changed."
                )
            provider = replace(base, name=name, base_url=check_url(base_url or base.base_url))
        else:
            if not base_url:
                raise ProviderError(
                    "Give the server's address with --base-url (or choose a --preset)."
                )
            if tier not in ("org", "cloud"):
                raise ProviderError(
                    "Say who runs this server: --tier org (your organisation) "
                    "or --tier cloud (a third party)."
                )
            provider = Provider(
                name,
                check_url(base_url),
                tier,
                needs_key=tier == "cloud" if needs_key is None else needs_key,
            )
        provider = replace(
            provider,
            default_model=model or provider.default_model,
            context_length=context_length or provider.context_length,
            price_in=price_in if price_in is not None else provider.price_in,
            price_out=price_out if price_out is not None else provider.price_out,
        )
        if needs_key is not None:
            provider = replace(provider, needs_key=needs_key)
        providers = self.all()
        if any(p.name.lower() == name.lower() for p in providers):
            raise ProviderError(
                f"There is already a provider called {name!r}; remove it first "
                f"or choose another name."
            )
        self._write(providers + [provider])
        return provider

    def update(self, provider: Provider) -> None:
        self._write([provider if p.name == provider.name else p for p in self.all()])

    def remove(self, name: str) -> Provider:
        provider = self.get(name)
        self._write([p for p in self.all() if p.name != provider.name])
        return provider
