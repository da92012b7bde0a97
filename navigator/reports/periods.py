"""Report periods: calendar quarters ("2024-Q3") and ranges of them. Pure functions."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime

QUARTER_RE = re.compile(r"^\s*(\d{4})\s*-?\s*Q([1-4])\s*$", re.IGNORECASE)


@dataclass(frozen=True, order=True)
class Quarter:
    year: int
    number: int

    @classmethod
    def parse(cls, text: str) -> Quarter:
        """"2024-Q3" -> Quarter(2024, 3). Raises ValueError with a readable message."""
        match = QUARTER_RE.match(text or "")
        if not match:
            raise ValueError("Enter a quarter like 2024-Q3")
        year = int(match.group(1))
        if not 2000 <= year <= 2100:
            raise ValueError("Enter a year between 2000 and 2100")
        return cls(year, int(match.group(2)))

    @classmethod
    def containing(cls, day: date) -> Quarter:
        return cls(day.year, (day.month - 1) // 3 + 1)

    @property
    def start(self) -> date:
        return date(self.year, 3 * (self.number - 1) + 1, 1)

    @property
    def end(self) -> date:
        """First day after the quarter."""
        return self.next().start

    def next(self) -> Quarter:
        return Quarter(self.year + 1, 1) if self.number == 4 else Quarter(self.year, self.number + 1)

    def previous(self) -> Quarter:
        return Quarter(self.year - 1, 4) if self.number == 1 else Quarter(self.year, self.number - 1)

    def __str__(self) -> str:
        return f"{self.year}-Q{self.number}"

    @property
    def label(self) -> str:
        months = ["January to March", "April to June", "July to September", "October to December"]
        return f"{months[self.number - 1]} {self.year}"


@dataclass(frozen=True)
class Period:
    """Whole quarters from `first` to `last` inclusive."""

    first: Quarter
    last: Quarter

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first.start, datetime.min.time(), tzinfo=UTC)

    @property
    def end(self) -> datetime:
        """Exclusive."""
        return datetime.combine(self.last.end, datetime.min.time(), tzinfo=UTC)

    def quarters(self) -> list[Quarter]:
        out, q = [], self.first
        while q <= self.last:
            out.append(q)
            q = q.next()
        return out

    @property
    def label(self) -> str:
        if self.first == self.last:
            return self.first.label
        return f"{self.first.label} to {self.last.label}"


def default_period(today: date, quarters: int = 4) -> Period:
    last = Quarter.containing(today)
    first = last
    for _ in range(quarters - 1):
        first = first.previous()
    return Period(first, last)


def recent_quarters(last: Quarter, count: int) -> list[Quarter]:
    out = [last]
    while len(out) < count:
        out.insert(0, out[0].previous())
    return out
