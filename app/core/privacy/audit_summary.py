"""What left this device per day and per provider, for the audit viewer's chart and its spoken
summary. Pure: it reads the request entries ``AuditLog.entries`` returns and nothing else.

The log is a file anyone with the folder can edit, so every field is treated as untrusted: an
entry whose time is not a number is left out, a byte count that is not a whole number counts as
nothing, and neither stops the rest from being counted.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field

from app.core.platform.units import bytes_text

DAYS = 30
UNNAMED = "unnamed"  # an entry with no provider and no host (an edited or very old log)


@dataclass
class Cell:
    """One provider on one day."""

    requests: int = 0
    bytes_sent: int = 0
    bytes_received: int = 0


@dataclass
class Summary:
    """``days`` oldest first, ending today; ``providers`` most bytes sent first."""

    days: list[datetime.date]
    providers: list[str]
    tiers: dict[str, str | None] = field(default_factory=dict)  # provider → "org" | "cloud"
    cells: dict[tuple[datetime.date, str], Cell] = field(default_factory=dict)

    def cell(self, day: datetime.date, provider: str) -> Cell:
        return self.cells.get((day, provider)) or Cell()

    def day_total(self, day: datetime.date) -> Cell:
        return _sum(c for (d, _), c in self.cells.items() if d == day)

    def provider_total(self, provider: str) -> Cell:
        return _sum(c for (_, p), c in self.cells.items() if p == provider)

    @property
    def total(self) -> Cell:
        return _sum(self.cells.values())

    def describe(self) -> str:
        """The chart in one sentence, for screen readers and the caption under it."""
        total, span = self.total, len(self.days)
        if not total.requests:
            return f"In the last {span} days, nothing left this device."
        count = len(self.providers)
        return (
            f"In the last {span} days, {_plural(total.requests, 'request')}, "
            f"{bytes_text(total.bytes_sent)} sent, to {_plural(count, 'provider')}."
        )


def per_day(
    entries: Iterable[dict],
    *,
    days: int = DAYS,
    today: datetime.date | None = None,
) -> Summary:
    """Requests and bytes per local calendar day and provider, for the ``days`` days ending
    ``today`` (the local date now when None). Older and future entries are left out.

    Args:
        entries: request entries as ``AuditLog.entries`` returns them (a started entry with its
            completion merged in).
        days: how many days the summary covers, today included.
        today: the last day covered.
    """
    today = today or datetime.date.today()
    span = [today - datetime.timedelta(days=n) for n in range(days - 1, -1, -1)]
    first = span[0]
    summary = Summary(days=span, providers=[])
    sent_by: dict[str, int] = {}
    for entry in entries:
        day = _day(entry.get("time"))
        if day is None or not first <= day <= today:
            continue
        name = str(entry.get("provider") or entry.get("host") or UNNAMED)
        cell = summary.cells.setdefault((day, name), Cell())
        cell.requests += 1
        cell.bytes_sent += _count(entry.get("bytes_sent"))
        cell.bytes_received += _count(entry.get("bytes_received"))
        sent_by[name] = sent_by.get(name, 0) + _count(entry.get("bytes_sent"))
        tier = entry.get("tier")
        summary.tiers.setdefault(name, tier if isinstance(tier, str) else None)
    summary.providers = sorted(sent_by, key=lambda n: (-sent_by[n], n.casefold()))
    return summary


def _day(when) -> datetime.date | None:
    if isinstance(when, bool) or not isinstance(when, int | float):
        return None
    try:
        return datetime.datetime.fromtimestamp(when).date()
    except (OverflowError, OSError, ValueError):  # a time no calendar holds
        return None


def _count(value) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        return 0
    return value


def _sum(cells: Iterable[Cell]) -> Cell:
    out = Cell()
    for c in cells:
        out.requests += c.requests
        out.bytes_sent += c.bytes_sent
        out.bytes_received += c.bytes_received
    return out


def _plural(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"
