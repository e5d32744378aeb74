"""Backoff with full jitter, without sleeping: bounds, growth, cap and how the delays spread."""

from __future__ import annotations

import math
import random
import statistics

import pytest
from hypothesis import given
from hypothesis import strategies as st

from beacon_agent.backoff import backoff_ceiling, backoff_delay
from beacon_agent.constants import BACKOFF_BASE_S, BACKOFF_CAP_S


@given(
    attempt=st.integers(min_value=0, max_value=10_000),
    seed=st.integers(min_value=0, max_value=2**32),
    base_s=st.floats(min_value=0.001, max_value=10),
    extra_s=st.floats(min_value=0, max_value=1000),
)
def test_delay_is_never_negative_and_never_reaches_the_ceiling(
    attempt: int, seed: int, base_s: float, extra_s: float
) -> None:
    cap_s = base_s + extra_s
    delay = backoff_delay(attempt, random.Random(seed), base_s=base_s, cap_s=cap_s)
    ceiling = backoff_ceiling(attempt, base_s=base_s, cap_s=cap_s)
    assert 0.0 <= delay < ceiling
    assert ceiling <= cap_s
    assert math.isfinite(delay)


def test_ceiling_doubles_from_the_base_until_the_cap() -> None:
    ceilings = [backoff_ceiling(attempt, base_s=1.0, cap_s=300.0) for attempt in range(12)]
    assert ceilings[:9] == [1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0]
    assert ceilings[9:] == [300.0, 300.0, 300.0]


def test_a_counter_that_ran_for_months_still_gives_the_cap() -> None:
    assert backoff_ceiling(10**9, base_s=0.5, cap_s=60.0) == 60.0
    assert 0.0 <= backoff_delay(10**9, random.Random(1), base_s=0.5, cap_s=60.0) < 60.0


def test_defaults_come_from_the_constants() -> None:
    assert backoff_ceiling(0) == BACKOFF_BASE_S
    assert backoff_ceiling(1000) == BACKOFF_CAP_S


def test_the_same_seed_gives_the_same_delays() -> None:
    first = [backoff_delay(n, random.Random(7), base_s=1, cap_s=300) for n in range(20)]
    second = [backoff_delay(n, random.Random(7), base_s=1, cap_s=300) for n in range(20)]
    assert first == second


def test_delays_spread_uniformly_over_the_whole_range() -> None:
    """Full jitter: not clustered near the ceiling (plain backoff) nor near half of it ("equal jitter")."""
    rng = random.Random(2024)
    delays = [backoff_delay(20, rng, base_s=1.0, cap_s=100.0) for _ in range(4000)]
    assert min(delays) < 1.0
    assert max(delays) > 99.0
    quartiles = statistics.quantiles(delays, n=4)
    for measured, expected in zip(quartiles, (25.0, 50.0, 75.0), strict=True):
        assert abs(measured - expected) < 4.0
    assert abs(statistics.fmean(delays) - 50.0) < 2.5
    # A tenth of the delays in each tenth of the range, give or take.
    deciles = [0] * 10
    for delay in delays:
        deciles[int(delay // 10)] += 1
    assert all(300 < count < 500 for count in deciles)


def test_mean_delay_grows_with_the_attempt_before_the_cap() -> None:
    rng = random.Random(99)
    means = [
        statistics.fmean(backoff_delay(attempt, rng, base_s=1.0, cap_s=1000.0) for _ in range(2000))
        for attempt in range(6)
    ]
    for attempt, mean in enumerate(means):
        assert mean == pytest.approx(2**attempt / 2, rel=0.1)


def test_agents_that_failed_together_retry_apart() -> None:
    """The point of jitter: 50 agents on their fifth retry do not all come back in the same second."""
    delays = [backoff_delay(5, random.Random(agent), base_s=1.0, cap_s=300.0) for agent in range(50)]
    assert len({int(delay) for delay in delays}) > 20


@pytest.mark.parametrize(
    ("attempt", "base_s", "cap_s"),
    [
        (-1, 1.0, 10.0),
        (0, 0.0, 10.0),
        (0, -1.0, 10.0),
        (0, 2.0, 1.0),
        (0, math.nan, 10.0),
        (0, 1.0, math.inf),
    ],
)
def test_nonsense_arguments_are_refused(attempt: int, base_s: float, cap_s: float) -> None:
    with pytest.raises(ValueError):
        backoff_delay(attempt, random.Random(0), base_s=base_s, cap_s=cap_s)
