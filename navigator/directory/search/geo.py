"""Distance: a bounding box prefilter in SQL on indexed latitude/longitude, then haversine.

Confidential locations (refuges, safe houses) never contribute their own point: their
distance is measured from the centre of their postcode district, shown as approximate,
and they are left off the map. Services covering the whole country (national or remote
service areas) count as near everywhere, with no distance.
"""
from __future__ import annotations

import math

from sqlalchemy import select

from navigator.directory.models import Location, PostcodeDistrict, ServiceArea, ServiceAtLocation
from navigator.directory.vocab import AreaType
from navigator.extensions import db

EARTH_RADIUS_MILES = 3958.7613
MILES_PER_DEGREE_LAT = 69.0934


def haversine_miles(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in miles (ample for "how far is it" at a national scale)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_MILES * math.asin(min(1.0, math.sqrt(a)))


def bounding_box(lat: float, lon: float, miles: float) -> tuple[float, float, float, float]:
    """(min_lat, max_lat, min_lon, max_lon) enclosing a circle of `miles` round the point."""
    dlat = miles / MILES_PER_DEGREE_LAT
    # Widest at the box's edge nearest the pole; clamp so the maths holds near the poles.
    cos_lat = max(0.01, math.cos(math.radians(min(89.0, abs(lat) + dlat))))
    dlon = miles / (MILES_PER_DEGREE_LAT * cos_lat)
    return lat - dlat, lat + dlat, lon - dlon, lon + dlon


def services_near(lat: float, lon: float, radius_miles: float) -> dict[str, float | None]:
    """Service id -> nearest distance in miles (None for national/remote services)."""
    min_lat, max_lat, min_lon, max_lon = bounding_box(lat, lon, radius_miles)
    open_places = (
        select(ServiceAtLocation.service_id, Location.latitude, Location.longitude)
        .join(Location, Location.id == ServiceAtLocation.location_id)
        .where(Location.confidential.is_(False),
               Location.latitude.between(min_lat, max_lat),
               Location.longitude.between(min_lon, max_lon))
    )
    nearest: dict[str, float | None] = {}

    def keep(service_id: str, plat: float, plon: float) -> None:
        miles = haversine_miles(lat, lon, plat, plon)
        if miles <= radius_miles and (nearest.get(service_id) is None or miles < nearest[service_id]):
            nearest[service_id] = miles

    for service_id, plat, plon in db.session.execute(open_places):
        keep(service_id, plat, plon)
    # Confidential places: the few districts in the box first, then their locations by
    # the indexed outcode (joining the other way round walks every service's places).
    districts = {
        outcode: (dlat, dlon)
        for outcode, dlat, dlon in db.session.execute(
            select(PostcodeDistrict.outcode, PostcodeDistrict.latitude, PostcodeDistrict.longitude)
            .where(PostcodeDistrict.latitude.between(min_lat, max_lat),
                   PostcodeDistrict.longitude.between(min_lon, max_lon)))
    }
    if districts:
        hidden_places = (
            select(ServiceAtLocation.service_id, Location.outcode)
            .join(Location, Location.id == ServiceAtLocation.location_id)
            .where(Location.confidential.is_(True), Location.outcode.in_(sorted(districts)))
        )
        for service_id, outcode in db.session.execute(hidden_places):
            keep(service_id, *districts[outcode])
    everywhere = select(ServiceArea.service_id).where(
        ServiceArea.extent_type.in_([AreaType.NATIONAL, AreaType.REMOTE]))
    for service_id in db.session.scalars(everywhere):
        nearest.setdefault(service_id, None)
    return nearest


def district_point(outcode: str | None) -> tuple[float, float] | None:
    """Centre of a postcode district, for a confidential location's approximate place."""
    if not outcode:
        return None
    row = db.session.get(PostcodeDistrict, outcode)
    return (row.latitude, row.longitude) if row else None
