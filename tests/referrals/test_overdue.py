"""Overdue: not acknowledged within N working days, counting weekends and bank holidays out."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from navigator.referrals import services
from navigator.referrals.workdays import (
    BANK_HOLIDAYS_ENGLAND_WALES,
    COVERED_YEARS,
    ack_deadline,
    add_working_days,
    is_working_day,
)
from tests import factories


def _easter(year: int) -> date:
    # Anonymous Gregorian algorithm (Meeus/Jones/Butcher): an independent check on the table.
    a, b, c = year % 19, year // 100, year % 100
    d, e = b // 4, b % 4
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = c // 4, c % 4
    l_ = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * l_) // 451
    month = (h + l_ - 7 * m + 114) // 31
    day = ((h + l_ - 7 * m + 114) % 31) + 1
    return date(year, month, day)


def _first_monday(year, month):
    d = date(year, month, 1)
    return d + timedelta(days=(7 - d.weekday()) % 7)


def _last_monday(year, month):
    d = date(year, month + 1, 1) - timedelta(days=1)
    return d - timedelta(days=d.weekday())


def _substitute(day: date, taken: set[date]) -> date:
    while day.weekday() >= 5 or day in taken:
        day += timedelta(days=1)
    return day


@pytest.mark.parametrize("year", list(COVERED_YEARS))
def test_bank_holiday_table_matches_the_england_and_wales_rules(year):
    expected: set[date] = set()
    expected.add(_substitute(date(year, 1, 1), expected))
    easter = _easter(year)
    expected |= {easter - timedelta(days=2), easter + timedelta(days=1)}
    expected |= {_first_monday(year, 5), _last_monday(year, 5), _last_monday(year, 8)}
    christmas = _substitute(date(year, 12, 25), expected)
    expected.add(christmas)
    expected.add(_substitute(date(year, 12, 26), expected))
    actual = {d for d in BANK_HOLIDAYS_ENGLAND_WALES if d.year == year}
    assert actual == expected


def test_weekends_and_bank_holidays_are_not_working_days():
    assert not is_working_day(date(2025, 4, 19))  # Saturday
    assert not is_working_day(date(2025, 4, 18))  # Good Friday
    assert not is_working_day(date(2026, 12, 28))  # Boxing Day substitute
    assert is_working_day(date(2025, 4, 22))


@pytest.mark.parametrize("sent, days, due", [
    (date(2025, 6, 2), 5, date(2025, 6, 9)),      # Monday -> next Monday
    (date(2025, 6, 6), 5, date(2025, 6, 13)),     # Friday -> next Friday (weekend skipped)
    (date(2025, 6, 7), 1, date(2025, 6, 9)),      # sent on a Saturday -> Monday
    (date(2025, 4, 17), 5, date(2025, 4, 28)),    # over Easter: Good Friday and Easter Monday skipped
    (date(2026, 12, 24), 5, date(2027, 1, 5)),    # Christmas, Boxing Day substitute, New Year
    (date(2027, 12, 24), 2, date(2027, 12, 30)),  # both Christmas substitutes (27th and 28th)
])
def test_add_working_days(sent, days, due):
    assert add_working_days(sent, days) == due


def test_deadline_is_the_end_of_the_last_working_day():
    deadline = ack_deadline(datetime(2025, 4, 17, 16, 30, tzinfo=UTC), 5)
    assert deadline == datetime(2025, 4, 29, 0, 0, tzinfo=UTC)


def test_overdue_referral_shows_on_practitioner_and_navigator_queues(app, client, auth, users):
    sent_at = datetime(2025, 4, 17, 10, 0, tzinfo=UTC)
    with app.app_context():
        ids = factories.make_sent_referral(users)
        late_service = factories.make_service(users["provider"]["organization_id"], name="Late Service")
        late = factories.make_sent_referral(users, service_id=late_service.id)
        from navigator.extensions import db
        from navigator.referrals.models import Referral

        # Sent before the Easter weekend; the working-day deadline is computed by the service.
        referral = db.session.get(Referral, late["referral_id"])
        referral.sent_at = sent_at
        referral.ack_due_at = ack_deadline(sent_at, app.config["REFERRAL_ACK_WORKING_DAYS"])
        db.session.commit()
        navigator = users["navigator"]["id"]
        before = services.overdue_queue(navigator, now=datetime(2025, 4, 28, 23, 59, tzinfo=UTC))
        after = services.overdue_queue(navigator, now=datetime(2025, 4, 29, 0, 1, tzinfo=UTC))
        assert [r.reference for r in before] == []
        assert [r.reference for r in after] == [late["reference"]]

    auth.login(users["practitioner"]["email"])
    page = client.get("/referrals").get_data(as_text=True)
    assert "Overdue" in page and "Not acknowledged by the end of 28 Apr 2025" in page
    assert page.count("govuk-tag--red") == 1  # the fresh referral is not overdue
    detail = client.get(f"/referrals/{late['referral_id']}").get_data(as_text=True)
    assert "has not accepted or declined this referral" in detail
    auth.logout()
    auth.login(users["navigator"]["email"])
    queue = client.get("/referrals/overdue").get_data(as_text=True)
    assert late["reference"] in queue and ids["reference"] not in queue
    assert "Jordan Example" not in queue  # navigators see no person data
    auth.logout()

    # Acknowledging (accept) takes it off the queues.
    with app.app_context():
        services.open_referral(late["referral_id"], users["provider"]["id"])
        services.update_referral_status(late["referral_id"], "accept", users["provider"]["id"])
        assert services.overdue_queue(users["navigator"]["id"]) == []


def test_sending_sets_the_deadline_from_config(app, users):
    app.config["REFERRAL_ACK_WORKING_DAYS"] = 2
    with app.app_context():
        ids = factories.make_sent_referral(users)
        from navigator.extensions import db
        from navigator.referrals.models import Referral
        from navigator.referrals.queries import aware

        referral = db.session.get(Referral, ids["referral_id"])
        assert aware(referral.ack_due_at) == ack_deadline(aware(referral.sent_at), 2)
