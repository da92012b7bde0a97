"""What a practitioner sees on /search, on every backend (the shared contract suite)."""
from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from tests.search.helpers import active_filter_links, facet_option, heading, map_points, result_names, text_of


@pytest.fixture
def practitioner(client, auth, users, directory):
    auth.login(users["practitioner"]["email"])
    return client


def search(client, **params):
    response = client.get("/search", query_string=params)
    return response, response.get_data(as_text=True)


def test_words_match_with_stemming(practitioner):
    # "meeting" is in no synonym list: only stemming links it to "recovery meetings".
    _, page = search(practitioner, q="meeting")
    assert result_names(page) == ["Leeds recovery group"]


@pytest.mark.parametrize(("typed", "expected"), [
    ("housing", {"Women's Centre drop-in", "Domestic abuse refuge"}),
    ("mosque", {"Masjid mentoring circle"}),
    ("rehab", {"Leeds recovery group"}),
    ("job", {"Job club"}),
    ("Bangla speaking counsellor", {"Bangla speaking counselling"}),
    ("women's centre", {"Women's Centre drop-in"}),
    ("Somali", {"Women's Centre drop-in"}),
])
def test_what_practitioners_type_finds_the_right_services(practitioner, typed, expected):
    _, page = search(practitioner, q=typed)
    assert set(result_names(page)) == expected


def test_name_matches_rank_above_description_matches(practitioner):
    _, page = search(practitioner, q="refuge")
    assert result_names(page)[0] == "Domestic abuse refuge"


def test_inactive_services_never_show(practitioner):
    _, page = search(practitioner, q="housing closed")
    assert result_names(page) == []
    _, page = search(practitioner)
    assert "Closed housing project" not in result_names(page)
    assert heading(page) == "6 services found"


def test_facet_counts_and_selection_narrow_the_results(practitioner):
    _, page = search(practitioner)
    assert facet_option(page, "Accommodation")[0] == 2
    assert facet_option(page, "Women only")[0] == 2
    count, link = facet_option(page, "Accommodation")
    response = practitioner.get(link)
    page = response.get_data(as_text=True)
    assert set(result_names(page)) == {"Women's Centre drop-in", "Domestic abuse refuge"}
    # Other values of the same facet still count as if this one were not chosen (OR within a facet).
    assert facet_option(page, "Mentoring and peer support")[0] == 1
    assert facet_option(page, "Black-led")[0] == 1


def test_two_values_of_one_facet_widen_and_two_facets_narrow(practitioner):
    _, page = search(practitioner, need=["accommodation", "mentoring"])
    assert len(result_names(page)) == 3
    _, page = search(practitioner, need=["accommodation"], led_by=["black-led"])
    assert result_names(page) == ["Women's Centre drop-in"]


def test_active_filters_are_listed_and_removable(practitioner):
    _, page = search(practitioner, q="women", need="accommodation", language="so")
    links = active_filter_links(page)
    assert set(links) == {"Words: women", "Need: Accommodation", "Language spoken: Somali"}
    page = practitioner.get(links["Language spoken: Somali"]).get_data(as_text=True)
    assert set(active_filter_links(page)) == {"Words: women", "Need: Accommodation"}
    assert set(result_names(page)) == {"Women's Centre drop-in", "Domestic abuse refuge"}


def test_distance_from_a_postcode_district_filters_sorts_and_is_shown(practitioner):
    _, page = search(practitioner, postcode="ws1", radius="5", sort="distance")
    names = result_names(page)
    assert "Leeds recovery group" not in names
    assert names[0] == "Women's Centre drop-in"
    assert names[-1] == "Job club"  # national: available everywhere, listed after the nearby ones
    text = text_of(page)
    assert "miles away" in text or "mile away" in text
    assert "National service" in text
    _, wide = search(practitioner, postcode="WS1", radius="100")
    assert "Leeds recovery group" in result_names(wide)


def test_confidential_address_is_never_shown_and_distance_is_approximate(practitioner):
    _, page = search(practitioner, q="refuge", postcode="WS1", radius="25")
    assert result_names(page) == ["Domestic abuse refuge"]
    text = text_of(page)
    assert "99 Secret Lane" not in page
    assert "(area only)" in text
    assert map_points(page) == []


def test_map_points_are_the_services_on_the_page(practitioner):
    _, page = search(practitioner, q="women")
    points = map_points(page)
    assert {p["service_name"] for p in points} == {"Women's Centre drop-in"}
    assert all(p["lat"] and p["lon"] for p in points)


def test_full_postcode_is_cut_to_its_district_in_the_link(practitioner):
    response = practitioner.get("/search", query_string={"q": "women", "postcode": "ws1 3rp"})
    assert response.status_code == 303
    query = parse_qs(urlsplit(response.headers["Location"]).query)
    assert query["postcode"] == ["WS1"]
    assert "3RP" not in response.headers["Location"].upper()


def test_unknown_postcode_gets_a_clear_message(practitioner):
    response, page = search(practitioner, postcode="not a postcode")
    assert response.status_code == 422
    assert "Enter a postcode district like WS1" in text_of(page)


def test_pagination(practitioner, search_app):
    from navigator.directory.search import services as search_services

    original = search_services.PER_PAGE
    search_services.PER_PAGE = 4
    try:
        _, first = search(practitioner)
        _, second = search(practitioner, page="2")
        _, beyond = search(practitioner, page="99")
    finally:
        search_services.PER_PAGE = original
    assert len(result_names(first)) == 4 and len(result_names(second)) == 2
    assert not set(result_names(first)) & set(result_names(second))
    assert result_names(beyond) == result_names(second)
    assert 'rel="next"' in first and 'rel="prev"' in second


def test_open_now(practitioner, search_app, monkeypatch):
    from datetime import datetime

    from navigator.directory.search import services as search_services

    monday_morning = datetime(2025, 3, 3, 10, 0, tzinfo=search_services.LONDON)
    real = search_services.run_search
    monkeypatch.setattr(search_services, "run_search", lambda args, now=None: real(args, monday_morning))
    _, page = search(practitioner)
    assert facet_option(page, "Open now")[0] == 1
    _, page = search(practitioner, open_now="yes")
    assert result_names(page) == ["Women's Centre drop-in"]


def test_zero_result_search_is_counted_without_personal_data(practitioner, search_app):
    from sqlalchemy import select

    from navigator.directory.models import ZeroResultSearch
    from navigator.extensions import db

    _, page = search(practitioner, q="Tigrinya interpreter", postcode="LS1", radius="1", faith="sikh")
    assert heading(page) == "No services found"
    with search_app.app_context():
        rows = db.session.scalars(select(ZeroResultSearch)).all()
        assert len(rows) == 1
        row = rows[0]
        assert row.terms == "tigrinya interpreter"
        assert row.outcode == "LS1" and row.lad_code == "E08000035"
        assert '"faith": ["sikh"]' in row.filters
        columns = {c.name for c in ZeroResultSearch.__table__.columns}
        assert not {"user_id", "person_id", "ip"} & columns


def test_providers_and_commissioners_cannot_search(client, auth, users, directory):
    auth.login(users["commissioner"]["email"])
    assert client.get("/search").status_code == 403
