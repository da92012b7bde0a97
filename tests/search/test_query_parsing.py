"""How typed text becomes search terms (no database needed)."""
from __future__ import annotations

from navigator.directory.search.geo import bounding_box, haversine_miles
from navigator.directory.search.synonyms import parse_query


def alternatives(text):
    return [set(g.alternatives) for g in parse_query(text).groups]


def test_curated_synonyms_widen_a_word():
    assert {"housing", "accommodation"} <= alternatives("housing")[0]
    assert {"mosque", "muslim"} <= alternatives("Mosque")[0]
    assert {"jobs", "job", "employment"} <= alternatives("jobs")[0]


def test_two_word_synonyms_are_recognised():
    assert {"mental health", "counselling"} <= alternatives("mental health")[0]


def test_quotes_minus_and_or():
    parsed = parse_query('"peer support" -alcohol housing OR job')
    assert parsed.groups[0].alternatives == ("peer support",)
    assert parsed.groups[1].exclude and parsed.groups[1].alternatives == ("alcohol",)
    assert {"housing", "job"} <= set(parsed.groups[2].alternatives)
    assert parsed.normalised == "peer support -alcohol housing OR job"


def test_operators_and_symbols_are_plain_text_and_control_characters_go():
    parsed = parse_query("(women AND \x00 NOT) wom*n ~~ :: ?")
    assert [g.typed for g in parsed.groups] == ["women", "wom"]


def test_long_text_is_cut_with_a_note():
    parsed = parse_query("housing " * 5000)
    assert parsed.notes and "first 200 characters" in parsed.notes[0]
    assert len(parsed.groups) <= 12


def test_only_stop_words_means_no_words():
    assert not parse_query("the and of").has_terms


def test_distance_maths():
    walsall, birmingham = (52.5818, -1.97974), (52.468, -1.92336)
    miles = haversine_miles(*walsall, *birmingham)
    assert 8 < miles < 8.5
    min_lat, max_lat, min_lon, max_lon = bounding_box(*walsall, 10)
    assert min_lat < birmingham[0] < max_lat and min_lon < birmingham[1] < max_lon
    assert haversine_miles(*walsall, min_lat, walsall[1]) > 9.9
