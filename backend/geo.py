"""Distances on the Earth and the boxes that find sites near a point.

Pure: degrees and metres in, numbers out. The Earth is a sphere of mean radius, which is what the
site coordinates entered by hand and a search radius of a few kilometres deserve (the ellipsoid
would change a distance by at most 0.5%).

A radius search runs in two steps: `bounding_boxes` gives the rectangles for an R*Tree query, and
`within_radius` keeps the candidates that are really inside the circle. Both allow the same
`EDGE_TOLERANCE_M`, so a point the exact filter accepts is never lost by the coarse one.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from operator import itemgetter
from typing import Final, TypeVar

T = TypeVar("T")

EARTH_RADIUS_M: Final = 6_371_008.8
# A point exactly on the circle must count as inside, whatever the rounding of its coordinates:
# far below any measurement, far above the rounding errors of the formulas here (~1e-9 m).
EDGE_TOLERANCE_M: Final = 1e-6


@dataclass(frozen=True, slots=True)
class Box:
    """A latitude/longitude rectangle in degrees, never crossing the antimeridian."""

    min_lat: float
    max_lat: float
    min_lon: float
    max_lon: float

    def contains(self, lat: float, lon: float) -> bool:
        return self.min_lat <= lat <= self.max_lat and self.min_lon <= lon <= self.max_lon


def check_lat_lon(lat: float, lon: float) -> None:
    """Raise ValueError unless lat is in [-90, 90] and lon in [-180, 180], both finite."""
    if not (math.isfinite(lat) and -90.0 <= lat <= 90.0):
        raise ValueError(f"latitude must be a number from -90 to 90 degrees, got {lat!r}")
    if not (math.isfinite(lon) and -180.0 <= lon <= 180.0):
        raise ValueError(f"longitude must be a number from -180 to 180 degrees, got {lon!r}")


def _check_radius(radius_m: float) -> None:
    if not (math.isfinite(radius_m) and radius_m >= 0.0):
        raise ValueError(f"radius must be a finite number of metres >= 0, got {radius_m!r}")


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres between two points given in degrees.

    The textbook `2·asin(√a)` loses digits near antipodes and `atan2(√a, √(1-a))` still does,
    because 1 - a cancels. Here 1 - a is computed as the haversine of the distance to the
    antipode, a sum of non-negative terms, so both halves keep full relative precision.
    """
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dlat = math.radians(lat2 - lat1)
    dlon = math.radians(math.remainder(lon2 - lon1, 360.0))
    cos_cos = math.cos(phi1) * math.cos(phi2)
    a = math.sin(dlat / 2.0) ** 2 + cos_cos * math.sin(dlon / 2.0) ** 2
    b = math.sin((phi1 + phi2) / 2.0) ** 2 + cos_cos * math.cos(dlon / 2.0) ** 2
    return EARTH_RADIUS_M * 2.0 * math.atan2(math.sqrt(a), math.sqrt(b))


def bounding_boxes(lat: float, lon: float, radius_m: float) -> list[Box]:
    """The smallest rectangles that together hold every point within radius_m of (lat, lon).

    After J. P. Matuschek, "Finding Points Within a Distance of a Latitude/Longitude Using Bounding
    Coordinates": the circle's widest longitude is asin(sin r / cos lat) away, not r / cos lat
    (which is too narrow far from the equator). A circle over a pole needs every longitude up to
    that pole; one over the antimeridian becomes two boxes.
    """
    check_lat_lon(lat, lon)
    _check_radius(radius_m)
    r = (radius_m + EDGE_TOLERANCE_M) / EARTH_RADIUS_M
    r_deg = math.degrees(r)
    min_lat, max_lat = lat - r_deg, lat + r_deg
    if min_lat <= -90.0 or max_lat >= 90.0:
        return [Box(max(min_lat, -90.0), min(max_lat, 90.0), -180.0, 180.0)]
    # Away from the poles sin r < cos lat, so the ratio is below 1 but for rounding.
    dlon = math.degrees(math.asin(min(1.0, math.sin(r) / math.cos(math.radians(lat)))))
    west, east = lon - dlon, lon + dlon
    if west < -180.0:
        return [Box(min_lat, max_lat, west + 360.0, 180.0), Box(min_lat, max_lat, -180.0, east)]
    if east > 180.0:
        return [Box(min_lat, max_lat, west, 180.0), Box(min_lat, max_lat, -180.0, east - 360.0)]
    return [Box(min_lat, max_lat, west, east)]


def within_radius(
    lat: float, lon: float, radius_m: float, candidates: Iterable[tuple[T, float, float]]
) -> list[tuple[T, float]]:
    """The (item, distance_m) of candidates (item, lat, lon) within radius_m, nearest first.

    The edge counts as inside (up to EDGE_TOLERANCE_M); equal distances keep the candidates' order.
    """
    check_lat_lon(lat, lon)
    _check_radius(radius_m)
    limit = radius_m + EDGE_TOLERANCE_M
    found: list[tuple[T, float]] = []
    for item, item_lat, item_lon in candidates:
        distance = haversine_m(lat, lon, item_lat, item_lon)
        if distance <= limit:
            found.append((item, distance))
    found.sort(key=itemgetter(1))
    return found


def search_radii(radius_m: float, limit: int, density_per_km2: float = 50.0) -> list[float]:
    """Growing radii for a nearest-first search that stops as soon as `limit` sites are found.

    The last radius is the one asked for; each one before is a quarter of the next, down to the size
    that holds about `limit` sites at a dense city's `density_per_km2`. So the query that finds
    enough (which dominates the cost) reads at most about sixteen times more candidates than needed,
    however large the requested radius, and a small radius is one query.
    """
    _check_radius(radius_m)
    first = math.sqrt(max(limit, 1) / (math.pi * density_per_km2)) * 1000.0
    radii = [radius_m]
    while radii[0] / 4.0 >= first:
        radii.insert(0, radii[0] / 4.0)
    return radii
