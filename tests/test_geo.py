"""Distances, R*Tree boxes and signal-strength estimates (backend/geo.py)."""

from __future__ import annotations

import itertools
import math

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from backend.geo import (
    EARTH_RADIUS_M,
    EDGE_TOLERANCE_M,
    Box,
    bounding_boxes,
    check_lat_lon,
    haversine_m,
    search_radii,
    within_radius,
)
from beacon_agent.contract.distance import estimate_distance_m

lats = st.floats(min_value=-90.0, max_value=90.0)
lons = st.floats(min_value=-180.0, max_value=180.0)
bearings = st.floats(min_value=0.0, max_value=360.0)
fractions = st.floats(min_value=0.0, max_value=1.0)
radii = st.floats(min_value=0.0, max_value=3_000_000.0)


def destination(lat: float, lon: float, bearing: float, distance_m: float) -> tuple[float, float]:
    """The point distance_m from (lat, lon) along the initial bearing: the direct problem on a sphere.

    In vector form, which (unlike the asin form) keeps its digits next to the poles.
    """
    phi, lam, theta = math.radians(lat), math.radians(lon), math.radians(bearing)
    delta = distance_m / EARTH_RADIUS_M
    here = (math.cos(phi) * math.cos(lam), math.cos(phi) * math.sin(lam), math.sin(phi))
    north = (-math.sin(phi) * math.cos(lam), -math.sin(phi) * math.sin(lam), math.cos(phi))
    east = (-math.sin(lam), math.cos(lam), 0.0)
    x, y, z = (
        math.cos(delta) * h + math.sin(delta) * (math.cos(theta) * n + math.sin(theta) * e)
        for h, n, e in zip(here, north, east, strict=True)
    )
    return math.degrees(math.atan2(z, math.hypot(x, y))), math.degrees(math.atan2(y, x))


def vector_distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """An independent great-circle distance: the angle between the two unit vectors."""

    def unit(lat: float, lon: float) -> tuple[float, float, float]:
        phi, lam = math.radians(lat), math.radians(lon)
        return math.cos(phi) * math.cos(lam), math.cos(phi) * math.sin(lam), math.sin(phi)

    (ux, uy, uz), (vx, vy, vz) = unit(lat1, lon1), unit(lat2, lon2)
    cross = math.hypot(uy * vz - uz * vy, uz * vx - ux * vz, ux * vy - uy * vx)
    return EARTH_RADIUS_M * math.atan2(cross, ux * vx + uy * vy + uz * vz)


def in_boxes(boxes: list[Box], lat: float, lon: float) -> bool:
    return any(box.contains(lat, lon) for box in boxes)


# --- haversine_m ---------------------------------------------------------------------------------


def test_berlin_munich_matches_an_independent_formula() -> None:
    berlin, munich = (52.5200, 13.4050), (48.1351, 11.5820)
    distance = haversine_m(*berlin, *munich)
    assert distance == pytest.approx(vector_distance_m(*berlin, *munich), abs=1e-6)
    assert distance == pytest.approx(504_416.0, abs=1.0)


def test_known_arcs() -> None:
    assert haversine_m(0.0, 0.0, 0.0, 1.0) == pytest.approx(2 * math.pi * EARTH_RADIUS_M / 360, rel=1e-15)
    assert haversine_m(0.0, 0.0, 90.0, 0.0) == pytest.approx(math.pi / 2 * EARTH_RADIUS_M, rel=1e-15)
    assert haversine_m(90.0, 0.0, -90.0, 0.0) == pytest.approx(math.pi * EARTH_RADIUS_M, rel=1e-15)
    assert haversine_m(12.0, 34.0, 12.0, 34.0) == 0.0
    # Every longitude names the same pole.
    assert haversine_m(90.0, -170.0, 90.0, 40.0) == pytest.approx(0.0, abs=1e-9)


def test_tiny_and_antipodal_distances_keep_their_digits() -> None:
    step = 1e-9  # degrees, about 0.1 mm
    expected_tiny = EARTH_RADIUS_M * math.radians(step) * math.cos(math.radians(52.0))
    assert haversine_m(52.0, 13.0, 52.0, 13.0 + step) == pytest.approx(expected_tiny, rel=1e-6)
    # 1e-7 degrees short of the antipode is 1.1 cm short of half the circumference; the asin and
    # atan2(√a, √(1-a)) forms get that wrong by centimetres.
    short = EARTH_RADIUS_M * math.radians(1e-7)
    assert math.pi * EARTH_RADIUS_M - haversine_m(0.0, 0.0, 1e-7, 180.0) == pytest.approx(short, abs=1e-6)
    assert math.pi * EARTH_RADIUS_M - haversine_m(30.0, 20.0, -30.0 + 1e-7, -160.0) == pytest.approx(
        short, abs=1e-6
    )


def test_across_the_antimeridian() -> None:
    expected = EARTH_RADIUS_M * math.radians(0.002)
    assert haversine_m(0.0, 179.999, 0.0, -179.999) == pytest.approx(expected, rel=1e-9)
    assert haversine_m(0.0, -180.0, 0.0, 180.0) == 0.0


@given(lats, lons, lats, lons)
def test_haversine_is_symmetric_and_agrees_with_vectors(a: float, b: float, c: float, d: float) -> None:
    forward = haversine_m(a, b, c, d)
    assert forward == pytest.approx(haversine_m(c, d, a, b), abs=1e-8)
    assert 0.0 <= forward <= math.pi * EARTH_RADIUS_M
    assert forward == pytest.approx(vector_distance_m(a, b, c, d), abs=1e-6)


@given(lats, lons, bearings, st.floats(min_value=0.0, max_value=1_000_000.0))
def test_haversine_measures_what_the_direct_formula_walked(
    lat: float, lon: float, bearing: float, distance: float
) -> None:
    assert haversine_m(lat, lon, *destination(lat, lon, bearing, distance)) == pytest.approx(
        distance, abs=1e-6
    )


# --- bounding_boxes ------------------------------------------------------------------------------


@given(lats, lons, radii, bearings, fractions)
@example(89.99, 0.0, 2_000.0, 0.0, 1.0)  # over the north pole
@example(89.99, 150.0, 1_000.0, 90.0, 1.0)  # close to the pole, around it, over the antimeridian
@example(-89.99, -45.0, 2_000.0, 180.0, 1.0)  # over the south pole
@example(90.0, 0.0, 10.0, 123.0, 1.0)  # at the pole
@example(0.0, 179.999, 1_000.0, 90.0, 1.0)
@example(0.0, -179.999, 1_000.0, 270.0, 1.0)
@example(0.0, 180.0, 500.0, 270.0, 1.0)
@example(0.0, 0.0, 0.0, 0.0, 0.0)
@example(45.0, 10.0, math.pi * EARTH_RADIUS_M, 10.0, 1.0)  # the whole Earth
def test_every_point_within_the_radius_is_in_a_box(
    lat: float, lon: float, radius: float, bearing: float, fraction: float
) -> None:
    boxes = bounding_boxes(lat, lon, radius)
    point = destination(lat, lon, bearing, radius * fraction)
    assert in_boxes(boxes, *point), (boxes, point)


@given(lats, lons, radii)
def test_boxes_are_well_formed(lat: float, lon: float, radius: float) -> None:
    boxes = bounding_boxes(lat, lon, radius)
    assert 1 <= len(boxes) <= 2
    for box in boxes:
        assert -90.0 <= box.min_lat <= lat <= box.max_lat <= 90.0
        assert -180.0 <= box.min_lon <= box.max_lon <= 180.0
    if len(boxes) == 2:
        assert {boxes[0].max_lon, boxes[1].min_lon} == {180.0, -180.0}


def test_box_near_the_equator_is_tight() -> None:
    (box,) = bounding_boxes(0.0, 10.0, 1_000.0)
    half = math.degrees(1_000.0 / EARTH_RADIUS_M)
    assert box.max_lat == pytest.approx(half, abs=1e-10)
    assert box.min_lon == pytest.approx(10.0 - half, abs=1e-10)
    assert box.max_lon == pytest.approx(10.0 + half, abs=1e-10)


@pytest.mark.parametrize(("lat", "radius"), [(60.0, 1_000_000.0), (-75.0, 500_000.0), (89.99, 1_000.0)])
def test_longitude_half_width_is_asin_not_ratio(lat: float, radius: float) -> None:
    """The box reaches the circle's widest point, which r / cos(lat) would cut off."""
    (box,) = bounding_boxes(lat, 0.0, radius)

    def widest(r: float) -> float:
        def east(bearing: float) -> float:
            return destination(lat, 0.0, bearing, r)[1]

        low, high = 0.0, 180.0
        for _ in range(200):
            left, right = low + (high - low) / 3, high - (high - low) / 3
            low, high = (left, high) if east(left) < east(right) else (low, right)
        return east(low)

    assert widest(radius) < box.max_lon
    assert box.max_lon == pytest.approx(widest(radius + EDGE_TOLERANCE_M), abs=1e-9)
    naive = math.degrees(radius / EARTH_RADIUS_M / math.cos(math.radians(lat)))
    assert naive < widest(radius)


def test_circle_over_a_pole_takes_every_longitude_up_to_the_pole() -> None:
    (north,) = bounding_boxes(89.99, 0.0, 2_000.0)
    assert north.min_lat == pytest.approx(89.99 - math.degrees(2_000.0 / EARTH_RADIUS_M), abs=1e-10)
    assert (north.max_lat, north.min_lon, north.max_lon) == (90.0, -180.0, 180.0)
    (south,) = bounding_boxes(-89.99, 45.0, 2_000.0)
    assert (south.min_lat, south.min_lon, south.max_lon) == (-90.0, -180.0, 180.0)
    # 1 km from 89.99° does not reach the pole (1.1 km away): a box, but 128° wide.
    (near,) = bounding_boxes(89.99, 0.0, 1_000.0)
    assert near.max_lat < 90.0
    assert near.max_lon == pytest.approx(64.07, abs=0.01)


@pytest.mark.parametrize("lon", [179.999, -179.999])
def test_circle_over_the_antimeridian_is_split(lon: float) -> None:
    boxes = bounding_boxes(0.0, lon, 1_000.0)
    assert len(boxes) == 2
    other_side = -math.copysign(179.999, lon)
    assert in_boxes(boxes, 0.0, other_side)
    assert in_boxes(boxes, 0.0, lon)
    assert not in_boxes(boxes, 0.0, 0.0)
    assert not in_boxes(boxes, 0.0, -math.copysign(179.9, lon))


def test_bad_centre_or_radius_is_refused() -> None:
    with pytest.raises(ValueError, match="latitude"):
        bounding_boxes(91.0, 0.0, 10.0)
    with pytest.raises(ValueError, match="radius"):
        bounding_boxes(0.0, 0.0, -1.0)
    with pytest.raises(ValueError, match="radius"):
        bounding_boxes(0.0, 0.0, math.nan)


# --- within_radius -------------------------------------------------------------------------------


@given(lats, lons, st.floats(min_value=0.0, max_value=1_000_000.0), bearings, fractions)
def test_inside_is_kept_and_just_beyond_is_dropped(
    lat: float, lon: float, radius: float, bearing: float, fraction: float
) -> None:
    inside = destination(lat, lon, bearing, radius * fraction)
    edge = destination(lat, lon, bearing, radius)
    beyond = destination(lat, lon, bearing, radius + 0.001)
    far = destination(lat, lon, bearing, radius + 1_000.0)
    found = within_radius(
        lat, lon, radius, [("inside", *inside), ("edge", *edge), ("beyond", *beyond), ("far", *far)]
    )
    # Below a nanometre, coordinate rounding may swap "inside" and "edge": compare as a set.
    assert {name for name, _ in found} == {"inside", "edge"}
    assert [d for _, d in found] == sorted(d for _, d in found)
    boxes = bounding_boxes(lat, lon, radius)
    assert all(in_boxes(boxes, *point) for point in (inside, edge))


def test_the_edge_is_inside_within_the_tolerance() -> None:
    centre = (52.52, 13.405)
    point = destination(*centre, 30.0, 500.0)
    distance = haversine_m(*centre, *point)
    assert within_radius(*centre, distance, [("a", *point)]) == [("a", distance)]
    assert within_radius(*centre, distance - EDGE_TOLERANCE_M / 2, [("a", *point)]) == [("a", distance)]
    assert within_radius(*centre, distance - 10 * EDGE_TOLERANCE_M, [("a", *point)]) == []


def test_nearest_first_and_ties_keep_their_order() -> None:
    east, west = (0.0, 0.001), (0.0, -0.001)
    candidates = [("far", 0.0, 0.002), ("east", *east), ("west", *west), ("here", 0.0, 0.0), ("twin", *east)]
    found = within_radius(0.0, 0.0, 1_000.0, candidates)
    assert [name for name, _ in found] == ["here", "east", "west", "twin", "far"]
    assert found[0][1] == 0.0
    assert found[1][1] == found[2][1] == found[3][1]


def test_within_radius_near_poles_and_antimeridian() -> None:
    over_pole = within_radius(89.99, 0.0, 2_000.0, [(1, 89.995, 180.0), (2, 90.0, 0.0), (3, 89.99, 180.0)])
    assert [item for item, _ in over_pole] == [2, 1]
    across = within_radius(0.0, 179.999, 300.0, [("west", 0.0, -179.999), ("far", 0.0, -179.99)])
    assert [(name, round(d, 2)) for name, d in across] == [("west", 222.39)]


def test_within_radius_takes_any_iterable_and_items() -> None:
    found = within_radius(0.0, 0.0, 10.0, ((n, 0.0, n * 1e-5) for n in range(3)))
    assert [item for item, _ in found] == [0, 1, 2]
    assert within_radius(0.0, 0.0, 10.0, []) == []


# --- estimate_distance_m -------------------------------------------------------------------------


def test_log_distance_examples() -> None:
    assert estimate_distance_m(-59, -59) == pytest.approx(1.0)
    assert estimate_distance_m(-79, -59) == pytest.approx(10.0)
    assert estimate_distance_m(-89, -59, path_loss_exponent=3.0) == pytest.approx(10.0)
    assert estimate_distance_m(-65.5, -59.0) == pytest.approx(10 ** (6.5 / 20))
    assert estimate_distance_m(-53, -59) == pytest.approx(0.5, rel=1e-2)


def test_unknown_reading_gives_unknown_distance() -> None:
    assert estimate_distance_m(None, -59) is None
    assert estimate_distance_m(-70, None) is None


def test_estimate_is_clamped() -> None:
    assert estimate_distance_m(-127, 20, path_loss_exponent=0.1) == 10_000.0
    assert estimate_distance_m(20, -127, path_loss_exponent=0.1) == 0.01


@pytest.mark.parametrize("exponent", [0.0, -2.0, math.nan, math.inf])
def test_bad_path_loss_exponent_is_refused(exponent: float) -> None:
    with pytest.raises(ValueError, match="path-loss exponent"):
        estimate_distance_m(-70, -59, path_loss_exponent=exponent)


def test_non_finite_reading_is_refused() -> None:
    with pytest.raises(ValueError, match="finite"):
        estimate_distance_m(math.nan, -59)


@given(st.integers(-127, 20), st.integers(-127, 20), st.floats(min_value=1.5, max_value=4.0))
def test_weaker_signal_is_never_nearer(rssi: int, tx_power: int, exponent: float) -> None:
    nearer, farther = (
        estimate_distance_m(rssi, tx_power, exponent),
        estimate_distance_m(rssi - 1, tx_power, exponent),
    )
    assert nearer is not None and farther is not None
    assert 0.01 <= nearer <= farther <= 10_000.0


# --- check_lat_lon -------------------------------------------------------------------------------


@pytest.mark.parametrize(("lat", "lon"), [(90.0, 180.0), (-90.0, -180.0), (0.0, 0.0), (52.52, 13.405)])
def test_valid_coordinates_pass(lat: float, lon: float) -> None:
    check_lat_lon(lat, lon)


@pytest.mark.parametrize(
    ("lat", "lon", "message"),
    [
        (90.000001, 0.0, "latitude"),
        (-91.0, 0.0, "latitude"),
        (math.nan, 0.0, "latitude"),
        (math.inf, 0.0, "latitude"),
        (0.0, 180.5, "longitude"),
        (0.0, -math.inf, "longitude"),
        (0.0, math.nan, "longitude"),
    ],
)
def test_invalid_coordinates_are_refused(lat: float, lon: float, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        check_lat_lon(lat, lon)


@given(st.floats(1.0, 50_000.0), st.integers(1, 100))
def test_search_radii_grow_by_four_and_end_at_the_radius(radius: float, limit: int) -> None:
    radii = search_radii(radius, limit)
    assert radii[-1] == radius
    assert all(b == pytest.approx(4 * a) for a, b in itertools.pairwise(radii))
    assert len(search_radii(500.0, 20)) == 1
