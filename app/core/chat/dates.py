"""How the conversation list names a time: the date group it falls in, and a short "when".

Everything is counted in calendar days of local time, never in multiples of 24 hours: a day
that gains or loses an hour to daylight saving is still one day, and midnight is where "Today"
ends wherever the clock was set.
"""

from __future__ import annotations

from datetime import date, datetime

TODAY = "Today"
YESTERDAY = "Yesterday"
PREVIOUS_7_DAYS = "Previous 7 days"
PREVIOUS_30_DAYS = "Previous 30 days"

# English names, not the C locale's: the rest of the interface is English too.
MONTHS = (
    "January February March April May June July August September October November December"
).split()
WEEKDAYS = "Mon Tue Wed Thu Fri Sat Sun".split()


def _days_ago(updated: float, now: float) -> tuple[int, date]:
    day = datetime.fromtimestamp(updated).date()
    return (datetime.fromtimestamp(now).date() - day).days, day


def group_label(updated: float, now: float) -> str:
    """The group a conversation last used at ``updated`` belongs to, seen at ``now`` (both
    seconds since the epoch): "Today", "Yesterday", "Previous 7 days", "Previous 30 days", or
    its month ("March 2024"). A time after ``now`` (a clock set back) counts as today."""
    days, day = _days_ago(updated, now)
    if days <= 0:
        return TODAY
    if days == 1:
        return YESTERDAY
    if days <= 7:
        return PREVIOUS_7_DAYS
    if days <= 30:
        return PREVIOUS_30_DAYS
    return f"{MONTHS[day.month - 1]} {day.year}"


def when_text(updated: float, now: float) -> str:
    """A short time for a list row, under its group's header: "14:05" today and yesterday,
    the weekday within a week, "12 Mar" this year, "12 Mar 2023" before."""
    days, day = _days_ago(updated, now)
    if days <= 1:
        return datetime.fromtimestamp(updated).strftime("%H:%M")
    if days <= 6:
        return WEEKDAYS[day.weekday()]
    month = MONTHS[day.month - 1][:3]
    if day.year == datetime.fromtimestamp(now).year:
        return f"{day.day} {month}"
    return f"{day.day} {month} {day.year}"
