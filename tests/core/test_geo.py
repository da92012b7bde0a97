"""Distances and bounding boxes: one geodesy for search, the API and the gap map."""
from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from navigator.geo import bounding_box, distance_miles

WALSALL = (52.586, -1.982)
BIRMINGHAM_B15 = (52.468, -1.920)


def test_walsall_to_edgbaston_is_about_eight_miles():
    assert 8.0 < distance_miles(*WALSALL, *BIRMINGHAM_B15) < 8.6


@given(lat=st.floats(49.8, 55.9), lon=st.floats(-6.5, 1.8), miles=st.floats(0.1, 100),
       bearing_lat=st.floats(-1, 1), bearing_lon=st.floats(-1, 1))
def test_every_point_within_the_radius_is_inside_the_box(lat, lon, miles, bearing_lat, bearing_lon):
    min_lat, max_lat, min_lon, max_lon = bounding_box(lat, lon, miles)
    # A point at the radius in some direction: scale an offset until it sits on the circle.
    plat, plon = lat + bearing_lat * 0.01, lon + bearing_lon * 0.01
    step = distance_miles(lat, lon, plat, plon)
    if step == 0:
        return
    scale = miles / step * 0.999
    plat, plon = lat + bearing_lat * 0.01 * scale, lon + bearing_lon * 0.01 * scale
    if distance_miles(lat, lon, plat, plon) <= miles:
        assert min_lat <= plat <= max_lat and min_lon <= plon <= max_lon
