"""Indexing's speed and time left come from ``jobs.Meter``, the one rule every long job in the app
measures by: files a second over the last few seconds, and the files left at that pace."""

from __future__ import annotations

import pytest

from app.core.documents.index import DocIndex
from app.core.documents.indexer import Indexer, Progress
from app.core.platform import jobs


@pytest.fixture
def index(paths):
    with DocIndex(paths.documents_index) as ix:
        yield ix


def _small_files(folder, n: int):
    folder.mkdir()
    for i in range(n):
        (folder / f"note-{i:03d}.txt").write_text(
            f"Note {i}. The committee met on day {i} and agreed the budget.\n"
        )
    return folder


def _reading(index, name: str) -> list[Progress]:
    seen: list[Progress] = []
    result = Indexer(index).run(name, on_progress=lambda p: seen.append(Progress(**vars(p))))
    assert result.added == len([p for p in seen if p.phase == "reading"]) - 1
    return [p for p in seen if p.phase == "reading"]


def test_time_left_shrinks_over_a_folder_of_many_small_files(index, tmp_path):
    """Real files, real extraction and SQLite, the real clock: the pace reported is the files
    done over the time taken, and the time left shrinks to nothing as the files are read."""
    index.create("Notes")
    index.add_roots("Notes", [_small_files(tmp_path / "notes", 150)])
    reading = _reading(index, "Notes")
    measured = [p for p in reading if p.eta_s is not None]
    assert len(measured) >= 140  # every file after the first has a pace and a time left
    for p in measured:
        assert p.speed > 0 and p.eta_s == pytest.approx((p.files_total - p.files_done) / p.speed)
    fifth = len(measured) // 5
    first, last = measured[:fifth], measured[-fifth:]
    assert max(p.eta_s for p in last) < min(p.eta_s for p in first)
    assert measured[-1].files_done == 150 and measured[-1].eta_s == 0
    assert measured[-1].time_left_text() == "almost done"


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def test_the_pace_is_the_last_few_seconds_not_the_average_since_the_start(
    index, tmp_path, monkeypatch
):
    """Each file's work advances a clock of ours: 30 files at one a second, then 30 at four a
    second. After the change the speed and time left follow the new pace, as for a download or
    an import; an average since the start would still say about 1.4 files a second."""
    clock = Clock()
    monkeypatch.setattr(jobs.time, "monotonic", clock)
    index_file = Indexer._index_file

    def timed(self, collection, path, *args):
        index_file(self, collection, path, *args)
        clock.now += 1.0 if int(path.stem[-3:]) < 30 else 0.25

    monkeypatch.setattr(Indexer, "_index_file", timed)
    index.create("Notes")
    index.add_roots("Notes", [_small_files(tmp_path / "notes", 60)])
    at = {p.files_done: p for p in _reading(index, "Notes")}

    assert at[0].eta_s is None and at[0].time_left_text() == ""  # nothing measured yet
    assert at[20].speed == pytest.approx(1.0) and at[20].eta_s == pytest.approx(40.0)
    assert at[20].time_left_text() == "about 40 s left"
    assert at[50].speed == pytest.approx(4.0) and at[50].eta_s == pytest.approx(2.5)
    etas = [at[n].eta_s for n in range(1, 61)]
    assert etas == sorted(etas, reverse=True)  # never grows while the pace holds or quickens
    assert at[60].eta_s == 0
