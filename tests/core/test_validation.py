"""The shared rules for what people type: one Checker, messages a person can act on."""
from __future__ import annotations

from datetime import date, time

import pytest

from navigator.errors import ValidationError
from navigator.validation import Checker, is_web_address, normalise_email


def test_a_checker_reports_every_problem_at_once_and_raises_422():
    check = Checker({"name": "  ", "email": "not-an-address", "url": "www.example.org",
                     "postal_code": "WS1", "age": "ten"})
    check.text("name", "Name", 255, required=True)
    check.email()
    check.url()
    check.postcode()
    check.integer("age", "Age")
    with pytest.raises(ValidationError) as caught:
        check.raise_if_problems()
    assert caught.value.status_code == 422
    assert caught.value.errors == {
        "name": ["Enter the name"],
        "email": ["Enter an email address in the correct format, like name@example.org"],
        "url": ["Enter a full web address starting with https:// or http://"],
        "postal_code": ["Enter a full postcode, like WS1 1AA"],
        "age": ["Age must be a whole number"],
    }


def test_clean_values_come_back_normalised():
    check = Checker({"name": "  Caldmore Bridge ", "email": "Help@Example.ORG", "postal_code": "ws11aa",
                     "area": "ws1", "opens": "9.30", "day": "2026-03-04", "kind": "b"})
    assert check.text("name", "Name", 255) == "Caldmore Bridge"
    assert check.email() == "Help@example.org"
    assert check.postcode() == "WS1 1AA"
    assert check.postcode("area", district_allowed=True) == "WS1"
    assert check.time("opens", "Opens") == time(9, 30)
    assert check.date("day", "Day") == date(2026, 3, 4)
    assert check.choice("kind", ["a", "b"], "Select a kind") == "b"
    check.raise_if_problems()


def test_control_characters_and_overlong_text_are_refused_with_the_field_named():
    check = Checker({"note": "fine\x00", "title": "x" * 300})
    assert check.text("note", "Note") is None
    assert check.text("title", "Title", 255) is None
    assert check.errors == {"note": ["Note must not contain control characters"],
                            "title": ["Title must be 255 characters or fewer"]}


def test_choices_keep_the_vocabulary_order_and_refuse_unknown_codes():
    check = Checker({"needs": ["c", "a", "a"]})
    assert check.choices("needs", ["a", "b", "c"], "Select needs from the list") == ["a", "c"]
    assert not check.errors
    assert check.choices("needs", ["a", "b"], "Select needs from the list", value=["zzz"]) == []
    assert check.errors == {"needs": ["Select needs from the list"]}


def test_dates_outside_their_range_say_which_way_they_are_wrong():
    check = Checker({"started": "2999-01-01", "ends": "2020-01-01", "bad": "31/02/2026"})
    assert check.date("started", "Start date", not_after=date(2026, 3, 4)) is None
    assert check.date("ends", "End date", not_before=date(2026, 3, 4)) is None
    assert check.date("bad", "Date") is None
    assert check.errors == {"started": ["Start date must be today or in the past"],
                            "ends": ["End date must be on or after 4 March 2026"],
                            "bad": ["Date must be a real date"]}


@pytest.mark.parametrize(("typed", "ok"), [
    ("https://example.org/path?q=1", True), ("http://127.0.0.1:8080/", True),
    ("javascript:alert(1)", False), ("https://exa mple.org", False), ("ftp://example.org", False),
    ("https://", False), ("https://example.org:99999/", False),
])
def test_web_addresses_must_be_absolute_http(typed, ok):
    assert is_web_address(typed) is ok


def test_email_addresses_use_the_email_validator_rules():
    assert normalise_email("name@example.org") == "name@example.org"
    assert normalise_email("name@localhost") is None
    assert normalise_email("two@@example.org") is None
