"""Nominatim through geopy, against a recorded answer served from 127.0.0.1."""
from __future__ import annotations

import pytest

from navigator.directory.geocoding import GeocodeQuery, geocode, set_online_geocoders
from navigator.directory.geocoding.nominatim import NominatimGeocoder, split_domain
from navigator.directory.vocab import GeocodeStatus
from tests.geocoding.server import Reply, recorded

USER_AGENT = "navigator-tests/1.0 (navigator-team@example.org)"
ADDRESS = "Caldmore Community Centre, Caldmore Green, Walsall"


@pytest.fixture
def nominatim(recorded_server):
    recorded_server.routes[("GET", "/search")] = Reply(200, recorded("nominatim_search.json"))
    return recorded_server


def test_an_address_is_found_with_an_identifying_user_agent(nominatim):
    geocoder = NominatimGeocoder(nominatim.url, USER_AGENT, min_delay_seconds=0)
    query = GeocodeQuery.from_input(None, ADDRESS)

    found = geocoder.lookup([query])

    result = found[query]
    assert result.status == GeocodeStatus.OK
    assert (result.latitude, result.longitude) == (52.5849112, -1.9818203)
    assert result.outcode == "WS1"  # from the postcode in Nominatim's address details
    [request] = nominatim.requests
    assert request.path == "/search"
    assert request.query["q"] == [ADDRESS]
    assert request.query["countrycodes"] == ["gb"]
    assert request.headers["user-agent"] == USER_AGENT


def test_nothing_found_and_a_service_outage_are_not_errors(recorded_server):
    recorded_server.routes[("GET", "/search")] = Reply(200, b"[]")
    geocoder = NominatimGeocoder(recorded_server.url, USER_AGENT, min_delay_seconds=0)
    queries = [GeocodeQuery.from_input(None, "Nowhere Lane"), GeocodeQuery.from_input(None, "Elsewhere Road")]
    assert geocoder.lookup(queries) == {}
    assert len(recorded_server.requests) == 2

    recorded_server.routes[("GET", "/search")] = Reply(503, b"Service Unavailable", "text/plain")
    assert geocoder.lookup(queries) == {}
    assert len(recorded_server.requests) == 3  # stopped asking after the outage


def test_configured_domain_may_be_a_host_or_a_url():
    assert split_domain("nominatim.openstreetmap.org") == ("https", "nominatim.openstreetmap.org")
    assert split_domain("http://127.0.0.1:8080/") == ("http", "127.0.0.1:8080")
    assert split_domain("https://geo.example.org/nominatim") == ("https", "geo.example.org/nominatim")


def test_the_chain_uses_nominatim_only_when_configured(ctx, districts, nominatim):
    ctx.config.update(GEOCODER_ONLINE=True, POSTCODES_IO_URL="", NOMINATIM_DOMAIN="",
                      NOMINATIM_USER_AGENT=USER_AGENT, NOMINATIM_MIN_DELAY_SECONDS=0)
    set_online_geocoders(ctx, None)
    assert geocode(None, ADDRESS).status == GeocodeStatus.UNRESOLVED
    assert nominatim.requests == []

    ctx.config["NOMINATIM_DOMAIN"] = nominatim.url
    set_online_geocoders(ctx, None)
    first = geocode(None, ADDRESS)
    second = geocode(None, ADDRESS)

    assert len(nominatim.requests) == 1  # the second answer came from the cache
    for result in (first, second):
        assert result.status == GeocodeStatus.OK
        assert result.source == "nominatim"
        assert (result.latitude, result.longitude) == (52.5849112, -1.9818203)
        assert (result.lad_name, result.pdu_name) == ("Walsall", "Walsall and Wolverhampton")


def test_postcodes_io_down_falls_through_to_nominatim(ctx, districts, nominatim):
    nominatim.routes[("POST", "/postcodes")] = Reply(502, b"Bad gateway", "text/plain")
    ctx.config.update(GEOCODER_ONLINE=True, POSTCODES_IO_URL=nominatim.url, NOMINATIM_DOMAIN=nominatim.url,
                      NOMINATIM_USER_AGENT=USER_AGENT, NOMINATIM_MIN_DELAY_SECONDS=0)
    set_online_geocoders(ctx, None)

    result = geocode("WS1 3RH", "Caldmore Green, Walsall")

    assert [r.path for r in nominatim.requests] == ["/postcodes", "/search"]
    assert nominatim.requests[1].query["q"] == ["Caldmore Green, Walsall, WS1 3RH"]
    assert result.source == "nominatim"
    assert result.status == GeocodeStatus.OK
