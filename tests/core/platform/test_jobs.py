"""The contract of long work: progress values with speed and time left, reported at a steady pace,
and the cancel token."""

from __future__ import annotations

import pytest

from app.core.errors import EnclaveError
from app.core.platform import jobs
from app.core.platform.jobs import Cancelled, Job, Meter, Progress


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


@pytest.fixture
def clock(monkeypatch):
    clock = Clock()
    monkeypatch.setattr(jobs.time, "monotonic", clock)
    return clock


def test_speed_and_eta_follow_the_last_few_seconds(clock):
    told: list[Progress] = []
    meter = Meter(told.append, text="Importing x.gguf…", total=100_000_000)
    meter(0)
    for second in range(1, 4):  # 10 MB/s
        clock.now += 1
        meter(10_000_000 * second)
    assert told[-1].speed == pytest.approx(10e6)
    assert told[-1].eta_s == pytest.approx(7.0)
    for second in range(1, 6):  # then 2 MB/s: the ETA follows the new pace, not the average
        clock.now += 1
        meter(30_000_000 + 2_000_000 * second)
    assert told[-1].speed == pytest.approx(2e6)
    assert told[-1].eta_s == pytest.approx(30.0)
    assert told[-1].describe() == ("Importing x.gguf… 40.0 MB of 100.0 MB · 2.0 MB/s · ETA 0:00:30")


def test_work_that_starts_over_measures_its_speed_afresh(clock):
    told: list[Progress] = []
    meter = Meter(told.append, total=100_000_000)
    for second in range(4):  # 10 MB/s, then the count goes back to nothing (started over)
        meter(10_000_000 * second)
        clock.now += 1
    meter(0)
    clock.now += 1
    meter(5_000_000)
    assert told[-1].speed == pytest.approx(5e6)  # the new pace at once, not 0 for a while
    assert told[-1].eta_s == pytest.approx(19.0)


def test_reports_are_paced_but_the_first_and_the_last_always_go_out(clock):
    told: list[Progress] = []
    meter = Meter(told.append, total=1000)
    for done in range(0, 1001, 10):  # 101 updates within one instant
        meter(done)
    assert [p.done for p in told] == [0, 1000]
    clock.now += 0.2
    meter.update(500, text="Verifying…")  # a change of text always goes out
    assert told[-1].text == "Verifying…"


def test_unknown_totals_and_other_units_read_well(clock):
    assert Progress(5_300_000).amount_text() == "5.3 MB"
    assert Progress(3, 12, "files").amount_text() == "3 of 12 files"
    assert Progress(3, 12, "files", speed=1.5, eta_s=6).amount_text() == (
        "3 of 12 files · 1.5 files/s · ETA 0:00:06"
    )
    assert Progress(0, None).fraction is None and Progress(5, 10).fraction == 0.5


def test_a_job_fits_done_total_callbacks_and_raises_cancelled_when_asked(clock):
    told: list[Progress] = []
    job = Job(told.append, text="Copying…")
    job.report(5, 10)  # the shape of on_progress(done, total)
    assert told[-1] == Progress(5, 10, "bytes", "Copying…", 0.0, None)
    job.check()  # not cancelled: nothing happens
    job.cancel.set()
    with pytest.raises(Cancelled, match="Import cancelled") as caught:
        job.check("Import cancelled; nothing was added.")
    assert isinstance(caught.value, EnclaveError)  # a message for a person, like every outcome


def test_time_left_reads_as_words_rounded_to_what_the_pace_can_tell():
    said = [jobs.time_left_text(s) for s in (0.2, 44.6, 59.7, 150, 3600, 4830)]
    assert said == [
        "almost done",
        "about 45 s left",
        "about 1 min left",
        "about 2 min left",  # 2.5 minutes: a pace over a few seconds is no more exact than that
        "about 1 h left",
        "about 1 h 20 min left",
    ]
