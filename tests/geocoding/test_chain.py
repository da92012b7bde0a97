"""The geocoding chain with fake online geocoders: cache -> districts -> online, offline by default."""
from __future__ import annotations

import pytest

from navigator.directory.geocoding import (
    FakeGeocoder,
    apply_geocode,
    geocode,
    geocode_many,
    point_for_search,
    set_online_geocoders,
)
from navigator.directory.models import GeocodeCacheEntry, Location
from navigator.directory.vocab import GeocodeStatus
from navigator.extensions import db

WS1_1AA = (52.5875, -1.9801)


@pytest.fixture
def online(ctx, districts):
    """Online lookups switched on, answered by a fake that knows one postcode and one address."""
    ctx.config["GEOCODER_ONLINE"] = True
    fake = FakeGeocoder({"WS1 1AA": WS1_1AA, "caldmore community centre, walsall": (52.5849, -1.9818)})
    set_online_geocoders(ctx, [fake])
    return fake


def test_offline_by_default_gives_the_district_centroid(ctx, districts):
    fake = FakeGeocoder({"WS1 1AA": WS1_1AA})
    set_online_geocoders(ctx, [fake])
    assert ctx.config["GEOCODER_ONLINE"] is False

    result = geocode("ws11aa")

    assert fake.calls == []
    assert result.status == GeocodeStatus.APPROXIMATE
    assert (result.latitude, result.longitude) == pytest.approx((52.5818, -1.9797))
    assert (result.outcode, result.lad_code, result.lad_name) == ("WS1", "E08000030", "Walsall")
    assert (result.pdu_code, result.pdu_name) == ("N52BLCO", "Walsall and Wolverhampton")
    assert result.probation_region == "West Midlands"


def test_online_gives_the_exact_point_with_area_from_the_district(online):
    result = geocode("WS1 1AA", "12 Bridge Street, Walsall")

    assert len(online.calls) == 1
    assert result.status == GeocodeStatus.OK
    assert (result.latitude, result.longitude) == WS1_1AA
    assert result.source == "fake"
    assert (result.lad_code, result.pdu_name, result.probation_region) == (
        "E08000030", "Walsall and Wolverhampton", "West Midlands")


def test_a_cache_hit_avoids_the_online_lookup(online, ctx):
    geocode("WS1 1AA")
    db.session.commit()  # the caller's commit keeps the cache entry
    assert db.session.get(GeocodeCacheEntry, "postcode:WS1 1AA") is not None

    second = FakeGeocoder({"WS1 1AA": (0.0, 0.0)})
    set_online_geocoders(ctx, [second])
    result = geocode("ws1 1aa")

    assert second.calls == []
    assert result.status == GeocodeStatus.OK
    assert (result.latitude, result.longitude) == WS1_1AA
    assert result.pdu_code == "N52BLCO"


def test_caching_the_same_place_twice_updates_rather_than_duplicates(online):
    geocode("WS1 1AA")
    db.session.commit()
    db.session.query(GeocodeCacheEntry).delete()
    db.session.commit()
    geocode("WS1 1AA")
    geocode_many([("WS1 1AA", None), ("WS1 1AA", "Walsall")])
    db.session.commit()
    assert db.session.query(GeocodeCacheEntry).filter_by(query="postcode:WS1 1AA").count() == 1


def test_an_address_without_a_postcode_is_looked_up_online_and_cached(online):
    result = geocode(None, "Caldmore Community Centre,   Walsall")
    db.session.commit()

    assert result.status == GeocodeStatus.OK
    assert result.outcode is None  # no postcode: no district to take the area from
    keys = [e.query for e in db.session.query(GeocodeCacheEntry)]
    assert keys == ["address:caldmore community centre, walsall"]


def test_a_postcode_inside_the_address_text_is_used(ctx, districts):
    result = geocode("", "Pleck Road, Walsall WS2 9ES")
    assert result.status == GeocodeStatus.APPROXIMATE
    assert result.outcode == "WS2"


def test_point_for_search_never_goes_online_even_when_enabled(online):
    result = point_for_search("WS1 1AA")

    assert online.calls == []
    assert result.status == GeocodeStatus.APPROXIMATE
    assert result.outcode == "WS1"
    assert point_for_search(" b15 ").lad_name == "Birmingham"


def test_point_for_search_gives_nothing_for_junk_or_unknown_districts(ctx, districts):
    assert point_for_search("hello") is None
    assert point_for_search("") is None
    assert point_for_search(None) is None
    assert point_for_search("ZE1") is None  # valid shape, not loaded


def test_the_caller_can_keep_a_lookup_offline(online):
    result = geocode("WS1 1AA", allow_online=False)
    assert online.calls == []
    assert result.status == GeocodeStatus.APPROXIMATE


def test_a_network_failure_falls_back_to_the_next_step(ctx, districts):
    ctx.config["GEOCODER_ONLINE"] = True
    dead = FakeGeocoder(fail=True, name="dead")
    set_online_geocoders(ctx, [dead])

    result = geocode("WS1 1AA")

    assert len(dead.calls) == 1
    assert result.status == GeocodeStatus.APPROXIMATE
    assert result.lad_name == "Walsall"

    working = FakeGeocoder({"WS1 1AA": WS1_1AA}, name="second")
    set_online_geocoders(ctx, [FakeGeocoder(fail=True), working])
    assert geocode("WS1 1AA").source == "second"


def test_an_unresolvable_place_is_flagged_not_raised(online):
    unknown_district = geocode("WS9 9ZZ")
    assert unknown_district.status == GeocodeStatus.UNRESOLVED
    assert unknown_district.outcode == "WS9"
    assert not unknown_district.has_point

    for postal_code, address in [("not a postcode", None), (None, None), ("", "   "),
                                 (None, "Somewhere nobody knows")]:
        result = geocode(postal_code, address)
        assert result.status == GeocodeStatus.UNRESOLVED
        assert result.latitude is None and result.longitude is None


def test_a_point_in_another_authority_takes_that_authoritys_probation_area(ctx, districts):
    # B36 mostly lies in Solihull, but this postcode is in Birmingham.
    ctx.config["GEOCODER_ONLINE"] = True
    set_online_geocoders(ctx, [FakeGeocoder({"B36 8AA": (52.4995, -1.7922, "E08000025")})])

    result = geocode("B36 8AA")

    assert result.lad_code == "E08000025"
    assert result.lad_name == "Birmingham"
    assert result.pdu_code == "N52BNES;N52BIRM"
    assert result.outcode == "B36"


def test_many_places_go_online_in_one_batch(online):
    results = geocode_many([("WS1 1AA", None), ("B15 2TT", None),
                            (None, "Caldmore Community Centre, Walsall"), ("nonsense", None)])

    assert len(online.calls) == 1
    assert [r.status for r in results] == [GeocodeStatus.OK, GeocodeStatus.APPROXIMATE,
                                           GeocodeStatus.OK, GeocodeStatus.UNRESOLVED]


def test_apply_geocode_copies_the_result_and_clears_a_stale_point(ctx, districts):
    location = Location(name="Drop-in", latitude=1.0, longitude=1.0, geocode_status=GeocodeStatus.OK)

    apply_geocode(location, geocode("WS1 1AA"))
    assert location.geocode_status == GeocodeStatus.APPROXIMATE
    assert (location.latitude, location.longitude) == pytest.approx((52.5818, -1.9797))
    assert (location.outcode, location.lad_code, location.pdu_code) == ("WS1", "E08000030", "N52BLCO")
    assert location.geocode_source == "postcode district"

    apply_geocode(location, geocode("not a postcode"))
    assert location.geocode_status == GeocodeStatus.UNRESOLVED
    assert location.latitude is None and location.longitude is None and location.lad_code is None
