"""*Work offline* switched on while a download or a streaming answer runs stops it within a
moment, keeping what arrived: switched the way the user does it (`enclave config set`, another
process writing the settings file), not through the running object."""

from __future__ import annotations

import threading
import time

import pytest
from hub_server import HUB_FILE, HUB_REPO

from app.core.chat.assistant import Assistant
from app.core.chat.store import Store
from app.core.cloud.chat import CloudChat
from app.core.models.service import ModelLibrary
from app.core.platform import settings as settings_mod
from app.core.privacy import consent, gate

pytestmark = pytest.mark.slow


def _in_thread(work):
    outcome: dict = {}

    def run():
        try:
            outcome["result"] = work()
        except Exception as exc:  # noqa: BLE001 (the test reads it)
            outcome["error"] = exc
        outcome["ended"] = time.monotonic()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, outcome


def _wait_for(condition, timeout=20.0):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_going_offline_stops_a_running_download_and_keeps_its_bytes(paths, hub, run_cli):
    hub.faults.bytes_per_s = 2_000_000  # about 50 s for the starter model
    library = ModelLibrary(paths, settings_mod.load(paths.settings_file))
    request = library.request(library.hub.details(HUB_REPO), HUB_FILE)
    thread, outcome = _in_thread(lambda: library.downloader.run(request))
    _wait_for(lambda: library.downloader.bytes_present(request) > 1_000_000)
    assert run_cli("config", "set", "network.offline", "true").returncode == 0
    switched = time.monotonic()
    thread.join(10)
    assert not thread.is_alive(), "the download kept running after going offline"
    assert outcome["ended"] - switched < 2.0
    assert isinstance(outcome.get("error"), gate.OfflineError), outcome
    assert "switched to work offline" in str(outcome["error"])
    kept = library.downloader.bytes_present(request)
    assert 1_000_000 < kept < request.total_bytes
    [(pending, have)] = library.downloader.pending()
    assert pending.key == request.key and have == kept
    served = len(hub.downloads())
    time.sleep(0.5)
    assert len(hub.downloads()) == served  # and nothing more was asked for


def test_going_offline_stops_a_streaming_answer(paths, org_provider, provider_server, run_cli):
    provider_server.fault = "slow"
    pieces: list[str] = []

    def ask():  # on its own thread, as in the window (a store belongs to one thread)
        with Store(paths.database) as store:
            assistant = Assistant(store, settings_mod.load(paths.settings_file), paths)
            chat = CloudChat(assistant)
            return chat.send(
                chat.plan(None, "Count slowly.", "Org"),
                consent.ONCE,
                cancel=threading.Event(),
                on_piece=pieces.append,
            )

    thread, outcome = _in_thread(ask)
    _wait_for(lambda: len(pieces) >= 3 or "ended" in outcome)
    assert len(pieces) >= 3, outcome
    assert run_cli("config", "set", "network.offline", "true").returncode == 0
    switched = time.monotonic()
    thread.join(10)
    assert not thread.is_alive(), "the answer kept streaming after going offline"
    assert outcome["ended"] - switched < 2.0
    error = outcome.get("error") or getattr(outcome.get("result"), "error", None)
    assert "switched to work offline" in str(error), outcome
    assert len(pieces) < 100
