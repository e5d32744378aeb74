"""Walkers: who is on the street, where, and when, as a pure function of the scenario and the seed.

Each walker becomes a timetable of straight legs walked at constant speed: a passer-by walks the path
from end to end and leaves; a visitor walks it up to the point nearest the site's door, steps to the
door, stays ``dwell_s`` and goes back to the path to walk on; a stander stands at the path's first
point from arrival for ``dwell_s``. A group draws its walkers' speeds, arrivals, dwell times, sides of
the street and phones from a generator of its own, so editing one group leaves the others' walkers
as they were.
"""

from __future__ import annotations

import itertools
import math
import random
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass

from simulator.world.radio import derive_seed, distance
from simulator.world.scenario import Scenario, SiteSpec, WalkerGroup, WalkerSpec

__all__ = ["Walker", "build_walkers", "project"]

Point = tuple[float, float]


@dataclass(frozen=True, slots=True)
class Walker:
    """One person: on the scene from ``arrival_s`` to ``leave_s``, at ``position(t)`` in between."""

    name: str
    kind: str
    has_phone: bool
    speed_mps: float
    arrival_s: float
    leave_s: float
    site: str | None  # the site a visitor enters
    at_door: tuple[float, float] | None  # (from, to) while a visitor stands at the door
    times: tuple[float, ...]
    xs: tuple[float, ...]
    ys: tuple[float, ...]

    def position(self, t: float) -> Point | None:
        """Where the walker is at ``t``; None before arrival and after leaving."""
        if t < self.arrival_s or t > self.leave_s:
            return None
        times = self.times
        i = bisect_right(times, t) - 1
        if i >= len(times) - 1:
            return self.xs[-1], self.ys[-1]
        t0, t1 = times[i], times[i + 1]
        f = (t - t0) / (t1 - t0) if t1 > t0 else 0.0
        return self.xs[i] + f * (self.xs[i + 1] - self.xs[i]), self.ys[i] + f * (self.ys[i + 1] - self.ys[i])


def project(points: Sequence[Point], q: Point) -> tuple[int, Point, float]:
    """The point of the polyline nearest to ``q``: (index of its segment, the point, its distance)."""
    best = (0, points[0], distance(points[0], q))
    for i in range(len(points) - 1):
        (ax, ay), (bx, by) = points[i], points[i + 1]
        dx, dy = bx - ax, by - ay
        length2 = dx * dx + dy * dy
        f = 0.0 if length2 == 0 else max(0.0, min(1.0, ((q[0] - ax) * dx + (q[1] - ay) * dy) / length2))
        p = (ax + f * dx, ay + f * dy)
        d = distance(p, q)
        if d < best[2]:
            best = (i, p, d)
    return best


def build_walkers(scenario: Scenario, seed: int) -> list[Walker]:
    """Every walker of the scenario, explicit ones as written and groups drawn from ``seed``."""
    walkers: list[Walker] = []
    for g, entry in enumerate(scenario.walkers):
        if isinstance(entry, WalkerSpec):
            walkers.append(
                _walker(
                    scenario,
                    entry,
                    entry.name,
                    entry.points(),
                    phone=entry.phone,
                    speed=entry.speed_mps,
                    arrival=entry.arrival_s,
                    dwell=entry.dwell_s,
                )
            )
        else:
            walkers.extend(_group(scenario, entry, g, seed))
    return walkers


def _group(scenario: Scenario, group: WalkerGroup, g: int, seed: int) -> list[Walker]:
    rng = random.Random(derive_seed(seed, "walkers", str(g)))
    phones = set(rng.sample(range(group.count), round(group.count * group.phone_share)))
    prefix = group.name or f"group{g}"
    walkers = []
    for j in range(group.count):
        speed = rng.uniform(*group.speed_mps)
        arrival = rng.uniform(*group.arrival_s)
        dwell = rng.uniform(*group.dwell_s)
        backwards = group.both_ways and rng.random() < 0.5
        offset = rng.uniform(-group.spread_m, group.spread_m)
        angle = rng.uniform(0.0, 2.0 * math.pi)  # a stander's offset has no street to be across
        points = _shifted(group.points(), offset, angle)
        if backwards:
            points.reverse()
        walkers.append(
            _walker(
                scenario,
                group,
                f"{prefix}-{j}",
                points,
                phone=j in phones,
                speed=speed,
                arrival=arrival,
                dwell=dwell,
            )
        )
    return walkers


def _shifted(points: list[Point], offset: float, angle: float) -> list[Point]:
    """The path moved ``offset`` metres sideways (across its first leg): the other pavement, mid-street."""
    direction = next(((b[0] - a[0], b[1] - a[1]) for a, b in itertools.pairwise(points) if a != b), None)
    if direction is None:
        nx, ny = math.cos(angle), math.sin(angle)
    else:
        length = math.hypot(*direction)
        nx, ny = -direction[1] / length, direction[0] / length
    return [(x + offset * nx, y + offset * ny) for x, y in points]


def _walker(
    scenario: Scenario,
    entry: WalkerSpec | WalkerGroup,
    name: str,
    points: list[Point],
    *,
    phone: bool,
    speed: float,
    arrival: float,
    dwell: float,
) -> Walker:
    site: SiteSpec | None = None
    at_door: tuple[float, float] | None = None
    if entry.kind == "stander":
        knots = [(arrival, points[0]), (arrival + dwell, points[0])]
    elif entry.kind == "visitor":
        site = _visited(scenario, entry.site, points)
        segment, near, _ = project(points, site.position)
        route = [*points[: segment + 1], near, site.position]
        knots = _timed(route, arrival, speed)
        at_door = (knots[-1][0], knots[-1][0] + dwell)
        knots.append((at_door[1], site.position))
        knots += _timed([site.position, near, *points[segment + 1 :]], at_door[1], speed)[1:]
    else:
        knots = _timed(points, arrival, speed)
    return Walker(
        name=name,
        kind=entry.kind,
        has_phone=phone,
        speed_mps=speed,
        arrival_s=arrival,
        leave_s=knots[-1][0],
        site=None if site is None else site.name,
        at_door=at_door,
        times=tuple(t for t, _ in knots),
        xs=tuple(p[0] for _, p in knots),
        ys=tuple(p[1] for _, p in knots),
    )


def _timed(points: Sequence[Point], start: float, speed: float) -> list[tuple[float, Point]]:
    knots = [(start, points[0])]
    for a, b in itertools.pairwise(points):
        knots.append((knots[-1][0] + distance(a, b) / speed, b))
    return knots


def _visited(scenario: Scenario, name: str | None, points: Sequence[Point]) -> SiteSpec:
    """The site a visitor enters: the one named, else the one whose door is nearest the path."""
    if name is not None:
        return next(site for site in scenario.sites if site.name == name)
    return min(scenario.sites, key=lambda site: project(points, site.position)[2])
