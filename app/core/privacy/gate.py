"""The one place that decides whether bytes may leave this device.

Every request to another machine (today: the Hugging Face hub for model search and downloads) is made
inside ``open_for(...)``, which first applies the rules in order — the administrator's policy, then
the offline setting — and only then lets the network guard pass the hosts that request needs. The HTTP
client the hub library uses calls ``check_request`` for every request it sends, redirects included,
so a request made outside an open gate (a library fetching something on its own) is refused.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import urllib.parse
import urllib.request
from dataclasses import dataclass, field

from app.core.errors import EnclaveError
from app.core.privacy import netguard

log = logging.getLogger(__name__)
_local = threading.local()


class OfflineError(EnclaveError):
    """The user (or their administrator) chose to keep Enclave offline."""


@dataclass
class Passage:
    """One user action that may reach the network: what it is for, and what it sent."""
    purpose: str
    requests: list[str] = field(default_factory=list)
    _door: object = field(default=None, repr=False)


class PolicyError(OfflineError):
    """The administrator's policy forbids this."""


def check(settings, purpose: str) -> None:
    """Apply the rules that can refuse a hub request, in order: admin policy, offline switch.

    The policy is read from disk each time, so a change by IT applies at once and no caller can
    pass a stale or empty one.
    """
    from app.core.privacy import policy as policy_mod

    rules = policy_mod.load()
    if rules.force_offline:
        raise PolicyError(f"Your administrator ({rules.locked_by}) keeps Enclave offline, so it "
                          f"did not contact anything to {purpose}.")
    if rules.forbid_hub_downloads:
        raise PolicyError(f"Your administrator ({rules.locked_by}) does not allow getting "
                          f"models from the Hugging Face hub here, so Enclave did not contact it "
                          f"to {purpose}. Import a model file instead, or ask your IT team.")
    if getattr(settings, "offline", False):
        raise OfflineError(
            f"Enclave is set to work offline, so it did not contact anything to {purpose}. "
            f"To go online, turn off \"Work offline\" in Settings "
            f"(or run `enclave config set offline false`).")


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
def open_for(settings, purpose: str):
    """Let this thread reach the network for one user action, if the rules allow it.

    Args:
        settings: the user's settings (``offline`` is honoured).
        purpose: a few words for messages and the log, e.g. "search the model hub".

    Raises:
        OfflineError: before anything is contacted, when offline.
    """
    check(settings, purpose)
    with netguard.permit() as door:
        for proxy in _proxy_hosts():
            door.add(proxy)
        passage = Passage(purpose, _door=door)
        previous = getattr(_local, "passage", None)
        _local.passage = passage
        try:
            yield passage
        finally:
            _local.passage = previous
    log.info("network: %s (%d request(s))", purpose, len(passage.requests))


def check_request(method: str, url: str) -> None:
    """Called for every request an HTTP client of ours is about to send, on the sending thread."""
    passage = getattr(_local, "passage", None)
    parts = urllib.parse.urlsplit(url)
    host = parts.hostname or ""
    if passage is None:
        raise netguard.NetworkBlockedError(
            f"Enclave refused a request to {host} that no action of yours asked for.")
    # A redirect may move to a download host (a CDN): the same action, so it is let through.
    passage._door.add(host, parts.port or (443 if parts.scheme == "https" else 80))
    passage.requests.append(f"{method} {url}")
