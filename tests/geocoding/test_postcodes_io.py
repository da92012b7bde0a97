"""postcodes.io client against recorded answers served from 127.0.0.1."""
from __future__ import annotations

import time

import pytest

from navigator.directory.geocoding import geocode, geocode_many, set_online_geocoders
from navigator.directory.geocoding.postcodes_io import PostcodesIoGeocoder
from navigator.directory.vocab import GeocodeStatus
from tests.geocoding.server import Reply, postcodes_io_bulk_from_recording


@pytest.fixture
def postcodes_io(recorded_server):
    recorded_server.routes[("POST", "/postcodes")] = postcodes_io_bulk_from_recording
    return recorded_server


def test_bulk_lookup_reads_points_and_local_authority(postcodes_io):
    client = PostcodesIoGeocoder(postcodes_io.url, user_agent="navigator-tests/1.0")

    found = client.lookup_postcodes(["WS1 1AA", "B15 2TT", "WS2 8NA", "WS9 9ZZ"])

    assert set(found) == {"WS1 1AA", "B15 2TT"}  # WS2 8NA has no point yet; WS9 9ZZ is unknown
    ws1 = found["WS1 1AA"]
    assert ws1.status == GeocodeStatus.OK
    assert (ws1.latitude, ws1.longitude) == (52.587523, -1.980101)
    assert (ws1.outcode, ws1.lad_code, ws1.lad_name) == ("WS1", "E08000030", "Walsall")
    [request] = postcodes_io.requests
    assert (request.method, request.path) == ("POST", "/postcodes")
    assert request.json() == {"postcodes": ["WS1 1AA", "B15 2TT", "WS2 8NA", "WS9 9ZZ"]}
    assert request.headers["user-agent"] == "navigator-tests/1.0"


def test_more_than_100_postcodes_are_sent_in_batches_of_100(postcodes_io):
    postcodes = ["WS1 1AA"] + [f"WS{n // 100 + 3} {n % 10}AB" for n in range(149)]

    found = PostcodesIoGeocoder(postcodes_io.url).lookup_postcodes(postcodes)

    assert [len(r.json()["postcodes"]) for r in postcodes_io.requests] == [100, 50]
    assert list(found) == ["WS1 1AA"]


@pytest.mark.parametrize("reply", [
    Reply(500, b'{"status":500,"error":"Internal server error"}'),
    Reply(200, b"<html>captive portal</html>", content_type="text/html"),
    Reply(200, b'{"status":200,"result":"surprise"}'),
    Reply(200, b'{"status":200,"result":[{"query":"WS1 1AA","result":{"postcode":"WS1 1AA",'
               b'"latitude":"north","longitude":null}}, 7, null]}'),
])
def test_bad_answers_are_treated_as_not_found(recorded_server, reply):
    recorded_server.routes[("POST", "/postcodes")] = reply
    assert PostcodesIoGeocoder(recorded_server.url).lookup_postcodes(["WS1 1AA"]) == {}


def test_a_timeout_is_treated_as_not_found(recorded_server):
    recorded_server.routes[("POST", "/postcodes")] = Reply(200, b"{}", delay=1.5)
    started = time.monotonic()
    found = PostcodesIoGeocoder(recorded_server.url, timeout=(0.5, 0.3)).lookup_postcodes(["WS1 1AA"])
    assert found == {}
    assert time.monotonic() - started < 1.4


def test_an_unreachable_server_is_treated_as_not_found(recorded_server):
    url = recorded_server.url
    recorded_server.stop()
    assert PostcodesIoGeocoder(url, timeout=(0.5, 0.5)).lookup_postcodes(["WS1 1AA"]) == {}


@pytest.fixture
def online_postcodes_io(ctx, districts, postcodes_io):
    ctx.config.update(GEOCODER_ONLINE=True, POSTCODES_IO_URL=postcodes_io.url, NOMINATIM_DOMAIN="")
    set_online_geocoders(ctx, None)  # the real clients, built from this config
    return postcodes_io


def test_the_chain_uses_postcodes_io_and_caches_its_answer(online_postcodes_io):
    first = geocode("ws1 1aa", "12 Bridge Street, Walsall")
    second = geocode("WS1 1AA")

    assert len(online_postcodes_io.requests) == 1
    for result in (first, second):
        assert result.status == GeocodeStatus.OK
        assert (result.latitude, result.longitude) == (52.587523, -1.980101)
        assert result.source == "postcodes.io"
        assert (result.pdu_name, result.probation_region) == ("Walsall and Wolverhampton", "West Midlands")


def test_the_chain_asks_once_for_a_batch_and_falls_back_per_place(online_postcodes_io):
    results = geocode_many([("WS1 1AA", None), ("B36 8AA", None), ("WS2 8NA", None), ("WS9 9ZZ", None)])

    assert len(online_postcodes_io.requests) == 1
    ws1, b36, ws2, ws9 = results
    assert ws1.status == b36.status == GeocodeStatus.OK
    # B36 8AA is a Birmingham postcode in a mostly-Solihull district.
    assert (b36.lad_name, b36.pdu_code) == ("Birmingham", "N52BNES;N52BIRM")
    assert ws2.status == GeocodeStatus.APPROXIMATE and ws2.lad_name == "Walsall"
    assert ws9.status == GeocodeStatus.UNRESOLVED


def test_postcodes_io_down_degrades_to_the_district(ctx, districts, recorded_server):
    recorded_server.routes[("POST", "/postcodes")] = Reply(503, b"")
    ctx.config.update(GEOCODER_ONLINE=True, POSTCODES_IO_URL=recorded_server.url, NOMINATIM_DOMAIN="")
    set_online_geocoders(ctx, None)

    result = geocode("WS1 1AA")

    assert len(recorded_server.requests) == 1
    assert result.status == GeocodeStatus.APPROXIMATE
    assert result.source == "postcode district"


def test_configured_clients_stay_silent_while_online_lookups_are_off(ctx, districts, postcodes_io):
    ctx.config.update(POSTCODES_IO_URL=postcodes_io.url, NOMINATIM_DOMAIN=postcodes_io.url)
    set_online_geocoders(ctx, None)
    assert ctx.config["GEOCODER_ONLINE"] is False  # the default

    result = geocode("WS1 1AA", "12 Bridge Street, Walsall")

    assert postcodes_io.requests == []
    assert result.status == GeocodeStatus.APPROXIMATE
