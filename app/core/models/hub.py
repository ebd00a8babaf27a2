"""The Hugging Face hub: search GGUF repositories, read one repository's files, license and facts.

All requests go through ``huggingface_hub``'s HTTP client, which Enclave builds itself (``client``):
TLS verification always on, the system proxy and a custom CA bundle honoured, and every request
checked by the privacy gate. Nothing here runs unless a user action calls it.
"""

from __future__ import annotations

import logging
import os
import threading
from dataclasses import dataclass, field

import httpx2

from app.core.errors import EnclaveError
from app.core.models import gguf, licenses, quant
from app.core.privacy import gate, http
from app.core.privacy.keyring_store import HUGGINGFACE, KeyringStore, KeyringUnavailableError

log = logging.getLogger(__name__)
DEFAULT_ENDPOINT = "https://huggingface.co"
SORTS = ("downloads", "likes")
_client_lock = threading.Lock()
_client_ready = False


class HubError(EnclaveError):
    """The hub could not be reached, or refused or did not have what was asked for."""


class GatedModelError(HubError):
    """The repository needs the user's Hugging Face token (and accepted terms)."""


def endpoint() -> str:
    """The hub's address: HF_ENDPOINT (a company mirror, or a test server), else huggingface.co."""
    return (os.environ.get("HF_ENDPOINT") or DEFAULT_ENDPOINT).rstrip("/")


def install_client() -> None:
    """Make huggingface_hub use ``client`` (once per process)."""
    global _client_ready
    with _client_lock:
        if not _client_ready:
            from huggingface_hub import set_client_factory

            set_client_factory(http.client)
            _client_ready = True


@dataclass
class RepoSummary:
    id: str
    downloads: int | None = None
    likes: int | None = None
    gated: bool = False
    license: str | None = None
    choices: list[quant.GgufChoice] = field(default_factory=list)


@dataclass
class RepoDetails:
    id: str
    revision: str | None
    gated: bool
    license: licenses.License
    choices: list[quant.GgufChoice]

    def choice(self, name: str) -> quant.GgufChoice:
        for c in self.choices:
            if name in (c.name, *(f.name for f in c.files)):
                return c
        names = ", ".join(c.name for c in self.choices) or "none"
        raise HubError(f"{self.id} has no GGUF file called {name!r}. Its GGUF files: {names}.")


def _license_of(info) -> tuple[str | None, str | None]:
    card = getattr(info, "card_data", None)
    license_id = card.get("license") if card else None
    url = card.get("license_link") if card else None
    if not license_id:
        license_id = next(
            (t.split(":", 1)[1] for t in (info.tags or []) if t.startswith("license:")), None
        )
    if isinstance(license_id, list):
        license_id = license_id[0] if license_id else None
    if url and not str(url).startswith("http"):
        url = f"{endpoint()}/{info.id}/blob/main/{str(url).lstrip('./')}"
    return license_id, url


def _files(info) -> list[quant.RemoteFile]:
    out = []
    for sibling in info.siblings or []:
        lfs = getattr(sibling, "lfs", None)
        out.append(
            quant.RemoteFile(
                sibling.rfilename,
                size=(lfs.size if lfs else None) or sibling.size,
                sha256=lfs.sha256 if lfs else None,
            )
        )
    return out


class Hub:
    """Hub access for one user: their settings (offline) and their token (from the keyring)."""

    def __init__(self, settings, keys: KeyringStore | None = None, *, paths=None):
        self.settings = settings
        self.keys = keys
        self.paths = paths  # the runtime's folders: where each request is recorded
        self._token_problem: str | None = None
        install_client()

    def token(self) -> str | bool:
        """The user's Hugging Face token, or False (never a token found elsewhere on disk).

        Only for a hub reached over HTTPS: the requests that carry it go to ``endpoint()`` alone
        (a redirect to another host drops it), and over plain http anyone on the way could
        read it."""
        if self.keys is None:
            return False
        try:
            token = self.keys.get(HUGGINGFACE) or False
        except KeyringUnavailableError as exc:
            self._token_problem = f"Your token could not be read: {exc}"
            return False
        if token and not endpoint().lower().startswith("https://"):
            self._token_problem = (
                f"Your saved token was not sent: the hub address "
                f"{endpoint()} (HF_ENDPOINT) is not HTTPS, and Enclave sends "
                f"the token only over HTTPS"
            )
            return False
        return token

    def _api(self):
        from huggingface_hub import HfApi

        return HfApi(endpoint=endpoint(), token=self.token(), library_name="enclave")

    def search(self, query: str, *, sort: str = "downloads", limit: int = 20) -> list[RepoSummary]:
        """GGUF repositories matching ``query``, most downloaded (or liked) first."""
        if sort not in SORTS:
            raise HubError(f"Sort by one of: {', '.join(SORTS)}.")
        with gate.open_for(self.settings, "search the model hub", paths=self.paths):
            try:
                found = list(
                    self._api().list_models(
                        search=query or None,
                        filter="gguf",
                        sort=sort,
                        limit=limit,
                        expand=["downloads", "likes", "gated", "tags", "siblings"],
                    )
                )
            except Exception as exc:
                raise self.explain(exc) from exc
        out = []
        for info in found:
            license_id, _ = _license_of(info)
            out.append(
                RepoSummary(
                    info.id,
                    info.downloads,
                    info.likes,
                    bool(info.gated),
                    license_id,
                    quant.group(_files(info)),
                )
            )
        return out

    def details(self, repo: str) -> RepoDetails:
        """A repository's GGUF files with sizes and sha256 (from the hub's LFS data), license."""
        with gate.open_for(self.settings, f"read {repo} on the model hub", paths=self.paths):
            try:
                info = self._api().model_info(repo, files_metadata=True)
            except Exception as exc:
                raise self.explain(exc, repo) from exc
        license_id, url = _license_of(info)
        return RepoDetails(
            info.id,
            info.sha,
            bool(info.gated),
            licenses.describe(license_id, url),
            quant.group(_files(info)),
        )

    def url(self, repo: str, filename: str, revision: str | None) -> str:
        from huggingface_hub import hf_hub_url

        return hf_hub_url(repo, filename, revision=revision, endpoint=endpoint())

    def headers(self) -> dict[str, str]:
        from huggingface_hub.utils import build_hf_headers

        return build_hf_headers(token=self.token(), library_name="enclave")

    def read_metadata(self, repo: str, filename: str, revision: str | None) -> dict | None:
        """A remote GGUF file's metadata, from its first megabytes (for the fit estimate)."""
        from huggingface_hub.utils import get_session

        url, size = self.url(repo, filename, revision), 2 * 2**20
        with gate.open_for(self.settings, f"read the header of {filename}", paths=self.paths):
            while size <= 64 * 2**20:
                try:
                    prefix = self._first_bytes(get_session(), url, size)
                except Exception as exc:
                    raise self.explain(exc, repo, filename) from exc
                metadata = gguf.metadata_from_prefix(prefix)
                if metadata is not None or len(prefix) < size:
                    return metadata
                size *= 4
        return None

    def _first_bytes(self, session, url: str, size: int) -> bytes:
        """At most ``size`` bytes from the start of ``url``: asked for with a Range, and read
        no further even from a server (a mirror, a proxy) that ignores the Range and sends all of
        a file of many gigabytes."""
        chunks, got = [], 0
        headers = {**self.headers(), "Range": f"bytes=0-{size - 1}"}
        with session.stream("GET", url, headers=headers) as r:
            r.raise_for_status()
            for chunk in r.iter_bytes():
                chunks.append(chunk[: size - got])
                got += len(chunks[-1])
                if got >= size:
                    break
        return b"".join(chunks)

    def explain(
        self, exc: Exception, repo: str | None = None, filename: str | None = None
    ) -> EnclaveError:
        """A hub failure as a sentence a person can act on."""
        from huggingface_hub import errors

        if isinstance(exc, EnclaveError):
            return exc
        what = f"{repo}/{filename}" if filename else repo or "the model hub"
        status = getattr(getattr(exc, "response", None), "status_code", None)
        if isinstance(exc, errors.GatedRepoError) or (status in (401, 403) and repo):
            how = (
                "accept its terms on the repository's page on huggingface.co, then save "
                "your Hugging Face access token with `enclave keys set huggingface` (or in "
                "Models → Hugging Face token)"
            )
            if self._token_problem:
                how = f"{how}. {self._token_problem}"
            elif self.token():
                how = (
                    "your saved token was refused: check that you accepted the terms on the "
                    "repository's page, and that the token is valid"
                )
            return GatedModelError(
                f"{what} is gated: its author requires you to sign in and "
                f"accept their terms. To download it, {how}."
            )
        if isinstance(exc, (errors.RepositoryNotFoundError, errors.RevisionNotFoundError)) or (
            status == 404 and not filename
        ):
            return HubError(
                f"There is no model repository called {repo!r} on the hub "
                f"({endpoint()}). Check the name (owner/name)."
            )
        if isinstance(exc, errors.RemoteEntryNotFoundError) or status == 404:
            return HubError(
                f"{what} was not found on the hub: the file may have been renamed "
                f"or removed. Look at the repository again."
            )
        if status == 429:
            return HubError(
                "The hub is limiting requests right now (429 Too Many Requests). "
                "Wait a minute and try again."
            )
        if status and status >= 500:
            return HubError(f"The hub had a server error ({status}). Try again later.")
        if isinstance(exc, httpx2.ConnectError) and "CERTIFICATE_VERIFY_FAILED" in str(exc):
            return HubError(
                f"The hub's TLS certificate could not be verified, so Enclave did not connect "
                f"({endpoint()}). If your organisation inspects web traffic, point SSL_CERT_FILE "
                f"(or REQUESTS_CA_BUNDLE) at its CA bundle."
            )
        if isinstance(exc, (httpx2.TransportError, OSError)):
            return HubError(
                f"Could not reach the model hub at {endpoint()}: {exc}. Check your "
                f"network connection (and HTTPS_PROXY if you use a proxy)."
            )
        log.exception("unexpected hub failure")
        return HubError(
            f"The model hub answered something Enclave did not expect "
            f"({type(exc).__name__}). Details are in the log file."
        )
