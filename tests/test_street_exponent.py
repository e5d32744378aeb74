"""The street's n from passers-by: the bisection, its bounds, the window and when it starts to count."""

from __future__ import annotations

import math
import statistics

from hypothesis import given
from hypothesis import strategies as st

from backend.calibration import EXPONENT_MAX, EXPONENT_MIN
from backend.geo import EARTH_RADIUS_M
from backend.street_exponent import MIN_SAMPLES, SAMPLES_KEPT, Heard, StreetExponents, exponent_between

LAT, LON = 52.52, 13.405
METRES_PER_DEGREE = EARTH_RADIUS_M * math.pi / 180.0


def loss(distance_m: float, n: float) -> float:
    """P - rssi of a beacon `distance_m` away on a street of exponent n, without noise."""
    return 10.0 * n * math.log10(distance_m)


def between(a: int, b: int, apart_m: float, from_a_m: float, n: float) -> list[Heard]:
    """A phone on the line from site a to site b (north of a), `from_a_m` from a."""
    return [
        Heard(a, LAT, LON, loss(from_a_m, n)),
        Heard(b, LAT + apart_m / METRES_PER_DEGREE, LON, loss(apart_m - from_a_m, n)),
    ]


def test_bisection_finds_the_n_at_which_the_distances_add_up() -> None:
    n = exponent_between(loss(10, 2.5), loss(30, 2.5), 40.0)
    assert n is not None and abs(n - 2.5) < 0.001


def test_no_sample_outside_the_bounds_or_within_a_metre() -> None:
    # Both heard as if 1.2 m away, 40 m apart: only n far below 1.5 would fit; far beyond: above 5.
    assert exponent_between(loss(1.2, 2.0), loss(1.2, 2.0), 40.0) is None
    assert exponent_between(loss(2000, 2.0), loss(2000, 2.0), 40.0) is None
    assert exponent_between(-3.0, 30.0, 40.0) is None  # louder than at 1 m: the sum no longer falls with n
    assert exponent_between(loss(20, 4.9), loss(20, 4.9), 40.0) is not None


def test_a_site_has_no_street_n_before_the_minimum_then_the_median() -> None:
    street = StreetExponents()
    for i in range(MIN_SAMPLES - 1):
        street.learn(between(1, 2, 40.0, 5.0 + i, 3.0))
    assert street.exponent(1) is None and street.samples(1, 2) == MIN_SAMPLES - 1
    street.learn(between(1, 2, 40.0, 20.0, 3.0))
    for site in (1, 2):
        found = street.exponent(site)
        assert found is not None and abs(found - 3.0) < 0.01


def test_the_window_keeps_the_last_samples_so_the_street_can_change() -> None:
    street = StreetExponents()
    for _ in range(SAMPLES_KEPT):
        street.learn(between(1, 2, 40.0, 15.0, 2.0))
    for _ in range(SAMPLES_KEPT // 2 + 1):
        street.learn(between(1, 2, 40.0, 15.0, 4.0))
    assert street.samples(1, 2) == SAMPLES_KEPT
    found = street.exponent(1)
    assert found is not None and abs(found - 4.0) < 0.01


def test_only_the_three_loudest_sites_and_only_pairs_a_phone_can_be_between() -> None:
    street = StreetExponents()
    heard = [
        *between(1, 2, 40.0, 10.0, 2.5),
        Heard(3, LAT, LON + 0.0003, loss(25, 2.5)),  # 20 m east of site 1
        Heard(4, LAT, LON - 0.0003, loss(60, 2.5)),  # the fourth loudest: left out
    ]
    street.learn(heard)
    assert street.samples(1, 2) == 1
    assert street.samples(1, 4) == street.samples(2, 4) == street.samples(3, 4) == 0
    same_spot = StreetExponents()
    same_spot.learn([Heard(1, LAT, LON, loss(5, 2.5)), Heard(5, LAT, LON, loss(8, 2.5))])
    assert same_spot.samples(1, 5) == 0
    far = StreetExponents()
    far.learn(between(1, 2, 400.0, 200.0, 2.5))
    assert far.samples(1, 2) == 0


def test_the_least_recently_fed_pair_is_forgotten_beyond_the_cap() -> None:
    street = StreetExponents(max_pairs=2)
    street.learn(between(1, 2, 40.0, 10.0, 2.5))
    street.learn(between(3, 4, 40.0, 10.0, 2.5))
    street.learn(between(1, 2, 40.0, 10.0, 2.5))
    street.learn(between(5, 6, 40.0, 10.0, 2.5))
    assert street.samples(3, 4) == 0 and street.samples(1, 2) == 2 and street.samples(5, 6) == 1


@given(
    n=st.floats(EXPONENT_MIN + 0.01, EXPONENT_MAX - 0.01),
    apart=st.floats(25.0, 140.0),
    share=st.floats(0.1, 0.9),
)
def test_a_phone_on_the_line_with_noiseless_readings_gives_the_street_n(
    n: float, apart: float, share: float
) -> None:
    street = StreetExponents(minimum=1)
    street.learn(between(1, 2, apart, apart * share, n))
    found = street.exponent(1)
    assert found is not None and abs(found - n) < 0.01


def test_crafted_resolves_fewer_than_the_honest_ones_in_the_window_do_not_move_the_street_n() -> None:
    street = StreetExponents()
    for _ in range(SAMPLES_KEPT // 2 + 10):
        street.learn(between(1, 2, 40.0, 15.0, 2.5))
    for _ in range(SAMPLES_KEPT // 2 - 10):  # readings made to give the largest n there is
        street.learn(between(1, 2, 40.0, 20.0, EXPONENT_MAX - 0.01))
    found = street.exponent(1)
    assert found is not None and abs(found - 2.5) < 0.01


@given(
    st.lists(st.floats(EXPONENT_MIN + 0.01, EXPONENT_MAX - 0.01), min_size=1, max_size=60), st.integers(1, 25)
)
def test_the_kept_median_is_the_median_of_the_last_samples(values: list[float], kept: int) -> None:
    street = StreetExponents(kept=kept, minimum=1)
    for n in values:
        street.learn(between(1, 2, 40.0, 15.0, n))
    found = street.exponent(1)
    assert found is not None and abs(found - statistics.median(values[-kept:])) < 0.001
