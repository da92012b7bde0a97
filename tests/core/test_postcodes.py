"""Postcode validation and normalisation: what a navigator or practitioner might type."""
from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from navigator.validation import (
    find_postcode,
    normalise_outcode,
    normalise_postcode,
)


@pytest.mark.parametrize(("typed", "expected"), [
    ("ws11aa", "WS1 1AA"),
    (" b15 2tt ", "B15 2TT"),
    ("WS1 1AA", "WS1 1AA"),
    ("ec1a1bb", "EC1A 1BB"),
    ("W1A 0AX", "W1A 0AX"),
    ("m1 1ae", "M1 1AE"),
    ("cr2 6xh", "CR2 6XH"),
    ("dn55 1pt", "DN55 1PT"),
    ("L1\t8JQ", "L1 8JQ"),
    ("gir 0aa", "GIR 0AA"),
    ("E8  1DY", "E8 1DY"),
])
def test_valid_postcodes_are_normalised(typed, expected):
    assert normalise_postcode(typed) == expected


@pytest.mark.parametrize("junk", [
    "", "   ", "hello", "WS1", "B15", "12345", "WS1 1A", "WS1 1AAA", "QS1 1AA",  # Q never first
    "WS1 1CA",  # C never in the inward code
    "VA1 1AA", "AI1 1AA", "XX1 1XX", "WS1-1AA", "WS1 1ÄA", "ＷＳ１ １ＡＡ", "WS11AA; DROP TABLE",
    None, 42, ["WS1 1AA"],
])
def test_junk_is_not_a_postcode(junk):
    assert normalise_postcode(junk) is None


@pytest.mark.parametrize(("typed", "expected"), [
    ("ws11aa", "WS1"), ("B15", "B15"), (" b15 ", "B15"), ("ec1a", "EC1A"), ("EC1A 1BB", "EC1A"),
    ("W1A", "W1A"), ("dn55", "DN55"), ("GIR 0AA", "GIR"),
])
def test_outcode_from_postcode_or_district(typed, expected):
    assert normalise_outcode(typed) == expected


@pytest.mark.parametrize("junk", ["", "B", "15", "WS1 1", "Walsall", "W1M", "B1 5", None])
def test_outcode_rejects_junk(junk):
    assert normalise_outcode(junk) is None


def test_postcode_found_inside_address_text():
    assert find_postcode("12 Bridge Street, Walsall ws1 1aa") == "WS1 1AA"
    assert find_postcode("Unit 3, Hockley B19 3QE, Birmingham") == "B19 3QE"
    assert find_postcode("12 Bridge Street, Walsall") is None
    assert find_postcode("Flat 10B1, 2AA Street") is None


# A strategy for valid postcodes, built from the shapes Royal Mail uses.
_first = st.sampled_from("ABCDEFGHIJKLMNOPRSTUWYZ")
_second = st.sampled_from("ABCDEFGHKLMNOPQRSTUVWXY")
_digit = st.sampled_from("0123456789")
_inward_letter = st.sampled_from("ABDEFGHJLNPQRSTUWXYZ")
_outward = st.one_of(
    st.tuples(_first, _digit).map("".join),
    st.tuples(_first, _digit, _digit).map("".join),
    st.tuples(_first, _second, _digit).map("".join),
    st.tuples(_first, _second, _digit, _digit).map("".join),
    st.tuples(_first, _digit, st.sampled_from("ABCDEFGHJKPSTUW")).map("".join),
    st.tuples(_first, _second, _digit, st.sampled_from("ABEHMNPRVWXY")).map("".join),
)
_postcode = st.tuples(_outward, _digit, _inward_letter, _inward_letter).map(
    lambda p: f"{p[0]} {p[1]}{p[2]}{p[3]}"
)


@given(st.text())
def test_normalise_never_raises_and_is_idempotent(text):
    result = normalise_postcode(text)
    assert result is None or normalise_postcode(result) == result
    outcode = normalise_outcode(text)
    assert outcode is None or normalise_outcode(outcode) == outcode
    find_postcode(text)


@given(_postcode, st.sampled_from(["", " ", "  ", "\t"]), st.booleans())
def test_any_spacing_or_case_gives_the_canonical_form(postcode, space, lower):
    outward, inward = postcode.split(" ")
    typed = f"{space}{outward}{space}{inward}{space}"
    typed = typed.lower() if lower else typed
    assert normalise_postcode(typed) == postcode
    assert normalise_outcode(typed) == outward
    assert find_postcode(f"1 Any Street, Town {typed.strip()}") == postcode
