"""Learning a street's path-loss exponent n from passers-by: pure, readings in, an n out.

A phone between two sites hears both. With the log-distance model its two estimated distances,
d_i(n) = 10^((P_i - rssi_i) / (10 n)), add up to about the sites' distance D (from their positions),
so D fixes n: d1(n) + d2(n) falls as n grows, and one bisection finds where it meets D. A phone
off the line between them makes d1 + d2 larger than D and so n read higher than the street's; near
the phone's floor only lucky (too loud) readings are heard, which reads n lower. In the simulator
the two roughly cancel: 2.99-3.01 learnt where the radio has 3.2, 2.24-2.58 where it has 2.5.

Each resolve gives at most one sample per pair of sites, from the loudest beacon of each of its
`LOUDEST_SITES` loudest sites; a pair keeps its last `SAMPLES_KEPT` samples and its median counts
once it has `MIN_SAMPLES`. A site's street n is the median over the pairs it is in that count.
Resolve prefers the site's own n (typed by staff or fitted from its agents) to this one, and this
one to the `path_loss_exponent` setting. Nothing about the phone is kept: a sample is one number
under two site ids, unlinked to the request, the client or any other sample.

What bounds poisoning by crafted resolves (anyone can send any RSSI for beacons they have heard):
- a sample counts only if its n lies within [EXPONENT_MIN, EXPONENT_MAX] without clamping (both
  readings plausible for D: a phone between two sites 40 m apart is not heard at -40 dBm from both)
  and only for sites between MIN_PAIR_M and MAX_PAIR_M apart (a phone can hear both);
- the median: to move it, crafted samples must outnumber the street's honest ones in the window of
  the last 500, and then they can move n only within [1.5, 5];
- resolve's per-client rate limit caps how fast one address adds samples (many addresses can
  still outnumber a quiet street's passers-by: the worst they reach is n at a bound, prompts shown
  somewhat too far or too near, on that street, for the sites without an n of their own);
- a site whose staff typed an n or whose agents fitted one is not affected at all.
- memory: at most `MAX_PAIRS` pairs, the least recently fed forgotten first.

Learning is per process and starts again at a restart, or in each worker of `--workers` on its
share of the traffic: after a restart the street falls back to the setting until MIN_SAMPLES
passers-by have been between two of its sites again, minutes on a street with people on it. Kept in
memory on purpose: no store write on the hot path, and nothing derived from phones outlives the
process.
"""

from __future__ import annotations

import math
import statistics
from bisect import bisect_left, insort
from collections import OrderedDict, deque
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from backend.calibration import EXPONENT_MAX, EXPONENT_MIN
from backend.geo import haversine_m

SAMPLES_KEPT: Final = 500
MIN_SAMPLES: Final = 20
# Only the loudest sites of a request: they are the ones the phone is between, not a far one heard
# by luck; three give at most three pairs.
LOUDEST_SITES: Final = 3
# Sites nearer than this do not pair: walkers pass a few metres off the line between two sites (a
# pavement, a street's width), which makes d1 + d2 exceed D by a share that grows as D shrinks (8 m
# off the middle of a 40 m line: 8%; of a 12 m line across the street: two thirds, n read far too
# high), and the beacons' own placement (metres off the site's point) spoils a short D. Farther than
# MAX_PAIR_M a phone between them does not hear both.
MIN_PAIR_M: Final = 20.0
MAX_PAIR_M: Final = 150.0
MAX_PAIRS: Final = 10_000
# Bisection steps: the bracket [1.5, 5] halves to below 0.001.
_STEPS: Final = 12


@dataclass(frozen=True, slots=True)
class Heard:
    """A site as one request heard it: its position and the loss of its loudest beacon, P - rssi."""

    site_id: int
    lat: float
    lon: float
    loss_db: float


def _sum_m(exponent: float, loss1_db: float, loss2_db: float) -> float:
    return math.pow(10.0, loss1_db / (10.0 * exponent)) + math.pow(10.0, loss2_db / (10.0 * exponent))


def exponent_between(loss1_db: float, loss2_db: float, distance_m: float) -> float | None:
    """The n at which the two estimated distances add up to `distance_m`; None if no n within
    [EXPONENT_MIN, EXPONENT_MAX] does (then the readings do not fit a phone between the sites)."""
    if loss1_db <= 0 or loss2_db <= 0 or distance_m <= 0:
        return None  # within a metre of a beacon: the sum no longer falls with n
    low, high = EXPONENT_MIN, EXPONENT_MAX
    if not (_sum_m(high, loss1_db, loss2_db) <= distance_m <= _sum_m(low, loss1_db, loss2_db)):
        return None
    for _ in range(_STEPS):
        middle = (low + high) / 2
        if _sum_m(middle, loss1_db, loss2_db) > distance_m:
            low = middle
        else:
            high = middle
    return (low + high) / 2


class StreetExponents:
    """The learned n of each pair of sites heard together, and of each site from its pairs."""

    def __init__(
        self, kept: int = SAMPLES_KEPT, minimum: int = MIN_SAMPLES, max_pairs: int = MAX_PAIRS
    ) -> None:
        self._kept = kept
        self._minimum = minimum
        self._max_pairs = max_pairs
        self._samples: OrderedDict[tuple[int, int], _Window] = OrderedDict()
        self._pairs_of: dict[int, set[tuple[int, int]]] = {}
        self._medians: dict[tuple[int, int], float] = {}  # of the pairs that count, kept fresh

    def learn(self, heard: Sequence[Heard]) -> None:
        """One request's sites: a sample per pair of its loudest ones that fits a phone between them."""
        loudest = sorted(heard, key=lambda h: (h.loss_db, h.site_id))[:LOUDEST_SITES]
        for i, first in enumerate(loudest):
            for second in loudest[i + 1 :]:
                if first.site_id == second.site_id:
                    continue
                apart = haversine_m(first.lat, first.lon, second.lat, second.lon)
                if not MIN_PAIR_M <= apart <= MAX_PAIR_M:
                    continue
                n = exponent_between(first.loss_db, second.loss_db, apart)
                if n is not None:
                    self._add(_pair(first.site_id, second.site_id), n)

    def exponent(self, site_id: int) -> float | None:
        """The site's street n: the median of its pairs that have MIN_SAMPLES; None before."""
        medians = [self._medians[p] for p in self._pairs_of.get(site_id, ()) if p in self._medians]
        return statistics.median(medians) if medians else None

    def samples(self, first: int, second: int) -> int:
        return len(self._samples.get(_pair(first, second), ()))

    def _add(self, pair: tuple[int, int], n: float) -> None:
        samples = self._samples.get(pair)
        if samples is None:
            samples = self._samples[pair] = _Window(self._kept)
            for site in pair:
                self._pairs_of.setdefault(site, set()).add(pair)
            if len(self._samples) > self._max_pairs:
                self._forget(next(iter(self._samples)))
        else:
            self._samples.move_to_end(pair)
        samples.add(n)
        if len(samples) >= self._minimum:
            self._medians[pair] = samples.median()

    def _forget(self, pair: tuple[int, int]) -> None:
        del self._samples[pair]
        self._medians.pop(pair, None)
        for site in pair:
            pairs = self._pairs_of[site]
            pairs.discard(pair)
            if not pairs:
                del self._pairs_of[site]


class _Window:
    """The last `kept` samples, also kept sorted: a median per resolve costs a bisection, not a sort
    (a sort of 500 took ~30 µs, three pairs a resolve)."""

    def __init__(self, kept: int) -> None:
        self._order: deque[float] = deque()
        self._sorted: list[float] = []
        self._kept = kept

    def __len__(self) -> int:
        return len(self._order)

    def add(self, n: float) -> None:
        if len(self._order) == self._kept:
            del self._sorted[bisect_left(self._sorted, self._order.popleft())]
        self._order.append(n)
        insort(self._sorted, n)

    def median(self) -> float:
        middle, odd = divmod(len(self._sorted), 2)
        return self._sorted[middle] if odd else (self._sorted[middle - 1] + self._sorted[middle]) / 2


def _pair(first: int, second: int) -> tuple[int, int]:
    return (first, second) if first < second else (second, first)
