"""What the user is asked before a message leaves, and the answer they gave.

A ``ConsentRequest`` is everything the consent dialog (or ``enclave ask --provider``) shows: the
exact message list after redaction, the provider, model, host and tier, a token count and, where the
provider's prices are known, a cost estimate. The user's answer is a ``Consent``, which the gate
checks against the request it lets out: only these messages, to this provider.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from app.core.cloud.providers import Provider

ONCE = "once"
CONVERSATION = "conversation"
CANCEL = "cancel"
CHOICES = (ONCE, CONVERSATION, CANCEL)


def estimate_tokens(messages: list[dict]) -> int:
    """Tokens a message list takes for a typical tokenizer (~4 characters a token, plus each
    message's framing). The provider's own count, when it reports one, replaces this."""
    return sum(4 + math.ceil(len(m.get("content") or "") / 4) for m in messages) + 3


@dataclass(frozen=True)
class Consent:
    kind: str  # ONCE | CONVERSATION | "terminal" | "--yes-send"
    provider: str
    messages: tuple  # the exact message dicts that may be sent
    redacted: bool
    private_documents: tuple = ()  # collections marked never-cloud in the payload: the gate refuses

    @classmethod
    def for_request(cls, request: ConsentRequest, kind: str) -> Consent:
        return cls(
            kind,
            request.provider.name,
            tuple(request.messages),
            request.redacted,
            tuple(request.private_documents),
        )


# Every header a provider's request carries, as the consent shows them (names; the key's value
# never). The remote engine removes any other header before a request leaves.
SENT_HEADERS = (
    "host",
    "accept",
    "accept-encoding",
    "connection",
    "content-type",
    "content-length",
    "transfer-encoding",  # instead of content-length, for a body sent in chunks
    "user-agent",
    "authorization",
)


@dataclass
class ConsentRequest:
    provider: Provider
    model: str
    messages: list[dict]  # after redaction: exactly what will be sent
    redacted: bool
    redaction_note: str = ""
    max_answer_tokens: int = 1024
    notices: list[str] = field(default_factory=list)
    sources: list = field(default_factory=list)  # docs.retrieval.Source passages in the payload
    private_documents: list[str] = field(default_factory=list)

    def documents_note(self) -> str:
        """Which of the user's document passages the payload carries."""
        if not self.sources:
            return ""
        places = "; ".join(f"[{s.n}] {s.where()}" for s in self.sources)
        names = ", ".join(sorted({s.collection for s in self.sources}))
        return f"Includes {len(self.sources)} passage(s) from your documents ({names}): {places}."

    @property
    def tokens(self) -> int:
        return estimate_tokens(self.messages)

    @property
    def cost(self) -> float | None:
        """Upper estimate in US dollars (prompt + longest answer), if prices are known."""
        p = self.provider
        if p.price_in is None or p.price_out is None:
            return None
        return (self.tokens * p.price_in + self.max_answer_tokens * p.price_out) / 1e6

    def cost_text(self) -> str:
        cost = self.cost
        if cost is None:
            return "cost unknown (no prices set for this provider)"
        return f"at most ≈ ${cost:.4f}" if cost < 0.01 else f"at most ≈ ${cost:.2f}"

    def heading(self) -> str:
        p = self.provider
        return (
            f"To: {p.name} — {p.tier_label} ({p.host}) · model {self.model} · "
            f"≈ {self.tokens:,} tokens · {self.cost_text()}"
        )

    def headers_note(self) -> str:
        """The headers that go with the payload, by name: nothing from the environment."""
        names = [
            "-".join(part.capitalize() for part in name.split("-"))
            for name in SENT_HEADERS
            if name != "transfer-encoding"
        ]
        key = (
            "your key for this provider, from the OS keyring"
            if self.provider.needs_key
            else "no key: “Bearer none”"
        )
        return (
            f"Headers sent: {', '.join(names)} ({key}); no other, none taken from your environment."
        )

    def payload_text(self) -> str:
        """The message list as it will be sent, for a person to read."""
        return "\n\n".join(f"[{m['role']}]\n{m['content']}" for m in self.messages)
