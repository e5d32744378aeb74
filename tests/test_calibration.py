"""The distance model's fit from agents at typed distances: pure, driven with generated windows."""

from __future__ import annotations

import math

from hypothesis import given
from hypothesis import strategies as st

from backend.calibration import (
    EXPONENT_MAX,
    EXPONENT_MIN,
    MIN_WINDOWS,
    RECENT_S,
    Window,
    fit,
)

NOW = 1_750_000_000.0


def windows(
    n: float,
    distance_m: float,
    *,
    power: float = -59.0,
    agent: int = 1,
    beacon: int = 1,
    count: int = 30,
    noise: list[float] | None = None,
    offset_db: float = 0.0,
    start: float = NOW - 1800,
) -> list[Window]:
    rssi = power - 10 * n * math.log10(distance_m) - offset_db
    noise = noise or [0.0]
    return [
        Window(agent, beacon, distance_m, rssi + noise[i % len(noise)], power, start + i * 30)
        for i in range(count)
    ]


@given(
    n=st.floats(EXPONENT_MIN, EXPONENT_MAX),
    distance=st.floats(2.0, 30.0),
    noise=st.lists(st.floats(-6, 6), min_size=1, max_size=7),
)
def test_one_distance_fits_the_exponent_with_the_registered_power(
    n: float, distance: float, noise: list[float]
) -> None:
    symmetric = [0.0, *noise, *(-x for x in noise)]
    result = fit(windows(n, distance, noise=symmetric, count=5 * len(symmetric)), NOW)
    assert result.method == "exponent" and result.tx_power == {}
    assert result.path_loss_exponent is not None
    # Symmetric noise: the median stays on the level, so n comes back to rounding.
    assert abs(result.path_loss_exponent - n) < 1e-6


@given(
    n=st.floats(EXPONENT_MIN, EXPONENT_MAX),
    power=st.floats(-80, -40),
    near=st.floats(2, 5),
    far=st.floats(8, 30),
)
def test_two_distances_fit_the_exponent_and_the_power(
    n: float, power: float, near: float, far: float
) -> None:
    heard = windows(n, near, power=-59.0, agent=1) + windows(n, far, power=-59.0, agent=2)
    # The beacon really sends `power`; the agents only know its registered -59.
    shifted = [
        Window(w.agent_id, w.beacon_id, w.distance_m, w.rssi + power + 59, w.tx_power, w.at) for w in heard
    ]
    result = fit(shifted, NOW)
    assert result.method == "exponent_and_power"
    assert result.path_loss_exponent is not None and abs(result.path_loss_exponent - n) < 1e-6
    assert abs(result.tx_power[1] - power) < 1e-6


@given(n=st.floats(0.5, 12), distance=st.floats(2, 30))
def test_the_exponent_stays_within_its_bounds(n: float, distance: float) -> None:
    result = fit(windows(n, distance), NOW)
    assert result.path_loss_exponent is not None
    assert EXPONENT_MIN <= result.path_loss_exponent <= EXPONENT_MAX


def test_nothing_is_trusted_before_enough_windows() -> None:
    assert fit(windows(3.0, 4.0, count=MIN_WINDOWS - 1), NOW).path_loss_exponent is None
    assert fit(windows(3.0, 4.0, count=MIN_WINDOWS), NOW).path_loss_exponent is not None
    assert fit([], NOW).method == "no_distances"


def test_an_agent_next_to_its_beacon_teaches_no_exponent_but_the_beacons_power() -> None:
    result = fit(windows(3.0, 1.0), NOW)
    assert result.path_loss_exponent is None and result.method == "too_near"
    assert result.tx_power == {1: -59.0}
    # 6 dB lost on the way (a pocket, a box) at 1.5 m of a street of 3.2: the power takes the loss, and
    # the service's n = 2 over the 1.5 m leaves it (3.2 - 2) x 10 log10 1.5 = 2.1 dB below the truth
    # at 1 m (-59 - 6 = -65), where the registered -59 was 6 dB above it.
    pocket = fit(windows(3.2, 1.5, offset_db=6.0, beacon=2), NOW, exponent=2.0)
    assert pocket.path_loss_exponent is None and math.isclose(
        pocket.tx_power[2], -65.0 - 1.2 * 10 * math.log10(1.5)
    )


def test_a_beacon_beside_its_agent_gets_its_power_with_the_exponent_others_fitted() -> None:
    # Beacon 1 four metres from its agent teaches n = 2.8; beacon 2 beside the other agent sends 5 dB
    # less than it says: its power is measured with that n, the far beacon keeps its registered one.
    both = windows(2.8, 4.0) + windows(2.8, 1.0, agent=2, beacon=2, offset_db=5.0)
    result = fit(both, NOW)
    assert result.method == "exponent" and math.isclose(result.path_loss_exponent or 0, 2.8)
    assert result.tx_power == {2: -64.0}


def test_a_few_wild_windows_do_not_move_the_fit() -> None:
    wild = windows(3.0, 4.0, count=12, offset_db=30.0)
    assert math.isclose(fit(windows(3.0, 4.0, count=40) + wild, NOW).path_loss_exponent or 0, 3.0)


def test_a_beacon_that_left_its_level_for_an_hour_is_moved_and_the_fit_keeps_the_old_level() -> None:
    before = windows(2.5, 4.0, count=60, start=NOW - 3 * RECENT_S)
    after = windows(2.5, 4.0, count=60, offset_db=12.0, start=NOW - RECENT_S + 60)
    result = fit(before + after, NOW)
    assert result.moved == {1}
    assert math.isclose(result.path_loss_exponent or 0, 2.5)
    # A smaller drift is weather, not a move; and it clears when the level returns.
    assert (
        fit(before + windows(2.5, 4.0, count=60, offset_db=6.0, start=NOW - RECENT_S + 60), NOW).moved
        == set()
    )
    assert fit(before + windows(2.5, 4.0, count=60, start=NOW - RECENT_S + 60), NOW).moved == set()


def test_a_short_drift_is_not_a_move() -> None:
    before = windows(2.5, 4.0, count=60, start=NOW - 3 * RECENT_S)
    after = windows(2.5, 4.0, count=MIN_WINDOWS - 1, offset_db=12.0, start=NOW - 600)
    assert fit(before + after, NOW).moved == set()
