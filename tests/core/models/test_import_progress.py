"""Importing a real multi-megabyte model: progress as it copies, and a cancel (or a failure
midway) that leaves nothing behind."""

from __future__ import annotations

import threading

import pytest

from app.core.models import importer, installed
from app.core.models.importer import ImportCancelled, ImportModelError, import_file
from app.core.platform.jobs import Cancelled, Job


@pytest.fixture
def model_file(tmp_path, starter_model, monkeypatch):
    monkeypatch.setattr(importer, "CHUNK", 1 << 20)  # a report per MB of the 98 MB model
    path = tmp_path / "outside" / "Copy-Of-Starter.Q4_1.gguf"
    path.parent.mkdir()
    path.write_bytes(starter_model.read_bytes())
    return path


def _left_behind(paths):
    folder = paths.models / importer.IMPORT_FOLDER
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_progress_rises_to_the_whole_size(paths, model_file):
    told = []
    job = Job(told.append, text="Importing…")
    done = import_file(model_file, paths, cancel=job.cancel, on_progress=job.report)
    size = model_file.stat().st_size
    assert size > 50_000_000
    assert told[-1].done == told[-1].total == size
    assert [p.done for p in told] == sorted(p.done for p in told)
    assert done.model.path.stat().st_size == size
    assert _left_behind(paths) == [model_file.name]
    assert done.model.id in [m.id for m in installed.list_models(paths)]


def test_cancel_midway_leaves_no_file_and_no_model(paths, model_file):
    cancel = threading.Event()
    seen = []

    def progress(done, total):
        seen.append(done)
        if done >= 10 << 20:
            cancel.set()

    with pytest.raises(ImportCancelled, match="Import cancelled; nothing was added.") as caught:
        import_file(model_file, paths, cancel=cancel, on_progress=progress)
    assert isinstance(caught.value, Cancelled) and isinstance(caught.value, ImportModelError)
    assert max(seen) < model_file.stat().st_size
    assert _left_behind(paths) == []
    model_id = installed.model_id_for(model_file)
    assert not any(m.id == model_id for m in installed.list_models(paths))


def test_a_failure_midway_leaves_no_part_file(paths, model_file):
    def progress(done, total):
        if done >= 5 << 20:
            raise RuntimeError("the progress display broke")

    with pytest.raises(RuntimeError):
        import_file(model_file, paths, on_progress=progress)
    assert _left_behind(paths) == []
