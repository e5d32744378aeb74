"""Fitting a site's distance model from its own agents: pure, windows and times in, a fit out.

An agent whose distance to a beacon its staff typed once hears that beacon every flush window at a
known distance. The log-distance model, rssi = P - 10·n·log10(d), has two unknowns per beacon (P,
its power at 1 m; n, the site's path-loss exponent). One known distance gives one equation, so:

- a beacon heard at two or more clearly different distances (two agents) fixes both its own P and
  the slope n;
- a beacon heard at one distance keeps its registered (or advertised) P and gives n alone. A constant
  loss on the way (a shop window, a pocket) is then folded into n: right at the typed distance,
  too little loss nearer and too much farther (the fit cannot tell a wall from a steeper street);
- a beacon heard only nearer than `MIN_DISTANCE_FOR_EXPONENT_M` (an agent beside its beacon) gives
  its own P, with the n resolve will use: so near, log10(d) is small and n hardly matters (at 1.5 m
  an n off by 1 moves P by 1.8 dB), while what the beacon really sends and a constant loss on the
  way to the agent are measured.

Robust by construction: each (agent, beacon) pair is summarised by its median, the site's n is the
median over pairs and bounded, and nothing is trusted before `MIN_WINDOWS` windows per pair.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Final

from beacon_agent.contract.distance import PATH_LOSS_EXPONENT

# What a street can plausibly have: below 1.5 is a waveguide, above 5 a wrong typed distance.
EXPONENT_MIN: Final = 1.5
EXPONENT_MAX: Final = 5.0
# Windows per (agent, beacon) pair before its median counts: with 6 dB shadowing a median of 10
# windows of ~5 advertisements each is within about 1 dB.
MIN_WINDOWS: Final = 10
# Nearer than this, log10(d) is too small for n: 1 dB of error would move n by more than 0.3.
MIN_DISTANCE_FOR_EXPONENT_M: Final = 2.0
# Two distances of one beacon must differ by this factor to give a slope of their own.
MIN_DISTANCE_RATIO: Final = 1.5
# MOVED: the last hour's median off the older level by more than this, over at least MIN_WINDOWS.
MOVED_DB: Final = 8.0
RECENT_S: Final = 3600.0
# The fit rolls over this much of the past (raw sightings older than retention are gone anyway).
FIT_SPAN_S: Final = 24 * 3600.0


@dataclass(frozen=True, slots=True)
class Window:
    """One flush window: what an agent heard of a beacon at the distance its staff typed."""

    agent_id: int
    beacon_id: int
    distance_m: float
    rssi: float
    tx_power: float
    at: float

    @property
    def loss_db(self) -> float:
        return self.tx_power - self.rssi


@dataclass(frozen=True, slots=True)
class Pair:
    """One (agent, beacon) pair's level over the windows the fit used."""

    agent_id: int
    beacon_id: int
    distance_m: float
    windows: int
    loss_db: float  # median of tx_power - rssi
    spread_db: float  # median absolute deviation of the windows around it
    moved: bool


@dataclass(frozen=True, slots=True)
class Fit:
    """The fitted model: `path_loss_exponent` None while there is not enough to trust."""

    path_loss_exponent: float | None
    tx_power: dict[int, float] = field(default_factory=dict)  # beacon id -> fitted power at 1 m
    pairs: tuple[Pair, ...] = ()
    method: str = "no_distances"

    @property
    def windows(self) -> int:
        return sum(p.windows for p in self.pairs)

    @property
    def spread_db(self) -> float | None:
        return statistics.median(p.spread_db for p in self.pairs) if self.pairs else None

    @property
    def moved(self) -> frozenset[int]:
        return frozenset(p.beacon_id for p in self.pairs if p.moved)


def bounded(exponent: float) -> float:
    return min(max(exponent, EXPONENT_MIN), EXPONENT_MAX)


def fit(windows: Iterable[Window], now: float, exponent: float = PATH_LOSS_EXPONENT) -> Fit:
    """The site's model from its agents' windows of the last `FIT_SPAN_S`; `exponent` is the n resolve
    uses when the agents fit none, for the powers of beacons heard only from beside them."""
    by_pair: dict[tuple[int, int], list[Window]] = {}
    for w in windows:
        if w.at >= now - FIT_SPAN_S and math.isfinite(w.rssi) and w.distance_m > 0:
            by_pair.setdefault((w.agent_id, w.beacon_id), []).append(w)
    if not by_pair:
        return Fit(None)
    pairs = tuple(p for ws in by_pair.values() if (p := _pair(ws, now)) is not None)
    if not pairs:
        return Fit(None, method="too_few_windows")
    two_distances = _two_distance_slopes(pairs)
    if two_distances:
        n = bounded(statistics.median(two_distances.values()))
        powers = {
            beacon: _power(n, [p for p in pairs if p.beacon_id == beacon], by_pair)
            for beacon in two_distances
        }
        return Fit(n, powers | _near_powers(n, pairs, by_pair, skip=powers), pairs, "exponent_and_power")
    far = [
        p.loss_db / (10.0 * math.log10(p.distance_m))
        for p in pairs
        if p.distance_m >= MIN_DISTANCE_FOR_EXPONENT_M
    ]
    if not far:
        return Fit(None, _near_powers(exponent, pairs, by_pair), pairs, "too_near")
    n = bounded(statistics.median(far))
    return Fit(n, _near_powers(n, pairs, by_pair), pairs, "exponent")


def _near_powers(
    n: float, pairs: Sequence[Pair], by_pair: dict[tuple[int, int], list[Window]], skip: Iterable[int] = ()
) -> dict[int, float]:
    """The power at 1 m of each beacon heard only from nearer than MIN_DISTANCE_FOR_EXPONENT_M."""
    far = {p.beacon_id for p in pairs if p.distance_m >= MIN_DISTANCE_FOR_EXPONENT_M} | set(skip)
    near = {p.beacon_id for p in pairs} - far
    return {beacon: _power(n, [p for p in pairs if p.beacon_id == beacon], by_pair) for beacon in near}


def _pair(windows: Sequence[Window], now: float) -> Pair | None:
    """A pair's level; if its last hour left the older level (MOVED), the older level, which is
    where the typed distance holds."""
    recent = [w.loss_db for w in windows if w.at >= now - RECENT_S]
    older = [w.loss_db for w in windows if w.at < now - RECENT_S]
    moved = (
        len(recent) >= MIN_WINDOWS
        and len(older) >= MIN_WINDOWS
        and abs(statistics.median(recent) - statistics.median(older)) > MOVED_DB
    )
    used = older if moved else recent + older
    if len(used) < MIN_WINDOWS:
        return None
    level = statistics.median(used)
    first = windows[0]
    return Pair(
        first.agent_id,
        first.beacon_id,
        first.distance_m,
        len(used),
        level,
        statistics.median(abs(x - level) for x in used),
        moved,
    )


def _two_distance_slopes(pairs: Sequence[Pair]) -> dict[int, float]:
    """Per beacon heard at clearly different distances: the least-squares n of loss against 10·log10 d."""
    slopes: dict[int, float] = {}
    for beacon in {p.beacon_id for p in pairs}:
        mine = [p for p in pairs if p.beacon_id == beacon]
        xs = [10.0 * math.log10(p.distance_m) for p in mine]
        if max(p.distance_m for p in mine) < MIN_DISTANCE_RATIO * min(p.distance_m for p in mine):
            continue
        mean_x, mean_y = statistics.fmean(xs), statistics.fmean(p.loss_db for p in mine)
        covariance = sum((x - mean_x) * (p.loss_db - mean_y) for x, p in zip(xs, mine, strict=True))
        slopes[beacon] = covariance / sum((x - mean_x) ** 2 for x in xs)
    return slopes


def _power(n: float, pairs: Sequence[Pair], by_pair: dict[tuple[int, int], list[Window]]) -> float:
    """The beacon's power at 1 m that, with `n`, puts each pair's median where it was heard."""
    levels = []
    for p in pairs:
        power = statistics.median(w.tx_power for w in by_pair[(p.agent_id, p.beacon_id)])
        levels.append(power - p.loss_db + 10.0 * n * math.log10(p.distance_m))
    return statistics.median(levels)
