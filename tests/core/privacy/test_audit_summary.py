"""What left this device per day and provider: counted from the real audit log, local days,
the 30-day window, and entries from an edited log that must not break or skew the count."""

from __future__ import annotations

import datetime

import pytest

from app.core.platform.units import bytes_text
from app.core.privacy import audit_summary
from app.core.privacy.audit import AuditLog
from app.core.privacy.audit_summary import per_day

TODAY = datetime.date(2025, 3, 30)


def _at(day: datetime.date, hour: int = 12) -> float:
    return datetime.datetime.combine(day, datetime.time(hour)).timestamp()  # local time


def _entry(day, provider="OpenAI", sent=1000, received=500, **more):
    return {
        "time": _at(day),
        "provider": provider,
        "tier": "cloud",
        "bytes_sent": sent,
        "bytes_received": received,
        **more,
    }


def test_requests_written_through_the_audit_log_are_counted_today(tmp_path):
    log = AuditLog(tmp_path / "audit.jsonl", keyring=False)
    for sent in (1200, 800):
        started = log.begin(provider="Org", tier="org", host="10.0.0.5", bytes_sent=sent)
        log.complete(started, status=200, bytes_received=300)
    log.begin(provider="OpenAI", tier="cloud", host="api.openai.com", bytes_sent=5000)  # never done
    summary = per_day(log.entries())
    today = datetime.date.today()
    assert summary.days[-1] == today and len(summary.days) == 30
    assert summary.providers == ["OpenAI", "Org"]  # most bytes sent first
    assert summary.cell(today, "Org") == audit_summary.Cell(2, 2000, 600)
    assert summary.cell(today, "OpenAI") == audit_summary.Cell(1, 5000, 0)
    assert summary.provider_total("Org") == audit_summary.Cell(2, 2000, 600)
    assert summary.tiers == {"Org": "org", "OpenAI": "cloud"}
    assert summary.describe() == "In the last 30 days, 3 requests, 7 KB sent, to 2 providers."


def test_days_are_local_calendar_days_and_only_the_last_30_count():
    entries = [
        _entry(TODAY),
        _entry(TODAY, provider="Org", sent=250),
        _entry(TODAY - datetime.timedelta(days=1)),
        _entry(TODAY - datetime.timedelta(days=29)),  # the first day shown
        _entry(TODAY - datetime.timedelta(days=30)),  # one day too old
        _entry(TODAY + datetime.timedelta(days=1)),  # a clock that was ahead
    ]
    entries.append({**_entry(TODAY), "time": _at(TODAY, 0) + 1})  # just after midnight
    summary = per_day(entries, today=TODAY)
    assert summary.days[0] == TODAY - datetime.timedelta(days=29)
    assert summary.cell(TODAY, "OpenAI").requests == 2
    assert summary.day_total(TODAY) == audit_summary.Cell(3, 2250, 1500)
    assert summary.cell(summary.days[0], "OpenAI").requests == 1
    assert summary.total.requests == 5
    assert sum(summary.day_total(d).requests for d in summary.days) == 5


def test_entries_from_an_edited_log_neither_break_nor_skew_the_count():
    entries = [
        _entry(TODAY, sent=-5000, received="lots"),  # counted as a request, no bytes
        _entry(TODAY, sent=True),  # a bool is not a count
        {**_entry(TODAY), "time": "yesterday"},
        {**_entry(TODAY), "time": float("nan")},
        {**_entry(TODAY), "time": 1e300},
        {**_entry(TODAY), "time": None},
        {"time": _at(TODAY), "host": "hub.example"},  # no provider: named by its host
        {"time": _at(TODAY)},
    ]
    summary = per_day(entries, today=TODAY)
    assert summary.cell(TODAY, "OpenAI") == audit_summary.Cell(2, 0, 500)
    assert summary.cell(TODAY, "hub.example").requests == 1
    assert summary.cell(TODAY, audit_summary.UNNAMED).requests == 1
    assert summary.total.requests == 4


def test_an_empty_log_says_nothing_left():
    summary = per_day([], today=TODAY)
    assert summary.providers == [] and summary.total.requests == 0
    assert summary.describe() == "In the last 30 days, nothing left this device."
    one = per_day([_entry(TODAY, sent=512)], today=TODAY)
    assert one.describe() == "In the last 30 days, 1 request, 512 B sent, to 1 provider."


@pytest.mark.parametrize(
    ("n", "text"),
    [
        (0, "0 B"),
        (999, "999 B"),
        (1000, "1 KB"),
        (1500, "1.5 KB"),
        (48_000, "48 KB"),
        (99_960, "100 KB"),
        (999_499, "999 KB"),
        (999_500, "1.0 MB"),
        (1_000_000, "1.0 MB"),
        (4_920_000_000, "4.92 GB"),
    ],
)
def test_bytes_read_as_people_read_them(n, text):
    assert bytes_text(n) == text
