"""Download a model from the hub: resumable, verified, and never half-installed.

A download writes ``<file>.part`` next to its final place in the models folder and keeps its
description in the downloads folder, so it resumes (HTTP Range) after a pause, a dropped connection,
or the app being closed or killed. Only when every file is complete and its sha256 matches the hub's
LFS record is it renamed into place and recorded in the library: a model never appears half-done.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import queue
import re
import shutil
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path, PurePosixPath

import httpx2

from app.core.errors import EnclaveError
from app.core.models import gguf, licenses, quant
from app.core.models.hub import Hub, HubError
from app.core.models.installed import model_id_for
from app.core.models.records import ModelRecord, ModelRecords
from app.core.platform import jobs, jsonfile
from app.core.platform.paths import Paths
from app.core.platform.units import size_text
from app.core.privacy import gate
from app.core.privacy.watch import Watch

log = logging.getLogger(__name__)
CHUNK = 1 << 20
SPACE_MARGIN = 64 << 20  # leave room for the library file, logs and the database to grow
RETRY_DELAYS = (1, 2, 4, 8, 16)  # seconds; reset whenever bytes arrive again
_RETRY_STATUS = {408, 429, 500, 502, 503, 504}


class DownloadError(EnclaveError):
    """A download could not start or finish; the message says why and what to do."""


class UnsafeFileNameError(DownloadError):
    pass


class NotEnoughSpaceError(DownloadError):
    pass


class ChecksumMismatchError(DownloadError):
    pass


class LicenseNotAcknowledgedError(DownloadError):
    pass


@dataclass
class DownloadRequest:
    repo: str
    name: str  # the GGUF choice: a file name, or the group name of a split model
    files: list[quant.RemoteFile]
    revision: str | None = None
    license: str | None = None
    license_url: str | None = None

    @property
    def key(self) -> str:
        """A file-system-safe name for this download's state."""
        digest = hashlib.sha256(f"{self.repo}\n{self.name}".encode()).hexdigest()[:16]
        return re.sub(r"[^A-Za-z0-9._-]+", "_", PurePosixPath(self.name).stem)[:60] + "-" + digest

    @property
    def total_bytes(self) -> int | None:
        sizes = [f.size for f in self.files if f.size is not None]
        return sum(sizes) if len(sizes) == len(self.files) else None

    @classmethod
    def from_details(cls, details, name: str) -> DownloadRequest:
        choice = details.choice(name)
        if not choice.complete:
            raise DownloadError(
                f"{details.id}: {choice.name} is split into parts and not all "
                f"of them are in the repository, so it could not be loaded."
            )
        return cls(
            details.id,
            choice.name,
            choice.files,
            details.revision,
            details.license.id,
            details.license.url,
        )

    @classmethod
    def from_json(cls, data: dict) -> DownloadRequest:
        files = [quant.RemoteFile(**f) for f in data.get("files", [])]
        return cls(
            data["repo"],
            data["name"],
            files,
            data.get("revision"),
            data.get("license"),
            data.get("license_url"),
        )


@dataclass
class Progress:
    key: str
    name: str
    state: str  # queued | downloading | retrying | verifying | paused | done | failed | cancelled
    done: int = 0
    total: int | None = None
    speed: float = 0.0  # bytes per second, measured by ``jobs.Meter`` like every long job
    eta_s: float | None = None
    message: str = ""
    model_id: str | None = None

    def describe(self) -> str:
        """One line: "name  42.0%  412.3 MB / 981.0 MB  12.5 MB/s  ETA 0:00:45  downloading"."""
        pct = f"{100 * self.done / self.total:5.1f}%" if self.total else "     "
        moving = self.state == "downloading"
        speed = f"  {self.speed / 1e6:6.1f} MB/s" if self.speed and moving else ""
        eta = f"  ETA {jobs.duration_text(self.eta_s)}" if self.eta_s is not None and moving else ""
        sizes = f"{size_text(self.done)} / {size_text(self.total)}"
        return f"{self.name}  {pct}  {sizes}{speed}{eta}  {self.state}"


def paused(request: DownloadRequest, present: int) -> Progress:
    """How a download left unfinished (by a pause, a quit or a crash) is shown until resumed."""
    return Progress(
        request.key,
        request.name,
        "paused",
        present,
        request.total_bytes,
        message=f"Paused at {size_text(present)} of {size_text(request.total_bytes)}. "
        f"Resume continues from there.",
    )


def target_path(models_dir: Path, repo: str, filename: str) -> Path:
    """Where a hub file goes: ``models/<owner>/<repo>/<file>``, and never anywhere else.

    Raises:
        UnsafeFileNameError: a name that is absolute, climbs out (``..``), or is not a .gguf file.
    """
    parts = [*repo.split("/"), *filename.split("/")]
    bad = (
        not filename
        or "\\" in filename
        or "\x00" in filename
        or filename.startswith("/")
        or re.match(r"^[A-Za-z]:", filename)
        or not filename.lower().endswith(".gguf")
        or any(p in ("", ".", "..") for p in parts)
        or len(repo.split("/")) != 2
    )
    root = models_dir.resolve()
    target = root.joinpath(*parts)
    if bad or not target.resolve().is_relative_to(root):
        raise UnsafeFileNameError(
            f"The hub listed a file name Enclave will not write: {filename!r} in {repo!r} "
            f"(it would land outside the models folder or is not a .gguf file). Nothing was "
            f"downloaded."
        )
    return target


def _part(path: Path) -> Path:
    return path.with_name(path.name + ".part")


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(CHUNK * 4):
            digest.update(chunk)
    return digest.hexdigest()


class _HashingWriter:
    """Writes and hashes on its own thread, overlapping with receiving: file writes and sha256
    release the GIL, so on a fast link the download costs little more than a plain GET."""

    def __init__(self, file, digest):
        self.file, self.digest, self.error = file, digest, None
        self.queue: queue.Queue = queue.Queue(maxsize=8)
        self.thread = threading.Thread(target=self._run, name="download-writer", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while (chunk := self.queue.get()) is not None:
            if self.error is None:
                try:
                    self.file.write(chunk)
                    self.digest.update(chunk)
                except OSError as exc:  # a full disk: reported on the next write or close
                    self.error = exc

    def write(self, chunk: bytes) -> None:
        if self.error is not None:
            raise self.error
        self.queue.put(chunk)

    def close(self) -> None:
        self.queue.put(None)
        self.thread.join()
        if self.error is not None:
            raise self.error


class Downloader:
    """Runs downloads for one user: their paths, settings (offline) and hub token."""

    def __init__(self, paths: Paths, hub: Hub):
        self.paths, self.hub = paths, hub
        self.records = ModelRecords(paths.library_file)

    # -- the unfinished downloads, kept on disk --------------------------------------------

    def _state_file(self, request: DownloadRequest) -> Path:
        return self.paths.downloads / f"{request.key}.json"

    def _save_state(self, request: DownloadRequest, state: str) -> None:
        jsonfile.write_atomic(self._state_file(request), {**asdict(request), "state": state})

    def pending(self) -> list[tuple[DownloadRequest, int]]:
        """Unfinished downloads (paused, interrupted or killed) with the bytes already here."""
        out = []
        for path in sorted(self.paths.downloads.glob("*.json")):
            try:
                request = DownloadRequest.from_json(json.loads(path.read_text("utf-8")))
                out.append((request, self.bytes_present(request)))
            except (OSError, ValueError, KeyError, TypeError) as exc:
                log.warning("ignoring unreadable download state %s: %s", path.name, exc)
        return out

    def bytes_present(self, request: DownloadRequest) -> int:
        done = 0
        for f in request.files:
            target = target_path(self.paths.models, request.repo, f.name)
            for path in (target, _part(target)):
                if path.exists():
                    done += path.stat().st_size
                    break
        return done

    def discard(self, request: DownloadRequest) -> None:
        """Cancel: remove the partial files and the state; installed models are untouched."""
        for f in request.files:
            _part(target_path(self.paths.models, request.repo, f.name)).unlink(missing_ok=True)
        self._state_file(request).unlink(missing_ok=True)

    # -- checks before the first byte ------------------------------------------------------

    def check_license(self, request: DownloadRequest) -> None:
        lic = licenses.describe(request.license, request.license_url)
        if lic.needs_acknowledgement and not self.records.acknowledged(request.repo, lic.id):
            where = f" at {lic.url}" if lic.url else " on the repository's page"
            raise LicenseNotAcknowledgedError(
                f"{request.repo} is under {lic.name}: {lic.summary} Read it{where}, then accept "
                f"it to download (in the window, or with --accept-license)."
            )

    def check_space(self, request: DownloadRequest) -> None:
        total = request.total_bytes
        if total is None:
            return  # sizes unknown (not LFS): the write itself will report a full disk
        needed = total - self.bytes_present(request) + SPACE_MARGIN
        self.paths.models.mkdir(parents=True, exist_ok=True)
        free = shutil.disk_usage(self.paths.models).free
        if free < needed:
            raise NotEnoughSpaceError(
                f"Not enough free space for {request.name}: it needs {needed / 1e9:.2f} GB more "
                f"and {self.paths.models} has {free / 1e9:.2f} GB free. Free some space or "
                f"choose a smaller file. Nothing was downloaded."
            )

    # -- the download ----------------------------------------------------------------------

    def run(
        self,
        request: DownloadRequest,
        *,
        cancel: threading.Event | None = None,
        pause: threading.Event | None = None,
        on_progress: Callable[[Progress], None] | None = None,
    ) -> Progress:
        """Download, verify and install ``request``; resumable. Returns the final Progress.

        ``pause`` stops and keeps what arrived; ``cancel`` stops and deletes it.

        Raises:
            DownloadError, HubError, OfflineError: nothing half-done is left in the library.
        """
        import filelock

        cancel, pause = cancel or threading.Event(), pause or threading.Event()
        targets = [target_path(self.paths.models, request.repo, f.name) for f in request.files]
        self.check_license(request)
        gate.check(self.hub.settings, f"download {request.name}")
        self.check_space(request)
        self.paths.downloads.mkdir(parents=True, exist_ok=True)
        lock = filelock.FileLock(str(self._state_file(request)) + ".lock")
        try:
            lock.acquire(timeout=0)
        except filelock.Timeout:
            raise DownloadError(
                f"{request.name} is already being downloaded by another Enclave window or command."
            ) from None
        try:
            self._save_state(request, "downloading")
            progress = Progress(
                request.key,
                request.name,
                "downloading",
                self.bytes_present(request),
                request.total_bytes,
            )
            tracker = _Tracker(progress, on_progress)
            digests: dict[str, str | None] = {}
            purpose = f"download {request.name}"
            # Work offline (or a policy) switched on midway stops the download, keeping its bytes.
            watch = Watch(self.hub.settings, purpose, settings_file=self.paths.settings_file)
            with gate.open_for(self.hub.settings, purpose, paths=self.paths):
                for f, target in zip(request.files, targets):
                    if not target.exists():
                        digests[f.name] = self._fetch(
                            request, f, target, cancel, pause, tracker, watch
                        )
                    if cancel.is_set() or pause.is_set():
                        break
            if cancel.is_set():
                self.discard(request)
                return tracker.finish(
                    "cancelled", "Download cancelled; the partial file was deleted."
                )
            if pause.is_set():
                self._save_state(request, "paused")
                return tracker.finish("paused", "Paused. Resume to continue from here.")
            return self._install(request, targets, digests, tracker)
        except Exception as exc:
            if self._state_file(request).exists():
                try:
                    self._save_state(
                        request, "paused" if isinstance(exc, gate.OfflineError) else "failed"
                    )
                except OSError as save_exc:  # a full disk: the saved state still resumes it
                    log.warning("could not record the stopped download: %s", save_exc)
            raise
        finally:
            lock.release()
            Path(lock.lock_file).unlink(missing_ok=True)

    def _fetch(
        self,
        request,
        remote: quant.RemoteFile,
        target: Path,
        cancel,
        pause,
        tracker: _Tracker,
        watch: Watch,
    ) -> str | None:
        """Bring ``target``'s part file to its full size. Returns its sha256 (hashed on the way,
        so verifying costs no second read), or None if stopped early."""
        from huggingface_hub.utils import get_session

        part = _part(target)
        part.parent.mkdir(parents=True, exist_ok=True)
        url = self.hub.url(request.repo, remote.name, request.revision)
        failures, digest, hashed = 0, hashlib.sha256(), 0
        while not (cancel.is_set() or pause.is_set()):
            watch.check()
            have = part.stat().st_size if part.exists() else 0
            if hashed != have:  # bytes from an earlier run: hash them first
                digest, hashed = hashlib.sha256(), 0
                with part.open("rb") as f:
                    while hashed < have and (chunk := f.read(min(CHUNK * 4, have - hashed))):
                        digest.update(chunk)
                        hashed += len(chunk)
            if remote.size is not None and have >= remote.size:
                if have > remote.size:
                    part.unlink()  # longer than the file on the hub: cannot be a prefix of it
                    continue
                return digest.hexdigest()
            headers = {**self.hub.headers(), "Accept-Encoding": "identity"}
            if have:
                headers["Range"] = f"bytes={have}-"
            try:
                with get_session().stream("GET", url, headers=headers) as r:
                    if r.status_code == 416:
                        part.unlink(missing_ok=True)  # our part does not fit the file: start over
                        continue
                    if r.status_code >= 400:
                        r.read()
                        r.raise_for_status()
                    if have and r.status_code != 206:
                        tracker.progress.done -= have  # the server ignored Range: start over
                        have, digest, hashed = 0, hashlib.sha256(), 0
                    elif have and not r.headers.get("content-range", "").startswith(
                        f"bytes {have}-"
                    ):
                        raise DownloadError(
                            f"The server resumed {remote.name} at the wrong "
                            f"place; the partial file was kept. Try again."
                        )
                    with part.open("r+b" if have else "wb") as out:
                        out.seek(have)
                        out.truncate()
                        sink = _HashingWriter(out, digest)
                        try:
                            for chunk in r.iter_bytes(CHUNK):
                                sink.write(chunk)
                                hashed += len(chunk)
                                tracker.add(len(chunk))
                                failures = 0
                                watch.check()
                                if cancel.is_set() or pause.is_set():
                                    return None
                        finally:
                            sink.close()  # every byte received is on disk and hashed
                if remote.size is None:
                    return digest.hexdigest()  # no size to compare: the server says that is all
            except httpx2.HTTPStatusError as exc:
                if exc.response.status_code not in _RETRY_STATUS:
                    raise self.hub.explain(exc, request.repo, remote.name) from exc
                failures = self._back_off(
                    failures, exc, tracker, cancel, pause, exc.response.headers.get("retry-after")
                )
            except (httpx2.TransportError, OSError) as exc:
                if isinstance(exc, OSError) and not isinstance(exc, ConnectionError):
                    raise DownloadError(
                        f"Could not write {part}: {exc.strerror or exc}. "
                        f"Free some disk space and resume."
                    ) from exc
                failures = self._back_off(failures, exc, tracker, cancel, pause)
        return None

    def _back_off(
        self, failures: int, exc: Exception, tracker, cancel, pause, retry_after: str | None = None
    ) -> int:
        if failures >= len(RETRY_DELAYS):
            raise HubError(
                f"The download kept failing ({exc}). What arrived is kept; resume "
                f"it when the connection is back."
            ) from exc
        delay = RETRY_DELAYS[failures]
        if retry_after and retry_after.isdigit():
            delay = min(max(delay, int(retry_after)), 120)
        log.info("download interrupted (%s); retrying in %s s", exc, delay)
        tracker.report("retrying", f"Connection problem; retrying in {delay} s…")
        end = time.monotonic() + delay
        while time.monotonic() < end and not (cancel.is_set() or pause.is_set()):
            cancel.wait(0.1)
        tracker.report("downloading")
        return failures + 1

    def _install(
        self,
        request: DownloadRequest,
        targets: list[Path],
        digests: dict[str, str | None],
        tracker: _Tracker,
    ) -> Progress:
        tracker.report("verifying", "Checking the file…")
        for remote, target in zip(request.files, targets):
            part = _part(target)
            if not part.exists():
                continue  # verified and installed by an earlier run
            if remote.size is not None and part.stat().st_size != remote.size:
                part.unlink()
                raise DownloadError(
                    f"{remote.name} arrived with the wrong size; it was deleted. Download it again."
                )
            if remote.sha256:
                actual = digests.get(remote.name) or sha256_of(part)
                if actual != remote.sha256.lower():
                    self.discard(request)
                    raise ChecksumMismatchError(
                        f"{remote.name} does not match the checksum the hub published "
                        f"(expected sha256 {remote.sha256[:12]}…, got {actual[:12]}…): it was "
                        f"damaged or tampered with on the way, so it was deleted. Nothing was "
                        f"installed; try again, on another network if it happens again."
                    )
            try:
                gguf.read(part)
            except EnclaveError as exc:
                self.discard(request)
                raise DownloadError(
                    f"{remote.name} is not a usable GGUF model file, so it was deleted: {exc}"
                ) from exc
        for target in targets:
            part = _part(target)
            if part.exists():
                os.replace(part, target)
        model_id = model_id_for(targets[0])
        self.records.put(
            model_id,
            ModelRecord(
                str(targets[0]),
                "download",
                request.repo,
                [f.name for f in request.files],
                request.revision,
                [f.sha256 or "" for f in request.files],
                request.license,
                request.license_url,
            ),
        )
        self._state_file(request).unlink(missing_ok=True)
        tracker.progress.model_id = model_id  # the listeners' last report names the model
        return tracker.finish("done", f"{request.name} is installed and verified.")


class _Tracker:
    """Counts bytes and tells the listener of every change of state. Speed, time left and the
    pace of byte reports come from ``jobs.Meter``, so a download reads like every other long job
    (bytes already here from an earlier run are its starting point, not part of its speed)."""

    def __init__(self, progress: Progress, listener):
        self.progress, self.listener = progress, listener
        self.meter = jobs.Meter(self._measured, total=progress.total)
        self.report("downloading")

    def add(self, n: int) -> None:
        self.progress.done += n
        self.meter.update(self.progress.done)

    def report(self, state: str, message: str = "") -> None:
        self.progress.state, self.progress.message = state, message
        self.meter.update(self.progress.done, force=True)

    def finish(self, state: str, message: str) -> Progress:
        self.report(state, message)
        return self.progress

    def _measured(self, measured: jobs.Progress) -> None:
        self.progress.speed, self.progress.eta_s = measured.speed, measured.eta_s
        if self.listener:
            self.listener(Progress(**asdict(self.progress)))
