"""The settings service: every change validated, saved, then applied in place and announced; a
refused or failed change leaves memory and the file as they were; another process's change is
read back in."""

from __future__ import annotations

import errno
import json
import threading
import time

import pytest

from app.core.platform import jsonfile
from app.core.platform import settings as settings_mod
from app.core.platform.settings import Settings
from app.core.platform.settings_service import SettingsError, SettingsService
from app.core.privacy import gate


@pytest.fixture
def service(paths):
    service = SettingsService(paths.settings_file)
    service.update(theme="dark")  # a file to compare against
    return service


@pytest.fixture
def heard(service):
    calls: list[frozenset[str]] = []
    service.subscribe(calls.append)
    return calls


def _on_disk(service) -> dict:
    return json.loads(service.path.read_text(encoding="utf-8"))


def test_update_saves_then_applies_in_place_and_names_what_changed(service, heard):
    same = service.settings
    changed = service.update({"network.offline": True, "temperature": 1, "theme": "dark"})
    assert changed == {"offline", "temperature"}  # theme was already dark
    assert heard == [frozenset({"offline", "temperature"})]
    assert service.settings is same and same.offline and same.temperature == 1.0
    assert _on_disk(service)["offline"] is True and _on_disk(service)["temperature"] == 1.0
    with pytest.raises(gate.OfflineError):  # the gate reads the same object
        gate.check(same, "search for models")


def test_a_change_to_the_same_value_writes_and_announces_nothing(service, heard):
    before = service.path.stat()
    assert service.update(theme="dark") == frozenset()
    assert heard == []
    after = service.path.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)


@pytest.mark.parametrize(
    ("changes", "says"),
    [
        ({"temperature": 7}, "temperature must be between 0 and 2"),
        ({"context_length": "big"}, "context_length should be int, not str"),
        ({"cloud.allowed": "yes"}, "cloud_allowed should be bool, not str"),
        ({"theme": "dark", "max_answer_tokens": 4000}, "max_answer_tokens must be at least 1"),
        ({"colour": "red"}, "There is no setting called 'colour'"),
    ],
)
def test_an_invalid_change_is_refused_and_nothing_changes(service, heard, changes, says):
    before_file = service.path.read_bytes()
    before = settings_mod.values(service.settings)
    with pytest.raises(SettingsError, match=says):
        service.update(changes)
    assert settings_mod.values(service.settings) == before
    assert service.path.read_bytes() == before_file
    assert heard == []


def test_a_full_disk_explains_itself_and_nothing_changes(service, heard, monkeypatch):
    def full(path, data):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(jsonfile, "write_atomic", full)
    before_file = service.path.read_bytes()
    with pytest.raises(SettingsError) as caught:
        service.update({"network.offline": True})
    said = str(caught.value)
    assert str(service.path) in said  # where
    assert "No space left on device" in said  # why
    assert "Free some disk space" in said and "Nothing was changed" in said  # what to do
    assert service.settings.offline is False
    assert service.path.read_bytes() == before_file
    assert heard == []


def test_a_folder_that_cannot_be_written_leaves_everything_as_it_was(tmp_path, heard, service):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the config folder should be")
    service.path = blocker / "settings.json"  # a real OSError, even as root
    with pytest.raises(SettingsError, match="could not be saved to .*not-a-folder"):
        service.update(cloud_allowed=True)
    assert service.settings.cloud_allowed is False
    assert heard == []


def test_save_keeps_older_in_place_callers_working(service, heard, monkeypatch):
    service.settings.default_model = "tuned"
    assert service.save() == {"default_model"}
    assert heard == [frozenset({"default_model"})]
    assert _on_disk(service)["default_model"] == "tuned"

    monkeypatch.setattr(
        jsonfile, "write_atomic", lambda *a: (_ for _ in ()).throw(OSError(errno.EROFS, "ro"))
    )
    service.settings.default_model = "other"
    with pytest.raises(SettingsError, match="could not be saved"):
        service.save()
    assert service.settings.default_model == "tuned"  # back to what is saved
    assert len(heard) == 1


def test_listeners_can_unsubscribe_and_a_failing_one_stops_nobody(service):
    calls = []

    def broken(names):
        raise RuntimeError("listener bug")

    service.subscribe(broken)
    stop = service.subscribe(calls.append)
    service.update(threads=2)
    stop()
    service.update(threads=3)
    assert calls == [frozenset({"threads"})]
    assert settings_mod.load(service.path).threads == 3  # saved despite the broken listener


def test_another_process_change_is_read_back_in_place(service, heard):
    same = service.settings
    assert service.reload_if_changed().changed == frozenset()  # nothing new yet
    other = SettingsService(service.path)  # what `enclave config set` does in its own process
    other.update({"network.offline": True, "redaction.terms": ["Nightjar"]})
    found = service.reload_if_changed()
    assert found.changed == {"offline", "redaction_terms"} and found.notices == []
    assert heard == [frozenset({"offline", "redaction_terms"})]
    assert service.settings is same and same.offline and same.redaction_terms == ["Nightjar"]
    assert service.reload_if_changed().changed == frozenset()  # once
    assert len(heard) == 1


def test_an_update_here_does_not_undo_another_process_change(service, heard):
    SettingsService(service.path).update(offline=True)
    assert service.update(theme="light") == {"offline", "theme"}
    assert _on_disk(service)["offline"] is True and _on_disk(service)["theme"] == "light"


def test_an_unusable_value_in_the_file_is_skipped_with_a_notice(service, heard):
    raw = _on_disk(service)
    raw.update(offline=True, context_length="big")
    service.path.write_text(json.dumps(raw), encoding="utf-8")
    found = service.reload()
    assert found.changed == {"offline"}
    assert any("context_length" in n for n in found.notices)
    assert service.settings.context_length == 4096  # kept, not reset


@pytest.mark.parametrize("content", ["{not json", json.dumps({"temperature": 9.0})])
def test_a_damaged_or_contradicting_file_changes_nothing_in_use(service, heard, content):
    service.update(offline=True)
    heard.clear()
    service.path.write_text(content, encoding="utf-8")
    found = service.reload()
    assert found.changed == frozenset() and heard == []
    assert service.settings.offline is True and service.settings.theme == "dark"
    assert len(found.notices) == 1 and "settings in use are kept" in found.notices[0]


def test_updates_from_two_threads_at_once_both_reach_the_file(service, monkeypatch):
    write = jsonfile.write_atomic

    def slow_disk(path, data):
        time.sleep(0.1)  # the second update arrives while the first is being written
        write(path, data)

    monkeypatch.setattr(jsonfile, "write_atomic", slow_disk)
    start = threading.Barrier(2)

    def change(name, value):
        start.wait()
        service.update({name: value})

    threads = [
        threading.Thread(target=change, args=("threads", 3)),
        threading.Thread(target=change, args=("docs_passages", 9)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    on_disk = settings_mod.load(service.path)
    assert (on_disk.threads, on_disk.docs_passages) == (3, 9)
    assert settings_mod.values(on_disk) == settings_mod.values(service.settings)


def test_a_bare_settings_object_gets_a_service_of_its_own(paths):
    s = Settings()
    service = SettingsService(paths.settings_file, s)
    service.update(gpu_layers=0)
    assert s.gpu_layers == 0 and settings_mod.load(paths.settings_file).gpu_layers == 0
