"""The one place that decides whether bytes may leave this device, and records what did.

Every request to another machine — the Hugging Face hub (model search and downloads), a cloud
provider, the user's organisation's model server — is made inside a *passage*: ``open_for`` (hub)
or ``open_cloud`` (providers). Opening one applies the rules in order:

1. the administrator's policy (``policy.py``): force offline, forbid cloud, allowed provider
   hosts, force redaction, forbid hub downloads;
2. the user's offline switch;
3. for providers, the global "allow cloud" setting (off until the user turns it on);
4. for a chat request, the user's consent to this exact payload (``consent.Consent``).

Only then does the network guard (``netguard``) let the passage's hosts through. The HTTP client
(``http.py``) hands every request to ``check_request``: a request outside a passage is refused, a
chat request whose messages are not the ones the user consented to is refused, and every request
that goes out is written to the audit log (``audit.py``) before its first byte leaves — if that
write fails, the request is not sent — and completed when its response closes.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import threading
import urllib.parse
import urllib.request
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from app.core.cloud.providers import Provider
from app.core.errors import EnclaveError
from app.core.platform.paths import Paths
from app.core.platform.settings import Settings
from app.core.privacy import audit, netguard, policy
from app.core.privacy.consent import Consent

log = logging.getLogger(__name__)
_local = threading.local()
HUB = "Hugging Face hub"


class OfflineError(EnclaveError):
    """The user (or their administrator) chose to keep Enclave offline."""


class PolicyError(OfflineError):
    """The administrator's policy forbids this."""


class CloudNotAllowedError(EnclaveError):
    """The user has not turned on "Allow cloud" (it is off until they do)."""


class PrivateDocumentsError(EnclaveError):
    """Passages of a collection marked *never send to the cloud* would have left."""


class ConsentError(EnclaveError):
    """A chat request without the user's consent to exactly what it would send."""


@dataclass
class Destination:
    """Who a passage talks to, for the audit log."""

    provider: str = HUB
    tier: str = "cloud"  # "org" | "cloud" (see providers.TIERS)
    model: str | None = None
    conversation: int | None = None
    consent: str = "user action"  # how the user agreed: a click, "once", "conversation", …


@dataclass
class RequestRecord:
    """One request that leaves: its audit entry is written before it is sent (``begin``) and
    completed with what came back when its response closes (``finish``)."""

    passage: Passage
    method: str
    host: str
    path: str
    bytes_sent: int
    payload_sha256: str | None
    status: int | str = "no response"
    bytes_received: int = 0
    written: bool = False
    started: dict | None = None  # the audit entry written before the request left

    def begin(self) -> None:
        """Write the request's audit entry, fsync'd, before its first byte leaves.

        Raises:
            AuditError: the entry could not be written, so the request must not be sent.
        """

        d, p = self.passage.destination, self.passage
        try:
            self.started = self.passage.audit_log().begin(
                purpose=p.purpose,
                host=self.host,
                method=self.method,
                path=self.path,
                provider=d.provider,
                model=d.model,
                tier=d.tier,
                conversation=d.conversation,
                consent=d.consent,
                bytes_sent=self.bytes_sent,
                payload_sha256=self.payload_sha256,
            )
        except audit.AuditError as exc:
            raise audit.AuditError(
                f"Nothing was sent to {self.host} ({p.purpose}): Enclave records every request "
                f"before it leaves, and could not. {exc}"
            ) from exc

    def finish(self) -> None:
        """Complete this request's audit entry (once)."""
        if self.written or self.started is None:
            return
        self.written = True
        p = self.passage
        try:
            self.passage.audit_log().complete(
                self.started,
                status=self.status,
                bytes_received=self.bytes_received,
                tokens_sent=p.tokens_sent if self.payload_sha256 else None,
                tokens_received=p.tokens_received if self.payload_sha256 else None,
            )
        except EnclaveError as exc:  # it left and is on record as started, never completed
            log.error("audit entry not completed: %s", exc)


@dataclass
class Passage:
    """One user action that may reach the network: what it is for, and what it sent."""

    purpose: str
    destination: Destination = field(default_factory=Destination)
    consent: Consent | None = None  # for a chat request: what the user agreed to send
    records: list[RequestRecord] = field(default_factory=list)
    tokens_sent: int | None = None  # set by the engine once the provider reports usage
    tokens_received: int | None = None
    provider_host: str | None = None
    paths: Paths | None = None  # the runtime's folders: where its audit log is
    _door: netguard.Door | None = field(default=None, repr=False)

    def audit_log(self) -> audit.AuditLog:
        return audit.for_paths(self.paths) if self.paths is not None else audit.default()

    @property
    def requests(self) -> list[str]:
        return [f"{r.method} {r.host}{r.path}" for r in self.records]


def _admin(purpose: str) -> policy.Policy:
    rules = policy.load()
    if rules.force_offline:
        raise PolicyError(
            f"Your administrator ({rules.locked_by}) keeps Enclave offline, so it "
            f"did not contact anything to {purpose}."
        )
    return rules


def _settings(settings: object, purpose: str) -> Settings:
    """The user's settings, or a refusal: the gate fails closed on anything it cannot read, so a
    wrong object passed by mistake never counts as "online, cloud allowed"."""
    if not isinstance(settings, Settings):
        raise EnclaveError(
            f"Enclave did not contact anything to {purpose}: it could not read "
            f"your settings ({type(settings).__name__}). This is a bug; the log "
            f"has details."
        )
    return settings


def _offline(settings: object, purpose: str) -> None:
    if _settings(settings, purpose).offline:
        raise OfflineError(
            f"Enclave is set to work offline, so it did not contact anything to {purpose}. "
            f'To go online, turn off "Work offline" in Settings '
            f"(or run `enclave config set network.offline false`)."
        )


def check(settings: object, purpose: str) -> None:
    """Apply the rules that can refuse a hub request, in order: admin policy, offline switch.

    The policy is read from disk each time, so a change by IT applies at once and no caller can
    pass a stale or empty one.
    """
    _settings(settings, purpose)
    rules = _admin(purpose)
    if rules.forbid_hub_downloads:
        raise PolicyError(
            f"Your administrator ({rules.locked_by}) does not allow getting "
            f"models from the Hugging Face hub here, so Enclave did not contact it "
            f"to {purpose}. Import a model file instead, or ask your IT team."
        )
    _offline(settings, purpose)


def check_cloud(
    settings: object,
    provider: Provider,
    purpose: str,
    consent: Consent | None = None,
    *,
    needs_consent: bool = True,
    private_documents: Iterable[str] = (),
) -> None:
    """Apply the rules for a request to a provider, in order: admin policy, offline switch,
    "allow cloud", documents that must stay, consent. ``provider`` has ``name``, ``host`` and
    ``tier``; ``private_documents`` (and a consent's) names collections marked *never send to
    the cloud* that the payload draws on.

    Raises:
        PolicyError, OfflineError, CloudNotAllowedError, PrivateDocumentsError, ConsentError:
        nothing was contacted.
    """
    checked = _settings(settings, purpose)
    rules = _admin(purpose)
    host = (provider.host or "").lower()
    listed = rules.allowed_provider_hosts
    if rules.forbid_cloud and not (listed and host in listed):
        raise PolicyError(
            f"Your administrator ({rules.locked_by}) does not allow sending "
            f"anything to cloud or remote model servers here, so Enclave did not "
            f"contact {provider.name} ({host}) to {purpose}."
        )
    if listed is not None and host not in listed:
        allowed = ", ".join(listed) or "none"
        raise PolicyError(
            f"Your administrator ({rules.locked_by}) allows only these provider "
            f"hosts: {allowed}. {provider.name} ({host}) is not one of them, so "
            f"Enclave did not contact it."
        )
    _offline(settings, purpose)
    if not checked.cloud_allowed:
        raise CloudNotAllowedError(
            f"Sending to providers outside this device is off, so Enclave did not contact "
            f'{provider.name} to {purpose}. Turn on "Allow cloud and remote providers" in '
            f"Providers (or run `enclave config set cloud.allowed true`); you will still be "
            f"asked before each message leaves."
        )
    private = sorted({*private_documents, *getattr(consent, "private_documents", ())})
    if private:
        raise PrivateDocumentsError(
            f"This conversation uses {', '.join(repr(n) for n in private)}, marked never to be "
            f"sent to the cloud, so Enclave did not contact {provider.name}. Answer on this "
            f"device, or start a new conversation without that collection."
        )
    if not needs_consent:
        return
    if consent is None or consent.provider != provider.name:
        raise ConsentError(
            f"Nothing was sent to {provider.name}: you have not agreed to send this message there."
        )
    if rules.force_redaction and not consent.redacted:
        raise PolicyError(
            f"Your administrator ({rules.locked_by}) requires redaction of "
            f"personal data before anything is sent, so Enclave did not send this "
            f"unredacted message to {provider.name}."
        )


def _proxy_hosts() -> set[str]:
    """The proxies the system would route web requests through (they see the connection)."""
    hosts = set()
    for scheme, url in urllib.request.getproxies().items():
        if scheme in ("http", "https", "all") and url:
            host = urllib.parse.urlsplit(url if "://" in url else f"http://{url}").hostname
            if host:
                hosts.add(host)
    return hosts


@contextlib.contextmanager
def _passage(passage: Passage) -> Iterator[Passage]:
    with netguard.permit() as door:
        for proxy in _proxy_hosts():
            door.add(proxy)
        passage._door = door
        previous = getattr(_local, "passage", None)
        _local.passage = passage
        try:
            yield passage
        finally:
            _local.passage = previous
            for record in passage.records:  # requests that never got a response
                record.finish()
    log.info("network: %s (%d request(s))", passage.purpose, len(passage.records))


@contextlib.contextmanager
def open_for(settings: object, purpose: str, *, paths: Paths | None = None) -> Iterator[Passage]:
    """Let this thread reach the hub for one user action, if the rules allow it.

    Args:
        settings: the user's settings (``offline`` is honoured).
        purpose: a few words for messages and the audit log, e.g. "search the model hub".
        paths: the runtime's folders, where the request is recorded (None: ``ENCLAVE_HOME``).

    Raises:
        OfflineError: before anything is contacted, when offline or forbidden by policy.
    """
    check(settings, purpose)
    with _passage(Passage(purpose, paths=paths)) as passage:
        yield passage


@contextlib.contextmanager
def open_cloud(
    settings: object,
    provider: Provider,
    purpose: str,
    *,
    consent: Consent | None = None,
    model: str | None = None,
    conversation: int | None = None,
    needs_consent: bool = True,
    paths: Paths | None = None,
) -> Iterator[Passage]:
    """Let this thread reach ``provider`` for one request the user agreed to.

    Args:
        provider: a ``providers.Provider`` (name, host, tier).
        consent: the ``consent.Consent`` for a chat request; its messages are the only ones the
            request may carry.
        needs_consent: False for requests that carry no message (listing the provider's models).
        paths: the runtime's folders, where the request is recorded (None: ``ENCLAVE_HOME``).
    """
    check_cloud(settings, provider, purpose, consent, needs_consent=needs_consent)
    destination = Destination(
        provider.name,
        provider.tier,
        model,
        conversation,
        consent.kind if consent is not None else "user action",
    )
    with _passage(
        Passage(
            purpose,
            destination,
            consent,
            provider_host=(provider.host or "").lower(),
            paths=paths,
        )
    ) as passage:
        yield passage


def current() -> Passage | None:
    return getattr(_local, "passage", None)


def _check_payload(passage: Passage, body: bytes) -> None:
    """A chat request may carry only the messages the user saw in the consent dialog."""
    if passage.consent is None:
        if body:
            raise ConsentError("Enclave refused to send a request body nobody agreed to.")
        return
    try:
        sent = json.loads(body)["messages"]
    except (ValueError, KeyError, TypeError):
        raise ConsentError(
            "Enclave refused to send a request that was not the chat message you agreed to."
        ) from None
    if sent != list(passage.consent.messages):
        raise ConsentError(
            "Enclave refused to send: the request differed from what you agreed to send."
        )


def check_request(
    method: str, url: str, *, body: bytes = b"", header_bytes: int = 0
) -> RequestRecord:
    """Called for every request our HTTP client is about to send, on the sending thread.

    Raises:
        NetworkBlockedError, ConsentError: the request is refused.
        AuditError: its audit entry could not be written, so it must not be sent.
    """
    passage = current()
    parts = urllib.parse.urlsplit(url)
    host = parts.hostname or ""
    if passage is None:
        raise netguard.NetworkBlockedError(
            f"Enclave refused a request to {host} that no action of yours asked for."
        )
    if passage.destination.provider != HUB:
        if host != passage.provider_host:  # providers get no redirects to other hosts
            raise netguard.NetworkBlockedError(
                f"Enclave refused a request to {host}: only {passage.provider_host} was allowed "
                f"for {passage.destination.provider}."
            )
        _check_payload(passage, body)
    # A redirect may move to a download host (a CDN): the same action, so it is let through.
    if passage._door is not None:
        passage._door.add(host, parts.port or (443 if parts.scheme == "https" else 80))
    record = RequestRecord(
        passage,
        method,
        host,
        parts.path,
        header_bytes + len(body),
        hashlib.sha256(body).hexdigest() if body else None,
    )
    record.begin()  # fails closed: no entry, no request
    passage.records.append(record)
    return record
