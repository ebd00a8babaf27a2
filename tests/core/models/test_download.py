"""Downloads against the hub stand-in on loopback, with the starter model's real bytes."""

from __future__ import annotations

import hashlib
import threading

import pytest
from hub_server import HUB_FILE, HUB_REPO

from app.core.models import download as dl
from app.core.models.download import (
    ChecksumMismatchError,
    DownloadRequest,
    LicenseNotAcknowledgedError,
    NotEnoughSpaceError,
    UnsafeFileNameError,
    target_path,
)
from app.core.models.hub import GatedModelError, HubError
from app.core.models.installed import list_models
from app.core.models.service import ModelLibrary
from app.core.platform.settings import Settings
from app.core.privacy.gate import OfflineError


def _sha(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def library(paths, hub):
    return ModelLibrary(paths, Settings())


def _download(library, repo=HUB_REPO, name=HUB_FILE, **kw):
    request = library.request(library.hub.details(repo), name)
    events = []
    result = library.downloader.run(request, on_progress=events.append, **kw)
    return request, result, events


def test_download_is_verified_listed_and_loads(library, paths, hub, starter_model):
    request, result, events = _download(library)
    assert result.state == "done", result.message
    target = target_path(paths.models, HUB_REPO, HUB_FILE)
    assert target.is_file() and _sha(target) == hub.repos[HUB_REPO].files[HUB_FILE].sha256
    assert not list(paths.models.rglob("*.part")) and not list(paths.downloads.glob("*.json"))
    listed = {m.id: m for m in list_models(paths)}
    assert listed[result.model_id].source == "download"
    assert listed[result.model_id].record.repo == HUB_REPO
    assert events[-1].state == "done" and events[-1].model_id == result.model_id  # listeners too
    # progress was reported with bytes and speed, ending at the full size
    moving = [e for e in events if e.state == "downloading" and e.done]
    assert moving and moving[-1].total == starter_model.stat().st_size
    assert events[-1].state == "done" and events[-1].done == starter_model.stat().st_size
    from app.core.engines.base import ChatMessage, GenerationOptions
    from app.core.engines.local import LocalEngine

    engine = LocalEngine(target, context_length=512)
    try:
        answer = "".join(
            engine.stream(
                [ChatMessage("user", "Say hello.")],
                options=GenerationOptions(max_tokens=8, temperature=0),
                cancel=threading.Event(),
            )
        )
        assert answer.strip()
    finally:
        engine.close()


def test_dropped_connection_resumes_with_range(library, paths, hub, monkeypatch):
    monkeypatch.setattr(dl, "RETRY_DELAYS", (0.05,) * 5)
    hub.faults.drop_after[HUB_FILE] = 30_000_000
    request, result, events = _download(library)
    assert result.state == "done"
    gets = hub.downloads()
    assert len(gets) == 2 and "Range" not in gets[0][2]
    resumed_from = int(gets[1][2]["Range"].split("=")[1].rstrip("-"))
    assert 29_000_000 <= resumed_from <= 30_000_000
    assert any(e.state == "retrying" for e in events)
    target = target_path(paths.models, HUB_REPO, HUB_FILE)
    assert _sha(target) == hub.repos[HUB_REPO].files[HUB_FILE].sha256


def test_server_errors_are_retried_then_succeed(library, hub, monkeypatch):
    monkeypatch.setattr(dl, "RETRY_DELAYS", (0.05,) * 5)
    hub.faults.status[HUB_FILE] = 503
    _, result, _ = _download(library)
    assert result.state == "done" and len(hub.downloads()) == 2


def test_server_ignoring_range_restarts_cleanly(library, paths, hub, monkeypatch):
    monkeypatch.setattr(dl, "RETRY_DELAYS", (0.05,) * 5)
    hub.faults.drop_after[HUB_FILE] = 10_000_000
    hub.faults.ignore_range = True
    _, result, _ = _download(library)
    assert result.state == "done"
    assert (
        _sha(target_path(paths.models, HUB_REPO, HUB_FILE))
        == hub.repos[HUB_REPO].files[HUB_FILE].sha256
    )


def test_a_download_that_starts_over_measures_its_speed_afresh(library, hub, monkeypatch):
    """A server that ignores the resume sends the file from its start, so the count goes back:
    the speed is measured afresh at once, never negative or stuck at nothing for seconds."""
    monkeypatch.setattr(dl, "RETRY_DELAYS", (0.05,) * 5)
    pace = 5e6
    hub.faults.bytes_per_s = pace
    hub.faults.drop_after[HUB_FILE] = int(3.5 * pace)  # later than the speed's window reaches
    hub.faults.ignore_range = True
    request = library.request(library.hub.details(HUB_REPO), HUB_FILE)
    pause, events = threading.Event(), []

    def on_progress(p):
        events.append(p)
        if any(e.state == "retrying" for e in events) and pace / 2 < p.done < pace:
            pause.set()

    assert library.downloader.run(request, pause=pause, on_progress=on_progress).state == "paused"
    assert all(e.speed >= 0 for e in events)
    retried = next(i for i, e in enumerate(events) if e.state == "retrying")
    again = [e for e in events[retried:] if e.state == "downloading" and e.done > pace / 4]
    assert again and all(0.5 * pace < e.speed < 1.5 * pace for e in again), [
        (e.done, e.speed) for e in events[retried:]
    ]


def test_wrong_bytes_are_rejected_and_removed(library, paths, hub):
    hub.faults.corrupt.add(HUB_FILE)
    with pytest.raises(ChecksumMismatchError, match="does not match the checksum"):
        _download(library)
    assert not list(paths.models.rglob("*.gguf*"))
    assert [m.source for m in list_models(paths)] == ["starter"]
    assert not list(paths.downloads.glob("*.json"))


def test_pause_keeps_bytes_and_resume_continues(library, paths, hub):
    hub.faults.bytes_per_s = 40e6
    request = library.request(library.hub.details(HUB_REPO), HUB_FILE)
    pause = threading.Event()

    def on_progress(p):
        if p.done > 20_000_000:
            pause.set()

    first = library.downloader.run(request, pause=pause, on_progress=on_progress)
    assert first.state == "paused" and first.done >= 20_000_000
    part = target_path(paths.models, HUB_REPO, HUB_FILE).with_name(HUB_FILE + ".part")
    assert part.stat().st_size == first.done
    assert [r.name for r, _ in library.downloader.pending()] == [HUB_FILE]
    assert [m.source for m in list_models(paths)] == ["starter"]  # never a half model
    hub.faults.bytes_per_s = None
    second = library.downloader.run(request)
    assert second.state == "done"
    assert hub.downloads()[-1][2]["Range"] == f"bytes={first.done}-"


def test_speed_and_time_left_are_measured_like_every_long_job(library, hub):
    """At a steady pace the download reports about that speed and a time left that shrinks; on
    resume the bytes from the earlier run are where it starts, not part of its speed. The rule is
    the shared one (``jobs.Meter``), so this fails with it."""
    pace = 25e6
    hub.faults.bytes_per_s = pace
    request = library.request(library.hub.details(HUB_REPO), HUB_FILE)

    def download_until(stop_at: int) -> list[dl.Progress]:
        pause, events = threading.Event(), []

        def on_progress(p):
            events.append(p)
            if p.done > stop_at:
                pause.set()

        assert library.downloader.run(request, pause=pause, on_progress=on_progress).state == (
            "paused"
        )
        return events

    first = download_until(40_000_000)
    resumed = download_until(70_000_000)
    for events, start in ((first, 0), (resumed, first[-1].done)):
        moving = [e for e in events if e.state == "downloading" and e.done > start + 10_000_000]
        assert len(moving) >= 5, [(e.state, e.done) for e in events]
        for e in moving:
            assert 0.6 * pace < e.speed < 1.4 * pace, (e.done, e.speed)
            assert e.eta_s == pytest.approx((e.total - e.done) / e.speed)
        assert moving[-1].eta_s < moving[0].eta_s  # the time left shrinks as bytes arrive
        assert "MB/s" in moving[-1].describe() and "ETA 0:00:0" in moving[-1].describe()
        assert "MB/s" not in events[-1].describe()  # paused: no speed, no time left


def test_cancel_deletes_partial_file(library, paths, hub):
    hub.faults.bytes_per_s = 40e6
    request = library.request(library.hub.details(HUB_REPO), HUB_FILE)
    cancel = threading.Event()
    result = library.downloader.run(
        request, cancel=cancel, on_progress=lambda p: p.done > 5_000_000 and cancel.set()
    )
    assert result.state == "cancelled"
    assert not list(paths.models.rglob("*.part")) and not library.downloader.pending()


def test_missing_repo_and_file_give_clear_errors(library, hub):
    with pytest.raises(HubError, match="no model repository called 'enclave-test/Nope'"):
        library.hub.details("enclave-test/Nope")
    details = library.hub.details(HUB_REPO)
    with pytest.raises(HubError, match="has no GGUF file called 'missing.gguf'"):
        library.request(details, "missing.gguf")
    request = DownloadRequest(
        HUB_REPO,
        "gone.gguf",
        [dl.quant.RemoteFile("gone.gguf", 10)],
        details.revision,
        "apache-2.0",
    )
    with pytest.raises(HubError, match="was not found on the hub"):
        library.downloader.run(request)


def test_gated_repo_without_token_says_what_to_do(library, hub):
    details = library.hub.details("enclave-test/Gated-GGUF")
    assert details.gated and details.license.id == "llama3.2"
    request = library.request(details, "Gated-Q4_1.gguf")
    with pytest.raises(LicenseNotAcknowledgedError, match="Llama 3.2 Community License"):
        library.downloader.run(request)
    assert not hub.downloads()
    library.acknowledge(request)
    with pytest.raises(GatedModelError, match="enclave keys set huggingface"):
        library.downloader.run(request)
    assert [r[2].get("Authorization") for r in hub.downloads()] == [None]


def test_hostile_file_names_are_refused(library, paths, hub, tmp_path):
    details = library.hub.details("enclave-test/Hostile-GGUF")
    for choice in details.choices:
        with pytest.raises(UnsafeFileNameError, match="outside the models folder"):
            library.downloader.run(library.request(details, choice.name))
    assert not hub.downloads()
    assert not list(tmp_path.rglob("escape.gguf*")) and not list(tmp_path.rglob("up.gguf*"))
    for name in ("../x.gguf", "/abs.gguf", "a\\b.gguf", "C:/x.gguf", "x.bin", "a/./b.gguf"):
        with pytest.raises(UnsafeFileNameError):
            target_path(paths.models, HUB_REPO, name)


def test_not_enough_space_is_refused_before_the_first_byte(library, hub, monkeypatch):
    real = dl.shutil.disk_usage
    monkeypatch.setattr(dl.shutil, "disk_usage", lambda p: real(p)._replace(free=50_000_000))
    with pytest.raises(NotEnoughSpaceError, match="Not enough free space"):
        _download(library)
    assert not hub.downloads()


def test_offline_setting_contacts_nothing(paths, hub):
    offline = ModelLibrary(paths, Settings(offline=True))
    with pytest.raises(OfflineError, match="set to work offline"):
        offline.search("smol")
    with pytest.raises(OfflineError):
        offline.hub.details(HUB_REPO)
    online = ModelLibrary(paths, Settings())
    request = online.request(online.hub.details(HUB_REPO), HUB_FILE)
    count = len(hub.requests)
    with pytest.raises(OfflineError):
        offline.downloader.run(request)
    assert len(hub.requests) == count == 1  # only the online lookup above


def test_requests_outside_a_user_action_are_refused(hub):
    from huggingface_hub.utils import get_session

    from app.core.models import hub as hub_mod
    from app.core.privacy.netguard import NetworkBlockedError

    hub_mod.install_client()
    with pytest.raises(NetworkBlockedError, match="no action of yours asked for"):
        get_session().get(f"{hub.url}/api/agent-harnesses")
    assert not hub.requests


def test_unknown_license_needs_acknowledgement(library, hub):
    details = library.hub.details("enclave-test/Custom-GGUF")
    assert details.license.needs_acknowledgement and "Custom license" in details.license.name
    request = library.request(details, "Custom-Q4_1.gguf")
    with pytest.raises(LicenseNotAcknowledgedError):
        library.downloader.run(request)
    library.acknowledge(request)
    assert library.downloader.run(request).state == "done"
