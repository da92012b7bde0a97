"""Pure geometry for the server-side choropleth: projection, simplification, SVG paths.

England and Wales span about 8 degrees of longitude at latitude 52-53, so a plain
equirectangular projection scaled by cos(52.5 deg) keeps shapes recognisable without a GIS
library. One map unit is 0.01 degree of latitude (about 1.1 km).
"""
from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

ORIGIN_LON = -6.5
ORIGIN_LAT = 56.0
SCALE = 100.0
LON_FACTOR = math.cos(math.radians(52.5))
# Detail below ~0.3 km is invisible on a screen-sized map of England and Wales.
SIMPLIFY_TOLERANCE = 0.3

Point = tuple[float, float]


def project(lon: float, lat: float) -> Point:
    return ((lon - ORIGIN_LON) * LON_FACTOR * SCALE, (ORIGIN_LAT - lat) * SCALE)


def unproject(x: float, y: float) -> Point:
    """Back to (lon, lat)."""
    return (x / (LON_FACTOR * SCALE) + ORIGIN_LON, ORIGIN_LAT - y / SCALE)


def polygons_of(geometry: dict) -> list[list[list[Sequence[float]]]]:
    """The polygons (each a list of rings) of a GeoJSON Polygon or MultiPolygon.

    Raises ValueError for any other geometry or malformed coordinates.
    """
    kind = geometry.get("type") if isinstance(geometry, dict) else None
    coords = geometry.get("coordinates") if isinstance(geometry, dict) else None
    if kind == "Polygon":
        polygons = [coords]
    elif kind == "MultiPolygon":
        polygons = coords
    else:
        raise ValueError("geometry must be a Polygon or MultiPolygon")
    if not isinstance(polygons, list) or not polygons:
        raise ValueError("geometry has no coordinates")
    for polygon in polygons:
        if not isinstance(polygon, list) or not polygon:
            raise ValueError("a polygon has no rings")
        for ring in polygon:
            if not isinstance(ring, list) or len(ring) < 4:
                raise ValueError("a ring needs at least four positions")
            for position in ring:
                if (not isinstance(position, list | tuple) or len(position) < 2
                        or not all(isinstance(v, int | float) and math.isfinite(v) for v in position[:2])):
                    raise ValueError("a position is not a pair of numbers")
                lon, lat = position[0], position[1]
                if not (-180 <= lon <= 180 and -90 <= lat <= 90):
                    raise ValueError("a position is outside longitude/latitude range")
    return polygons


def simplify(points: list[Point], tolerance: float = SIMPLIFY_TOLERANCE) -> list[Point]:
    """Douglas-Peucker simplification (iterative, so long rings cannot overflow the stack)."""
    if len(points) < 3:
        return list(points)
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        ax, ay = points[first]
        bx, by = points[last]
        dx, dy = bx - ax, by - ay
        length = math.hypot(dx, dy)
        worst, index = -1.0, -1
        for i in range(first + 1, last):
            px, py = points[i]
            if length == 0:
                dist = math.hypot(px - ax, py - ay)
            else:
                dist = abs(dy * px - dx * py + bx * ay - by * ax) / length
            if dist > worst:
                worst, index = dist, i
        if index != -1 and worst > tolerance:
            keep[index] = True
            stack.append((first, index))
            stack.append((index, last))
    return [p for p, k in zip(points, keep, strict=True) if k]


def ring_area(points: Sequence[Point]) -> float:
    """Signed area by the shoelace formula."""
    total = 0.0
    for (x1, y1), (x2, y2) in zip(points, list(points[1:]) + [points[0]], strict=True):
        total += x1 * y2 - x2 * y1
    return total / 2.0


def ring_centroid(points: Sequence[Point]) -> tuple[float, float, float]:
    """(cx, cy, area) of a ring; area is unsigned."""
    a = ring_area(points)
    if a == 0:
        xs = [p[0] for p in points]
        ys = [p[1] for p in points]
        return (sum(xs) / len(xs), sum(ys) / len(ys), 0.0)
    cx = cy = 0.0
    for (x1, y1), (x2, y2) in zip(points, list(points[1:]) + [points[0]], strict=True):
        cross = x1 * y2 - x2 * y1
        cx += (x1 + x2) * cross
        cy += (y1 + y2) * cross
    return (cx / (6 * a), cy / (6 * a), abs(a))


class Outline:
    """A projected, simplified outline ready for SVG, with its bounding box and centroid."""

    def __init__(self, geometry: dict, tolerance: float = SIMPLIFY_TOLERANCE):
        polygons = polygons_of(geometry)
        self.rings: list[list[Point]] = []
        weighted_x = weighted_y = total_area = 0.0
        for polygon in polygons:
            for ring_no, ring in enumerate(polygon):
                projected = [project(float(p[0]), float(p[1])) for p in ring]
                if ring_no == 0:
                    cx, cy, area = ring_centroid(projected)
                    weighted_x += cx * area
                    weighted_y += cy * area
                    total_area += area
                simple = simplify(projected, tolerance)
                if len(simple) >= 4 or ring_no == 0:
                    self.rings.append(simple if len(simple) >= 3 else projected)
        every = [p for ring in self.rings for p in ring]
        self.min_x = min(p[0] for p in every)
        self.min_y = min(p[1] for p in every)
        self.max_x = max(p[0] for p in every)
        self.max_y = max(p[1] for p in every)
        if total_area > 0:
            self.centroid_xy = (weighted_x / total_area, weighted_y / total_area)
        else:
            self.centroid_xy = ((self.min_x + self.max_x) / 2, (self.min_y + self.max_y) / 2)

    @property
    def centroid_lon_lat(self) -> Point:
        return unproject(*self.centroid_xy)

    def svg_path(self) -> str:
        """Path data: each ring "M x y x y ... Z", one decimal place."""
        return svg_path(self.rings)


def svg_path(rings: Iterable[Sequence[Point]]) -> str:
    parts = []
    for ring in rings:
        coords = " ".join(f"{x:.1f} {y:.1f}" for x, y in ring)
        parts.append(f"M{coords}Z")
    return "".join(parts)


def haversine_miles(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in miles."""
    r = 3958.8
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp = p2 - p1
    dl = math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(min(1.0, math.sqrt(a)))
