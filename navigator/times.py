"""Time in one place: UTC storage, Europe/London display in GOV.UK style, working days.

Timestamps are stored as timezone-aware UTC (see database.UTCDateTime). People read them in
Europe/London, written the GOV.UK way: "4 March 2026", "4 March 2026 at 2:05pm", "midday".
Working days are Monday to Friday less the bank holidays of England and Wales, from the
`holidays` package, counted on the London calendar.
"""
from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

LONDON = ZoneInfo("Europe/London")
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December")


def utcnow() -> datetime:
    """Timezone-aware now in UTC; pass the function itself as a column default."""
    return datetime.now(UTC)


def as_utc(value: datetime) -> datetime:
    """The same instant in UTC; a naive value is taken to be UTC already."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def london(value: datetime) -> datetime:
    """The same instant on the clocks in England and Wales."""
    return as_utc(value).astimezone(LONDON)


def london_today(now: datetime | None = None) -> date:
    """Today's date in England and Wales (not in UTC: they differ for an hour each summer night)."""
    return london(now or utcnow()).date()


def _clock(moment: time) -> str:
    if moment.hour == 12 and moment.minute == 0:
        return "midday"
    if moment.hour == 0 and moment.minute == 0:
        return "midnight"
    hour = moment.hour % 12 or 12
    suffix = "am" if moment.hour < 12 else "pm"
    return f"{hour}:{moment.minute:02d}{suffix}" if moment.minute else f"{hour}{suffix}"


def format_time(value: time | datetime) -> str:
    """A time of day GOV.UK style: "9am", "2:05pm", "midday", "midnight"."""
    if isinstance(value, datetime):
        value = london(value).time()
    return _clock(value)


def format_date(value: date | datetime | None, *, time_of_day: bool | None = None,
                short: bool = False, weekday: bool = False) -> str:
    """A date (and for a timestamp, its time) as people in England and Wales read it.

    `time_of_day` defaults to True for a datetime and False for a date; `short` abbreviates the
    month for narrow table columns ("4 Mar 2026"); `weekday` adds the day name. None gives "".
    """
    if value is None:
        return ""
    moment: time | None = None
    if isinstance(value, datetime):
        local = london(value)
        day, moment = local.date(), local.time()
        if time_of_day is False:
            moment = None
    else:
        day = value
    month = _MONTHS[day.month - 1]
    text = f"{day.day} {month[:3] if short else month} {day.year}"
    if weekday:
        text = f"{day.strftime('%A')} {text}"
    if moment is not None and time_of_day is not False:
        text = f"{text} at {_clock(moment)}"
    return text


@lru_cache(maxsize=64)
def _bank_holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("GB", subdiv="ENG", years=year))


def is_bank_holiday(day: date) -> bool:
    """A bank holiday in England and Wales (substitute days included)."""
    return day in _bank_holidays(day.year)


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and not is_bank_holiday(day)


def add_working_days(start: date, days: int) -> date:
    """The date `days` working days after `start` (start itself is day 0, whatever it is)."""
    current = start
    remaining = days
    while remaining > 0:
        current += timedelta(days=1)
        if is_working_day(current):
            remaining -= 1
    return current


def end_of_working_day(sent_at: datetime, working_days: int) -> datetime:
    """The end (London midnight, as UTC) of the Nth working day after the day of `sent_at`.

    Something sent at any time on London day D is due by the end of working day D+N, so a
    referral sent on a Friday evening with N=5 is due by the end of the next Friday, or later
    when a bank holiday falls in between.
    """
    due_day = add_working_days(london(sent_at).date(), working_days)
    midnight = datetime.combine(due_day + timedelta(days=1), time(0, 0), tzinfo=LONDON)
    return midnight.astimezone(UTC)
