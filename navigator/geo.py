"""Geodesy in one place: distances between points and bounding boxes for SQL prefilters.

Every distance in the product (search radius, the Open Referral API's proximity filter,
the gap map's neighbouring-area weights) comes from here, so they agree with each other.
"""
from __future__ import annotations

import math

from geopy.distance import great_circle

METRES_PER_MILE = 1609.344
# A degree of latitude is 110.57 km at the equator and 111.69 km at the poles; the smaller
# figure makes the box a little too large rather than too small, which is what a prefilter needs.
_MILES_PER_DEGREE_LATITUDE = 110_574 / METRES_PER_MILE


# Great-circle distance on geopy's mean Earth radius: within 0.5% of the ellipsoidal figure,
# and some fifteen times cheaper, which matters when a search measures thousands of places.


def distance_miles(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Distance in miles between two WGS84 points."""
    return great_circle((lat1, lon1), (lat2, lon2)).miles


def distance_metres(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Distance in metres between two WGS84 points."""
    return great_circle((lat1, lon1), (lat2, lon2)).meters


def bounding_box(lat: float, lon: float, miles: float) -> tuple[float, float, float, float]:
    """(min_lat, max_lat, min_lon, max_lon) enclosing every point within `miles` of (lat, lon)."""
    dlat = miles / _MILES_PER_DEGREE_LATITUDE
    # Longitude degrees shrink towards the poles: size the box at its edge nearest the pole,
    # clamped so that the arithmetic holds at high latitudes.
    cos_lat = max(0.01, math.cos(math.radians(min(89.0, abs(lat) + dlat))))
    dlon = miles / (_MILES_PER_DEGREE_LATITUDE * cos_lat)
    return lat - dlat, lat + dlat, lon - dlon, lon + dlon
