"""User settings: one typed JSON file in the config folder.

Settings never hold secrets (API keys and tokens live only in the OS keyring). A damaged settings
file is set aside, not lost, and the defaults are used with a notice.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path

from app.core.errors import EnclaveError
from app.core.platform import jsonfile

log = logging.getLogger(__name__)

THEMES = ("system", "light", "dark")


@dataclass
class Settings:
    default_model: str = ""  # model id or path; "" means the starter model
    context_length: int = 4096
    max_answer_tokens: int = 1024
    temperature: float = 0.7
    top_p: float = 0.95
    repeat_penalty: float = 1.1
    gpu_layers: int = -1  # -1: as many as fit in the GPU's free memory; 0: CPU only; N: N layers
    threads: int = 0  # 0: let llama.cpp choose
    system_prompt: str = "You are a helpful, concise assistant."
    theme: str = "system"
    # Work offline: model search and downloads are refused and nothing is contacted.
    offline: bool = False
    # Providers outside this device (cloud APIs, the organisation's server) may be asked at all;
    # even then every message needs the user's consent. Off until the user turns it on.
    cloud_allowed: bool = False
    # Personal data is replaced by placeholders before anything is sent to a provider.
    redact: bool = True
    redaction_terms: list = field(default_factory=list)  # the user's own words to hide
    cloud_timeout_s: float = 60.0
    # Vector search over documents: "" uses the first installed embedding model, "off" none
    # (full-text search only), anything else names a model.
    embedding_model: str = ""
    docs_passages: int = 6  # most passages put into one prompt
    # The local API's requests and answers are kept as conversations (another app's prompts are
    # that app's business: off unless the user turns it on).
    api_keeps_conversations: bool = False
    # Where the settings came from, and anything the user should be told about loading them.
    notices: list[str] = field(default_factory=list, repr=False, compare=False)

    def validate(self) -> None:
        def within(name: str, unit: str = "") -> None:
            lo, hi = RANGES[name]
            if not lo <= getattr(self, name) <= hi:
                raise ValueError(f"{name} must be between {lo:.10g} and {hi:.10g}{unit}")

        within("context_length", " tokens")
        if not 1 <= self.max_answer_tokens <= self.context_length // 2:
            raise ValueError("max_answer_tokens must be at least 1 and at most half the context")
        within("temperature")
        if not 0.0 < self.top_p <= 1.0:
            raise ValueError("top_p must be above 0 and at most 1")
        within("repeat_penalty")
        if self.gpu_layers < -1 or self.threads < 0:
            raise ValueError("gpu_layers must be -1 or more, threads 0 or more")
        within("cloud_timeout_s", " seconds")
        if not all(isinstance(t, str) for t in self.redaction_terms):
            raise ValueError("redaction_terms must be a list of words")
        within("docs_passages")
        if self.theme not in THEMES:
            raise ValueError(f"theme must be one of {', '.join(THEMES)}")


# The bounds ``validate`` holds simple numbers to, for messages and for the window's fields.
RANGES: dict[str, tuple[float, float]] = {
    "context_length": (256, 1_048_576),
    "temperature": (0.0, 2.0),
    "repeat_penalty": (1.0, 2.0),
    "cloud_timeout_s": (1.0, 600.0),
    "docs_passages": (1, 20),
}

# What each setting does, in one line (the Settings window shows it beside the field).
HELP = {
    "default_model": "The model new conversations start with.",
    "context_length": "How much text (tokens) the model keeps in view: more uses more memory.",
    "max_answer_tokens": "The longest answer, in tokens; at most half the context length.",
    "temperature": "Higher gives more varied answers, lower more predictable ones.",
    "top_p": "Only the likeliest words that together make up this share are considered.",
    "repeat_penalty": "Above 1 makes the model less likely to repeat itself.",
    "gpu_layers": "Layers on the graphics card: -1 as many as fit, 0 none (CPU only).",
    "threads": "Processor threads for the model: 0 lets Enclave choose.",
    "system_prompt": "The instructions every new conversation starts with.",
    "theme": "Light, dark, or follow the system.",
    "offline": "Search and download nothing and contact no provider.",
    "cloud_allowed": "Cloud and remote providers may be asked; each message still needs your yes.",
    "redact": "Personal data is replaced with placeholders before anything is sent.",
    "redaction_terms": "Your own words to hide before sending, separated by commas.",
    "cloud_timeout_s": "How long to wait for a provider's answer, in seconds.",
    "embedding_model": "The model that finds passages by meaning; off uses words only.",
    "docs_passages": "The most passages from your documents put into one prompt.",
    "api_keeps_conversations": "Keep what other apps ask through the local API as conversations.",
}


# The names the issue tracker, README and `enclave config` use for some settings.
ALIASES = {
    "network.offline": "offline",
    "cloud.allowed": "cloud_allowed",
    "cloud.timeout": "cloud_timeout_s",
    "redaction.enabled": "redact",
    "redaction.terms": "redaction_terms",
    "docs.embedding_model": "embedding_model",
    "docs.passages": "docs_passages",
    "api.keep_conversations": "api_keeps_conversations",
}


def comma_list(text: str) -> list[str]:
    """``"a, b,, c"`` → ``["a", "b", "c"]``: how people type a list in one line."""
    return [item.strip() for item in text.split(",") if item.strip()]


def field_name(key: str) -> str:
    """The settings field for a name given on the command line (``cloud.allowed`` too)."""
    name = ALIASES.get(key, key)
    if name not in _fields():
        raise EnclaveError(
            f"There is no setting called {key!r}. Settings: {', '.join([*ALIASES, *_fields()])}."
        )
    return name


def _fields() -> dict[str, dataclasses.Field]:
    return {f.name: f for f in dataclasses.fields(Settings) if f.name != "notices"}


def coerce(name: str, value, default):
    """Accept a value of the field's type (ints for floats too); reject anything else."""
    kind = type(default)
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if type(value) is not kind:
        raise ValueError(f"{name} should be {kind.__name__}, not {type(value).__name__}")
    return value


def load(path: Path) -> Settings:
    """Read settings, falling back to defaults (with a notice) for anything unusable."""
    try:
        return read(path)
    except ValueError as exc:
        return Settings(notices=[f"{exc} The defaults are in use."])


def read(path: Path, base: Settings | None = None) -> Settings:
    """The settings in ``path`` laid over ``base`` (the defaults when None).

    A value of the wrong type is skipped (``base`` keeps it) with a notice in ``.notices``; a
    missing file gives ``base`` as it is. Raises ValueError, a whole sentence, when the file as a
    whole cannot be used: unreadable (then it is set aside, not lost) or values that contradict
    each other.
    """
    settings = dataclasses.replace(base, notices=[]) if base is not None else Settings()
    if not path.exists():
        return settings
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(raw, dict):
            raise ValueError("the file does not hold a JSON object")
    except (OSError, ValueError) as exc:
        backup = path.with_name(f"{path.name}.damaged-{int(time.time())}")
        try:
            path.replace(backup)
            kept = f" It was kept as {backup.name}."
        except OSError:
            kept = ""
        log.warning("settings unreadable: %s", exc)
        raise ValueError(f"The settings file {path} could not be read ({exc}).{kept}") from None
    known = _fields()
    for name, value in raw.items():
        if name not in known:
            log.info("ignoring unknown setting %r", name)
            continue
        try:
            setattr(settings, name, coerce(name, value, getattr(settings, name)))
        except ValueError as exc:
            settings.notices.append(f"Setting ignored: {exc}.")
    try:
        settings.validate()
    except ValueError as exc:
        raise ValueError(f"The settings in {path} were not used: {exc}.") from None
    return settings


def values(settings: Settings) -> dict:
    """The fields that are saved, by name (``notices`` is not one)."""
    return {name: getattr(settings, name) for name in _fields()}


def save(settings: Settings, path: Path) -> None:
    """Write atomically, so a crash mid-write leaves the old file intact. Changes made while
    Enclave runs go through ``SettingsService.update`` (settings_service.py), which explains a
    failure and tells the window."""
    settings.validate()
    jsonfile.write_atomic(path, values(settings))
