"""Dates and times read the way people in England and Wales read them; working days skip bank holidays."""
from __future__ import annotations

from datetime import UTC, date, datetime

from navigator.times import add_working_days, end_of_working_day, format_date, is_working_day


def test_timestamps_show_in_london_time_gov_uk_style():
    assert format_date(datetime(2026, 3, 4, 14, 5, tzinfo=UTC)) == "4 March 2026 at 2:05pm"
    # British Summer Time: 11:00 UTC is midday in London.
    assert format_date(datetime(2026, 7, 4, 11, 0, tzinfo=UTC)) == "4 July 2026 at midday"
    assert format_date(datetime(2026, 7, 4, 23, 30, tzinfo=UTC)) == "5 July 2026 at 12:30am"
    assert format_date(datetime(2026, 7, 4, 8, 0, tzinfo=UTC), time_of_day=False) == "4 July 2026"
    assert format_date(date(2026, 12, 25), short=True) == "25 Dec 2026"
    assert format_date(date(2026, 12, 25), weekday=True) == "Friday 25 December 2026"
    assert format_date(None) == ""


def test_bank_holidays_of_england_and_wales_are_not_working_days():
    assert not is_working_day(date(2026, 12, 28))  # Boxing Day substitute
    assert not is_working_day(date(2026, 8, 31))  # Summer bank holiday
    assert not is_working_day(date(2030, 12, 25))  # no table runs out
    assert is_working_day(date(2026, 12, 29))


def test_working_days_skip_weekends_and_christmas():
    assert add_working_days(date(2026, 12, 24), 3) == date(2026, 12, 31)


def test_a_deadline_ends_at_london_midnight_of_the_nth_working_day():
    # Sent at 23:30 UTC on Friday 3 July 2026 = 00:30 on Saturday in London: day 0 is Saturday.
    due = end_of_working_day(datetime(2026, 7, 3, 23, 30, tzinfo=UTC), 1)
    assert due == datetime(2026, 7, 6, 23, 0, tzinfo=UTC)  # end of Monday 6 July, London time
