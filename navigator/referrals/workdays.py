"""Working days in England and Wales: Monday to Friday, less bank holidays.

The bank holidays are a static table of facts for 2024-2028 as published by GOV.UK
("UK bank holidays", England and Wales), including substitute days when a holiday falls
at a weekend (e.g. Boxing Day 2026 on Monday 28 December). Extend the table each year.
"""
from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

BANK_HOLIDAYS_ENGLAND_WALES: frozenset[date] = frozenset(
    date.fromisoformat(d)
    for d in """
    2024-01-01 2024-03-29 2024-04-01 2024-05-06 2024-05-27 2024-08-26 2024-12-25 2024-12-26
    2025-01-01 2025-04-18 2025-04-21 2025-05-05 2025-05-26 2025-08-25 2025-12-25 2025-12-26
    2026-01-01 2026-04-03 2026-04-06 2026-05-04 2026-05-25 2026-08-31 2026-12-25 2026-12-28
    2027-01-01 2027-03-26 2027-03-29 2027-05-03 2027-05-31 2027-08-30 2027-12-27 2027-12-28
    2028-01-03 2028-04-14 2028-04-17 2028-05-01 2028-05-29 2028-08-28 2028-12-25 2028-12-26
    """.split()
)
COVERED_YEARS = range(2024, 2029)


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in BANK_HOLIDAYS_ENGLAND_WALES


def add_working_days(start: date, days: int) -> date:
    """The date `days` working days after `start` (start itself is day 0, whatever it is)."""
    current = start
    remaining = days
    while remaining > 0:
        current += timedelta(days=1)
        if is_working_day(current):
            remaining -= 1
    return current


def ack_deadline(sent_at: datetime, working_days: int) -> datetime:
    """When an unacknowledged referral becomes overdue: the end of the Nth working day.

    A referral sent at any time on day D is due by the end of working day D+N (UTC), so
    one sent on a Friday evening with N=5 is due by the end of the next Friday, or later
    when a bank holiday falls in between.
    """
    if sent_at.tzinfo is None:
        sent_at = sent_at.replace(tzinfo=UTC)
    due_day = add_working_days(sent_at.astimezone(UTC).date(), working_days)
    return datetime.combine(due_day + timedelta(days=1), time(0, 0), tzinfo=UTC)


def working_days_between(start: date, end: date) -> int:
    """Working days after `start` up to and including `end` (0 when end <= start)."""
    count = 0
    current = start
    while current < end:
        current += timedelta(days=1)
        if is_working_day(current):
            count += 1
    return count
