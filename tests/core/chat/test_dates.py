"""Date groups of the conversation list, on a fixed clock in a real local time zone."""

from __future__ import annotations

import time
from datetime import datetime

import pytest

from app.core.chat.dates import group_label, when_text


@pytest.fixture(autouse=True)
def berlin(monkeypatch):
    """Europe/Berlin: summer time starts 2024-03-31 02:00 (a 23-hour day) and ends
    2024-10-27 03:00 (a 25-hour day)."""
    monkeypatch.setenv("TZ", "Europe/Berlin")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def at(text: str) -> float:
    """A local wall-clock time as seconds since the epoch."""
    return datetime.fromisoformat(text).timestamp()


@pytest.mark.parametrize(
    ("updated", "now", "label"),
    [
        ("2024-06-12 00:00:00", "2024-06-12 23:59:59", "Today"),
        ("2024-06-12 10:00", "2024-06-12 09:00", "Today"),  # clock set back: not the future
        ("2024-06-11 23:59:59", "2024-06-12 00:00:01", "Yesterday"),  # two seconds apart
        ("2024-06-11 00:00", "2024-06-12 23:59", "Yesterday"),  # nearly two days apart
        ("2024-06-10 23:59", "2024-06-12 00:01", "Previous 7 days"),
        ("2024-06-05 00:00", "2024-06-12 23:59", "Previous 7 days"),
        ("2024-06-04 23:59", "2024-06-12 00:00", "Previous 30 days"),
        ("2024-05-13 00:00", "2024-06-12 23:59", "Previous 30 days"),
        ("2024-05-12 23:59", "2024-06-12 00:00", "May 2024"),
        ("2023-06-12 12:00", "2024-06-12 12:00", "June 2023"),
    ],
)
def test_groups_by_calendar_day(updated, now, label):
    assert group_label(at(updated), at(now)) == label


@pytest.mark.parametrize(
    ("updated", "now", "label"),
    [
        # 23 hours 20 minutes apart across the short day, yet a calendar day: not "Today".
        ("2024-03-31 00:10", "2024-04-01 00:30", "Yesterday"),
        # 24 hours 40 minutes apart within the long day, yet the same day: not "Yesterday".
        ("2024-10-27 00:10", "2024-10-27 23:50", "Today"),
        ("2024-10-26 23:50", "2024-10-28 00:10", "Previous 7 days"),  # 48 h 20 min, 2 days
    ],
)
def test_daylight_saving_days_are_still_one_day(updated, now, label):
    assert group_label(at(updated), at(now)) == label


@pytest.mark.parametrize(
    ("updated", "label"),
    [
        ("2024-12-31 23:55", "Yesterday"),
        ("2024-12-25 12:00", "Previous 7 days"),
        ("2024-12-05 12:00", "Previous 30 days"),
        ("2024-12-01 12:00", "December 2024"),  # 31 days: its month, last year's
        ("2024-11-15 12:00", "November 2024"),
    ],
)
def test_new_year(updated, label):
    assert group_label(at(updated), at("2025-01-01 00:05")) == label


def test_when_text():
    now = at("2025-01-03 09:00")  # a Friday
    assert when_text(at("2025-01-03 08:07"), now) == "08:07"
    assert when_text(at("2025-01-02 23:00"), now) == "23:00"  # under the Yesterday header
    assert when_text(at("2024-12-30 10:00"), now) == "Mon"
    assert when_text(at("2025-01-01 00:00"), at("2025-03-01 12:00")) == "1 Jan"
    assert when_text(at("2024-12-24 10:00"), now) == "24 Dec 2024"
